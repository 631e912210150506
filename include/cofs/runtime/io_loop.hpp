// IoLoop: one thread that owns a reactor (an io_uring ring where the kernel allows one, epoll
// otherwise) and runs cofs's coroutines. It serves wake-ups from other threads (post), timers,
// readiness of file descriptors (curl's sockets, libaio's eventfd) and, on the uring reactor,
// io_uring submissions of the local engine. Everything but post() and stop() is for the loop's own
// thread. A loop runs on a thread it starts (start_thread, as get_loop() does), on a thread of the
// user's (run), or is driven from another event loop through fd() and the non-blocking run_once().
#pragma once

#include <atomic>
#include <cerrno>
#include <chrono>
#include <coroutine>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cofs/export.hpp"
#include "cofs/runtime/error.hpp"
#include "cofs/runtime/task.hpp"

struct io_uring;

namespace cofs {

enum class ReactorKind { automatic, uring, epoll };

using Clock = std::chrono::steady_clock;

/// A unit of work queued on the loop. Intrusive, so resuming a coroutine allocates nothing.
struct LoopWork {
  LoopWork* next = nullptr;
  void (*run)(LoopWork*) = nullptr;
};

namespace detail {
class LeafOp;
class ServiceRegistry;
struct LoopAccess;  // the library's own way in to a loop's internals (src/runtime)

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
/// LoopStoppedError). Registered with track(), removed with untrack(); loop thread only.
class COFS_API PendingOp {
 public:
  PendingOp() = default;
  PendingOp(const PendingOp&) = delete;
  PendingOp& operator=(const PendingOp&) = delete;
  virtual void abort(std::exception_ptr why) noexcept = 0;

 protected:
  ~PendingOp() = default;

 private:
  friend class IoLoop;
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
  friend class IoLoop;
  LoopWaiter* prev_ = nullptr;
  LoopWaiter* next_ = nullptr;
  std::atomic<bool> linked_{false};  // written under the loop's waiter mutex
  std::atomic<bool> claimed_{false};
};

class FdWatch;  // a file descriptor registered with the reactor; opaque to users
class Reactor;
class ThreadPool;

class COFS_API IoLoop {
 public:
  struct Options {
    ReactorKind reactor = ReactorKind::automatic;  // automatic: COFS_REACTOR, then a probe
    std::string name = "cofsIO";                   // the thread name, and the loop's name in errors
    unsigned ring_entries = 256;                   // io_uring submission queue size
  };

  IoLoop();
  explicit IoLoop(Options options);
  /// Stops the loop (operations in flight end with LoopStoppedError) and joins its thread. On
  /// the loop's own thread, inside run() or run_once() (a coroutine dropping the last reference),
  /// it runs the stop to its end right there, and the turn it was called from returns without
  /// touching the loop again: run() returns, run_once() returns false.
  ~IoLoop();
  IoLoop(const IoLoop&) = delete;
  IoLoop& operator=(const IoLoop&) = delete;

  /// Starts a thread (named after the loop) that runs run(); stop() or the destructor ends it.
  void start_thread();
  /// Runs the loop on the calling thread until stop().
  void run();
  /// One non-blocking turn: runs what is ready, fires due timers, polls the reactor without
  /// waiting. Returns true when work is already waiting for another turn.
  bool run_once();
  /// A file descriptor that polls readable when run_once() has work to do (for driving the loop
  /// from another event loop).
  int fd();
  /// Ends the loop: operations in flight fail with LoopStoppedError, later posts are refused.
  /// Any thread; returns at once (join with the loop's own thread through the destructor).
  void stop();
  /// Blocks until the loop has finished stopping (not on the loop's own thread).
  void wait_stopped();
  bool stopped() const noexcept { return closed_.load(std::memory_order_acquire); }
  bool in_loop_thread() const noexcept;
  /// The loop running on the calling thread (inside run() or run_once()), or nullptr.
  static IoLoop* current() noexcept;
  const std::string& name() const noexcept { return options_.name; }
  const char* reactor_name() const noexcept;
  ReactorKind reactor_kind() const noexcept { return kind_; }

