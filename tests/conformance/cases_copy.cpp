// Conformance: copy by fsspec's trailing-slash and recursion rules, and paths that hold glob
// characters (a path that exists as written is that path, not a pattern).
#include "conformance.hpp"

using namespace cofs;
using namespace cofs::testing;

namespace {

/// An empty target directory `name` below the root (made where the backend has directories).
template <class Via>
Task<std::string> target(Backend& b, Via& via, std::string name) {
  if (b.caps.directories) co_await via.mkdir(b.at(name));
  co_return b.at(name);
}

template <class Via>
Task<std::string> text_of(Via& via, std::string path) {
  Bytes got = co_await via.cat_file(std::move(path));
  co_return str(got);
}

}  // namespace

CONFORMANCE_CASE("copy of a file into a directory named with a slash keeps its name", Cap::write) {
  co_await make_tree(b, via);
  std::string t = co_await target(b, via, "t");
  co_await via.copy(b.at("a.txt"), t + "/");
  std::string got = co_await text_of(via, t + "/a.txt");
  CHECK(got == "aaa");
}

CONFORMANCE_CASE("copy of a file to a new name makes that file", Cap::write) {
  co_await make_tree(b, via);
  std::string t = co_await target(b, via, "t");
  co_await via.copy(b.at("a.txt"), t + "/renamed");
  std::string got = co_await text_of(via, t + "/renamed");
  CHECK(got == "aaa");
}

CONFORMANCE_CASE("copy to a new path with a trailing slash makes it a directory", Cap::write) {
  co_await make_tree(b, via);
  std::string t = co_await target(b, via, "t");
  co_await via.copy(b.at("a.txt"), t + "/newdir/");
  std::string got = co_await text_of(via, t + "/newdir/a.txt");
  CHECK(got == "aaa");
}

CONFORMANCE_CASE("copy makes the missing parents of its target", Cap::write) {
  co_await make_tree(b, via);
  std::string t = co_await target(b, via, "t");
  co_await via.copy(b.at("a.txt"), t + "/n1/n2/file");
  std::string got = co_await text_of(via, t + "/n1/n2/file");
  CHECK(got == "aaa");
}

CONFORMANCE_CASE("copy of a directory, recursive, into an existing directory keeps its name",
                 Cap::write) {
  co_await make_tree(b, via);
  std::string t = co_await target(b, via, "t");
  co_await via.copy(b.at("sub"), t + "/", BulkOptions{.recursive = true});
  Names found = co_await via.find(t);
  CHECK(rel(b, found) ==
        Names{"t/sub/c.txt", "t/sub/d.bin", "t/sub/nested/deeper/f.txt", "t/sub/nested/e.txt"});
}

CONFORMANCE_CASE("copy of a directory with a trailing slash copies its contents", Cap::write) {
  co_await make_tree(b, via);
  std::string t = co_await target(b, via, "t");
  co_await via.copy(b.at("sub") + "/", t + "/", BulkOptions{.recursive = true});
  Names found = co_await via.find(t);
  CHECK(rel(b, found) == Names{"t/c.txt", "t/d.bin", "t/nested/deeper/f.txt", "t/nested/e.txt"});
}

CONFORMANCE_CASE("copy of a directory to a new path becomes that path", Cap::write) {
  co_await make_tree(b, via);
  co_await via.copy(b.at("sub"), b.at("newt"), BulkOptions{.recursive = true});
  Names found = co_await via.find(b.at("newt"));
  CHECK(rel(b, found) ==
        Names{"newt/c.txt", "newt/d.bin", "newt/nested/deeper/f.txt", "newt/nested/e.txt"});
}

CONFORMANCE_CASE("copy with maxdepth limits a recursive copy", Cap::write) {
  co_await make_tree(b, via);
  std::string t = co_await target(b, via, "t");
  co_await via.copy(b.at("sub"), t + "/", BulkOptions{.recursive = true, .maxdepth = 1});
  Names found = co_await via.find(t);
  CHECK(rel(b, found) == Names{"t/sub/c.txt", "t/sub/d.bin"});
}

