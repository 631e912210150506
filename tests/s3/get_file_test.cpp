// get_file of S3 objects larger than one part: ranged GETs in flight together, written in order,
// never two versions of an object mixed (src/s3/ranged_get.hpp), against the tests' RGW.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "cofs/fs/callback.hpp"
#include "s3_fixture.hpp"
#include "support/skip.hpp"

using namespace cofs;
using cofs::test::fresh_bucket;
using cofs::test::pattern;
using cofs::test::read_local;
using cofs::test::Rgw;
using cofs::test::rgw_fs;
using cofs::test::rgw_options;
using cofs::test::temp_path;

namespace {

S3Options parted(std::size_t in_flight) {
  S3Options o = rgw_options();
  o.part_size = 5 << 20;
  o.max_concurrent_parts = in_flight;
  return o;
}

/// Replaces the object by another version (through the fixture's curl, not cofs) at the first
/// progress report of the download.
struct ReplacingCallback : Callback {
  std::string target;  // "/bucket/key"
  bool replaced = false;
  explicit ReplacingCallback(std::string t) : target(std::move(t)) {}
  void relative_update(std::uint64_t inc) override {
    Callback::relative_update(inc);
    if (replaced) return;
    replaced = true;
    REQUIRE(cofs::test::rgw().request("PUT", target, pattern(12 << 20, 99)).status == 200);
  }
};

}  // namespace

TEST_CASE("get_file of an object of several parts reads the parts by ranges, written in order",
          "[s3][rgw][get_file]") {
  COFS_REQUIRE_RGW();
  auto fs = rgw_fs(parted(3));
  std::string bucket = fresh_bucket(*fs);
  const std::string data = pattern((17 << 20) + 777, 1);  // four parts of 5 MiB, the last short
  fs->pipe_file(bucket + "/big", std::string_view(data));
  const std::string local = temp_path("parts");
  Callback progress;
  const std::uint64_t before = fs->requests_sent();
  fs->get_file(bucket + "/big", local, &progress);
  CHECK(fs->requests_sent() - before == 4);  // one ranged GET a part, nothing else
  CHECK(progress.size() == data.size());
  CHECK(progress.value() == data.size());
  CHECK(read_local(local) == data);
  std::filesystem::remove(local);
}

TEST_CASE("get_file of an empty object, of one part exactly and of one byte more",
          "[s3][rgw][get_file]") {
  COFS_REQUIRE_RGW();
  auto fs = rgw_fs(parted(2));
  std::string bucket = fresh_bucket(*fs);
  const std::string local = temp_path("edges");
  for (std::size_t n : {std::size_t{0}, std::size_t{5} << 20, (std::size_t{5} << 20) + 1}) {
    const std::string data = pattern(n, 2);
    fs->pipe_file(bucket + "/o", std::string_view(data));
    fs->get_file(bucket + "/o", local);
    CHECK(std::filesystem::file_size(local) == n);
    CHECK(read_local(local) == data);
  }
  std::filesystem::remove(local);
}

TEST_CASE("get_file of an object replaced while its parts are read raises and writes nothing",
          "[s3][rgw][get_file]") {
  COFS_REQUIRE_RGW();
  auto fs = rgw_fs(parted(1));  // one part at a time: the second is asked after the change
  std::string bucket = fresh_bucket(*fs);
  fs->pipe_file(bucket + "/v", std::string_view(pattern(12 << 20, 3)));
  const std::string local = temp_path("replaced");
  ReplacingCallback replace("/" + bucket + "/v");
  CHECK_THROWS_WITH(fs->get_file(bucket + "/v", local, &replace),
                    Catch::Contains("get_file") && Catch::Contains("s3://" + bucket + "/v") &&
                        Catch::Contains("PreconditionFailed"));
  CHECK(replace.replaced);
  CHECK_FALSE(std::filesystem::exists(local));  // the atomic writer left nothing behind
}