  /// Queues work to run on the loop's thread. Any thread. Throws LoopStoppedError when the loop
  /// no longer accepts work (stopped, or created before this process forked).
  void post(LoopWork* work);
  template <class F>
  requires(!std::is_convertible_v<F, LoopWork*>) void post(F&& fn);
  template <class F>
  requires(!std::is_convertible_v<F, LoopWork*>) bool try_post(F&& fn);
  /// Like post(), but returns false instead of throwing when the loop no longer accepts work.
  bool try_post(LoopWork* work) noexcept;
  /// Throws the LoopStoppedError that explains why this loop refuses work.
  [[noreturn]] void throw_not_accepting(std::string_view operation) const;

  // ---- loop thread only -----------------------------------------------------------------
  /// Resumes `h` later in this turn (FIFO).
  void schedule(std::coroutine_handle<> h);
  void add_timer(TimerNode& t);
  void cancel_timer(TimerNode& t) noexcept;
  /// Watches `fd` for `events` (EPOLLIN/EPOLLOUT bits; errors and hang-ups are always reported).
  /// `on_ready` runs on the loop with the ready bits, level-triggered, until unwatch_fd().
  FdWatch* watch_fd(int fd, std::uint32_t events, std::function<void(std::uint32_t)> on_ready);
  void update_fd(FdWatch* watch, std::uint32_t events);
  void unwatch_fd(FdWatch* watch) noexcept;
  void track(PendingOp& op) noexcept;
  void untrack(PendingOp& op) noexcept;
  /// The group of operations under `token` (one that can be stopped), made on first use.
  detail::StopGroup& stop_group(const std::stop_token& token);
  /// Registers / removes a blocked caller (any thread; see LoopWaiter).
  void add_waiter(LoopWaiter& w) noexcept;
  void remove_waiter(LoopWaiter& w) noexcept;
  /// True once stop has begun: new operations must fail at once instead of suspending.
  bool stopping() const noexcept { return stopping_; }
  /// The reactor's io_uring ring, or nullptr on the epoll reactor.
  io_uring* ring() noexcept;
  /// A small thread pool for blocking work (directory listing, AsyncFileSystemWrapper).
  ThreadPool& blocking_pool();
  std::size_t pending_operations() const noexcept { return pending_count_; }

  /// Awaitable that completes after `d` (OperationCancelled when the awaiter's stop token fires).
  auto sleep_for(Clock::duration d);
  auto sleep_until(Clock::time_point t);
  /// Awaitable that continues the awaiting coroutine on this loop's thread.
  auto resume_here();

  /// Bumped in every forked child; a loop made in the parent refuses work in the child.
  static std::uint64_t fork_generation() noexcept;
  bool belongs_to_this_process() const noexcept { return generation_ == fork_generation(); }
  /// Used by blocking callers to decide whether a short spin is worth it.
  std::uint64_t turns() const noexcept { return turns_.load(std::memory_order_relaxed); }
  /// The CPU the loop's thread last ran a turn on (-1: unknown). A caller on the same CPU should
  /// not spin waiting for the loop: it would only keep the loop from running.
  int last_cpu() const noexcept { return loop_cpu_.load(std::memory_order_relaxed); }

 private:
  friend class Reactor;
  friend struct detail::LoopAccess;
  struct RunFrame;
  struct ReadyBatch;
  void init();
  /// ~IoLoop on the loop's own thread, inside a turn: stops the loop to its end here.
  void stop_from_own_turn() noexcept;
  bool turn(bool may_block);
  void run_ready();
  void fire_timers();
  void begin_stop();
  bool finish_stop_if_idle();
  void release_waiters() noexcept;
  /// Arms the timerfd for the earliest timer if it is not armed for that time or earlier. Returns
  /// true, leaving the timerfd alone, when that timer is already due, unless `even_if_due`.
  bool arm_timerfd(bool even_if_due);
  void drain_wakeups();

