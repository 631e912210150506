// Conformance: walking trees — find, find_info, walk, du, glob, expand_path.
#include <algorithm>

#include "conformance.hpp"

using namespace cofs;
using namespace cofs::testing;

namespace {

const Names kAllFiles{"a.txt",           "b.csv",     "k1.log",    "k2.log",
                      "ka.log",          "sub/c.txt", "sub/d.bin", "sub/nested/deeper/f.txt",
                      "sub/nested/e.txt"};

}  // namespace

CONFORMANCE_CASE("find lists every file below a directory") {
  co_await make_tree(b, via);
  Names all = co_await via.find(b.root);
  CHECK(rel(b, all) == kAllFiles);
}

CONFORMANCE_CASE("find with maxdepth stops that many levels down") {
  co_await make_tree(b, via);
  Names top = co_await via.find(b.root, FindOptions{.maxdepth = 1});
  CHECK(rel(b, top) == Names{"a.txt", "b.csv", "k1.log", "k2.log", "ka.log"});
}

CONFORMANCE_CASE("find with withdirs lists directories too") {
  co_await make_tree(b, via);
  Names sub = co_await via.find(b.at("sub"), FindOptions{.maxdepth = 1, .withdirs = true});
  CHECK(rel(b, sub) == Names{"sub", "sub/c.txt", "sub/d.bin", "sub/nested"});
}

CONFORMANCE_CASE("find of a file gives the file itself") {
  co_await make_tree(b, via);
  Names self = co_await via.find(b.at("a.txt"));
  CHECK(rel(b, self) == Names{"a.txt"});
}

CONFORMANCE_CASE("find refuses maxdepth 0 and on_error return") {
  co_await make_tree(b, via);
  CHECK_THROWS_NAMING(co_await via.find(b.root, FindOptions{.maxdepth = 0}), InvalidArgumentError,
                      "find");
  CHECK_THROWS_NAMING(co_await via.find(b.root, FindOptions{.on_error = OnError::return_}),
                      InvalidArgumentError, "find");
}

CONFORMANCE_CASE("find with on_error raise lists a sound tree whole") {
  co_await make_tree(b, via);
  Names all = co_await via.find(b.root, FindOptions{.on_error = OnError::raise});
  CHECK(rel(b, all).size() == 9);
}

CONFORMANCE_CASE("find following links changes nothing in a tree without links") {
  co_await make_tree(b, via);
  Names followed =
      co_await via.find(b.root, FindOptions{.withdirs = true, .follow_links = FollowLinks::all});
  Names plain = co_await via.find(b.root, FindOptions{.withdirs = true});
  CHECK(followed == plain);
}

CONFORMANCE_CASE("find_info gives each file's info") {
  co_await make_tree(b, via);
  std::vector<FileInfo> infos = co_await via.find_info(b.at("sub"));
  REQUIRE(infos.size() == 4);
  CHECK(infos[0].name == b.at("sub/c.txt"));
  CHECK(infos[0].size == 1);
}

CONFORMANCE_CASE("find returns names in plain string order, each once") {
  // '-' and '.' sort before '/', so this is not a depth-first order; the long shared heads
  // make the walk's sort compare past its 8-byte keys.
  static const char* const names_in[] = {"a/x",
                                         "a-b",
                                         "a.c",
                                         "ab",
                                         "same-long-head/1",
                                         "same-long-head-2",
                                         "same-long-headed",
                                         "same-long-head/sub/3"};
  Fixtures files;
  for (const char* n : names_in) files.emplace_back(b.at(n), "x");
  co_await via.write_all(std::move(files));
  Names found = co_await via.find(b.root);
  Names expected = found;
  std::sort(expected.begin(), expected.end());
  expected.erase(std::unique(expected.begin(), expected.end()), expected.end());
  CHECK(found == expected);
  CHECK(found.size() == 8);
  std::vector<FileInfo> infos = co_await via.find_info(b.root, FindOptions{.withdirs = true});
  CHECK(infos.size() == 12);  // the root, a, same-long-head, its sub, and the 8 files
  CHECK(std::is_sorted(infos.begin(), infos.end(),
                       [](const FileInfo& x, const FileInfo& y) { return x.name < y.name; }));
  Names globbed = co_await via.glob(b.at("same-long-head*"));
  CHECK(globbed ==
        Names{b.at("same-long-head"), b.at("same-long-head-2"), b.at("same-long-headed")});
}

CONFORMANCE_CASE("walk gives each directory with its subdirectories and files, top first") {
  co_await make_tree(b, via);
  std::vector<WalkEntry> walked = co_await via.walk(b.root);
  REQUIRE(walked.size() == 4);  // root, sub, sub/nested, sub/nested/deeper
  CHECK(walked[0].root == b.root);
  CHECK(walked[0].dirs == Names{"sub"});
  CHECK(walked[0].files == Names{"a.txt", "b.csv", "k1.log", "k2.log", "ka.log"});
  CHECK(walked[1].root == b.at("sub"));
  CHECK(walked[1].files == Names{"c.txt", "d.bin"});
  CHECK(walked[2].root == b.at("sub/nested"));
}

