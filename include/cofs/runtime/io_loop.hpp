// IoLoop: one thread that owns a reactor (an io_uring ring where the kernel allows one, epoll
// otherwise) and runs cofs's coroutines. It serves wake-ups from other threads (post), timers,
// readiness of file descriptors (curl's sockets, libaio's eventfd) and, on the uring reactor,
// io_uring submissions of the local engine. A loop runs on a thread it starts (start_thread, as
// get_loop() does), on a thread of the user's (run), or is driven from another event loop through
// fd() and the non-blocking run_once().
//
// This is the application's view of a loop. What backends do on it (track operations, watch
// descriptors, timers, stop groups, the ring, the blocking pool) is in cofs/backend/loop.hpp, as
// free functions taking the loop; its state is in src/runtime (detail::LoopCore).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "cofs/backend/operation.hpp"
#include "cofs/export.hpp"
#include "cofs/runtime/error.hpp"
#include "cofs/runtime/task.hpp"

namespace cofs {

enum class ReactorKind { automatic, uring, epoll };

/// A unit of work queued on the loop. Intrusive, so resuming a coroutine allocates nothing.
struct LoopWork {
  LoopWork* next = nullptr;
  void (*run)(LoopWork*) = nullptr;
};

namespace detail {
struct LoopAccess;  // the library's own way in to a loop's state (src/runtime)
}

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
  bool stopped() const noexcept;
  bool in_loop_thread() const noexcept;
  /// The loop running on the calling thread (inside run() or run_once()), or nullptr.
  static IoLoop* current() noexcept;
  const std::string& name() const noexcept;
  const char* reactor_name() const noexcept;
  ReactorKind reactor_kind() const noexcept;

  /// Queues work to run on the loop's thread. Any thread. Throws LoopStoppedError when the loop
  /// no longer accepts work (stopped, or created before this process forked).
  void post(LoopWork* work);
  template <class F>
  requires(!std::is_convertible_v<F, LoopWork*>) void post(F&& fn);
  template <class F>
  requires(!std::is_convertible_v<F, LoopWork*>) bool try_post(F&& fn);
  /// Like post(), but returns false instead of throwing when the loop no longer accepts work.
  bool try_post(LoopWork* work) noexcept;

  /// Awaitable that completes after `d` (OperationCancelled when the awaiter's stop token fires).
  auto sleep_for(Clock::duration d);
  auto sleep_until(Clock::time_point t);
  /// Awaitable that continues the awaiting coroutine on this loop's thread.
  auto resume_here();

 private:
  friend struct detail::LoopAccess;
  std::unique_ptr<detail::LoopCore> core_;
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
    backend::add_timer(loop_, *this);
    return true;
  }
  void await_resume() { end(); }

 private:
  bool withdraw() noexcept override {
    backend::cancel_timer(loop_, *this);
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
  if (!try_post(std::forward<F>(fn))) backend::throw_not_accepting(*this, "post");
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