  // timer heap (min-heap on deadline)
  void heap_up(std::size_t i) noexcept;
  void heap_down(std::size_t i) noexcept;
  void heap_remove(std::size_t i) noexcept;

  Options options_;
  ReactorKind kind_ = ReactorKind::epoll;
  std::unique_ptr<Reactor> reactor_;
  std::uint64_t generation_;

  // remote queue: any thread pushes under the mutex, the loop takes the whole list
  std::mutex remote_mutex_;
  LoopWork* remote_head_ = nullptr;
  LoopWork* remote_tail_ = nullptr;
  std::atomic<bool> remote_nonempty_{false};
  std::atomic<bool> sleeping_{false};
  int wake_fd_ = -1;
  FdWatch* wake_watch_ = nullptr;

  // loop-thread state
  RunFrame* run_frame_ = nullptr;      // the innermost run()/run_once() on the loop's thread
  ReadyBatch* ready_batch_ = nullptr;  // the ready coroutines being resumed
  LoopWork* remote_rest_ = nullptr;    // remote work of this turn not run yet
  std::vector<std::coroutine_handle<>> ready_;
  std::vector<std::coroutine_handle<>> ready_spare_;
  std::vector<TimerNode*> heap_;
  int timer_fd_ = -1;
  FdWatch* timer_watch_ = nullptr;
  Clock::time_point timer_armed_for_ = Clock::time_point::max();
  PendingOp* pending_head_ = nullptr;
  std::size_t pending_count_ = 0;
  // Keyed by the address of the token object an operation observes (see stop_group()).
  std::unordered_multimap<const std::stop_token*, std::unique_ptr<detail::StopGroup>> stop_groups_;
  std::size_t stop_groups_prune_at_ = 64;
  std::mutex waiters_mutex_;
  LoopWaiter* waiters_head_ = nullptr;
  bool stopping_ = false;
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> closed_{false};
  std::atomic<std::uint64_t> turns_{0};
  std::atomic<int> loop_cpu_{-1};
  std::atomic<int> poster_cpu_{-1};  // CPU of the latest post from another thread

  std::atomic<std::thread::id> owner_{};
  std::thread thread_;
  std::mutex stopped_mutex_;
  std::unique_ptr<ThreadPool> pool_;
  std::once_flag pool_once_;
  std::unique_ptr<detail::ServiceRegistry> services_;
};

/// The process-wide default loop, started lazily on a thread named "cofsIO". A forked child gets
/// a fresh one. Throws LoopStoppedError once the process has begun to exit.
COFS_API IoLoop& get_loop();
COFS_API std::shared_ptr<IoLoop> default_loop();

// ---- implementation of the templates ---------------------------------------------------------

namespace detail {
template <class F>
struct FnWork : LoopWork {
  F fn;
  explicit FnWork(F f) : fn(std::move(f)) {
    run = [](LoopWork* w) {
      auto* self = static_cast<FnWork*>(w);
      std::unique_ptr<FnWork> owned(self);
      self->fn();
    };
  }
};

/// The loop-thread machinery every leaf awaitable shares: stop-token cancellation, being ended
/// by the loop's stop, and resumption through the loop's ready queue.
class LeafOp : public PendingOp {
 public:
  explicit LeafOp(IoLoop& loop) noexcept : loop_(loop) {}
  /// Awaiters may be moved before they are awaited (never after): only the loop carries over.
  LeafOp(LeafOp&& other) noexcept : PendingOp(), loop_(other.loop_) {}
  LeafOp& operator=(LeafOp&&) = delete;

  void abort(std::exception_ptr why) noexcept override { fail(std::move(why)); }

 protected:
  ~LeafOp() { leave(); }  // a frame destroyed while suspended here

