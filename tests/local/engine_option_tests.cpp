// The `engine` setting of LocalFileSystem: a LocalEngine in code, a name in string options and in
// COFS_LOCAL_ENGINE, every value reachable each way; a bad name in the options is an error naming
// the option and the value, in the environment a notice naming both (the probe then decides).
#include <catch2/catch.hpp>
#include <cstdlib>
#include <optional>
#include <string>

#include "cofs/cofs.hpp"
#include "cofs/local/local_fs.hpp"
#include "local/engine.hpp"
#include "support.hpp"

using namespace cofs;

namespace {

/// Sets (or, with nullopt, unsets) an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

/// What serves `wanted` on this process's loop: without a ring (the epoll reactor) uring falls
/// back to aio, and automatic probes uring first.
LocalEngine served(LocalEngine wanted) {
  const bool ring = std::string(get_loop().reactor_name()) == "io_uring";
  if (wanted == LocalEngine::automatic) wanted = LocalEngine::uring;
  if (wanted == LocalEngine::uring && !ring) return LocalEngine::aio;
  return wanted;
}

struct Name {
  const char* text;
  LocalEngine engine;
};

// Every value by its own name, and the aliases.
constexpr Name kNames[] = {
    {"automatic", LocalEngine::automatic},
    {"auto", LocalEngine::automatic},
    {"uring", LocalEngine::uring},
    {"io_uring", LocalEngine::uring},
    {"aio", LocalEngine::aio},
    {"libaio", LocalEngine::aio},
    {"threads", LocalEngine::threads},
    {"thread", LocalEngine::threads},
};

std::string what_of_bad_option(const Options& options) {
  try {
    filesystem("file", options);
  } catch (const InvalidArgumentError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("local engine setting: names of every value, both ways", "[local][settings]") {
  for (LocalEngine e :
       {LocalEngine::automatic, LocalEngine::uring, LocalEngine::aio, LocalEngine::threads}) {
    CHECK(parse_local_engine(to_string(e)) == e);
  }
  for (const Name& n : kNames) CHECK(parse_local_engine(n.text) == n.engine);
  CHECK_FALSE(parse_local_engine("mmap"));
  CHECK_FALSE(parse_local_engine(""));
  CHECK_FALSE(parse_local_engine("URING"));
}

TEST_CASE("local engine setting: every value from the string options", "[local][settings]") {
  ScopedEnv clear("COFS_LOCAL_ENGINE", std::nullopt);
  for (const Name& n : kNames) {
    DYNAMIC_SECTION(n.text) {
      auto fs = filesystem("file", {{"engine", n.text}});
      CHECK(static_cast<LocalFileSystem&>(*fs).engine() == served(n.engine));
    }
  }
  // No option is automatic.
  CHECK(static_cast<LocalFileSystem&>(*filesystem("file")).engine() ==
        served(LocalEngine::automatic));
}

TEST_CASE("local engine setting: every value from COFS_LOCAL_ENGINE", "[local][settings]") {
  for (const Name& n : kNames) {
    DYNAMIC_SECTION(n.text) {
      ScopedEnv env("COFS_LOCAL_ENGINE", n.text);
      CHECK(LocalFileSystem().engine() == served(n.engine));
      // (filesystem("file") would return the instance it made before: a fresh one by options.)
      auto fresh = LocalFileSystem::from_options({}, nullptr);
      CHECK(static_cast<LocalFileSystem&>(*fresh).engine() == served(n.engine));
      // An engine asked for in code beats the environment; automatic defers to it.
      CHECK(LocalFileSystem(nullptr, {.engine = LocalEngine::threads}).engine() ==
            LocalEngine::threads);
      CHECK(LocalFileSystem(nullptr, {.engine = LocalEngine::automatic}).engine() ==
            served(n.engine));
    }
  }
}

TEST_CASE("local engine setting: a bad name names the option and the value", "[local][settings]") {
  SECTION("in the string options: an error") {
    std::string what = what_of_bad_option({{"engine", "mmap"}});
    CHECK_THAT(what, Catch::Contains("engine") && Catch::Contains("'mmap'"));
    CHECK_THROWS_AS(filesystem("local", {{"engine", "URING"}}), InvalidArgumentError);
  }
  SECTION("in COFS_LOCAL_ENGINE: a notice, and the probe chooses") {
    ScopedEnv env("COFS_LOCAL_ENGINE", "mmap");
    const std::size_t before = local::engine_notices().size();
    LocalFileSystem fs;
    CHECK(fs.engine() == served(LocalEngine::automatic));
    // Its own notice (a fallback from uring, without a ring, may follow it).
    auto notices = local::engine_notices();
    REQUIRE(notices.size() > before);
    CHECK_THAT(notices[before], Catch::Contains("COFS_LOCAL_ENGINE") && Catch::Contains("'mmap'"));
  }
}
