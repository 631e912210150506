// sync and sync_wrapper: many threads at once, the loop's own thread, timeouts that cancel.
#include <catch2/catch.hpp>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cofs/runtime/sync.hpp"
#include "helpers.hpp"

using cofs::Clock;
using cofs::IoLoop;
using cofs::Task;
using namespace rt_test;

namespace {

Task<int> answer() {
  co_return 42;
}
Task<long> compute(IoLoop& loop, int thread, int i) {
  if (i % 3 == 1) co_await Yield{loop};  // some complete after a real suspension
  if (i % 7 == 3) co_await loop.sleep_for(std::chrono::microseconds(50));
  if (i % 11 == 5)
    throw std::runtime_error("fail " + std::to_string(thread) + ":" + std::to_string(i));
  co_return long{thread} * 1'000'000 + i;
}

}  // namespace

TEST_CASE("sync from 16 threads at once: every result and every error reaches its caller",
          "[sync]") {
  IoLoop& loop = cofs::get_loop();
  constexpr int kThreads = 16;
  constexpr int kCalls = 3000;
  std::atomic<long> wrong{0}, ok{0}, errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        try {
          long v = cofs::sync(loop, compute(loop, t, i));
          if (i % 11 == 5 || v != long{t} * 1'000'000 + i) {
            ++wrong;
          } else {
            ++ok;
          }
        } catch (const std::runtime_error& e) {
          if (i % 11 == 5 && e.what() == "fail " + std::to_string(t) + ":" + std::to_string(i)) {
            ++errors;
          } else {
            ++wrong;
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(wrong == 0);
  CHECK(ok + errors == long{kThreads} * kCalls);
  CHECK(errors > 0);
}

TEST_CASE("sync on the loop's own thread throws at once, saying why", "[sync]") {
  IoLoop& loop = cofs::get_loop();
  auto inner = [&]() -> Task<std::string> {
    try {
      (void)cofs::sync(loop, answer());
      co_return "no exception";
    } catch (const std::system_error& e) {
      if (e.code() != std::errc::resource_deadlock_would_occur) co_return "wrong code";
      co_return e.what();
    }
  };
  // A guard: a deadlock would show as a TimeoutError here rather than as a hung test.
  std::string msg = cofs::sync(loop, inner(), 5s);
  CHECK_THAT(msg, Catch::Matchers::Contains("own thread"));
  CHECK_THAT(msg, Catch::Matchers::Contains("deadlock"));
  CHECK_THAT(msg, Catch::Matchers::Contains("co_await"));
  // Also on a loop run by a user thread through run().
  IoLoop own;
  std::thread runner([&] { own.run(); });
  auto own_inner = [&]() -> Task<bool> {
    try {
      (void)cofs::sync(own, answer());
    } catch (const cofs::Error& e) {
      co_return e.code() == std::errc::resource_deadlock_would_occur;
    }
    co_return false;
  };
  CHECK(cofs::sync(own, own_inner(), 5s));
  own.stop();
  runner.join();
}

namespace {
Task<void> cancellable_sleep(IoLoop& loop, std::atomic<int>& observed, Clock::duration d) {
  try {
    co_await loop.sleep_for(d);
  } catch (const cofs::OperationCancelled&) {
    observed = 1;
    throw;
  } catch (...) {
    observed = 2;
    throw;
  }
  observed = 3;  // slept the whole time: the timeout did not cancel it
}
Task<int> nested_sleep(IoLoop& loop, std::atomic<int>& observed) {
  co_await cancellable_sleep(loop, observed, 10s);
  co_return 1;
}
}  // namespace

TEST_CASE("sync timeout throws TimeoutError and cancels the operation", "[sync]") {
  IoLoop& loop = cofs::get_loop();
  std::atomic<int> observed{0};
  auto t0 = Clock::now();
  try {
    cofs::sync(loop, nested_sleep(loop, observed), 50ms);
    FAIL("no timeout");
  } catch (const cofs::TimeoutError& e) {
    CHECK(e.code() == std::errc::timed_out);
    CHECK_THAT(e.what(), Catch::Matchers::Contains("timed out"));
  }
  double took = seconds_since(t0);
  CHECK(took >= 0.045);
  CHECK(took < 2.0);
  // The task itself saw the cancellation, promptly.
  CHECK(eventually([&] { return observed.load() != 0; }, 1000ms));
  CHECK(observed == 1);
  // The loop is fine afterwards.
  CHECK(cofs::sync(loop, answer(), 1s) == 42);
}

TEST_CASE("sync timeout that is not reached changes nothing", "[sync]") {
  IoLoop& loop = cofs::get_loop();
  std::atomic<int> observed{0};
  cofs::sync(loop, cancellable_sleep(loop, observed, 5ms), 5s);
  CHECK(observed == 3);
}

TEST_CASE("sync with a negative timeout throws InvalidArgumentError", "[sync]") {
  IoLoop& loop = cofs::get_loop();
  bool ran = false;
  auto t = [&]() -> Task<int> {
    ran = true;
    co_return 1;
  };
  CHECK_THROWS_AS(cofs::sync(loop, t(), -1ms), cofs::InvalidArgumentError);
  CHECK_THROWS_AS(cofs::sync(loop, t(), -1ms), std::system_error);
  CHECK_FALSE(ran);
}

TEST_CASE("sync accepts any awaitable", "[sync]") {
  IoLoop& loop = cofs::get_loop();
  auto t0 = Clock::now();
  cofs::sync(loop, loop.sleep_for(5ms));
  CHECK(Clock::now() - t0 >= 5ms);
}

namespace {
struct Service {
  IoLoop* loop;
  int base;
  Task<int> async_add(int v) const {
    co_await loop->sleep_for(std::chrono::microseconds(10));
    co_return base + v;
  }
};
Task<std::string> async_concat(std::string a, std::string b) {
  co_return a + b;
}
Task<void> async_fail(int code) {
  throw std::runtime_error("code " + std::to_string(code));
  co_return;
}
}  // namespace

TEST_CASE("sync_wrapper(loop, f)(args...) is the blocking twin of f", "[sync]") {
  IoLoop& loop = cofs::get_loop();
  auto concat = cofs::sync_wrapper(loop, async_concat);
  CHECK(concat(std::string("ab"), std::string("cd")) == "abcd");
  CHECK(concat("x", "y") == "xy");

  auto add = cofs::sync_wrapper(loop, [](int a, int b) -> Task<int> { co_return a + b; });
  CHECK(add(2, 3) == 5);

  Service svc{&loop, 100};
  auto member = cofs::sync_wrapper(loop, &Service::async_add);
  CHECK(member(svc, 5) == 105);
  CHECK(member(&svc, 6) == 106);

  auto fail = cofs::sync_wrapper(loop, async_fail);
  CHECK_THROWS_WITH(fail(9), "code 9");

  std::atomic<int> observed{0};
  auto slow = cofs::sync_wrapper(
      loop, [&](Clock::duration d) { return cancellable_sleep(loop, observed, d); }, 30ms);
  CHECK_THROWS_AS(slow(10s), cofs::TimeoutError);
  CHECK(eventually([&] { return observed.load() == 1; }, 1000ms));

  // From several threads at once.
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i)
        if (add(t, i) != t + i) ++bad;
    });
  }
  for (auto& th : threads) th.join();
  CHECK(bad == 0);
}