CONFORMANCE_CASE("copy of a glob copies its matches", Cap::write) {
  co_await make_tree(b, via);
  std::string t = co_await target(b, via, "t");
  co_await via.copy(b.at("sub/*.txt"), t + "/");
  Names found = co_await via.find(t);
  CHECK(rel(b, found) == Names{"t/c.txt"});
}

CONFORMANCE_CASE("copy of a list of files flattens them into the target", Cap::write) {
  co_await make_tree(b, via);
  std::string u = co_await target(b, via, "u");
  co_await via.copy(names(b.at("a.txt"), b.at("sub/nested/e.txt")), u + "/");
  Names found = co_await via.find(u);
  CHECK(rel(b, found) == Names{"u/a.txt", "u/e.txt"});
}

CONFORMANCE_CASE("copy reports progress with one update per file", Cap::write) {
  co_await make_tree(b, via);
  std::string t = co_await target(b, via, "t");
  FunctionCallback cb;
  std::vector<std::uint64_t> seen;
  cb.on_update = [&](std::uint64_t v, std::optional<std::uint64_t>) { seen.push_back(v); };
  co_await via.copy(b.at("sub"), t + "/", BulkOptions{.recursive = true, .callback = &cb});
  CHECK(cb.size() == 4u);
  CHECK(seen == std::vector<std::uint64_t>{1, 2, 3, 4});
}

namespace {

template <class Via>
Task<void> bracketed_fixture(Backend& b, Via& via) {
  Fixtures files;
  files.emplace_back(b.at("a[1].txt"), "bracketed");
  files.emplace_back(b.at("a1.txt"), "plain");
  files.emplace_back(b.at("b1.txt"), "b");
  files.emplace_back(b.at("d[x]/in.txt"), "in");
  files.emplace_back(b.at("dx/other.txt"), "other");
  co_await via.write_all(std::move(files));
}

}  // namespace

CONFORMANCE_CASE("expand_path and cat take a path with glob characters that exists as written") {
  co_await bracketed_fixture(b, via);
  Names expanded = co_await via.expand_path(names(b.at("a[1].txt")));
  CHECK(rel(b, expanded) == Names{"a[1].txt"});
  CatResult got = co_await via.cat(b.at("a[1].txt"));
  REQUIRE(got.size() == 1);
  CHECK(str(got.begin()->second.value()) == "bracketed");
}

CONFORMANCE_CASE("copy and mv take a path with glob characters that exists as written",
                 Cap::write) {
  co_await bracketed_fixture(b, via);
  co_await via.copy(b.at("a[1].txt"), b.at("copied"));  // to that name, as a plain path is
  std::string copied = co_await text_of(via, b.at("copied"));
  CHECK(copied == "bracketed");
  co_await via.mv(b.at("a[1].txt"), b.at("moved[1].txt"));
  std::string moved = co_await text_of(via, b.at("moved[1].txt"));
  CHECK(moved == "bracketed");
}

CONFORMANCE_CASE("rm takes a path with glob characters that exists as written", Cap::write) {
  co_await bracketed_fixture(b, via);
  co_await via.rm(b.at("a[1].txt"));
  bool gone = co_await via.exists(b.at("a[1].txt"));
  std::string other = co_await text_of(via, b.at("a1.txt"));
  CHECK_FALSE(gone);
  CHECK(other == "plain");
}

CONFORMANCE_CASE("rm of a path with glob characters that is not there is a pattern", Cap::write) {
  co_await bracketed_fixture(b, via);
  co_await via.rm(b.at("b[1].txt"));
  bool matched = co_await via.exists(b.at("b1.txt"));
  CHECK_FALSE(matched);
}

CONFORMANCE_CASE("recursive calls take a directory with glob characters, and only it", Cap::write) {
  co_await bracketed_fixture(b, via);
  Names expanded = co_await via.expand_path(names(b.at("d[x]")), true);
  CHECK(rel(b, expanded) == Names{"d[x]", "d[x]/in.txt"});
  co_await via.rm(b.at("d[x]"), BulkOptions{.recursive = true});
  std::string other = co_await text_of(via, b.at("dx/other.txt"));
  bool gone = co_await via.exists(b.at("d[x]/in.txt"));
  CHECK(other == "other");
  CHECK_FALSE(gone);
}
