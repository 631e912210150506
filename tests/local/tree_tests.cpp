// Tree operations over what only a real disk has: symbolic links (cycles, links out of the tree)
// and directories that cannot be listed (in a child that drops root). Every engine.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>

#include "cofs/cofs.hpp"
#include "cofs/local/local_fs.hpp"
#include "support.hpp"

using namespace cofs;
using cofs::test::in_child;
using cofs::test::TempDir;
using cofs::test::write_file;
using Names = std::vector<std::string>;

namespace {

constexpr LocalEngine kEngines[] = {LocalEngine::uring, LocalEngine::aio, LocalEngine::threads};

std::shared_ptr<LocalFileSystem> make_fs(LocalEngine engine) {
  return std::make_shared<LocalFileSystem>(nullptr, LocalOptions{.engine = engine});
}

/// `paths` relative to `root` ("." for root itself), sorted.
Names rel(const std::string& root, std::vector<std::string> paths) {
  for (auto& p : paths) p = p == root ? "." : p.substr(root.size() + 1);
  std::sort(paths.begin(), paths.end());
  return paths;
}

/// root/{a/x.txt, a/up -> .., b/y.txt, b/up -> .., c -> a, ext -> <outside>}, outside/o.txt:
/// two cycles back to the root, a second name for a directory, and a link out of the tree.
struct LinkedTree {
  TempDir dir;
  std::string root = dir / "root";
  std::string outside = dir / "outside";
  LinkedTree() {
    std::filesystem::create_directories(root + "/a");
    std::filesystem::create_directories(root + "/b");
    std::filesystem::create_directories(outside);
    write_file(root + "/a/x.txt", "x");
    write_file(root + "/b/y.txt", "yy");
    write_file(outside + "/o.txt", "ooo");
    std::filesystem::create_directory_symlink("..", root + "/a/up");
    std::filesystem::create_directory_symlink("..", root + "/b/up");
    std::filesystem::create_directory_symlink("a", root + "/c");
    std::filesystem::create_directory_symlink(outside, root + "/ext");
  }
};

}  // namespace

TEST_CASE("local: find, walk, glob, du and expand_path list links without following them",
          "[local][tree][links]") {
  for (LocalEngine e : kEngines) {
    DYNAMIC_SECTION(to_string(e)) {
      LinkedTree t;
      auto fs = make_fs(e);
      const std::string& r = t.root;
      // As find(1) and fsspec: a link is an entry of its directory, not a way into another.
      CHECK(rel(r, fs->find(r)) == Names{"a/up", "a/x.txt", "b/up", "b/y.txt", "c", "ext"});
      CHECK(rel(r, fs->find(r, {.withdirs = true})) ==
            Names{".", "a", "a/up", "a/x.txt", "b", "b/up", "b/y.txt", "c", "ext"});
      auto infos = fs->find_info(r);
      REQUIRE(infos.size() == 6);
      CHECK(infos[0].islink);
      CHECK(infos[0].is_dir());  // the link names a directory: its FileInfo says so
      CHECK_FALSE(infos[1].islink);
      CHECK(rel(r, fs->glob(r + "/**")) ==
            Names{".", "a", "a/up", "a/x.txt", "b", "b/up", "b/y.txt", "c", "ext"});
      CHECK(rel(r, fs->glob(r + "/*/")) == Names{"a", "b", "c", "ext"});  // links to dirs too
      CHECK(fs->du(r) == 1 + 2);  // the links to directories hold no bytes of their own
      CHECK(rel(r, fs->expand_path({r}, true)) ==
            Names{".", "a", "a/up", "a/x.txt", "b", "b/up", "b/y.txt", "c", "ext"});
      auto walked = fs->walk(r);
      REQUIRE(walked.size() == 3);
      CHECK(walked[0].dirs == Names{"a", "b"});
      CHECK(walked[0].files == Names{"c", "ext"});
      CHECK(walked[1].files == Names{"up", "x.txt"});
      // The starting path is followed when it is a link, as fsspec's find does.
      CHECK(rel(r, fs->find(r + "/c")) == Names{"c/up", "c/x.txt"});
    }
  }
}

