// Batch size precedence, lowest first: built-in defaults, environment, config::set, the
// filesystem's value, the call's value.
#include <sys/resource.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <optional>
#include <string>

#include "cofs/runtime/config.hpp"
#include "cofs/runtime/error.hpp"
#include "cofs/runtime/gather.hpp"
#include "cofs/runtime/sync.hpp"
#include "helpers.hpp"

using cofs::BatchSize;
using cofs::resolve_batch_size;
using namespace rt_test;

namespace {

constexpr const char* kFilesEnv = "COFS_GATHER_BATCH_SIZE";
constexpr const char* kNoFilesEnv = "COFS_NOFILES_GATHER_BATCH_SIZE";

/// Clears both environment variables and both config values for one test, restoring them after.
struct CleanConfig {
  EnvGuard files{kFilesEnv, std::nullopt};
  EnvGuard nofiles{kNoFilesEnv, std::nullopt};
  std::optional<BatchSize> saved_files = cofs::config::get("gather_batch_size");
  std::optional<BatchSize> saved_nofiles = cofs::config::get("nofiles_gather_batch_size");
  CleanConfig() {
    cofs::config::set("gather_batch_size", std::nullopt);
    cofs::config::set("nofiles_gather_batch_size", std::nullopt);
  }
  ~CleanConfig() {
    cofs::config::set("gather_batch_size", saved_files);
    cofs::config::set("nofiles_gather_batch_size", saved_nofiles);
  }
};

/// Lowers the soft RLIMIT_NOFILE for one scope.
struct SoftNofile {
  rlimit saved{};
  explicit SoftNofile(rlim_t soft) {
    REQUIRE(getrlimit(RLIMIT_NOFILE, &saved) == 0);
    rlimit r = saved;
    r.rlim_cur = soft;
    REQUIRE(setrlimit(RLIMIT_NOFILE, &r) == 0);
  }
  ~SoftNofile() { setrlimit(RLIMIT_NOFILE, &saved); }
};

BatchSize expected_files_default() {
  rlimit r{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &r) == 0);
  if (r.rlim_cur == RLIM_INFINITY) return 1024;
  return std::clamp<BatchSize>(static_cast<BatchSize>(r.rlim_cur / 8), 1, 1024);
}

}  // namespace

TEST_CASE("built-in batch size defaults", "[config]") {
  CleanConfig clean;
  CHECK(cofs::config::default_batch_size(false) == 1280);
  CHECK(resolve_batch_size("t", false, std::nullopt) == 1280);
  CHECK(resolve_batch_size("t", true, std::nullopt) == expected_files_default());
  rlimit r{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &r) == 0);
  {
    SoftNofile lim(80);  // 80 / 8
    CHECK(cofs::config::default_batch_size(true) == 10);
    CHECK(resolve_batch_size("t", true, std::nullopt) == 10);
    CHECK(resolve_batch_size("t", false, std::nullopt) == 1280);  // unaffected
  }
  {
    SoftNofile lim(5);  // 5 / 8 == 0: at least 1
    CHECK(cofs::config::default_batch_size(true) == 1);
  }
  if (r.rlim_max == RLIM_INFINITY || r.rlim_max >= 8 * 1024 + 8) {
    SoftNofile lim(r.rlim_max == RLIM_INFINITY ? 100'000 : r.rlim_max);  // capped at 1024
    CHECK(cofs::config::default_batch_size(true) == 1024);
  }
}

TEST_CASE("batch size precedence: env, then config::set, then filesystem, then call", "[config]") {
  CleanConfig clean;
  for (bool files : {false, true}) {
    INFO("opens_local_files " << files);
    const char* env = files ? kFilesEnv : kNoFilesEnv;
    const char* other_env = files ? kNoFilesEnv : kFilesEnv;
    const char* key = files ? "gather_batch_size" : "nofiles_gather_batch_size";
    const char* other_key = files ? "nofiles_gather_batch_size" : "gather_batch_size";
    const BatchSize builtin = cofs::config::default_batch_size(files);

    // Each kind's own variable only.
    {
      EnvGuard o(other_env, std::string("3"));
      cofs::config::set(other_key, 4);
      CHECK(resolve_batch_size("t", files, std::nullopt) == builtin);
      cofs::config::set(other_key, std::nullopt);
    }
    EnvGuard e(env, std::string("77"));
    CHECK(resolve_batch_size("t", files, std::nullopt) == 77);
    {
      EnvGuard unlimited(env, std::string("-1"));
      CHECK(resolve_batch_size("t", files, std::nullopt) == -1);
    }
    cofs::config::set(key, 55);
    CHECK(cofs::config::get(key) == 55);
    CHECK(resolve_batch_size("t", files, std::nullopt) == 55);
    CHECK(resolve_batch_size("t", files, std::nullopt, 33) == 33);
    CHECK(resolve_batch_size("t", files, 11, 33) == 11);
    CHECK(resolve_batch_size("t", files, -1, 33) == -1);
    CHECK(resolve_batch_size("t", files, 11) == 11);
    cofs::config::set(key, std::nullopt);
    CHECK(resolve_batch_size("t", files, std::nullopt) == 77);
    CHECK(resolve_batch_size("t", files, std::nullopt, 33) == 33);
  }
}