  /// Call from await_suspend. Returns false when the operation ends at once (loop stopping or
  /// stop already requested): the caller must then not start it and await_resume rethrows.
  /// An operation that is not `cancellable` (releasing a resource) ignores the stop token.
  template <class P>
  bool begin(std::coroutine_handle<P> h, const char* what, bool cancellable = true) {
    what_ = what;
    if (loop_.stopping() || !loop_.in_loop_thread()) {
      error_ = make_error(
          std::error_code(ESHUTDOWN, std::generic_category()), what_, loop_.name(),
          loop_.stopping() ? "the IO loop is stopping" : "awaited off the IO loop's thread");
      return false;
    }
    if (cancellable) {
      decltype(auto) token = stop_token_view(h);  // a reference to the promise's: no copy
      if (token.stop_requested()) {
        error_ =
            make_error(std::make_error_code(std::errc::operation_canceled), what_, loop_.name());
        return false;
      }
      if (token.stop_possible()) join(loop_.stop_group(token));
    }
    waiter_ = h;
    loop_.track(*this);
    return true;
  }

  /// The operation completed (loop thread): resume the waiter.
  void complete() noexcept {
    if (finished_) return;
    finished_ = true;
    loop_.untrack(*this);
    loop_.schedule(waiter_);
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
  void join(StopGroup& g) noexcept {
    group_ = &g;
    group_next_ = g.head;
    if (g.head != nullptr) g.head->group_prev_ = this;
    g.head = this;
  }
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
  void cancel_for_stop() noexcept {
    fail(make_error(std::make_error_code(std::errc::operation_canceled), what_, loop_.name()));
  }
  std::exception_ptr error_;
  StopGroup* group_ = nullptr;  // the stop token's group while in flight, if it can be stopped
  LeafOp* group_prev_ = nullptr;
  LeafOp* group_next_ = nullptr;
  const char* what_ = "";
  bool finished_ = false;
  bool failing_ = false;
};

class SleepAwaiter : public LeafOp, private TimerNode {
 public:
  SleepAwaiter(IoLoop& loop, Clock::time_point deadline) noexcept : LeafOp(loop) {
    this->deadline = deadline;
    on_fire = [](TimerNode* t) { static_cast<SleepAwaiter*>(t)->complete(); };
  }
  SleepAwaiter(SleepAwaiter&& o) noexcept : SleepAwaiter(o.loop_, o.deadline) {}
  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    if (!begin(h, "sleep")) return false;
    loop_.add_timer(*this);
    return true;
  }
  void await_resume() { end(); }

 private:
  bool withdraw() noexcept override {
    loop_.cancel_timer(*this);
    return true;
  }
};

/// Continues the awaiting coroutine on the loop's thread (at once when already there).
class ResumeHere : private LoopWork {
 public:
  explicit ResumeHere(IoLoop& loop) noexcept : loop_(loop) {
    run = [](LoopWork* w) { static_cast<ResumeHere*>(w)->h_.resume(); };
  }
  bool await_ready() const noexcept { return loop_.in_loop_thread(); }
  void await_suspend(std::coroutine_handle<> h) {
    h_ = h;
    loop_.post(static_cast<LoopWork*>(this));  // throws LoopStoppedError into the awaiter
  }
  void await_resume() const noexcept {}

 private:
  IoLoop& loop_;
  std::coroutine_handle<> h_;
};
}  // namespace detail

template <class F>
requires(!std::is_convertible_v<F, LoopWork*>) bool IoLoop::try_post(F&& fn) {
  auto* w = new detail::FnWork<std::decay_t<F>>(std::forward<F>(fn));
  if (try_post(static_cast<LoopWork*>(w))) return true;
  delete w;
  return false;
}

template <class F>
requires(!std::is_convertible_v<F, LoopWork*>) void IoLoop::post(F&& fn) {
  if (!try_post(std::forward<F>(fn))) throw_not_accepting("post");
}

inline auto IoLoop::sleep_for(Clock::duration d) {
  return detail::SleepAwaiter(*this, Clock::now() + d);
}
inline auto IoLoop::sleep_until(Clock::time_point t) {
  return detail::SleepAwaiter(*this, t);
}
inline auto IoLoop::resume_here() {
  return detail::ResumeHere(*this);
}

}  // namespace cofs
