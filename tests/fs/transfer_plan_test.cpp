// The transfer planner learns the kind of each plainly named source (file or directory) by
// probing it; over HTTP or S3 each probe is a request. They must run concurrently, not one after
// another before any transfer starts.
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

 protected:
  cofs::Task<std::optional<cofs::FileInfo>> do_try_info(std::string path) override {
    ++probes;
    most_in_flight = std::max(most_in_flight, ++in_flight);
    co_await loop().sleep_for(std::chrono::milliseconds(2));
    --in_flight;
    co_return co_await MemoryFileSystem::do_try_info(std::move(path));
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

TEST_CASE("copy of a list of paths probes their kinds concurrently", "[transfer]") {
  auto fs = std::make_shared<SlowProbes>();
  auto paths = sources(*fs, 32);
  fs->probes = 0;
  fs->copy(paths, "/dst/");
  CHECK(fs->probes >= 32);
  CHECK(fs->most_in_flight > 1);
  CHECK(fs->cat_file("/dst/f31") == "data");
}

TEST_CASE("copy of a list of paths keeps the batch size for its probes", "[transfer]") {
  auto fs = std::make_shared<SlowProbes>();
  auto paths = sources(*fs, 32);
  fs->copy(paths, "/dst/", {.batch_size = cofs::BatchSize(4)});
  CHECK(fs->most_in_flight <= 4);
  CHECK(fs->exists("/dst/f0"));
}

TEST_CASE("copy of a list fails with the error of a probe that fails", "[transfer]") {
  auto fs = std::make_shared<SlowProbes>();
  auto paths = sources(*fs, 8);
  paths.push_back("/src/missing");
  // A missing source is no directory: the copy of it fails as a file, naming it.
  CHECK_THROWS_AS(fs->copy(paths, "/dst/"), cofs::FileNotFoundError);
}