CONFORMANCE_CASE("walk with maxdepth 1 gives the top directory only") {
  co_await make_tree(b, via);
  std::vector<WalkEntry> walked = co_await via.walk(b.root, 1);
  CHECK(walked.size() == 1);
}

CONFORMANCE_CASE("du sums the sizes of the files below a path, to a depth") {
  co_await make_tree(b, via);
  std::uint64_t all = co_await via.du(b.root);
  std::uint64_t top = co_await via.du(b.root, 1);
  CHECK(all == 3 + 2 + 1 + 1 + 1 + 1 + 4 + 2 + 1);
  CHECK(top == 3 + 2 + 3);
}

CONFORMANCE_CASE("glob: * matches within a level, ** across levels") {
  co_await make_tree(b, via);
  Names star = co_await via.glob(b.at("*.txt"));
  Names deep = co_await via.glob(b.at("**/*.txt"));
  Names under = co_await via.glob(b.at("sub/**"));
  Names level = co_await via.glob(b.at("sub/*"));
  Names second = co_await via.glob(b.at("*/*.txt"));
  CHECK(rel(b, star) == Names{"a.txt"});
  CHECK(rel(b, deep) == Names{"a.txt", "sub/c.txt", "sub/nested/deeper/f.txt", "sub/nested/e.txt"});
  CHECK(rel(b, under) == Names{"sub", "sub/c.txt", "sub/d.bin", "sub/nested", "sub/nested/deeper",
                               "sub/nested/deeper/f.txt", "sub/nested/e.txt"});
  CHECK(rel(b, level) == Names{"sub/c.txt", "sub/d.bin", "sub/nested"});
  CHECK(rel(b, second) == Names{"sub/c.txt"});
}

CONFORMANCE_CASE("glob: ? matches one character, [...] and [!...] a class") {
  co_await make_tree(b, via);
  Names any = co_await via.glob(b.at("k?.log"));
  Names digit = co_await via.glob(b.at("k[0-9].log"));
  Names not_digit = co_await via.glob(b.at("k[!0-9].log"));
  Names listed = co_await via.glob(b.at("k[12a].log"));
  if (b.fs->glob_magic().find('?') != std::string_view::npos) {
    CHECK(rel(b, any) == Names{"k1.log", "k2.log", "ka.log"});
  } else {
    CHECK(any.empty());  // HTTP: '?' starts a query; the URL "k" is not there
  }
  CHECK(rel(b, digit) == Names{"k1.log", "k2.log"});
  CHECK(rel(b, not_digit) == Names{"ka.log"});
  CHECK(rel(b, listed) == Names{"k1.log", "k2.log", "ka.log"});
}

CONFORMANCE_CASE("glob without matches is empty, under a missing directory too") {
  co_await make_tree(b, via);
  Names none = co_await via.glob(b.at("nomatch*"));
  Names nodir = co_await via.glob(b.at("nodir/*"));
  Names absent = co_await via.glob(b.at("zz.txt"));
  CHECK(none.empty());
  CHECK(nodir.empty());
  CHECK(absent.empty());
}

CONFORMANCE_CASE("glob of a path without magic gives the path if it exists") {
  co_await make_tree(b, via);
  Names self = co_await via.glob(b.at("a.txt"));
  CHECK(rel(b, self) == Names{"a.txt"});
}

CONFORMANCE_CASE("glob refuses an unclosed bracket") {
  co_await make_tree(b, via);
  CHECK_THROWS_NAMING(co_await via.glob(b.at("k[1.log")), InvalidArgumentError, "k[1.log");
}

CONFORMANCE_CASE("expand_path of a directory is the directory; recursive adds what is below") {
  co_await make_tree(b, via);
  Names plain = co_await via.expand_path(names(b.at("sub")));
  Names deep = co_await via.expand_path(names(b.at("sub")), true);
  Names one = co_await via.expand_path(names(b.at("sub")), true, 1);
  CHECK(rel(b, plain) == Names{"sub"});
  CHECK(rel(b, deep) == Names{"sub", "sub/c.txt", "sub/d.bin", "sub/nested", "sub/nested/deeper",
                              "sub/nested/deeper/f.txt", "sub/nested/e.txt"});
  CHECK(rel(b, one) == Names{"sub", "sub/c.txt", "sub/d.bin", "sub/nested"});
}

CONFORMANCE_CASE("expand_path gives each path once, sorted, however it was named") {
  co_await make_tree(b, via);
  Names mixed = co_await via.expand_path(names(b.at("*.log"), b.at("a.txt")));
  CHECK(rel(b, mixed) == Names{"a.txt", "k1.log", "k2.log", "ka.log"});
  Names overlapping = co_await via.expand_path(
      names(b.at("sub/c.txt"), b.at("k2.log"), b.at("sub"), b.at("k[12a].log"), b.at("k2.log")),
      true);
  CHECK(rel(b, overlapping) == Names{"k1.log", "k2.log", "ka.log", "sub", "sub/c.txt", "sub/d.bin",
                                     "sub/nested", "sub/nested/deeper", "sub/nested/deeper/f.txt",
                                     "sub/nested/e.txt"});
}
