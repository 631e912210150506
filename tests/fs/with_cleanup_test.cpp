// with_cleanup: the cleanup is awaited on every exit of the body, and the first exception wins.
#include <catch2/catch.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "cofs/cofs.hpp"
#include "cofs/runtime/with_cleanup.hpp"

using namespace cofs;
using namespace std::chrono_literals;

namespace {

struct Log {
  std::vector<std::string> events;
};

Task<int> body_returning(IoLoop& loop, Log& log, int value) {
  co_await loop.sleep_for(1ms);  // really suspends: the cleanup must wait for it
  log.events.push_back("body");
  co_return value;
}

Task<int> body_throwing(IoLoop& loop, Log& log, std::string what) {
  co_await loop.sleep_for(1ms);
  log.events.push_back("body");
  throw std::runtime_error(what);
}

Task<void> cleanup(IoLoop& loop, Log& log) {
  co_await loop.sleep_for(1ms);  // an awaited cleanup, not a synchronous one
  log.events.push_back("cleanup");
}

Task<int> cleanup_throwing(IoLoop& loop, Log& log, std::string what) {
  co_await loop.sleep_for(1ms);
  log.events.push_back("cleanup");
  throw std::runtime_error(what);
}

Task<void> body_sleeping(IoLoop& loop, Log& log) {
  log.events.push_back("body");
  co_await loop.sleep_for(60s);
  log.events.push_back("body woke");
}

Task<void> cleanup_not_suspending(Log& log) {
  log.events.push_back("cleanup");
  co_return;
}

}  // namespace

TEST_CASE("with_cleanup gives the body's value after awaiting the cleanup", "[with_cleanup]") {
  IoLoop& loop = get_loop();
  Log log;
  int v = sync(loop, with_cleanup(body_returning(loop, log, 42), cleanup(loop, log)));
  CHECK(v == 42);
  CHECK(log.events == std::vector<std::string>{"body", "cleanup"});
}

TEST_CASE("with_cleanup awaits the cleanup when the body throws, and rethrows the body's error",
          "[with_cleanup]") {
  IoLoop& loop = get_loop();
  Log log;
  CHECK_THROWS_WITH(
      sync(loop, with_cleanup(body_throwing(loop, log, "body failed"), cleanup(loop, log))),
      "body failed");
  CHECK(log.events == std::vector<std::string>{"body", "cleanup"});
}

TEST_CASE("with_cleanup rethrows the cleanup's error when only the cleanup throws",
          "[with_cleanup]") {
  IoLoop& loop = get_loop();
  Log log;
  CHECK_THROWS_WITH(sync(loop, with_cleanup(body_returning(loop, log, 1),
                                            cleanup_throwing(loop, log, "cleanup failed"))),
                    "cleanup failed");
  CHECK(log.events == std::vector<std::string>{"body", "cleanup"});
}

TEST_CASE("with_cleanup keeps the body's error when both throw", "[with_cleanup]") {
  IoLoop& loop = get_loop();
  Log log;
  CHECK_THROWS_WITH(sync(loop, with_cleanup(body_throwing(loop, log, "first"),
                                            cleanup_throwing(loop, log, "second"))),
                    "first");
  CHECK(log.events == std::vector<std::string>{"body", "cleanup"});
}

TEST_CASE("with_cleanup awaits the cleanup of a cancelled body", "[with_cleanup]") {
  IoLoop& loop = get_loop();
  Log log;
  std::vector<Task<void>> one;
  one.push_back(with_cleanup(body_sleeping(loop, log), cleanup_not_suspending(log)));
  // The gather's per-task timeout cancels the body's sleep; the gather ends when the task has.
  auto outcomes = sync(loop, gather(std::move(one), {.return_exceptions = true, .timeout = 20ms}));
  REQUIRE(outcomes.size() == 1);
  REQUIRE_FALSE(outcomes[0].ok());
  CHECK_THROWS_AS(outcomes[0].value(), TimeoutError);
  CHECK(log.events == std::vector<std::string>{"body", "cleanup"});
}

TEST_CASE("with_cleanup's cleanup shares the caller's stop token", "[with_cleanup]") {
  IoLoop& loop = get_loop();
  Log log;
  // A cleanup that waits on a cancellable operation after a cancellation is cancelled too (so a
  // cleanup that must finish uses operations that ignore it), and the body's error is kept.
  auto waiting = [](IoLoop* l, Log* g) -> Task<void> {
    try {
      co_await l->sleep_for(60s);
      g->events.push_back("cleanup slept");
    } catch (const OperationCancelled&) {
      g->events.push_back("cleanup cancelled");
      throw;
    }
  };
  std::vector<Task<void>> one;
  one.push_back(with_cleanup(body_sleeping(loop, log), waiting(&loop, &log)));
  const auto t0 = std::chrono::steady_clock::now();
  auto outcomes = sync(loop, gather(std::move(one), {.return_exceptions = true, .timeout = 20ms}));
  CHECK(std::chrono::steady_clock::now() - t0 < 30s);
  REQUIRE_FALSE(outcomes[0].ok());
  CHECK_THROWS_AS(outcomes[0].value(), TimeoutError);
  CHECK(log.events == std::vector<std::string>{"body", "cleanup cancelled"});
}
