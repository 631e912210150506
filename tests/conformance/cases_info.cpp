// Conformance: what a backend says about present paths — info, ls, exists/isfile/isdir, sizes.
// (Absent paths as values are cases_absence.cpp's; errors on absent paths are cases_errors.cpp's.)
#include <algorithm>

#include "conformance.hpp"

using namespace cofs;
using namespace cofs::testing;

CONFORMANCE_CASE("info of a file gives its full name, the file type and its size") {
  co_await via.write(b.at("a.txt"), "hello");
  FileInfo i = co_await via.info(b.at("a.txt"));
  CHECK(i.name == b.at("a.txt"));
  CHECK(i.is_file());
  CHECK_FALSE(i.is_dir());
  CHECK(i.size == 5);
}

CONFORMANCE_CASE("info of a file gives its modification time", Cap::mtime) {
  co_await via.write(b.at("a.txt"), "hello");
  FileInfo i = co_await via.info(b.at("a.txt"));
  CHECK(i.mtime.has_value());
}

CONFORMANCE_CASE("info of a directory says it is a directory") {
  co_await via.write(b.at("sub/b.bin"), "xy");
  FileInfo d = co_await via.info(b.at("sub"));
  CHECK(d.is_dir());
  CHECK_FALSE(d.is_file());
}

CONFORMANCE_CASE("ls_names of a directory gives each child's full path once") {
  co_await via.write(b.at("a.txt"), "hello");
  co_await via.write(b.at("sub/b.bin"), "xy");
  std::vector<std::string> names = co_await via.ls_names(b.root);
  std::sort(names.begin(), names.end());
  CHECK(names == Names{b.at("a.txt"), b.at("sub")});
}

CONFORMANCE_CASE("ls of a directory gives each entry's name and size") {
  co_await via.write(b.at("sub/b.bin"), "xy");
  std::vector<FileInfo> entries = co_await via.ls(b.at("sub"));
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].name == b.at("sub/b.bin"));
  CHECK(entries[0].size == 2);
  CHECK(entries[0].is_file());
}

CONFORMANCE_CASE("ls of a file lists the file itself, as fsspec does") {
  co_await via.write(b.at("a.txt"), "hello");
  std::vector<FileInfo> self = co_await via.ls(b.at("a.txt"));
  REQUIRE(self.size() == 1);
  CHECK(self[0].name == b.at("a.txt"));
}

CONFORMANCE_CASE("ls of an empty directory is empty", Cap::directories) {
  co_await via.mkdir(b.at("empty"));
  std::vector<std::string> names = co_await via.ls_names(b.at("empty"));
  CHECK(names.empty());
}

CONFORMANCE_CASE("exists is true for a present file and a present directory") {
  co_await via.write(b.at("sub/b.bin"), "xy");
  bool file = co_await via.exists(b.at("sub/b.bin"));
  bool dir = co_await via.exists(b.at("sub"));
  CHECK(file);
  CHECK(dir);
}

CONFORMANCE_CASE("isfile tells a file from a directory") {
  co_await via.write(b.at("sub/b.bin"), "xy");
  bool of_file = co_await via.isfile(b.at("sub/b.bin"));
  bool of_dir = co_await via.isfile(b.at("sub"));
  CHECK(of_file);
  CHECK_FALSE(of_dir);
}

CONFORMANCE_CASE("isdir tells a directory from a file") {
  co_await via.write(b.at("sub/b.bin"), "xy");
  bool of_dir = co_await via.isdir(b.at("sub"));
  bool of_file = co_await via.isdir(b.at("sub/b.bin"));
  CHECK(of_dir);
  CHECK_FALSE(of_file);
}

CONFORMANCE_CASE("size gives a file's length in bytes") {
  co_await via.write(b.at("a.txt"), "hello");
  std::uint64_t n = co_await via.size(b.at("a.txt"));
  CHECK(n == 5);
}

CONFORMANCE_CASE("sizes gives each path's size in input order") {
  co_await via.write(b.at("a.txt"), "hello");
  co_await via.write(b.at("sub/b.bin"), "xy");
  Names paths{b.at("a.txt"), b.at("sub/b.bin")};
  std::vector<Outcome<std::uint64_t>> sizes = co_await via.sizes(paths);
  REQUIRE(sizes.size() == 2);
  std::uint64_t first = sizes[0].value();
  std::uint64_t second = sizes[1].value();
  CHECK(first == 5);
  CHECK(second == 2);
}

CONFORMANCE_CASE("names with spaces and non-ASCII letters are kept exactly", Cap::plain_paths) {
  const std::string spaced = b.at("with space.txt");
  const std::string unicode = b.at("\xc3\xa9t\xc3\xa9 \xe2\x82\xac.txt");  // "été €.txt"
  co_await via.write(spaced, "s");
  co_await via.write(unicode, "u");
  std::vector<std::string> names = co_await via.ls_names(b.root);
  std::sort(names.begin(), names.end());
  CHECK(names == Names{spaced, unicode});
  Bytes s = co_await via.cat_file(spaced);
  Bytes u = co_await via.cat_file(unicode);
  CHECK(str(s) == "s");
  CHECK(str(u) == "u");
  FileInfo i = co_await via.info(unicode);
  CHECK(i.name == unicode);
}
