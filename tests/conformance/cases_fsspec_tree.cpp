// Conformance: the tree calls as fsspec answers them — glob's maxdepth for `**`, expand_path
// when nothing matches, walk's order, and cat over patterns that match directories.
#include <map>

#include "conformance.hpp"

using namespace cofs;
using namespace cofs::testing;

namespace {

/// A tree that branches at two levels, so that depth-first and level order differ.
template <class Via>
Task<void> branching_tree(Backend& b, Via& via) {
  static const char* const kFiles[] = {"a/x/1.txt", "a/x/deep/2.txt", "a/y/3.txt",
                                       "a/4.txt",   "b/5.txt",        "6.txt"};
  Fixtures files;
  for (const char* n : kFiles) files.emplace_back(b.at(n), n);
  co_await via.write_all(std::move(files));
}

Names roots_of(const Backend& b, const std::vector<WalkEntry>& walked) {
  Names out;
  for (const WalkEntry& w : walked)
    out.push_back(w.root == b.root ? "." : w.root.substr(b.root.size() + 1));
  return out;
}

}  // namespace

CONFORMANCE_CASE("glob of dir/** with maxdepth 1 gives the directory and its children only") {
  co_await make_tree(b, via);
  Names top = co_await via.glob(b.at("**"), 1);
  CHECK(rel(b, top) == Names{".", "a.txt", "b.csv", "k1.log", "k2.log", "ka.log", "sub"});
  Names two = co_await via.glob(b.at("sub/**"), 2);
  CHECK(rel(b, two) == Names{"sub", "sub/c.txt", "sub/d.bin", "sub/nested", "sub/nested/deeper",
                             "sub/nested/e.txt"});
}

CONFORMANCE_CASE("glob of dir/**/name with maxdepth counts the levels from where ** stands") {
  co_await make_tree(b, via);
  Names one = co_await via.glob(b.at("**/nested*"), 1);
  Names two = co_await via.glob(b.at("**/nested*"), 2);
  Names below = co_await via.glob(b.at("sub/**/e.txt"), 1);
  Names deeper = co_await via.glob(b.at("sub/**/e.txt"), 2);
  Names starred = co_await via.glob(b.at("*/**/e.txt"), 2);
  CHECK(one.empty());  // nested lies two levels down
  CHECK(rel(b, two) == Names{"sub/nested"});
  CHECK(below.empty());
  CHECK(rel(b, deeper) == Names{"sub/nested/e.txt"});
  CHECK(rel(b, starred) == Names{"sub/nested/e.txt"});
}

CONFORMANCE_CASE("expand_path of a pattern that matches nothing within maxdepth is FileNotFound") {
  co_await make_tree(b, via);
  CHECK_THROWS_NAMING(co_await via.expand_path(names(b.at("**/nested*")), false, 1),
                      FileNotFoundError, "expand_path", "nested*");
  Names two = co_await via.expand_path(names(b.at("**/nested*")), false, 2);
  CHECK(rel(b, two) == Names{"sub/nested"});
}

CONFORMANCE_CASE("expand_path of a ** pattern, recursive, with maxdepth stops at that depth") {
  co_await make_tree(b, via);
  Names one = co_await via.expand_path(names(b.at("sub/**")), true, 1);
  CHECK(rel(b, one) == Names{"sub", "sub/c.txt", "sub/d.bin", "sub/nested"});
}

CONFORMANCE_CASE("glob refuses ** inside a name and maxdepth below 1, naming the pattern") {
  co_await make_tree(b, via);
  CHECK_THROWS_NAMING(co_await via.glob(b.at("su**b/*.txt")), InvalidArgumentError, "glob",
                      "su**b");
  CHECK_THROWS_NAMING(co_await via.glob(b.at("sub/***")), InvalidArgumentError, "glob", "***");
  CHECK_THROWS_NAMING(co_await via.glob(b.at("**"), 0), InvalidArgumentError, "glob", "maxdepth");
  CHECK_THROWS_NAMING(co_await via.expand_path(names(b.at("a**b")), true), InvalidArgumentError,
                      "glob", "a**b");
  // An unbalanced '[' in a bulk call's path that is not there: the glob's error, not a guess.
  CHECK_THROWS_NAMING(co_await via.cat(b.at("k[1.log")), InvalidArgumentError, "glob", "k[1.log");
}

