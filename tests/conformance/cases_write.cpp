// Conformance: writing — pipe_file/pipe, rm_file/rm, touch, checksum, modified (transactions:
// cases_transaction.cpp).
#include "conformance.hpp"

using namespace cofs;
using namespace cofs::testing;

CONFORMANCE_CASE("pipe_file replaces a file's contents", Cap::write) {
  co_await via.pipe_file(b.at("x"), std::string_view("first version, long"));
  co_await via.pipe_file(b.at("x"), std::string_view("second"));
  Bytes got = co_await via.cat_file(b.at("x"));
  CHECK(str(got) == "second");
}

CONFORMANCE_CASE("pipe_file of nothing makes an empty file", Cap::write) {
  co_await via.pipe_file(b.at("e"), std::string_view(""));
  bool is_file = co_await via.isfile(b.at("e"));
  std::uint64_t n = co_await via.size(b.at("e"));
  CHECK(is_file);
  CHECK(n == 0);
}

CONFORMANCE_CASE("pipe writes many files in batches", Cap::write) {
  bool dirs = b.caps.directories;
  if (dirs) co_await via.makedirs(b.at("p"), true);
  std::map<std::string, Bytes> many;
  for (int i = 0; i < 30; ++i)
    many.emplace(b.at("p/" + std::to_string(i)), Bytes(std::to_string(i * i)));
  std::vector<PathError> errors = co_await via.pipe(std::move(many), BulkOptions{.batch_size = 4});
  Bytes seven = co_await via.cat_file(b.at("p/7"));
  Names found = co_await via.find(b.at("p"));
  CHECK(errors.empty());
  CHECK(str(seven) == "49");
  CHECK(found.size() == 30);
}

CONFORMANCE_CASE("rm_file removes a file", Cap::write) {
  co_await via.pipe_file(b.at("solo"), std::string_view("4"));
  co_await via.rm_file(b.at("solo"));
  bool there = co_await via.exists(b.at("solo"));
  CHECK_FALSE(there);
}

CONFORMANCE_CASE("rm of a non-empty directory without recursive is refused", Cap::write,
                 Cap::directories) {
  co_await via.write(b.at("t/a"), "1");
  CHECK_THROWS_NAMING(co_await via.rm(b.at("t")), Error, "t");
  bool kept = co_await via.exists(b.at("t/a"));
  CHECK(kept);
}

CONFORMANCE_CASE("rm with recursive removes a whole tree", Cap::write) {
  co_await via.write(b.at("t/a"), "1");
  co_await via.write(b.at("t/s/b"), "2");
  co_await via.write(b.at("t/s/u/c"), "3");
  co_await via.rm(b.at("t"), BulkOptions{.recursive = true});
  bool deep = co_await via.exists(b.at("t/s/u/c"));
  bool top = co_await via.exists(b.at("t"));
  CHECK_FALSE(deep);
  CHECK_FALSE(top);
}

CONFORMANCE_CASE("rm with on_error return reports each failed path and goes on", Cap::write) {
  co_await via.pipe_file(b.at("k1"), std::string_view("x"));
  std::vector<PathError> errors =
      co_await via.rm(names(b.at("k1"), b.at("k2")), BulkOptions{.on_error = OnError::return_});
  bool k1 = co_await via.exists(b.at("k1"));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].path == b.at("k2"));
  CHECK_FALSE(k1);
}

CONFORMANCE_CASE("touch makes an empty file", Cap::write) {
  co_await via.touch(b.at("t"));
  bool is_file = co_await via.isfile(b.at("t"));
  std::uint64_t n = co_await via.size(b.at("t"));
  CHECK(is_file);
  CHECK(n == 0);
}

CONFORMANCE_CASE("touch without truncate keeps the contents, with truncate empties", Cap::write) {
  co_await via.pipe_file(b.at("t"), std::string_view("abc"));
  co_await via.touch(b.at("t"), false);
  Bytes kept = co_await via.cat_file(b.at("t"));
  CHECK(str(kept) == "abc");
  co_await via.touch(b.at("t"), true);
  std::uint64_t n = co_await via.size(b.at("t"));
  CHECK(n == 0);
}

CONFORMANCE_CASE("modified is close to now for a file just written", Cap::write, Cap::mtime) {
  co_await via.touch(b.at("t"));
  FileInfo::TimePoint m = co_await via.modified(b.at("t"));
  auto age = std::chrono::system_clock::now() - m;
  CHECK(age < std::chrono::hours(1));
  CHECK(age > -std::chrono::hours(1));
}

CONFORMANCE_CASE("checksum is stable for unchanged contents and changes with them", Cap::write) {
  co_await via.pipe_file(b.at("c"), std::string_view("one"));
  std::string k1 = co_await via.checksum(b.at("c"));
  std::string again = co_await via.checksum(b.at("c"));
  CHECK(k1 == again);
  co_await via.pipe_file(b.at("c"), std::string_view("other contents"));
  std::string k2 = co_await via.checksum(b.at("c"));
  std::string ukey = co_await via.ukey(b.at("c"));
  CHECK(k1 != k2);
  CHECK(ukey == k2);
}
