// Task<T>: the coroutine type of every cofs async method. Lazy (nothing runs until awaited or
// handed to sync/gather/spawn), move-only, resumes its awaiter by symmetric transfer (see
// COFS_TASK_SYMMETRIC_TRANSFER), rethrows the coroutine's exception in the awaiter. Any coroutine
// may co_await a Task; a cofs promise also passes its stop token down, so cancelling a sync() or a
// gather() slot reaches the leaf IO.
#pragma once

#include <atomic>
#include <coroutine>
#include <exception>
#include <optional>
#include <stop_token>
#include <type_traits>
#include <utility>

#include "cofs/runtime/frame_cache.hpp"

namespace cofs {

template <class T = void>
class Task;

/// A promise that carries a stop token (all of cofs's do). Leaf awaitables ask it whether the
/// operation has been cancelled; foreign promises simply have none.
template <class P>
concept StopAwarePromise = requires(const P& p) {
  { p.get_stop_token() } -> std::convertible_to<std::stop_token>;
};

/// The stop token of the coroutine `h` (an empty one when its promise has none), without a copy
/// where the promise gives a reference, as cofs's do: copying a token costs two atomic
/// operations on its shared state.
template <class P>
decltype(auto) stop_token_view(std::coroutine_handle<P> h) noexcept {
  if constexpr (StopAwarePromise<P>) {
    return h.promise().get_stop_token();
  } else {
    return std::stop_token();
  }
}

/// A copy of it, to keep.
template <class P>
std::stop_token stop_token_of(std::coroutine_handle<P> h) noexcept {
  return stop_token_view(h);
}

// How an awaiter hands control to a Task and gets it back. Symmetric transfer (await_suspend
// returning a handle) keeps the stack flat only when the compiler turns that hand-over into a tail
// call: Clang always does, GCC only with -foptimize-sibling-calls (-O2, -O3, -Os) and never under
// ASan or TSan. Without it, every co_await of a Task that completes synchronously nests two native
// frames, and a loop of a million such awaits overflows the stack. Those builds use "resume and
// check" instead: the awaiter resumes the task with a plain call and, when it finished without
// suspending, continues at once (await_suspend returns false), so loops stay flat; only deep
// synchronous recursion nests. GCC cannot tell -O1/-Og from -O2 by macro: define
// COFS_TASK_SYMMETRIC_TRANSFER to 0 or 1 to override the guess. Both awaiters speak the same
// protocol with the final awaiter, so translation units built either way may be mixed.
#ifndef COFS_TASK_SYMMETRIC_TRANSFER
#if defined(__clang__)
#define COFS_TASK_SYMMETRIC_TRANSFER 1
#elif defined(__GNUC__) && defined(__OPTIMIZE__) && !defined(__SANITIZE_ADDRESS__) && \
    !defined(__SANITIZE_THREAD__)
#define COFS_TASK_SYMMETRIC_TRANSFER 1
#else
#define COFS_TASK_SYMMETRIC_TRANSFER 0
#endif
#endif

namespace detail {

inline constexpr bool kTaskSymmetricTransfer = COFS_TASK_SYMMETRIC_TRANSFER != 0;

/// Where a cofs coroutine's stop token lives: its own (given by whoever runs it: sync, gather,
/// set_stop_token) or its awaiter's, shared by reference, as the awaiter outlives the awaited
/// (copying a token costs two atomic operations on its shared state, at every level).
class StopTokenSlot {
 public:
  StopTokenSlot() = default;
  StopTokenSlot(const StopTokenSlot&) = delete;
  StopTokenSlot& operator=(const StopTokenSlot&) = delete;
  const std::stop_token& get_stop_token() const noexcept { return *current_; }
  void set_stop_token(std::stop_token t) noexcept {
    own_ = std::move(t);
    current_ = &own_;
  }
  void share_stop_token(const std::stop_token& t) noexcept { current_ = &t; }

 private:
  std::stop_token own_;
  const std::stop_token* current_ = &own_;
};

/// Gives the coroutine `callee` the stop token of `caller`: by reference when the caller's
/// promise keeps one, else a copy.
template <class P, class C>
void inherit_stop_token(C& callee, P& caller) noexcept {
  if constexpr (StopAwarePromise<P>) {
    if constexpr (std::is_lvalue_reference_v<decltype(caller.get_stop_token())>) {
      callee.share_stop_token(caller.get_stop_token());
    } else {
      callee.set_stop_token(caller.get_stop_token());
    }
  }
}

struct PromiseBase : StopTokenSlot {
  std::coroutine_handle<> continuation = std::noop_coroutine();
  std::exception_ptr exception;
  // Set by whichever comes first: the awaiter once it has left await_suspend (so the task must
  // resume it), or the task's final awaiter when it ends before that (so the awaiter continues by
  // itself). An atomic, as the task may end on another thread than its awaiter's.
  std::atomic<bool> awaiter_left{false};

