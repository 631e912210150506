// Conformance: trees — find, walk, du, glob, expand_path, and copy's fsspec path rules.
#include "conformance.hpp"

using namespace cofs;
using namespace cofs::testing;

namespace {

void make_tree(Backend& b) {
  write(b, "a.txt", "aaa");
  write(b, "b.csv", "bb");
  write(b, "k1.log", "1");
  write(b, "k2.log", "2");
  write(b, "ka.log", "a");
  write(b, "sub/c.txt", "c");
  write(b, "sub/d.bin", "dddd");
  write(b, "sub/nested/e.txt", "ee");
  write(b, "sub/nested/deeper/f.txt", "f");
}

std::vector<std::string> rel(const Backend& b, std::vector<std::string> paths) {
  for (auto& p : paths) {
    REQUIRE(p.compare(0, b.root.size(), b.root) == 0);
    p = p.size() == b.root.size() ? "." : p.substr(b.root.size() + 1);
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

using Names = std::vector<std::string>;

}  // namespace

TEST_CASE("find, walk and du over a tree", "[conformance]") {
  for_each_backend([](Backend& b) {
    make_tree(b);
    FileSystem& fs = *b.fs;
    CHECK(rel(b, fs.find(b.root)) == Names{"a.txt", "b.csv", "k1.log", "k2.log", "ka.log",
                                           "sub/c.txt", "sub/d.bin", "sub/nested/deeper/f.txt",
                                           "sub/nested/e.txt"});
    CHECK(rel(b, fs.find(b.root, {.maxdepth = 1})) ==
          Names{"a.txt", "b.csv", "k1.log", "k2.log", "ka.log"});
    CHECK(rel(b, fs.find(b.at("sub"), {.maxdepth = 1, .withdirs = true})) ==
          Names{"sub", "sub/c.txt", "sub/d.bin", "sub/nested"});
    CHECK(rel(b, fs.find(b.at("a.txt"))) == Names{"a.txt"});
    CHECK_THROWS_NAMING(fs.find(b.at("missing")), FileNotFoundError, "missing");
    CHECK_THROWS_AS(fs.find(b.root, {.maxdepth = 0}), InvalidArgumentError);
    CHECK_THROWS_AS(fs.find(b.root, {.on_error = OnError::return_}), InvalidArgumentError);
    // Without links, following them changes nothing (each directory has one name).
    CHECK(fs.find(b.root, {.withdirs = true, .follow_links = FollowLinks::all}) ==
          fs.find(b.root, {.withdirs = true}));
    CHECK(rel(b, fs.find(b.root, {.on_error = OnError::raise})).size() == 9);
    auto infos = fs.find_info(b.at("sub"));
    REQUIRE(infos.size() == 4);
    CHECK(infos[0].size == 1);

    auto walked = fs.walk(b.root);
    REQUIRE(walked.size() == 4);  // root, sub, sub/nested, sub/nested/deeper
    CHECK(walked[0].root == b.root);
    CHECK(walked[0].dirs == Names{"sub"});
    CHECK(walked[0].files == Names{"a.txt", "b.csv", "k1.log", "k2.log", "ka.log"});
    CHECK(walked[1].root == b.at("sub"));
    CHECK(walked[1].files == Names{"c.txt", "d.bin"});
    CHECK(walked[2].root == b.at("sub/nested"));
    CHECK(fs.walk(b.root, 1).size() == 1);

    CHECK(fs.du(b.root) == 3 + 2 + 1 + 1 + 1 + 1 + 4 + 2 + 1);
    CHECK(fs.du(b.root, 1) == 3 + 2 + 3);
  });
}

TEST_CASE("find returns names in plain string order, each once", "[conformance]") {
  for_each_backend([](Backend& b) {
    // '-' and '.' sort before '/', so this is not a depth-first order; the long shared heads
    // make the walk's sort compare past its 8-byte keys.
    for (const char* n : {"a/x", "a-b", "a.c", "ab", "same-long-head/1", "same-long-head-2",
                          "same-long-headed", "same-long-head/sub/3"})
      write(b, n, "x");
    std::vector<std::string> names = b.fs->find(b.root);
    std::vector<std::string> expected = names;
    std::sort(expected.begin(), expected.end());
    expected.erase(std::unique(expected.begin(), expected.end()), expected.end());
    CHECK(names == expected);
    CHECK(names.size() == 8);
    auto infos = b.fs->find_info(b.root, {.withdirs = true});
    CHECK(infos.size() == 12);  // the root, a, same-long-head, its sub, and the 8 files
    CHECK(std::is_sorted(infos.begin(), infos.end(),
                         [](const FileInfo& x, const FileInfo& y) { return x.name < y.name; }));
    CHECK(b.fs->glob(b.at("same-long-head*")) ==
          std::vector<std::string>{b.at("same-long-head"), b.at("same-long-head-2"),
                                   b.at("same-long-headed")});
  });
}

TEST_CASE("glob: *, **, ?, [...] and [!...]", "[conformance]") {
  for_each_backend([](Backend& b) {
    make_tree(b);
    FileSystem& fs = *b.fs;
    CHECK(rel(b, fs.glob(b.at("*.txt"))) == Names{"a.txt"});
    CHECK(rel(b, fs.glob(b.at("**/*.txt"))) ==
          Names{"a.txt", "sub/c.txt", "sub/nested/deeper/f.txt", "sub/nested/e.txt"});
    CHECK(rel(b, fs.glob(b.at("sub/**"))) == Names{"sub", "sub/c.txt", "sub/d.bin", "sub/nested",
                                                   "sub/nested/deeper", "sub/nested/deeper/f.txt",
                                                   "sub/nested/e.txt"});
    CHECK(rel(b, fs.glob(b.at("k?.log"))) == Names{"k1.log", "k2.log", "ka.log"});
    CHECK(rel(b, fs.glob(b.at("k[0-9].log"))) == Names{"k1.log", "k2.log"});
    CHECK(rel(b, fs.glob(b.at("k[!0-9].log"))) == Names{"ka.log"});
    CHECK(rel(b, fs.glob(b.at("k[12a].log"))) == Names{"k1.log", "k2.log", "ka.log"});
    CHECK(rel(b, fs.glob(b.at("sub/*"))) == Names{"sub/c.txt", "sub/d.bin", "sub/nested"});
    CHECK(rel(b, fs.glob(b.at("*/*.txt"))) == Names{"sub/c.txt"});
    CHECK(fs.glob(b.at("nomatch*")).empty());
    CHECK(fs.glob(b.at("nodir/*")).empty());
    CHECK(rel(b, fs.glob(b.at("a.txt"))) == Names{"a.txt"});  // no magic: itself if it exists
    CHECK(fs.glob(b.at("zz.txt")).empty());
    CHECK_THROWS_AS(fs.glob(b.at("k[1.log")), InvalidArgumentError);
  });
}

TEST_CASE("expand_path", "[conformance]") {
  for_each_backend([](Backend& b) {
    make_tree(b);
    FileSystem& fs = *b.fs;
    CHECK(rel(b, fs.expand_path({b.at("sub")})) == Names{"sub"});
    CHECK(rel(b, fs.expand_path({b.at("sub")}, true)) ==
          Names{"sub", "sub/c.txt", "sub/d.bin", "sub/nested", "sub/nested/deeper",
                "sub/nested/deeper/f.txt", "sub/nested/e.txt"});
    CHECK(rel(b, fs.expand_path({b.at("sub")}, true, 1)) ==
          Names{"sub", "sub/c.txt", "sub/d.bin", "sub/nested"});
    CHECK(rel(b, fs.expand_path({b.at("*.log"), b.at("a.txt")})) ==
          Names{"a.txt", "k1.log", "k2.log", "ka.log"});
    // Sorted, each path once, whichever way it was named (plainly, by a pattern, by a walk).
    CHECK(rel(b, fs.expand_path({b.at("sub/c.txt"), b.at("k2.log"), b.at("sub"), b.at("k?.log"),
                                 b.at("k2.log")},
                                true)) == Names{"k1.log", "k2.log", "ka.log", "sub", "sub/c.txt",
                                                "sub/d.bin", "sub/nested", "sub/nested/deeper",
                                                "sub/nested/deeper/f.txt", "sub/nested/e.txt"});
    CHECK_THROWS_AS(fs.expand_path({b.at("none*")}), FileNotFoundError);
  });
}

TEST_CASE("copy follows fsspec's trailing-slash and recursion rules", "[conformance]") {
  for_each_backend([](Backend& b) {
    if (!b.caps.write) return;
    make_tree(b);
    FileSystem& fs = *b.fs;
    auto fresh = [&](const std::string& name) {
      if (fs.exists(b.at(name))) fs.rm(b.at(name), {.recursive = true});
      if (b.caps.directories) fs.mkdir(b.at(name));
      return b.at(name);
    };
    SECTION("a file into an existing directory, and to a new name") {
      std::string t = fresh("t");
      fs.copy(b.at("a.txt"), t + "/");
      CHECK(str(fs.cat_file(t + "/a.txt")) == "aaa");
      fs.copy(b.at("a.txt"), t + "/renamed");
      CHECK(str(fs.cat_file(t + "/renamed")) == "aaa");
      fs.copy(b.at("a.txt"), t + "/newdir/");  // a trailing slash makes it a directory
      CHECK(str(fs.cat_file(t + "/newdir/a.txt")) == "aaa");
      fs.copy(b.at("a.txt"), t + "/n1/n2/file");  // parents are made
      CHECK(str(fs.cat_file(t + "/n1/n2/file")) == "aaa");
    }
    SECTION("a directory, recursive, into an existing directory keeps its name") {
      std::string t = fresh("t");
      fs.copy(b.at("sub"), t + "/", {.recursive = true});
      CHECK(rel(b, fs.find(t)) ==
            Names{"t/sub/c.txt", "t/sub/d.bin", "t/sub/nested/deeper/f.txt", "t/sub/nested/e.txt"});
    }
    SECTION("a directory with a trailing slash copies its contents") {
      std::string t = fresh("t");
      fs.copy(b.at("sub") + "/", t + "/", {.recursive = true});
      CHECK(rel(b, fs.find(t)) ==
            Names{"t/c.txt", "t/d.bin", "t/nested/deeper/f.txt", "t/nested/e.txt"});
    }
    SECTION("a directory to a new path becomes that path") {
      fs.copy(b.at("sub"), b.at("newt"), {.recursive = true});
      CHECK(rel(b, fs.find(b.at("newt"))) ==
            Names{"newt/c.txt", "newt/d.bin", "newt/nested/deeper/f.txt", "newt/nested/e.txt"});
    }
    SECTION("maxdepth limits a recursive copy") {
      std::string t = fresh("t");
      fs.copy(b.at("sub"), t + "/", {.recursive = true, .maxdepth = 1});
      CHECK(rel(b, fs.find(t)) == Names{"t/sub/c.txt", "t/sub/d.bin"});
    }
    SECTION("a glob and a list of files") {
      std::string t = fresh("t");
      fs.copy(b.at("sub/*.txt"), t + "/");
      CHECK(rel(b, fs.find(t)) == Names{"t/c.txt"});
      std::string u = fresh("u");
      fs.copy(std::vector<std::string>{b.at("a.txt"), b.at("sub/nested/e.txt")}, u + "/");
      CHECK(rel(b, fs.find(u)) == Names{"u/a.txt", "u/e.txt"});  // a list is flattened
    }
    SECTION("a directory without recursive is refused, a missing source raises") {
      CHECK_THROWS_NAMING(fs.copy(b.at("sub"), b.at("x")), IsADirectoryError, "sub");
      CHECK_THROWS_NAMING(fs.copy(b.at("ghost"), b.at("x")), FileNotFoundError, "ghost");
    }
    SECTION("progress: one update per file") {
      std::string t = fresh("t");
      FunctionCallback cb;
      std::vector<std::uint64_t> seen;
      cb.on_update = [&](std::uint64_t v, std::optional<std::uint64_t>) { seen.push_back(v); };
      fs.copy(b.at("sub"), t + "/", {.recursive = true, .callback = &cb});
      CHECK(cb.size() == 4u);
      CHECK(seen == std::vector<std::uint64_t>{1, 2, 3, 4});
    }
  });
}

TEST_CASE("a path that exists as written is that path, not a pattern", "[conformance]") {
  for_each_backend([](Backend& b) {
    if (!b.caps.write) return;
    FileSystem& fs = *b.fs;
    write(b, "a[1].txt", "bracketed");
    write(b, "a1.txt", "plain");
    write(b, "b1.txt", "b");
    write(b, "d[x]/in.txt", "in");
    write(b, "dx/other.txt", "other");
    CHECK(rel(b, fs.expand_path({b.at("a[1].txt")})) == Names{"a[1].txt"});
    CatResult got = fs.cat(b.at("a[1].txt"));
    REQUIRE(got.size() == 1);
    CHECK(str(got.begin()->second.value()) == "bracketed");
    fs.copy(b.at("a[1].txt"), b.at("copied"));  // to that name, as a plain path is copied
    CHECK(str(fs.cat_file(b.at("copied"))) == "bracketed");
    fs.mv(b.at("a[1].txt"), b.at("moved[1].txt"));
    CHECK(str(fs.cat_file(b.at("moved[1].txt"))) == "bracketed");
    fs.mv(b.at("moved[1].txt"), b.at("a[1].txt"));
    fs.rm(b.at("a[1].txt"));
    CHECK_FALSE(fs.exists(b.at("a[1].txt")));
    CHECK(str(fs.cat_file(b.at("a1.txt"))) == "plain");
    // Where nothing is there as written, it is a pattern.
    fs.rm(b.at("b[1].txt"));
    CHECK_FALSE(fs.exists(b.at("b1.txt")));
    // A directory: recursive calls take it, and only it.
    CHECK(rel(b, fs.expand_path({b.at("d[x]")}, true)) == Names{"d[x]", "d[x]/in.txt"});
    fs.rm(b.at("d[x]"), {.recursive = true});
    CHECK(str(fs.cat_file(b.at("dx/other.txt"))) == "other");
    CHECK_FALSE(fs.exists(b.at("d[x]/in.txt")));
  });
}
