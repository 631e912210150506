// Conformance: directories (mkdir, makedirs, rmdir by POSIX rules) and moves (mv).
#include "conformance.hpp"

using namespace cofs;
using namespace cofs::testing;

CONFORMANCE_CASE("mkdir makes a directory", Cap::directories) {
  co_await via.mkdir(b.at("d"));
  bool d = co_await via.isdir(b.at("d"));
  CHECK(d);
}

CONFORMANCE_CASE("mkdir of an existing directory raises FileExistsError naming it",
                 Cap::directories) {
  co_await via.mkdir(b.at("d"));
  CHECK_THROWS_NAMING(co_await via.mkdir(b.at("d")), FileExistsError, "mkdir", "d");
}

CONFORMANCE_CASE("mkdir without create_parents under a missing parent raises FileNotFoundError",
                 Cap::directories) {
  CHECK_THROWS_NAMING(co_await via.mkdir(b.at("no/parent"), false), FileNotFoundError, "no/parent");
}

CONFORMANCE_CASE("mkdir makes missing parents by default", Cap::directories) {
  co_await via.mkdir(b.at("deep/er/est"));
  bool parent = co_await via.isdir(b.at("deep/er"));
  bool leaf = co_await via.isdir(b.at("deep/er/est"));
  CHECK(parent);
  CHECK(leaf);
}

CONFORMANCE_CASE("makedirs makes every level", Cap::directories) {
  co_await via.makedirs(b.at("m/n/o"));
  bool made = co_await via.isdir(b.at("m/n/o"));
  CHECK(made);
}

CONFORMANCE_CASE("makedirs of an existing directory raises unless exist_ok", Cap::directories) {
  co_await via.makedirs(b.at("m/n/o"));
  CHECK_THROWS_NAMING(co_await via.makedirs(b.at("m/n/o")), FileExistsError, "m/n/o");
  co_await via.makedirs(b.at("m/n/o"), true);
  bool still = co_await via.isdir(b.at("m/n/o"));
  CHECK(still);
}

CONFORMANCE_CASE("makedirs over a file raises FileExistsError even with exist_ok", Cap::directories,
                 Cap::write) {
  co_await via.write(b.at("m/file"), "z");
  CHECK_THROWS_NAMING(co_await via.makedirs(b.at("m/file"), true), FileExistsError, "m/file");
}

CONFORMANCE_CASE("rmdir removes an empty directory", Cap::directories, Cap::rmdir) {
  co_await via.makedirs(b.at("m/n/o"));
  co_await via.rmdir(b.at("m/n/o"));
  bool there = co_await via.exists(b.at("m/n/o"));
  CHECK_FALSE(there);
}

CONFORMANCE_CASE("rmdir of a non-empty directory raises DirectoryNotEmptyError", Cap::directories,
                 Cap::rmdir) {
  co_await via.makedirs(b.at("m/n/o"));
  CHECK_THROWS_NAMING(co_await via.rmdir(b.at("m/n")), DirectoryNotEmptyError, "rmdir", "m/n");
}

CONFORMANCE_CASE("rmdir of a missing directory raises FileNotFoundError naming it",
                 Cap::directories, Cap::rmdir) {
  CHECK_THROWS_NAMING(co_await via.rmdir(b.at("m/n/o")), FileNotFoundError, "rmdir", "m/n/o");
}

CONFORMANCE_CASE("rmdir of a file raises NotADirectoryError naming it", Cap::directories,
                 Cap::rmdir, Cap::write) {
  co_await via.write(b.at("m/file"), "z");
  CHECK_THROWS_NAMING(co_await via.rmdir(b.at("m/file")), NotADirectoryError, "m/file");
}

CONFORMANCE_CASE("mv of a file moves its contents to the new name", Cap::write) {
  co_await via.pipe_file(b.at("src"), std::string_view("payload"));
  co_await via.mv(b.at("src"), b.at("dst"));
  bool src = co_await via.exists(b.at("src"));
  Bytes dst = co_await via.cat_file(b.at("dst"));
  CHECK_FALSE(src);
  CHECK(str(dst) == "payload");
}

CONFORMANCE_CASE("mv of a path onto itself raises InvalidArgumentError naming it", Cap::write) {
  co_await via.pipe_file(b.at("dst"), std::string_view("payload"));
  CHECK_THROWS_NAMING(co_await via.mv(b.at("dst"), b.at("dst")), InvalidArgumentError, "dst");
  Bytes kept = co_await via.cat_file(b.at("dst"));
  CHECK(str(kept) == "payload");
}

CONFORMANCE_CASE("mv with recursive moves a tree", Cap::write) {
  co_await via.write(b.at("tree/a"), "A");
  co_await via.write(b.at("tree/s/b"), "B");
  co_await via.mv(b.at("tree"), b.at("moved"), BulkOptions{.recursive = true});
  bool old = co_await via.exists(b.at("tree/a"));
  Bytes a = co_await via.cat_file(b.at("moved/a"));
  Bytes sb = co_await via.cat_file(b.at("moved/s/b"));
  CHECK_FALSE(old);
  CHECK(str(a) == "A");
  CHECK(str(sb) == "B");
}

CONFORMANCE_CASE("mv of a file into an existing directory lands below it", Cap::write,
                 Cap::directories) {
  co_await via.pipe_file(b.at("dst"), std::string_view("payload"));
  co_await via.mkdir(b.at("box"));
  co_await via.mv(b.at("dst"), b.at("box"));
  Bytes got = co_await via.cat_file(b.at("box/dst"));
  CHECK(str(got) == "payload");
}
