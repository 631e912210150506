// ThreadPool and run_blocking: blocking work (directory listing, a blocking filesystem behind
// AsyncFileSystemWrapper, syscalls that have no async form) runs on a small pool of threads and
// the awaiting coroutine resumes on its loop. The loop thread itself never blocks.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "cofs/runtime/io_loop.hpp"

namespace cofs {

class ThreadPool {
 public:
  ThreadPool(unsigned threads, std::string name);
  ~ThreadPool();  // finishes queued jobs, then joins
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  void submit(std::function<void()> job);
  unsigned size() const noexcept { return static_cast<unsigned>(threads_.size()); }

 private:
  void work();
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool closing_ = false;
  std::vector<std::thread> threads_;
};

namespace detail {

/// Runs `fn` on the loop's blocking pool. A stop request before the job starts skips it; one
/// that arrives while it runs is reported when it returns (a running syscall cannot be undone).
template <class F>
class BlockingCall : public LeafOp, private LoopWork {
 public:
  using R = std::invoke_result_t<F&>;

  BlockingCall(IoLoop& loop, ThreadPool* pool, F fn)
      : LeafOp(loop), pool_(pool), fn_(std::move(fn)) {
    run = [](LoopWork* w) { static_cast<BlockingCall*>(w)->complete(); };
  }
  BlockingCall(BlockingCall&& o) noexcept(std::is_nothrow_move_constructible_v<F>)
      : BlockingCall(o.loop_, o.pool_, std::move(o.fn_)) {}
  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    if (!begin(h, "run_blocking")) return false;
    (pool_ != nullptr ? *pool_ : loop_.blocking_pool()).submit([this] {
      if (!skip_.load(std::memory_order_acquire)) {
        try {
          if constexpr (std::is_void_v<R>) {
            fn_();
          } else {
            value_.emplace(fn_());
          }
        } catch (...) {
          error_ = std::current_exception();
        }
      }
      // Back to the loop; it stays open while this operation is pending, so this succeeds.
      loop_.try_post(static_cast<LoopWork*>(this));
    });
    return true;
  }
  R await_resume() {
    end();
    if (error_) std::rethrow_exception(error_);
    if constexpr (!std::is_void_v<R>) return std::move(*value_);
  }

 private:
  bool withdraw() noexcept override {
    skip_.store(true, std::memory_order_release);
    return false;  // the pool still posts back; complete() runs then
  }

  ThreadPool* pool_;  // nullptr: the loop's own pool
  F fn_;
  std::atomic<bool> skip_{false};
  std::exception_ptr error_;
  std::conditional_t<std::is_void_v<R>, bool, std::optional<R>> value_{};
};

}  // namespace detail

/// `co_await run_blocking(loop, fn)`: fn() on the loop's blocking pool, the result (or exception)
/// back on the loop's thread.
// GCC 12 destroys a lambda temporary that captures non-trivial values (a std::string) twice
// when it is written inside a co_await operand: name the lambda or the awaiter first.
template <class F>
auto run_blocking(IoLoop& loop, F&& fn) {
  return detail::BlockingCall<std::decay_t<F>>(loop, nullptr, std::forward<F>(fn));
}

/// The same on `pool` (which bounds how many such calls run at once).
template <class F>
auto run_blocking(IoLoop& loop, ThreadPool& pool, F&& fn) {
  return detail::BlockingCall<std::decay_t<F>>(loop, &pool, std::forward<F>(fn));
}

}  // namespace cofs