  struct FinalAwaiter {
    bool await_ready() const noexcept { return false; }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) const noexcept {
      PromiseBase& p = h.promise();
      if (p.awaiter_left.load(std::memory_order_acquire) ||
          p.awaiter_left.exchange(true, std::memory_order_acq_rel)) {
        return p.continuation;
      }
      return std::noop_coroutine();  // back into the awaiter's await_suspend, which continues
    }
    void await_resume() const noexcept {}
  };

  static void* operator new(std::size_t n) { return frame_allocate(n); }
  static void operator delete(void* p, std::size_t n) noexcept { frame_free(p, n); }

  std::suspend_always initial_suspend() const noexcept { return {}; }
  FinalAwaiter final_suspend() const noexcept { return {}; }
  void unhandled_exception() noexcept { exception = std::current_exception(); }
};

template <class T>
struct Promise : PromiseBase {
  std::optional<T> value;
  Task<T> get_return_object() noexcept;
  template <class U = T>
  requires std::is_convertible_v<U&&, T>
  void return_value(U&& v) { value.emplace(std::forward<U>(v)); }
  T take() {
    if (exception) std::rethrow_exception(exception);
    return std::move(*value);
  }
};

template <>
struct Promise<void> : PromiseBase {
  Task<void> get_return_object() noexcept;
  void return_void() const noexcept {}
  void take() const {
    if (exception) std::rethrow_exception(exception);
  }
};

}  // namespace detail

template <class T>
class [[nodiscard]] Task {
 public:
  using promise_type = detail::Promise<T>;
  using value_type = T;
  using Handle = std::coroutine_handle<promise_type>;

  Task() noexcept = default;
  explicit Task(Handle h) noexcept : h_(h) {}
  Task(Task&& o) noexcept : h_(std::exchange(o.h_, {})) {}
  Task& operator=(Task&& o) noexcept {
    if (this != &o) {
      if (h_) h_.destroy();
      h_ = std::exchange(o.h_, {});
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() {
    if (h_) h_.destroy();
  }

  bool valid() const noexcept { return static_cast<bool>(h_); }
  bool done() const noexcept { return h_ && h_.done(); }

  /// Sets the stop token the task (and everything it awaits) observes. For runners that start a
  /// task themselves (sync, gather); an awaiting cofs coroutine passes its own token instead.
  /// Request the stop on the loop's thread (post it there from others): the operations it
  /// cancels belong to the loop.
  void set_stop_token(std::stop_token token) noexcept {
    h_.promise().set_stop_token(std::move(token));
  }

  struct Awaiter {
    Handle h;
    bool await_ready() const noexcept { return !h || h.done(); }
    template <class P>
    auto await_suspend(std::coroutine_handle<P> caller) noexcept {
      h.promise().continuation = caller;
      detail::inherit_stop_token(h.promise(), caller.promise());
      if constexpr (detail::kTaskSymmetricTransfer) {
        h.promise().awaiter_left.store(true, std::memory_order_relaxed);
        return std::coroutine_handle<>(h);
      } else {
        h.resume();
        return !h.promise().awaiter_left.exchange(true, std::memory_order_acq_rel);
      }
    }
    T await_resume() { return h.promise().take(); }
  };
  Awaiter operator co_await() & noexcept { return Awaiter{h_}; }
  Awaiter operator co_await() && noexcept { return Awaiter{h_}; }

  /// Releases the coroutine handle to a runner that will destroy it.
  Handle release() noexcept { return std::exchange(h_, {}); }

 private:
  Handle h_;
};

namespace detail {
template <class T>
Task<T> Promise<T>::get_return_object() noexcept {
  return Task<T>(std::coroutine_handle<Promise<T>>::from_promise(*this));
}
inline Task<void> Promise<void>::get_return_object() noexcept {
  return Task<void>(std::coroutine_handle<Promise<void>>::from_promise(*this));
}
}  // namespace detail

/// `co_await this_stop_token` gives the calling cofs coroutine its stop token, so long-running
/// user code can poll for cancellation between awaits.
struct ThisStopToken {
  std::stop_token token;
  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) noexcept {
    token = stop_token_of(h);
    return false;  // resume at once: this only reads the promise
  }
  std::stop_token await_resume() noexcept { return std::move(token); }
};
inline constexpr struct {
  ThisStopToken operator co_await() const noexcept { return {}; }
} this_stop_token{};

namespace detail {
template <class A>
decltype(auto) get_awaiter(A&& a) {
  if constexpr (requires { std::forward<A>(a).operator co_await(); }) {
    return std::forward<A>(a).operator co_await();
  } else {
    return std::forward<A>(a);
  }
}
}  // namespace detail

/// The value type an awaitable produces when co_awaited as an rvalue.
template <class A>
using await_result_t = decltype(detail::get_awaiter(std::declval<A>()).await_resume());

template <class T>
struct is_task : std::false_type {};
template <class T>
struct is_task<Task<T>> : std::true_type {};

}  // namespace cofs
