// sync(): run an awaitable on an IoLoop from any other thread and block for its result.
// sync_wrapper(): make a blocking twin of an async callable. spawn(): start a task on a loop and
// forget it. On the loop's own thread sync() throws at once rather than deadlock; a timeout throws
// TimeoutError and cancels the operation through its stop token.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <type_traits>

#include "cofs/export.hpp"
#include "cofs/runtime/io_loop.hpp"
#include "cofs/runtime/task.hpp"

namespace cofs {

namespace detail {

/// A coroutine that starts when resumed by its runner, runs to the end and frees itself.
struct Detached {
  struct promise_type : StopTokenSlot {
    static void* operator new(std::size_t n) { return frame_allocate(n); }
    static void operator delete(void* p, std::size_t n) noexcept { frame_free(p, n); }
    Detached get_return_object() noexcept {
      return Detached{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() const noexcept { return {}; }
    std::suspend_never final_suspend() const noexcept { return {}; }
    void return_void() const noexcept {}
    void unhandled_exception() const noexcept { std::terminate(); }  // bodies catch everything
  };
  std::coroutine_handle<promise_type> handle;
};

/// Where a blocked caller waits: 0 running, 1 done, 2 running with a sleeping waiter (a private
/// futex, in src/runtime/completion.cpp).
class COFS_API Completion {
 public:
  /// The waiter may return, and free this object, as soon as the exchange is done: the wake-up
  /// hands only the address to the kernel, never touching the memory.
  void set() noexcept;
  /// Waits until set() or `deadline`; returns false on timeout. Spins briefly first if `spin`.
  bool wait(std::optional<Clock::time_point> deadline, bool spin = true) noexcept;

 private:
  std::atomic<std::uint32_t> state_{0};
};

/// Blocks the calling thread on `done` for work running on `loop` (spinning first only when the
/// loop runs on another CPU; on a worker of the loop's own pool, lending its place meanwhile).
COFS_API bool wait_for_loop(IoLoop& loop, Completion& done,
                            std::optional<Clock::time_point> deadline);

template <class T>
struct SyncState : LoopWork, LoopWaiter {
  using Value = std::conditional_t<std::is_void_v<T>, bool, T>;
  Completion done;
  std::optional<Value> value;
  std::exception_ptr error;
  std::stop_source stop;
  std::coroutine_handle<> runner;
  IoLoop* loop = nullptr;

  // The loop closed with the task stuck: the runner frame is left suspended, the caller released.
  void released(std::exception_ptr why) noexcept override {
    error = std::move(why);
    done.set();
  }
};

template <class T>
Detached run_for_sync(Task<T> task, std::shared_ptr<SyncState<T>> state) {
  std::optional<typename SyncState<T>::Value> value;
  std::exception_ptr error;
  try {
    // The task (its frame, its arguments) is destroyed at the end of this block, before the
    // caller is released: destructors in it may still use what the caller owns.
    Task<T> owned = std::move(task);
    if constexpr (std::is_void_v<T>) {
      co_await std::move(owned);
      value.emplace(true);
    } else {
      value.emplace(co_await std::move(owned));
    }
  } catch (...) {
    error = std::current_exception();
  }
  // Unlinked already when the loop closed with this task stranded (and later resumed by whatever
  // it waited for): the loop may be gone then, so it is not touched.
  if (state->linked()) backend::remove_waiter(*state->loop, *state);
  // Not claimed: the loop closed first (the caller has its LoopStoppedError) or the caller gave
  // up (TimeoutError); either way nobody reads a result any more.
  if (state->claim()) {
    if (value) state->value.emplace(std::move(*value));
    state->error = std::move(error);
    // The waiting caller holds the last other reference: once released it frees the state, and
    // the exception in it, on its own thread.
    SyncState<T>* s = state.get();
    state.reset();
    s->done.set();
  }
}

template <class A>
auto as_task(A awaitable) -> Task<await_result_t<A>> {
  co_return co_await std::move(awaitable);
}

COFS_API std::string format_duration(Clock::duration d);

}  // namespace detail

/// Runs `task` on `loop` and blocks the calling thread until it finishes; returns its value or
/// rethrows its exception here. `what` names the operation and `subject` what it works on (a
/// path; the loop's name when empty) in the errors sync itself raises.
template <class T>
T sync(IoLoop& loop, Task<T> task, std::optional<Clock::duration> timeout = std::nullopt,
       std::string_view what = "sync", std::string_view subject = {}) {
  if (subject.empty()) subject = loop.name();
  if (loop.in_loop_thread()) {
    throw Error(std::make_error_code(std::errc::resource_deadlock_would_occur), what, subject,
                "cofs::sync was called on the IO loop's own thread, where blocking would "
                "deadlock the loop: co_await the task instead");
  }
  if (timeout && *timeout < Clock::duration::zero()) {
    throw InvalidArgumentError(what, subject, "negative timeout");
  }
  auto state = std::make_shared<detail::SyncState<T>>();
  detail::Detached runner = detail::run_for_sync<T>(std::move(task), state);
  runner.handle.promise().set_stop_token(state->stop.get_token());
  state->runner = runner.handle;
  state->loop = &loop;
  state->run = [](LoopWork* w) {
    auto* s = static_cast<detail::SyncState<T>*>(w);
    backend::add_waiter(*s->loop, *s);
    s->runner.resume();
  };
  if (!loop.try_post(state.get())) {
    runner.handle.destroy();  // never started: frees the task
    backend::throw_not_accepting(loop, what);
  }
  std::optional<Clock::time_point> deadline;
  if (timeout) deadline = Clock::now() + *timeout;
  if (!detail::wait_for_loop(loop, state->done, deadline)) {
    if (state->claim()) {
      // Cancel on the loop's thread, where every stop callback of cofs expects to run.
      loop.try_post([state] { state->stop.request_stop(); });
      throw TimeoutError(
          what, subject,
          "timed out after " + detail::format_duration(*timeout) + "; the operation was cancelled");
    }
    // The task ended (or the loop closed) just as the time ran out: its outcome is on the way.
    state->done.wait(std::nullopt);
  }
  if (state->error) std::rethrow_exception(state->error);
  if constexpr (!std::is_void_v<T>) return std::move(*state->value);
}

/// sync() for any awaitable (a foreign one, or a cofs awaiter such as loop.sleep_for()).
template <class A>
requires(!is_task<std::decay_t<A>>::value) auto sync(
    IoLoop& loop, A awaitable, std::optional<Clock::duration> timeout = std::nullopt,
    std::string_view what = "sync") {
  return sync(loop, detail::as_task(std::move(awaitable)), timeout, what);
}

/// Blocking twin of an async callable: sync_wrapper(loop, f)(args...) == sync(loop, f(args...)).
/// The arguments are handed to `f` as the caller gives them, so `f` must take what the coroutine
/// keeps by value (a timeout returns before the operation ends).
template <class F>
auto sync_wrapper(IoLoop& loop, F f, std::optional<Clock::duration> timeout = std::nullopt) {
  return [&loop, f = std::move(f), timeout](auto&&... args) {
    return sync(loop, std::invoke(f, std::forward<decltype(args)>(args)...), timeout);
  };
}

/// Starts `task` on `loop` without waiting for it. `on_error` receives its exception (on the
/// loop's thread); without one, an exception ends the process, as it would in a std::thread.
COFS_API void spawn(IoLoop& loop, Task<void> task,
                    std::function<void(std::exception_ptr)> on_error = nullptr);

}  // namespace cofs
