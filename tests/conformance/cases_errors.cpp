// Conformance: errors name the operation and the path — each operation on a missing path, and
// the operations that need a file given a directory.
#include "conformance.hpp"

using namespace cofs;
using namespace cofs::testing;

CONFORMANCE_CASE("info of a missing path raises FileNotFoundError naming info and the path") {
  CHECK_THROWS_NAMING(co_await via.info(b.at("nope.txt")), FileNotFoundError, "info", "nope.txt");
}

CONFORMANCE_CASE("cat_file of a missing path raises FileNotFoundError naming cat_file") {
  CHECK_THROWS_NAMING(co_await via.cat_file(b.at("nope.txt")), FileNotFoundError, "cat_file",
                      "nope.txt");
}

CONFORMANCE_CASE("a not-found error carries the code no_such_file_or_directory") {
  try {
    co_await via.cat_file(b.at("nope.txt"));
    FAIL_CHECK("cat_file of a missing path returned");
  } catch (const FileNotFoundError& e) {
    CHECK(e.code() == std::errc::no_such_file_or_directory);
  }
}

CONFORMANCE_CASE("ls of a missing directory raises FileNotFoundError naming ls and the path") {
  CHECK_THROWS_NAMING(co_await via.ls(b.at("nodir")), FileNotFoundError, "ls", "nodir");
}

CONFORMANCE_CASE("size of a missing path raises FileNotFoundError naming the path") {
  CHECK_THROWS_NAMING(co_await via.size(b.at("nope.txt")), FileNotFoundError, "nope.txt");
}

CONFORMANCE_CASE("head, tail and read_block of a missing path raise FileNotFoundError") {
  CHECK_THROWS_NAMING(co_await via.head(b.at("nope.txt"), 4), FileNotFoundError, "nope.txt");
  CHECK_THROWS_NAMING(co_await via.tail(b.at("nope.txt"), 4), FileNotFoundError, "nope.txt");
  CHECK_THROWS_NAMING(co_await via.read_block(b.at("nope.txt"), 0, 4), FileNotFoundError,
                      "nope.txt");
}

CONFORMANCE_CASE("checksum and modified of a missing path raise FileNotFoundError") {
  CHECK_THROWS_NAMING(co_await via.checksum(b.at("nope.txt")), FileNotFoundError, "nope.txt");
  CHECK_THROWS_NAMING(co_await via.modified(b.at("nope.txt")), FileNotFoundError, "nope.txt");
}

CONFORMANCE_CASE("find of a missing path raises FileNotFoundError naming the path") {
  CHECK_THROWS_NAMING(co_await via.find(b.at("missing")), FileNotFoundError, "missing");
}

CONFORMANCE_CASE("rm_file of a missing path raises FileNotFoundError naming the path", Cap::write) {
  CHECK_THROWS_NAMING(co_await via.rm_file(b.at("solo")), FileNotFoundError, "rm_file", "solo");
}

CONFORMANCE_CASE("rm of a missing path raises FileNotFoundError", Cap::write) {
  CHECK_THROWS_NAMING(co_await via.rm(b.at("t"), BulkOptions{.recursive = true}), FileNotFoundError,
                      "t");
}

CONFORMANCE_CASE("mv of a missing source raises FileNotFoundError naming it", Cap::write) {
  CHECK_THROWS_NAMING(co_await via.mv(b.at("ghost"), b.at("x")), FileNotFoundError, "ghost");
}

CONFORMANCE_CASE("copy of a missing source raises FileNotFoundError naming it", Cap::write) {
  CHECK_THROWS_NAMING(co_await via.copy(b.at("ghost"), b.at("x")), FileNotFoundError, "ghost");
}

CONFORMANCE_CASE("expand_path of a pattern that matches nothing raises FileNotFoundError") {
  CHECK_THROWS_NAMING(co_await via.expand_path(names(b.at("none*"))), FileNotFoundError, "none*");
}

CONFORMANCE_CASE("cat_file of a directory raises an error naming the path", Cap::plain_paths) {
  co_await via.write(b.at("adir/in.txt"), "x");
  CHECK_THROWS_NAMING(co_await via.cat_file(b.at("adir")), Error, "adir");
}

CONFORMANCE_CASE("rm_file of a directory raises IsADirectoryError naming the path", Cap::write,
                 Cap::directories) {
  co_await via.write(b.at("t/a"), "1");
  CHECK_THROWS_NAMING(co_await via.rm_file(b.at("t")), IsADirectoryError, "rm_file", "t");
  bool kept = co_await via.exists(b.at("t/a"));
  CHECK(kept);
}

CONFORMANCE_CASE("copy of a directory without recursive raises IsADirectoryError", Cap::write) {
  co_await via.write(b.at("sub/c.txt"), "c");
  CHECK_THROWS_NAMING(co_await via.copy(b.at("sub"), b.at("x")), IsADirectoryError, "sub");
}

CONFORMANCE_CASE("an operation on a path below a file raises an error naming the path", Cap::write,
                 Cap::directories) {
  co_await via.write(b.at("plain"), "x");
  CHECK_THROWS_NAMING(co_await via.cat_file(b.at("plain/child")), Error, "plain/child");
  CHECK_THROWS_NAMING(co_await via.ls(b.at("plain/child")), Error, "plain/child");
}