TEST_CASE("local: follow_links all lists each directory once", "[local][tree][links]") {
  for (LocalEngine e : kEngines) {
    DYNAMIC_SECTION(to_string(e)) {
      LinkedTree t;
      auto fs = make_fs(e);
      const std::string& r = t.root;
      const FindOptions all{.follow_links = FollowLinks::all};
      // a/up and b/up name the root, listed already; c names a, listed under its own name
      // (the first in sorted order); ext leads out of the tree, and is listed.
      CHECK(rel(r, fs->find(r, all)) == Names{"a/x.txt", "b/y.txt", "ext/o.txt"});
      FindOptions with_dirs = all;
      with_dirs.withdirs = true;
      CHECK(rel(r, fs->find(r, with_dirs)) ==
            Names{".", "a", "a/up", "a/x.txt", "b", "b/up", "b/y.txt", "c", "ext", "ext/o.txt"});
      CHECK(fs->du(r, all) == 1 + 2 + 3);
      CHECK(rel(r, fs->glob(r + "/**/*.txt", all)) == Names{"a/x.txt", "b/y.txt", "ext/o.txt"});
      auto walked = fs->walk(r, WalkOptions{.follow_links = FollowLinks::all});
      REQUIRE(walked.size() == 4);  // the root, a, b, ext: c is a again
      CHECK(walked[0].dirs == Names{"a", "b", "c", "ext"});
      CHECK(walked[0].files.empty());
      CHECK(walked[3].root == r + "/ext");
      CHECK(walked[3].files == Names{"o.txt"});
      // none: not even the starting path.
      CHECK(rel(r, fs->find(r + "/c", {.follow_links = FollowLinks::none})) == Names{"c"});
      CHECK(fs->walk(r + "/c", {.follow_links = FollowLinks::none}).empty());
    }
  }
}

TEST_CASE("local: a long chain of links is followed as far as paths resolve",
          "[local][tree][links]") {
  // d0/next -> d1, d1/next -> d2, ...: followed, d<k> is listed as d0/next/.../next, a path
  // through k links. The kernel resolves at most 40 links in one path (ELOOP beyond), so
  // deeper directories are an error of their own, omitted or raised like any other.
  TempDir dir;
  auto fs = make_fs(LocalEngine::threads);
  auto chain = [&](const std::string& name, int length) {
    for (int i = 0; i < length; ++i) {
      std::string d = dir / (name + std::to_string(i));
      std::filesystem::create_directory(d);
      write_file(d + "/f", "x");
      if (i > 0)
        std::filesystem::create_directory_symlink(d,
                                                  dir / (name + std::to_string(i - 1)) + "/next");
    }
    return dir / (name + "0");
  };
  std::string short_chain = chain("s", 30);
  CHECK(fs->find(short_chain, {.follow_links = FollowLinks::all}).size() == 30);
  CHECK(fs->find(short_chain).size() == 2);  // f, and the link
  std::string long_chain = chain("l", 50);
  std::size_t found = fs->find(long_chain, {.follow_links = FollowLinks::all}).size();
  CHECK(found >= 40);
  CHECK(found < 50);
  try {
    fs->find(long_chain, {.follow_links = FollowLinks::all, .on_error = OnError::raise});
    FAIL_CHECK("expected ELOOP");
  } catch (const Error& e) {
    CHECK(e.code() == std::errc::too_many_symbolic_link_levels);
  }
}

TEST_CASE("local: copy(recursive) of a tree with link cycles finishes", "[local][tree][links]") {
  for (LocalEngine e : kEngines) {
    DYNAMIC_SECTION(to_string(e)) {
      LinkedTree t;
      auto fs = make_fs(e);
      std::string dst = t.dir / "copy";
      fs->copy(t.root, dst, {.recursive = true});
      CHECK(test::read_file(dst + "/a/x.txt") == "x");
      CHECK(test::read_file(dst + "/b/y.txt") == "yy");
      // Links to directories become (empty) directories, as fsspec's copy makes them.
      CHECK(std::filesystem::is_directory(dst + "/ext"));
      CHECK(std::filesystem::is_empty(dst + "/ext"));
      CHECK_FALSE(std::filesystem::exists(dst + "/ext/o.txt"));
    }
  }
}

