// What a backend's awaitables are made of: an operation the loop tracks and ends when it stops
// (PendingOp), the leaf awaitable every backend operation derives from (detail::LeafOp: stop-token
// cancellation, the loop's stop, resumption through the ready queue), timers (TimerNode), blocked
// callers (LoopWaiter), and the loop-thread functions these use. Kept light (no containers, no
// <functional>): cofs/runtime/io_loop.hpp includes it for sleep_for, and cofs/runtime/sync.hpp and
// gather.hpp use its timers and waiters. The rest of the backend surface (descriptor watches, the
// ring, services, the thread pool) is in cofs/backend/loop.hpp.
#pragma once

#include <atomic>
#include <chrono>
#include <coroutine>
#include <cstddef>
#include <exception>
#include <stop_token>
#include <string_view>
#include <utility>

#include "cofs/export.hpp"
#include "cofs/runtime/task.hpp"

namespace cofs {

class IoLoop;
class ThreadPool;

using Clock = std::chrono::steady_clock;

namespace detail {
class LeafOp;
class LoopCore;  // the loop's state (src/runtime)

/// The leaf operations in flight on a loop under one stop token, and the one stop callback that
/// cancels them all: a callback of its own would cost each operation four atomic operations on
/// the token's shared state. Loop thread only, as are the stop requests that cancel operations.
struct COFS_API StopGroup {
  struct Fire {
    StopGroup* group;
    void operator()() const noexcept;
  };
  explicit StopGroup(const std::stop_token& t) : token(t), callback(token, Fire{this}) {}
  std::stop_token token;
  std::stop_callback<Fire> callback;
  LeafOp* head = nullptr;  // the operations in the group, linked through LeafOp
};
}  // namespace detail

/// A timer owned by its user (typically inside a coroutine frame), kept in the loop's heap.
struct TimerNode {
  Clock::time_point deadline{};
  void (*on_fire)(TimerNode*) = nullptr;
  std::size_t heap_index = static_cast<std::size_t>(-1);  // managed by the loop
  bool armed() const noexcept { return heap_index != static_cast<std::size_t>(-1); }
};

/// An operation suspended on the loop that the loop must end when it stops (with
/// LoopStoppedError). Registered with backend::track(), removed with backend::untrack(); loop
/// thread only.
class COFS_API PendingOp {
 public:
  PendingOp() = default;
  PendingOp(const PendingOp&) = delete;
  PendingOp& operator=(const PendingOp&) = delete;
  virtual void abort(std::exception_ptr why) noexcept = 0;

 protected:
  ~PendingOp() = default;

 private:
  friend class detail::LoopCore;
  PendingOp* prev_ = nullptr;
  PendingOp* next_ = nullptr;
  bool tracked_ = false;
};

/// A caller blocked on work it handed to the loop (sync() is one). When the loop closes while that
/// work is still suspended on something the loop does not track (a foreign awaitable, an event
/// nobody will signal), released() is called with LoopStoppedError, so the caller is not left
/// waiting forever. Whoever claim()s first (the work finishing, the caller giving up, the loop
/// closing) decides the outcome.
class COFS_API LoopWaiter {
 public:
  LoopWaiter() = default;
  LoopWaiter(const LoopWaiter&) = delete;
  LoopWaiter& operator=(const LoopWaiter&) = delete;
  virtual void released(std::exception_ptr why) noexcept = 0;
  /// True for the first caller only.
  bool claim() noexcept { return !claimed_.exchange(true, std::memory_order_acq_rel); }
  /// Still registered with a loop (false once the loop has closed and let go of it).
  bool linked() const noexcept { return linked_.load(std::memory_order_acquire); }

 protected:
  ~LoopWaiter() = default;

