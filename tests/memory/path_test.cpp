// path::normalize: the paths it returns unchanged (its fast path) and those it rewrites.
#include <catch2/catch.hpp>

#include "cofs/fs/path.hpp"

using cofs::path::normalize;

TEST_CASE("normalize keeps normal paths as they are", "[path]") {
  for (const char* p : {"/", "/a", "/a/b/c", "a", "a/b", "/.a/..b/...", "/a./b..", "/a b/c"}) {
    CHECK(normalize(p) == p);
    CHECK(cofs::path::is_normal(p));
  }
  for (const char* p : {"", "//", "/a/", "/a//b", "/./a", "/a/..", ".", "a/./b"}) {
    CHECK_FALSE(cofs::path::is_normal(p));
  }
}

TEST_CASE("normalize collapses separators and dots and resolves parents", "[path]") {
  CHECK(normalize("") == "");
  CHECK(normalize("//") == "/");
  CHECK(normalize("/a/") == "/a");
  CHECK(normalize("/a//b") == "/a/b");
  CHECK(normalize("/./a/.") == "/a");
  CHECK(normalize("/a/../b") == "/b");
  CHECK(normalize("/..") == "/");
  CHECK(normalize("/a/b/..") == "/a");
  CHECK(normalize(".") == ".");
  CHECK(normalize("./a") == "a");
  CHECK(normalize("a/..") == ".");
  CHECK(normalize("../a") == "../a");
  CHECK(normalize("a/../../b") == "../b");
}