CONFORMANCE_CASE("walk goes depth-first, a directory before its subdirectories, as os.walk") {
  co_await branching_tree(b, via);
  std::vector<WalkEntry> walked = co_await via.walk(b.root);
  CHECK(roots_of(b, walked) == Names{".", "a", "a/x", "a/x/deep", "a/y", "b"});
  REQUIRE(walked.size() == 6);
  CHECK(walked[1].dirs == Names{"x", "y"});
  CHECK(walked[1].files == Names{"4.txt"});
}

CONFORMANCE_CASE("walk bottom-up gives each directory after its subdirectories") {
  co_await branching_tree(b, via);
  std::vector<WalkEntry> walked = co_await via.walk(b.root, WalkOptions{.topdown = false});
  CHECK(roots_of(b, walked) == Names{"a/x/deep", "a/x", "a/y", "a", "b", "."});
  REQUIRE(walked.size() == 6);
  CHECK(walked[5].dirs == Names{"a", "b"});
  CHECK(walked[5].files == Names{"6.txt"});
}

CONFORMANCE_CASE("walk with maxdepth names the subdirectories it does not enter") {
  co_await branching_tree(b, via);
  std::vector<WalkEntry> walked = co_await via.walk(b.root, WalkOptions{.maxdepth = 2});
  CHECK(roots_of(b, walked) == Names{".", "a", "b"});
  REQUIRE(walked.size() == 3);
  CHECK(walked[1].dirs == Names{"x", "y"});
  std::vector<WalkEntry> up =
      co_await via.walk(b.root, WalkOptions{.maxdepth = 2, .topdown = false});
  CHECK(roots_of(b, up) == Names{"a", "b", "."});
  CHECK_THROWS_NAMING(co_await via.walk(b.root, WalkOptions{.maxdepth = 0}), InvalidArgumentError,
                      "walk", "maxdepth");
}

CONFORMANCE_CASE("du per path gives each file's size; they sum to du's total") {
  co_await make_tree(b, via);
  std::map<std::string, std::uint64_t> each = co_await via.du_per_path(b.root);
  std::uint64_t total = co_await via.du(b.root);
  REQUIRE(each.size() == 9);
  CHECK(each.at(b.at("a.txt")) == 3);
  CHECK(each.at(b.at("sub/nested/deeper/f.txt")) == 1);
  std::uint64_t sum = 0;
  for (const auto& [p, size] : each) sum += size;
  CHECK(sum == total);
  std::map<std::string, std::uint64_t> top =
      co_await via.du_per_path(b.root, FindOptions{.maxdepth = 1, .withdirs = true});
  CHECK(top.size() == 7);  // the root, its five files and sub
  CHECK(top.at(b.at("sub")) == 0);
  CHECK(top.at(b.at("b.csv")) == 2);
}

CONFORMANCE_CASE("walk over a file is NotADirectoryError naming walk and the path") {
  co_await make_tree(b, via);
  CHECK_THROWS_NAMING(co_await via.walk(b.at("a.txt")), NotADirectoryError, "walk", "a.txt");
}

CONFORMANCE_CASE("cat of a glob skips the directories it matches, as a recursive cat does") {
  co_await make_tree(b, via);
  CatResult globbed = co_await via.cat(b.at("sub/*"));
  Names keys;
  for (const auto& [k, v] : globbed) keys.push_back(k);
  CHECK(rel(b, keys) == Names{"sub/c.txt", "sub/d.bin"});
  CatResult deep = co_await via.cat(b.at("sub/**"));
  CHECK(deep.size() == 4);
}

// Not on HTTP: a directory's URL, named, reads as its index page (as cat_file of it does).
CONFORMANCE_CASE("cat of a directory named plainly skips it, as a glob or a walk does",
                 Cap::plain_paths) {
  co_await make_tree(b, via);
  CatResult listed = co_await via.cat(names(b.at("a.txt"), b.at("sub")));
  REQUIRE(listed.size() == 1);
  CHECK(str(listed.begin()->second.value()) == "aaa");
  CatResult recursive = co_await via.cat(b.at("sub"), BulkOptions{.recursive = true});
  CHECK(recursive.size() == 4);
}
