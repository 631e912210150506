// path::normalize (its fast path, and the paths it rewrites) and has_magic.
#include <catch2/catch.hpp>

#include <utility>

#include "cofs/fs/path.hpp"

using cofs::path::is_normal;
using cofs::path::normalize;

TEST_CASE("normalize keeps normal paths as they are", "[path]") {
  for (const char* p : {"/", "/a", "/a/b/c", "a", "a/b", "/.a/..b/...", "/a./b..", "/a b/c"}) {
    CHECK(normalize(p) == p);
    CHECK(is_normal(p));
  }
}

TEST_CASE("normalize collapses separators and dots and resolves parents", "[path]") {
  const std::pair<const char*, const char*> cases[] = {
      {"", ""},
      {"//", "/"},
      {"/a/", "/a"},
      {"/a//b", "/a/b"},
      {"/./a/.", "/a"},
      {"/a/../b", "/b"},
      {"/..", "/"},
      {"/a/b/..", "/a"},
      {".", "."},
      {"./a", "a"},
      {"a/..", "."},
      {"../a", "../a"},
      {"a/../../b", "../b"},
      {"a/./b", "a/b"},
  };
  for (const auto& [in, out] : cases) {
    INFO(in);
    CHECK_FALSE(is_normal(in));
    CHECK(normalize(in) == out);
  }
}

TEST_CASE("has_magic finds any of * ? [ anywhere in a path", "[path]") {
  for (const char* p : {"*", "/a/*.txt", "/a/b?", "[ab]", "/x/y/z[", "/**/c"}) {
    INFO(p);
    CHECK(cofs::path::has_magic(p));
  }
  for (const char* p : {"", "/", "/a/b.txt", "/a]/b", "/a{b}/c!", "~/x"}) {
    INFO(p);
    CHECK_FALSE(cofs::path::has_magic(p));
  }
}
