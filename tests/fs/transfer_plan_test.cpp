// The transfer planner needs the kind of each source (file or directory); over HTTP or S3 each
// probe is a request. A list's plain names are tried as files and probed only when that fails;
// the lookups that must be made (a single source's kind, the walks of recursive sources) run
// concurrently, not one after another before any transfer starts.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cofs/memory/memory_fs.hpp"
#include "cofs/runtime/io_loop.hpp"

namespace {

// A memory filesystem whose probes take a while, counting how many are in flight at once.
class SlowProbes : public cofs::MemoryFileSystem {
 public:
  int in_flight = 0;
  int most_in_flight = 0;
  int probes = 0;
  int source_probes = 0;  // of paths under /src

 protected:
  cofs::Task<std::optional<cofs::FileInfo>> do_try_info(std::string path) override {
    ++probes;
    if (path.rfind("/src", 0) == 0) ++source_probes;
    most_in_flight = std::max(most_in_flight, ++in_flight);
    co_await loop().sleep_for(std::chrono::milliseconds(2));
    --in_flight;
    co_return co_await MemoryFileSystem::do_try_info(std::move(path));
  }
  // What a walk asks of its root: slow as well, counted in flight (not as a probe).
  cofs::Task<cofs::FileInfo> do_info(std::string path) override {
    most_in_flight = std::max(most_in_flight, ++in_flight);
    co_await loop().sleep_for(std::chrono::milliseconds(2));
    --in_flight;
    co_return co_await MemoryFileSystem::do_info(std::move(path));
  }
};

std::vector<std::string> sources(SlowProbes& fs, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    out.push_back("/src/f" + std::to_string(i));
    fs.pipe_file(out.back(), std::string_view("data"));
  }
  return out;
}

}  // namespace

TEST_CASE("copy of a list of paths asks nothing of its sources", "[transfer]") {
  auto fs = std::make_shared<SlowProbes>();
  auto paths = sources(*fs, 32);
  fs->copy(paths, "/dst/");
  CHECK(fs->source_probes == 0);
  CHECK(fs->cat_file("/dst/f31") == "data");
}

TEST_CASE("a directory in a list of paths is found by its failed transfer", "[transfer]") {
  auto fs = std::make_shared<SlowProbes>();
  auto paths = sources(*fs, 4);
  fs->pipe_file("/src/sub/inner", std::string_view("x"));
  paths.push_back("/src/sub");
  CHECK(fs->copy(paths, "/dst/").empty());
  CHECK(fs->source_probes == 1);  // the directory alone
  CHECK(fs->isdir("/dst/sub"));
  CHECK(!fs->exists("/dst/sub/inner"));  // not recursive: the directory alone
  CHECK(fs->cat_file("/dst/f3") == "data");
}

TEST_CASE("copy of a list of paths, recursive, walks them concurrently", "[transfer]") {
  auto fs = std::make_shared<SlowProbes>();
  auto paths = sources(*fs, 32);
  fs->copy(paths, "/dst/", {.recursive = true});
  CHECK(fs->most_in_flight > 1);
  CHECK(fs->cat_file("/dst/f31") == "data");
}

TEST_CASE("copy of a list of paths, recursive, keeps the batch size for its walks", "[transfer]") {
  auto fs = std::make_shared<SlowProbes>();
  auto paths = sources(*fs, 32);
  fs->copy(paths, "/dst/", {.recursive = true, .batch_size = cofs::BatchSize(4)});
  CHECK(fs->most_in_flight <= 4);
  CHECK(fs->exists("/dst/f0"));
}

TEST_CASE("rm of a list, recursive, walks it concurrently", "[transfer]") {
  auto fs = std::make_shared<SlowProbes>();
  auto paths = sources(*fs, 32);
  fs->rm(paths, {.recursive = true});
  CHECK(fs->most_in_flight > 1);
  CHECK(!fs->exists("/src/f0"));
}

TEST_CASE("copy of a list fails with the error of a missing source", "[transfer]") {
  auto fs = std::make_shared<SlowProbes>();
  auto paths = sources(*fs, 8);
  paths.push_back("/src/missing");
  // A missing source is no directory: the copy of it fails as a file, naming it.
  CHECK_THROWS_AS(fs->copy(paths, "/dst/"), cofs::FileNotFoundError);
}
