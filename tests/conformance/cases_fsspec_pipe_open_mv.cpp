// Conformance: fsspec's own abstract scenarios for pipe, open and mv (fsspec/tests/abstract/
// pipe.py, open.py, mv.py), on every backend that can write. `target` is fsspec's fs_target
// fixture: a path below the test's root that does not exist yet. Where cofs does otherwise on
// purpose, the case asserts cofs's behaviour and says so (docs/fsspec-differences.md).
#include "conformance.hpp"

using namespace cofs;
using namespace cofs::testing;

// ---- pipe.py
// -------------------------------------------------------------------------------------

// test_pipe_exclusive
CONFORMANCE_CASE("fsspec pipe: create mode refuses an existing file, overwrite replaces it",
                 Cap::write) {
  co_await via.pipe_file(b.at("target"), std::string_view("data"));
  Bytes first = co_await via.cat_file(b.at("target"));
  CHECK(str(first) == "data");
  CHECK_THROWS_NAMING(
      co_await via.pipe_file(b.at("target"), std::string_view("data"), PipeMode::create),
      FileExistsError, "pipe_file", "target");
  co_await via.pipe_file(b.at("target"), std::string_view("new data"), PipeMode::overwrite);
  Bytes second = co_await via.cat_file(b.at("target"));
  CHECK(str(second) == "new data");
}

CONFORMANCE_CASE("fsspec pipe: create mode writes a file that does not exist", Cap::write) {
  co_await via.pipe_file(b.at("target"), std::string_view("data"), PipeMode::create);
  Bytes got = co_await via.cat_file(b.at("target"));
  CHECK(str(got) == "data");
}

CONFORMANCE_CASE("fsspec pipe: a refused create leaves the existing file as it was", Cap::write) {
  co_await via.pipe_file(b.at("target"), std::string_view("data"));
  try {
    co_await via.pipe_file(b.at("target"), std::string_view("other"), PipeMode::create);
  } catch (const FileExistsError&) {
  }
  Bytes kept = co_await via.cat_file(b.at("target"));
  CHECK(str(kept) == "data");
}

// ---- open.py
// -------------------------------------------------------------------------------------

// test_open_exclusive
CONFORMANCE_CASE("fsspec open: a file written with wb reads back with rb", Cap::write) {
  auto w = co_await via.open(b.at("target"), "wb");
  co_await w.write("data");
  co_await w.close();
  auto r = co_await via.open(b.at("target"), "rb");
  Bytes got = co_await r.read();
  co_await r.close();
  CHECK(str(got) == "data");
}

CONFORMANCE_CASE("fsspec open: xb of an existing file raises FileExistsError", Cap::write) {
  auto w = co_await via.open(b.at("target"), "wb");
  co_await w.write("data");
  co_await w.close();
  CHECK_THROWS_NAMING(co_await via.open(b.at("target"), "xb"), FileExistsError, "open", "target");
  Bytes kept = co_await via.cat_file(b.at("target"));
  CHECK(str(kept) == "data");
}

// ---- mv.py
// ---------------------------------------------------------------------------------------

// test_move_raises_error_with_tmpdir: fsspec's local mv into a directory that does not exist
// raises FileNotFoundError. cofs makes the missing parents, as it does for every write and copy
// (fsspec's auto_mkdir=True), so the move succeeds.
CONFORMANCE_CASE("fsspec mv: a move into a directory that does not exist makes it (cofs)",
                 Cap::write) {
  co_await via.write(b.at("source_file.txt"), "content");
  co_await via.mv(b.at("source_file.txt"), b.at("non_existent_directory/destination_file.txt"));
  Bytes moved = co_await via.cat_file(b.at("non_existent_directory/destination_file.txt"));
  bool source = co_await via.exists(b.at("source_file.txt"));
  CHECK(str(moved) == "content");
  CHECK_FALSE(source);
}

CONFORMANCE_CASE(
    "fsspec mv: a recursive move into a directory that does not exist makes it "
    "(cofs)",
    Cap::write) {
  co_await via.write(b.at("source_file.txt"), "content");
  co_await via.mv(b.at("source_file.txt"), b.at("non_existent_directory/destination_file.txt"),
                  BulkOptions{.recursive = true});
  Bytes moved = co_await via.cat_file(b.at("non_existent_directory/destination_file.txt"));
  bool source = co_await via.exists(b.at("source_file.txt"));
  CHECK(str(moved) == "content");
  CHECK_FALSE(source);
}