TEST_CASE("bad batch sizes are refused wherever they come from", "[config]") {
  CleanConfig clean;
  for (const char* bad : {"abc", "12x", "", " 5", "0", "-2", "99999999999999999999999"}) {
    INFO("env value '" << bad << "'");
    EnvGuard e(kNoFilesEnv, std::string(bad));
    if (std::string(bad).empty()) {
      CHECK(resolve_batch_size("t", false, std::nullopt) == 1280);  // empty means unset
    } else {
      CHECK_THROWS_AS(resolve_batch_size("t", false, std::nullopt), cofs::InvalidArgumentError);
    }
  }
  {
    EnvGuard e(kFilesEnv, std::string("many"));
    try {
      resolve_batch_size("cat", true, std::nullopt);
      FAIL("no exception");
    } catch (const cofs::InvalidArgumentError& err) {
      CHECK(err.code() == std::errc::invalid_argument);
      CHECK_THAT(err.what(), Catch::Matchers::Contains("cat"));
      CHECK_THAT(err.what(), Catch::Matchers::Contains(kFilesEnv));
    }
  }
  CHECK_THROWS_AS(cofs::config::set("gather_batch_size", 0), cofs::InvalidArgumentError);
  CHECK_THROWS_AS(cofs::config::set("gather_batch_size", -2), cofs::InvalidArgumentError);
  CHECK_THROWS_AS(cofs::config::set("no_such_key", 5), cofs::InvalidArgumentError);
  CHECK_FALSE(cofs::config::get("gather_batch_size").has_value());
  CHECK_THROWS_AS(resolve_batch_size("t", false, 0), cofs::InvalidArgumentError);
  CHECK_THROWS_AS(resolve_batch_size("t", false, -2), cofs::InvalidArgumentError);
  CHECK_THROWS_AS(resolve_batch_size("t", false, std::nullopt, 0), cofs::InvalidArgumentError);
  CHECK_THROWS_AS(resolve_batch_size("t", false, std::nullopt, -5), cofs::InvalidArgumentError);
}

TEST_CASE("gather uses the configured batch size when the call gives none", "[config][gather]") {
  CleanConfig clean;
  cofs::IoLoop& loop = cofs::get_loop();
  auto run = [&](cofs::GatherOptions opts) {
    int inflight = 0, max = 0;  // loop thread
    std::vector<cofs::Task<void>> tasks;
    for (int i = 0; i < 40; ++i) {
      tasks.push_back([](cofs::IoLoop& l, int& in, int& mx) -> cofs::Task<void> {
        mx = std::max(mx, ++in);
        co_await l.sleep_for(std::chrono::microseconds(200));
        --in;
      }(loop, inflight, max));
    }
    cofs::sync(loop, cofs::gather(std::move(tasks), std::move(opts)));
    return max;
  };
  EnvGuard e(kNoFilesEnv, std::string("6"));
  CHECK(run({}) == 6);
  cofs::config::set("nofiles_gather_batch_size", 4);
  CHECK(run({}) == 4);
  CHECK(run({.batch_size = 9}) == 9);
  cofs::config::set("gather_batch_size", 3);
  CHECK(run({.opens_local_files = true}) == 3);
  {
    EnvGuard bad(kFilesEnv, std::string("zero"));
    cofs::config::set("gather_batch_size", std::nullopt);
    CHECK_THROWS_AS(run({.opens_local_files = true}), cofs::InvalidArgumentError);
  }
}
