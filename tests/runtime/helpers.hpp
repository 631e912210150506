// Small tools shared by the runtime tests.
#pragma once

#include <atomic>
#include <chrono>
#include <coroutine>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>

#include "cofs/backend/loop.hpp"
#include "cofs/runtime/io_loop.hpp"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define RT_TEST_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/lsan_interface.h>
#define RT_TEST_LSAN 1
#endif
#endif

namespace rt_test {

using namespace std::chrono_literals;
using Ms = std::chrono::milliseconds;

/// Suspends the awaiting coroutine and resumes it later in the same loop turn: makes a task
/// really asynchronous without involving timers.
struct Yield {
  cofs::IoLoop& loop;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) { cofs::backend::schedule(loop, h); }
  void await_resume() const noexcept {}
};

/// Polls `pred` every millisecond until it holds or `limit` passes.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 2000ms) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= until) return pred();
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Sets (or unsets, with nullopt) an environment variable for one scope and restores it.
class EnvGuard {
 public:
  EnvGuard(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~EnvGuard() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  EnvGuard(const EnvGuard&) = delete;
  EnvGuard& operator=(const EnvGuard&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

/// Allocations made while one of these lives are not leak reports: for what a test leaks on
/// purpose (a coroutine stranded by a stopped loop, a parent's loop in a forked child).
struct LeakOk {
#ifdef RT_TEST_LSAN
  LeakOk() {
    __lsan_disable();
  }
  ~LeakOk() {
    __lsan_enable();
  }
#else
  LeakOk() = default;
#endif
  LeakOk(const LeakOk&) = delete;
  LeakOk& operator=(const LeakOk&) = delete;
};

/// An object that counts how many of its kind are alive, and the peak.
struct Counted {
  static inline std::atomic<long> live{0};
  static inline std::atomic<long> peak{0};
  static inline std::atomic<long> constructed{0};
  static void reset() {
    live = 0;
    peak = 0;
    constructed = 0;
  }
  static void born() {
    ++constructed;
    long now = ++live;
    long p = peak.load();
    while (now > p && !peak.compare_exchange_weak(p, now)) {
    }
  }
  Counted() { born(); }
  Counted(const Counted&) { born(); }
  Counted(Counted&&) noexcept { born(); }
  Counted& operator=(const Counted&) = default;
  Counted& operator=(Counted&&) = default;
  ~Counted() { --live; }
};

}  // namespace rt_test
