// Conformance: open's modes — a, x, r+, w+, a+ — holes, and the modes and paths it refuses.
#include "conformance.hpp"

using namespace cofs;
using namespace cofs::testing;

namespace {

template <class Via>
Task<std::string> text_of(Via& via, std::string path) {
  Bytes got = co_await via.cat_file(std::move(path));
  co_return got.str();
}

}  // namespace

CONFORMANCE_CASE("mode a appends to the end of a file", Cap::write) {
  co_await via.pipe_file(b.at("m.txt"), std::string_view("abc"));
  auto f = co_await via.open(b.at("m.txt"), "ab");
  co_await f.write("def");
  co_await f.close();
  std::string got = co_await text_of(via, b.at("m.txt"));
  CHECK(got == "abcdef");
}

TEST_CASE("a File dropped without close is closed, and written, by its destructor",
          "[conformance]") {
  for_each_backend({Cap::write}, [](Backend& b) {
    b.fs->pipe_file(b.at("m.txt"), std::string_view("abc"));
    {
      File f = b.fs->open(b.at("m.txt"), "ab");
      f.write("def");
    }
    CHECK(str(b.fs->cat_file(b.at("m.txt"))) == "abcdef");
  });
}

CONFORMANCE_CASE("mode x refuses an existing file with FileExistsError naming it", Cap::write) {
  co_await via.pipe_file(b.at("m.txt"), std::string_view("abc"));
  CHECK_THROWS_NAMING(co_await via.open(b.at("m.txt"), "xb"), FileExistsError, "m.txt");
  std::string kept = co_await text_of(via, b.at("m.txt"));
  CHECK(kept == "abc");
}

CONFORMANCE_CASE("mode x makes a new file", Cap::write) {
  auto f = co_await via.open(b.at("new.txt"), "x");
  co_await f.write("fresh");
  co_await f.close();
  std::string got = co_await text_of(via, b.at("new.txt"));
  CHECK(got == "fresh");
}

CONFORMANCE_CASE("open refuses an unknown mode with InvalidArgumentError naming the path") {
  co_await via.write(b.at("m.txt"), "abc");
  CHECK_THROWS_NAMING(co_await via.open(b.at("m.txt"), "rw"), InvalidArgumentError, "m.txt");
  CHECK_THROWS_NAMING(co_await via.open(b.at("m.txt"), "q"), InvalidArgumentError, "m.txt");
}

CONFORMANCE_CASE("open of a directory raises IsADirectoryError naming it") {
  co_await via.write(b.at("adir/in.txt"), "x");
  CHECK_THROWS_NAMING(co_await via.open(b.at("adir"), "rb"), IsADirectoryError, "adir");
}

CONFORMANCE_CASE("open of a missing path raises FileNotFoundError naming open and the path") {
  CHECK_THROWS_NAMING(co_await via.open(b.at("nope.txt"), "rb"), FileNotFoundError, "open",
                      "nope.txt");
}

TEST_CASE("a backend without read-write modes refuses r+ with NotSupportedError", "[conformance]") {
  for_each_backend([](Backend& b) {
    write(b, "m.txt", "abc");
    if (b.caps.read_write_modes && b.caps.write) {
      NOT_APPLICABLE(b.fs->protocol() << " has read_write_modes");
      return;
    }
    CHECK_THROWS_NAMING(b.fs->open(b.at("m.txt"), "r+b"), NotSupportedError, "m.txt");
  });
}

CONFORMANCE_CASE("a read-only backend refuses to open for writing with NotSupportedError") {
  if (b.caps.write) {
    NOT_APPLICABLE("the backend can write");
    co_return;
  }
  CHECK_THROWS_NAMING(co_await via.open(b.at("w.txt"), "wb"), NotSupportedError, "open", "w.txt");
  CHECK_THROWS_NAMING(co_await via.pipe_file(b.at("w.txt"), std::string_view("x")),
                      NotSupportedError, "pipe_file", "w.txt");
}

CONFORMANCE_CASE("mode r+ overwrites in place and reads back", Cap::write, Cap::read_write_modes) {
  co_await via.pipe_file(b.at("m.txt"), std::string_view("abcdef"));
  auto f = co_await via.open(b.at("m.txt"), "r+b");
  co_await f.seek(2);
  co_await f.write("XY");
  co_await f.seek(0);
  Bytes seen = co_await f.read();
  co_await f.close();
  std::string stored = co_await text_of(via, b.at("m.txt"));
  CHECK(str(seen) == "abXYef");
  CHECK(stored == "abXYef");
}

CONFORMANCE_CASE("mode w+ truncates, and reads back what it wrote", Cap::write,
                 Cap::read_write_modes) {
  co_await via.pipe_file(b.at("m.txt"), std::string_view("abcdef"));
  auto f = co_await via.open(b.at("m.txt"), "w+b");
  co_await f.write("12345");
  co_await f.seek(1);
  Bytes two = co_await f.read(2);
  co_await f.close();
  std::string stored = co_await text_of(via, b.at("m.txt"));
  CHECK(str(two) == "23");
  CHECK(stored == "12345");
}

CONFORMANCE_CASE("a write past the end leaves a hole that reads as zeros", Cap::write,
                 Cap::read_write_modes) {
  auto f = co_await via.open(b.at("m.txt"), "w+b");
  co_await f.write("12345");
  co_await f.seek(8);
  co_await f.write("Z");
  co_await f.close();
  Bytes got = co_await via.cat_file(b.at("m.txt"));
  CHECK(got.view() == std::string_view("12345\0\0\0Z", 9));
}

CONFORMANCE_CASE("mode a+ writes at the end and reads from anywhere", Cap::write,
                 Cap::read_write_modes) {
  co_await via.pipe_file(b.at("m.txt"), std::string_view("12345\0\0\0Z", 9));
  auto f = co_await via.open(b.at("m.txt"), "a+b");
  co_await f.write("!");
  co_await f.seek(0);
  Bytes front = co_await f.read(2);
  co_await f.close();
  std::uint64_t n = co_await via.size(b.at("m.txt"));
  CHECK(str(front) == "12");
  CHECK(n == 10);
}
