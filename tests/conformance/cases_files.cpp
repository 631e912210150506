// Conformance: file objects — write/read/seek/tell, lines and chunks, and refusals by mode.
// (Modes a, x, r+, w+ are cases_modes.cpp's.)
#include "conformance.hpp"

using namespace cofs;
using namespace cofs::testing;

namespace {

/// f.bin holding "hello world", written through a file object.
template <class Via>
Task<void> hello_world(Backend& b, Via& via) {
  auto w = co_await via.open(b.at("f.bin"), "wb");
  co_await w.write("hello ");
  co_await w.write("world");
  co_await w.close();
}

std::string numbered_lines() {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "line " + std::to_string(i) + "\n";
  return text + "tail without newline";
}

}  // namespace

CONFORMANCE_CASE("a file object's write returns the bytes taken and moves tell", Cap::write) {
  auto w = co_await via.open(b.at("f.bin"), "wb");
  std::size_t first = co_await w.write("hello ");
  std::size_t second = co_await w.write("world");
  CHECK(first == 6);
  CHECK(second == 5);
  CHECK(w.tell() == 11);
  co_await w.close();
  CHECK(w.closed());
  std::uint64_t n = co_await via.size(b.at("f.bin"));
  CHECK(n == 11);
}

CONFORMANCE_CASE("a file object reads n bytes, then the rest, then nothing") {
  co_await via.write(b.at("f.bin"), "hello world");
  auto r = co_await via.open(b.at("f.bin"), "rb");
  std::uint64_t size = co_await r.size();
  CHECK(size == 11);
  Bytes five = co_await r.read(5);
  CHECK(str(five) == "hello");
  CHECK(r.tell() == 5);
  Bytes rest = co_await r.read();
  CHECK(str(rest) == " world");
  Bytes none = co_await r.read();
  CHECK(str(none) == "");
}

CONFORMANCE_CASE("a file object seeks from the start, the current position and the end") {
  co_await via.write(b.at("f.bin"), "hello world");
  auto r = co_await via.open(b.at("f.bin"), "rb");
  std::uint64_t from_end = co_await r.seek(-5, Whence::end);
  CHECK(from_end == 6);
  Bytes world = co_await r.read(100);
  CHECK(str(world) == "world");
  std::uint64_t from_start = co_await r.seek(1);
  std::uint64_t from_here = co_await r.seek(2, Whence::cur);
  CHECK(from_start == 1);
  CHECK(from_here == 3);
  Bytes lo = co_await r.read(2);
  CHECK(str(lo) == "lo");
}

CONFORMANCE_CASE("a file object refuses a seek before the start, naming the path") {
  co_await via.write(b.at("f.bin"), "hello world");
  auto r = co_await via.open(b.at("f.bin"), "rb");
  CHECK_THROWS_NAMING(co_await r.seek(-1), InvalidArgumentError, "f.bin");
}

CONFORMANCE_CASE("a file opened for reading refuses a write, naming the path") {
  co_await via.write(b.at("f.bin"), "hello world");
  auto r = co_await via.open(b.at("f.bin"), "rb");
  CHECK_THROWS_NAMING(co_await r.write("x"), Error, "f.bin");
}

CONFORMANCE_CASE("a closed file object refuses a read, naming the path") {
  co_await via.write(b.at("f.bin"), "hello world");
  auto r = co_await via.open(b.at("f.bin"), "rb");
  co_await r.close();
  CHECK_THROWS_NAMING(co_await r.read(1), InvalidArgumentError, "f.bin");
}

CONFORMANCE_CASE("a file opened for writing refuses a read, naming the path", Cap::write) {
  co_await hello_world(b, via);
  auto w = co_await via.open(b.at("f.bin"), "wb");
  CHECK_THROWS_NAMING(co_await w.read(1), Error, "f.bin");
  co_await w.close();
}

CONFORMANCE_CASE("opening for writing with w truncates the file", Cap::write) {
  co_await hello_world(b, via);
  auto w = co_await via.open(b.at("f.bin"), "wb");
  co_await w.close();
  std::uint64_t n = co_await via.size(b.at("f.bin"));
  CHECK(n == 0);
}

CONFORMANCE_CASE("readline gives every line, refilling blocks smaller than the file") {
  const std::string text = numbered_lines();
  co_await via.write(b.at("lines.txt"), text);
  auto f = co_await via.open(b.at("lines.txt"), "r", OpenOptions{.block_size = 1000});
  std::string again;
  int count = 0;
  for (;;) {
    Bytes line = co_await f.readline();
    if (line.empty()) break;
    again += line.view();
    ++count;
  }
  CHECK(count == 5001);
  CHECK(again == text);
}

CONFORMANCE_CASE("readline with a limit stops there and goes on from it") {
  co_await via.write(b.at("lines.txt"), "line 0\nline 1\n");
  auto f = co_await via.open(b.at("lines.txt"), "rb");
  Bytes first = co_await f.readline();
  Bytes part = co_await f.readline(3);
  Bytes rest = co_await f.readline();
  CHECK(str(first) == "line 0\n");
  CHECK(str(part) == "lin");
  CHECK(str(rest) == "e 1\n");
}

CONFORMANCE_CASE("next_chunk gives the file in chunks of at most the size asked") {
  const std::string text = numbered_lines();
  co_await via.write(b.at("lines.txt"), text);
  auto f = co_await via.open(b.at("lines.txt"), "rb");
  std::string again;
  bool small = true;
  for (;;) {
    std::optional<Bytes> c = co_await f.next_chunk(4096);
    if (!c) break;
    small = small && c->size() <= 4096;
    again += c->view();
  }
  CHECK(small);
  CHECK(again == text);
}

CONFORMANCE_CASE("a file object of an empty file reads nothing and has size 0") {
  co_await via.write(b.at("empty"), "");
  auto f = co_await via.open(b.at("empty"), "rb");
  std::uint64_t n = co_await f.size();
  Bytes all = co_await f.read();
  Bytes line = co_await f.readline();
  std::optional<Bytes> chunk = co_await f.next_chunk(16);
  CHECK(n == 0);
  CHECK(all.empty());
  CHECK(line.empty());
  CHECK_FALSE(chunk.has_value());
}

// AsyncFile's iterators have no blocking twin: a coroutine on the loop, the test thread waiting.
TEST_CASE("AsyncFile's lines() and iter_chunked() iterate a file", "[conformance]") {
  for_each_backend([](Backend& b) {
    const std::string text = numbered_lines();
    write(b, "lines.txt", text);
    FileSystem& fs = *b.fs;
    const std::string p = b.at("lines.txt");
    auto read_all = [&]() -> Task<std::pair<int, std::size_t>> {
      std::unique_ptr<AsyncFile> f = co_await fs.async_open(p, "rb");
      auto lines = f->lines();
      int n = 0;
      while (auto line = co_await lines.next()) ++n;
      co_await f->seek(0);
      auto chunks = f->iter_chunked(4096);
      std::size_t total = 0;
      while (auto c = co_await chunks.next()) {
        CHECK(c->size() <= 4096);
        total += c->size();
      }
      co_await f->close();
      co_return std::pair{n, total};
    };
    auto [n, total] = sync(fs.loop(), read_all());
    CHECK(n == 5001);
    CHECK(total == text.size());
  });
}