 private:
  friend class detail::LoopCore;
  LoopWaiter* prev_ = nullptr;
  LoopWaiter* next_ = nullptr;
  std::atomic<bool> linked_{false};  // written under the loop's waiter mutex
  std::atomic<bool> claimed_{false};
};

namespace backend {

// ---- the loop's thread only ----------------------------------------------------------------
/// Resumes `h` later in this turn (FIFO).
COFS_API void schedule(IoLoop& loop, std::coroutine_handle<> h);
/// Arms `t` (re-arms it when armed): on_fire runs on the loop once its deadline has passed.
COFS_API void add_timer(IoLoop& loop, TimerNode& t);
COFS_API void cancel_timer(IoLoop& loop, TimerNode& t) noexcept;
/// Registers / removes an operation the loop's stop must end.
COFS_API void track(IoLoop& loop, PendingOp& op) noexcept;
COFS_API void untrack(IoLoop& loop, PendingOp& op) noexcept;
/// The group of operations under `token` (one that can be stopped), made on first use. Keyed by
/// the token object's address: pass the one the operation observes, not a copy.
COFS_API cofs::detail::StopGroup& stop_group(IoLoop& loop, const std::stop_token& token);
/// True once stop has begun: new operations must fail at once instead of suspending.
COFS_API bool stopping(const IoLoop& loop) noexcept;

// ---- any thread ---------------------------------------------------------------------------
/// Registers / removes a blocked caller (see LoopWaiter).
COFS_API void add_waiter(IoLoop& loop, LoopWaiter& w) noexcept;
COFS_API void remove_waiter(IoLoop& loop, LoopWaiter& w) noexcept;
/// Throws the LoopStoppedError that explains why `loop` refuses work (stopped, or made before
/// this process forked), naming `operation`.
[[noreturn]] COFS_API void throw_not_accepting(const IoLoop& loop, std::string_view operation);
/// The loop's small thread pool for blocking work (directory listing, AsyncFileSystemWrapper),
/// made on first use.
COFS_API ThreadPool& blocking_pool(IoLoop& loop);

}  // namespace backend

namespace detail {

/// The loop-thread machinery every leaf awaitable shares: stop-token cancellation, being ended
/// by the loop's stop, and resumption through the loop's ready queue. begin() and complete()
/// each make one call into the loop.
class COFS_API LeafOp : public PendingOp {
 public:
  explicit LeafOp(IoLoop& loop) noexcept : loop_(loop) {}
  /// Awaiters may be moved before they are awaited (never after): only the loop carries over.
  LeafOp(LeafOp&& other) noexcept : PendingOp(), loop_(other.loop_) {}
  LeafOp& operator=(LeafOp&&) = delete;

  void abort(std::exception_ptr why) noexcept override { fail(std::move(why)); }

 protected:
  ~LeafOp() { leave(); }  // a frame destroyed while suspended here

  /// Call from await_suspend. Returns false when the operation ends at once (loop stopping, not
  /// on the loop's thread, or stop already requested): the caller must then not start it and
  /// await_resume rethrows. An operation that is not `cancellable` (releasing a resource)
  /// ignores the stop token.
  template <class P>
  bool begin(std::coroutine_handle<P> h, const char* what, bool cancellable = true) {
    what_ = what;
    waiter_ = h;
    if (!cancellable) return start(nullptr);
    decltype(auto) token = stop_token_view(h);  // a reference to the promise's: no copy
    return start(&token);
  }

  /// The operation completed (loop thread): resume the waiter.
  void complete() noexcept {
    if (finished_) return;
    finished_ = true;
    finish();
  }
  /// End the operation with `e`. Withdraws the underlying work first; when withdrawing is
  /// asynchronous (an io_uring cancel) the completion path calls complete() later.
  void fail(std::exception_ptr e) noexcept {
    if (finished_ || failing_) return;
    failing_ = true;
    error_ = std::move(e);
    if (withdraw()) complete();
  }
  /// Withdraws the underlying work. Returns true when it is gone now, false when its completion
  /// will still arrive (and must call complete()).
  virtual bool withdraw() noexcept = 0;

  /// Call from await_resume.
  void end() {
    leave();
    if (error_) std::rethrow_exception(error_);
  }
  bool failed() const noexcept { return static_cast<bool>(error_); }

  IoLoop& loop_;
  std::coroutine_handle<> waiter_;

 private:
  friend struct StopGroup;
  /// begin()'s work on the loop (src/runtime): refuses, or joins the token's stop group and is
  /// tracked. `token` is nullptr for an operation that ignores its stop token.
  bool start(const std::stop_token* token);
  /// complete()'s: untracked, and the waiter scheduled.
  void finish() noexcept;
  void cancel_for_stop() noexcept;
  void leave() noexcept {
    if (group_ == nullptr) return;
    if (group_prev_ != nullptr) {
      group_prev_->group_next_ = group_next_;
    } else {
      group_->head = group_next_;
    }
    if (group_next_ != nullptr) group_next_->group_prev_ = group_prev_;
    group_ = nullptr;
    group_prev_ = group_next_ = nullptr;
  }
  std::exception_ptr error_;
  StopGroup* group_ = nullptr;  // the stop token's group while in flight, if it can be stopped
  LeafOp* group_prev_ = nullptr;
  LeafOp* group_next_ = nullptr;
  const char* what_ = "";
  bool finished_ = false;
  bool failing_ = false;
};

}  // namespace detail
}  // namespace cofs