TEST_CASE("local: rm(recursive) removes links, never what they point to", "[local][tree][links]") {
  for (LocalEngine e : kEngines) {
    DYNAMIC_SECTION(to_string(e)) {
      LinkedTree t;
      auto fs = make_fs(e);
      // A link to a directory, named itself: the link goes, the directory stays.
      fs->rm(t.root + "/ext", {.recursive = true});
      CHECK_FALSE(std::filesystem::exists(std::filesystem::symlink_status(t.root + "/ext")));
      CHECK(test::read_file(t.outside + "/o.txt") == "ooo");
      std::filesystem::create_directory_symlink(t.outside, t.root + "/ext");
      // A pattern below a link: the link is part of the path written, resolved as usual.
      write_file(t.outside + "/p.tmp", "p");
      fs->rm(t.root + "/ext/*.tmp");
      CHECK_FALSE(std::filesystem::exists(t.outside + "/p.tmp"));
      CHECK(test::read_file(t.outside + "/o.txt") == "ooo");
      // The whole tree: every link in it removed as a link.
      fs->rm(t.root, {.recursive = true});
      CHECK_FALSE(std::filesystem::exists(std::filesystem::symlink_status(t.root)));
      CHECK(test::read_file(t.outside + "/o.txt") == "ooo");
    }
  }
}

TEST_CASE("local: find and walk skip a directory they cannot list (in a child that drops root)",
          "[local][tree][errors][fork]") {
  for (LocalEngine e : kEngines) {
    DYNAMIC_SECTION(to_string(e)) {
      TempDir dir;
      std::filesystem::create_directories(dir / "open/deeper");
      std::filesystem::create_directories(dir / "locked/inner");
      write_file(dir / "open/f.txt", "f");
      write_file(dir / "open/deeper/g.txt", "gg");
      write_file(dir / "locked/secret", "s");
      ::chmod((dir / "locked").c_str(), 0700);  // root's: unlistable for the child
      ::chmod(dir.path().c_str(), 0755);
      std::string root = dir.path();
      LocalEngine engine = e;
      int status = in_child([&] {
        if (::setgid(65534) != 0 || ::setuid(65534) != 0) return 9;
        auto fs = make_fs(engine);
        int bad = 0;
        auto expect = [&bad](bool ok, const char* what) {
          if (!ok) {
            std::fprintf(stderr, "child: failed: %s\n", what);
            ++bad;
          }
        };
        expect(rel(root, fs->find(root)) == Names{"open/deeper/g.txt", "open/f.txt"}, "find");
        expect(rel(root, fs->find(root, {.withdirs = true})) ==
                   Names{".", "locked", "open", "open/deeper", "open/deeper/g.txt", "open/f.txt"},
               "find withdirs");
        expect(fs->du(root) == 3, "du");
        expect(rel(root, fs->glob(root + "/**/*.txt")) == Names{"open/deeper/g.txt", "open/f.txt"},
               "glob");
        auto walked = fs->walk(root);
        expect(walked.size() == 3 && walked[0].dirs == Names{"locked", "open"}, "walk");
        // Asked to raise: the error of the directory, naming it.
        for (int call = 0; call < 2; ++call) {
          try {
            if (call == 0) fs->find(root, {.on_error = OnError::raise});
            if (call == 1) fs->walk(root, {.on_error = OnError::raise});
            expect(false, "raise: no error");
          } catch (const PermissionError& err) {
            expect(std::string(err.what()).find(root + "/locked") != std::string::npos,
                   "raise: names the directory");
          }
        }
        // A callback (fsspec's callable on_error): told of each directory left out.
        std::vector<std::string> told;
        auto tell = [&told](std::exception_ptr e) {
          try {
            std::rethrow_exception(e);
          } catch (const PermissionError& err) {
            told.push_back(err.path());
          }
        };
        auto called = fs->walk(root, WalkOptions{.on_error_call = tell});
        expect(called.size() == 3 && told == Names{root + "/locked"}, "walk: on_error callback");
        told.clear();
        expect(
            fs->find(root, {.on_error_call = tell}).size() == 2 && told == Names{root + "/locked"},
            "find: on_error callback");
        // A starting directory that cannot be listed: nothing below it, or its error.
        expect(fs->find(root + "/locked").empty(), "unlistable start");
        try {
          fs->find(root + "/locked", {.on_error = OnError::raise});
          expect(false, "unlistable start, raise");
        } catch (const PermissionError&) {
        }
        return bad;
      });
      CHECK(status == 0);
    }
  }
}
