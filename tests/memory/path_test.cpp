// path::normalize: the paths it returns unchanged (its fast path) and those it rewrites.
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
