// run_blocking: the function runs on the loop's pool; its result or exception comes back on the
// loop's thread.
#include <catch2/catch.hpp>

#include <atomic>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cofs/runtime/gather.hpp"
#include "cofs/runtime/sync.hpp"
#include "cofs/runtime/thread_pool.hpp"
#include "helpers.hpp"

using cofs::IoLoop;
using cofs::Task;
using namespace rt_test;

TEST_CASE("run_blocking: the result comes back on the loop thread", "[run_blocking]") {
  IoLoop& loop = cofs::get_loop();
  struct Seen {
    std::thread::id fn_thread, loop_thread, resumed_thread;
    std::string value;
  };
  Seen s = cofs::sync(loop, [&]() -> Task<Seen> {
    Seen r;
    r.loop_thread = std::this_thread::get_id();
    r.value = co_await cofs::run_blocking(loop, [&r] {
      r.fn_thread = std::this_thread::get_id();
      return std::string("from the pool");
    });
    r.resumed_thread = std::this_thread::get_id();
    co_return r;
  }());
  CHECK(s.value == "from the pool");
  CHECK(s.fn_thread != s.loop_thread);
  CHECK(s.fn_thread != std::this_thread::get_id());
  CHECK(s.resumed_thread == s.loop_thread);
}

TEST_CASE("run_blocking: the exception comes back on the loop thread", "[run_blocking]") {
  IoLoop& loop = cofs::get_loop();
  auto r = cofs::sync(loop, [&]() -> Task<std::string> {
    auto loop_thread = std::this_thread::get_id();
    std::string what;
    try {
      co_await cofs::run_blocking(loop, []() -> int { throw std::invalid_argument("bad input"); });
      what = "no exception";
    } catch (const std::invalid_argument& e) {
      what = e.what();
    }
    if (std::this_thread::get_id() != loop_thread) what += " (wrong thread)";
    co_return what;
  }());
  CHECK(r == "bad input");
  // And through sync directly.
  CHECK_THROWS_WITH(
      cofs::sync(loop,
                 cofs::run_blocking(loop, []() -> int { throw std::runtime_error("direct"); })),
      "direct");
  cofs::sync(loop, cofs::run_blocking(loop, [] {}));  // void
}

TEST_CASE("run_blocking: calls run in parallel and the loop stays responsive", "[run_blocking]") {
  IoLoop& loop = cofs::get_loop();
  std::atomic<int> concurrent{0}, peak{0};
  std::vector<Task<int>> tasks;
  for (int i = 0; i < 4; ++i) {
    tasks.push_back([](IoLoop& l, int k, std::atomic<int>& c, std::atomic<int>& p) -> Task<int> {
      co_return co_await cofs::run_blocking(l, [k, &c, &p] {
        int now = ++c;
        int old = p.load();
        while (now > old && !p.compare_exchange_weak(old, now)) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        --c;
        return k;
      });
    }(loop, i, concurrent, peak));
  }
  std::atomic<bool> gathered{false};
  std::thread t([&] {
    auto r = cofs::sync(loop, cofs::gather(std::move(tasks), {.batch_size = -1}));
    bool ok = true;
    for (int i = 0; i < 4; ++i) ok = ok && *r[i] == i;
    gathered = ok;
  });
  // While the pool blocks for 300 ms, the loop answers other callers at once.
  REQUIRE(eventually([&] { return concurrent.load() > 0; }));
  auto t0 = std::chrono::steady_clock::now();
  cofs::sync(loop, loop.sleep_for(1ms));
  CHECK(seconds_since(t0) < 0.15);
  t.join();
  CHECK(gathered);
  CHECK(peak >= 2);  // they overlapped on the pool
}

TEST_CASE("run_blocking: a stop request before the job starts skips it", "[run_blocking]") {
  IoLoop& loop = cofs::get_loop();
  std::atomic<int> ran{0};
  // The awaiting coroutine's token is already stopped when it awaits (deterministic, unlike
  // racing a timeout against the pool).
  auto r = cofs::sync(loop, [&]() -> Task<bool> {
    std::stop_source src;
    src.request_stop();
    co_await cofs::detail::SetStopToken{src.get_token()};
    try {
      co_await cofs::run_blocking(loop, [&] { ++ran; });
    } catch (const cofs::OperationCancelled&) {
      co_return true;
    }
    co_return false;
  }());
  CHECK(r);
  CHECK(ran == 0);
}

namespace {
/// A blocking call on `loop` whose work needs a thread of the loop's pool. A starved pool shows
/// as a TimeoutError (a bound, so that a starved pool fails the test instead of hanging it).
int blocking_call_needing_the_pool(IoLoop& loop, int v) {
  return cofs::sync(loop, cofs::run_blocking(loop, [v] { return v; }), std::chrono::seconds(3));
}
}  // namespace

TEST_CASE("run_blocking: pool jobs that make blocking calls on the same loop do not starve it",
          "[run_blocking][pool]") {
  IoLoop loop;
  loop.start_thread();
  const unsigned pool_size = cofs::backend::blocking_pool(loop).size();
  // 40 jobs at once, ten times the pool, each making 40 blocking calls that need the pool.
  std::vector<Task<int>> tasks;
  for (int i = 0; i < 40; ++i) {
    tasks.push_back([](IoLoop& l, int i) -> Task<int> {
      co_return co_await cofs::run_blocking(l, [&l, i] {
        int sum = 0;
        for (int k = 0; k < 40; ++k) sum += blocking_call_needing_the_pool(l, 1);
        return i + sum;
      });
    }(loop, i));
  }
  auto t0 = std::chrono::steady_clock::now();
  auto r = cofs::sync(loop, cofs::gather(std::move(tasks), {.batch_size = -1}),
                      std::chrono::seconds(60));
  for (int i = 0; i < 40; ++i) {
    INFO("job " << i);
    REQUIRE(r[i].ok());
    CHECK(*r[i] == i + 40);
  }
  CHECK(seconds_since(t0) < 20);
  // The threads added while jobs were blocked leave again once idle.
  CHECK(eventually([&] { return cofs::backend::blocking_pool(loop).size() == pool_size; }, 5000ms));
}

TEST_CASE("run_blocking: blocking calls nested deeper than the pool is wide complete",
          "[run_blocking][pool]") {
  IoLoop loop;
  loop.start_thread();
  const int depth = static_cast<int>(cofs::backend::blocking_pool(loop).size()) * 2 + 1;
  // Each level holds a pool thread while it waits for the next level, which needs one too.
  std::function<int(int)> level = [&](int d) -> int {
    if (d == depth) return d;
    return cofs::sync(loop, cofs::run_blocking(loop, [&level, d] { return level(d + 1); }),
                      std::chrono::seconds(10));
  };
  CHECK(level(0) == depth);
}
