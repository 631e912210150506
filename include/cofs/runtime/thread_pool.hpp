// ThreadPool and run_blocking: blocking work (directory listing, a blocking filesystem behind
// AsyncFileSystemWrapper, syscalls that have no async form) runs on a small pool of threads and
// the awaiting coroutine resumes on its loop. The loop thread itself never blocks.
//
// A job on a loop's own pool may itself make blocking calls on that loop (sync(): a job that
// reads files through the blocking API), whose work may need the same pool: with every worker
// blocked so, the jobs they wait for would wait forever behind them. So a worker of a loop's pool
// blocked in sync() on that loop lends its place: while jobs wait and no worker is free, the pool
// adds a thread for each such worker, keeping as many workers able to run as its size; an added
// thread leaves after a short idle time once the blocked worker is back. The pool grows only by
// the number of workers blocked at once. A pool made by the user (run_blocking(loop, pool, fn))
// never grows: its size is the bound on how many calls run at once.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "cofs/export.hpp"
#include "cofs/runtime/io_loop.hpp"

namespace cofs {

class COFS_API ThreadPool {
 public:
  /// `lends_for`: the loop whose own pool this is (see above); nullptr for a pool that never grows.
  ThreadPool(unsigned threads, std::string name, const IoLoop* lends_for = nullptr);
  ~ThreadPool();  // finishes queued jobs, then joins
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  void submit(std::function<void()> job);
  /// The workers now: the pool's size, plus those added for blocked workers.
  unsigned size() const noexcept;
  /// The pool the calling thread is a worker of (of this process), or nullptr.
  static ThreadPool* current() noexcept;

  /// Marks the calling thread, when it is a worker of `loop`'s own pool, as blocked on work of
  /// that loop for its lifetime (sync() does): the pool adds a thread while jobs wait that no
  /// worker is free for.
  class Blocked {
   public:
    explicit Blocked(const IoLoop& loop) noexcept;
    ~Blocked();
    Blocked(const Blocked&) = delete;
    Blocked& operator=(const Blocked&) = delete;

   private:
    ThreadPool* pool_;
  };

 private:
  void work();
  void add_worker_locked();
  void grow_if_starved_locked();

  const unsigned base_;  // workers able to run that the pool keeps while jobs wait
  const std::string name_;
  const std::uint64_t generation_;  // backend::fork_generation() when made
  const IoLoop* const lends_for_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool closing_ = false;
  unsigned workers_ = 0;  // threads running work()
  unsigned idle_ = 0;     // ...waiting for a job
  unsigned blocked_ = 0;  // ...inside a Blocked scope
  std::list<std::thread> threads_;
  std::vector<std::thread::id> left_;  // added workers that left, to be joined
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
    (pool_ != nullptr ? *pool_ : backend::blocking_pool(loop_)).submit([this] {
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
