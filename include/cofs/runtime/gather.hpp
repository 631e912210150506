// gather: run many awaitables concurrently with at most `batch_size` in flight at any moment (a
// sliding window: the next starts as soon as one ends), results in input order. The input is any
// input range of awaitables and is pulled lazily, so a million tasks never exist at once.
// gather_each delivers each outcome to a callback instead, keeping memory O(batch_size).
// The caller's callbacks (on_progress, gather_each's sink) run on the loop; the first exception
// one of them throws fails the gather as a failed task does with return_exceptions = false (even
// when it is true): the tasks in flight are cancelled, no more start, neither callback is
// called again, and the gather rethrows that exception once the cancelled tasks have ended.
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <iterator>  // the std::ranges concepts and accessors
#include <optional>
#include <stop_token>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "cofs/export.hpp"
#include "cofs/runtime/config.hpp"
#include "cofs/runtime/io_loop.hpp"
#include "cofs/runtime/outcome.hpp"
#include "cofs/runtime/sync.hpp"
#include "cofs/runtime/task.hpp"

namespace cofs {

struct GatherOptions {
  /// Most in flight at once; -1 for no limit; unset: the configured default (see config.hpp).
  std::optional<BatchSize> batch_size;
  /// Which configured default applies when batch_size is unset.
  bool opens_local_files = false;
  /// false: the first failure cancels the tasks in flight, starts no more, and is rethrown.
  /// true: every task runs and each outcome holds its value or its exception.
  bool return_exceptions = false;
  /// A limit for each task; one that passes it is cancelled and its outcome is TimeoutError.
  std::optional<Clock::duration> timeout{};
  /// Called on the loop after each task ends, with the number ended so far and the total when
  /// the input range knows its size. An exception from it fails the gather (see above).
  std::function<void(std::size_t done, std::optional<std::size_t> total)> on_progress{};
};

namespace detail {

template <class R>
using range_awaitable_t = std::ranges::range_value_t<R>;
template <class R>
using range_result_t = await_result_t<range_awaitable_t<R>>;

/// State shared by a gather and its in-flight children; lives in the gather's frame.
struct GatherCtx {
  std::size_t inflight = 0;
  std::size_t done = 0;
  std::optional<std::size_t> total;
  std::exception_ptr first_error;
  bool return_exceptions = false;
  std::stop_source stop;  // cancels every child: the caller's cancellation or a first failure
  std::stop_token stop_token = stop.get_token();  // the children's, shared by reference
  std::coroutine_handle<> waiter;                 // the gather, when suspended for a free slot
  std::optional<Clock::duration> timeout;
  IoLoop* loop = nullptr;  // for per-task timeouts
  const std::function<void(std::size_t, std::optional<std::size_t>)>* on_progress = nullptr;
  bool callback_threw = false;  // on_progress or the sink threw: neither is called again

  struct SlotAwaiter {
    GatherCtx& ctx;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) noexcept { ctx.waiter = h; }
    void await_resume() const noexcept {}
  };
  SlotAwaiter slot() noexcept { return {*this}; }

  /// A callback of the caller threw: the gather fails with it, as with a failed task.
  void callback_failed(std::exception_ptr e) noexcept {
    callback_threw = true;
    if (!first_error) first_error = std::move(e);
    stop.request_stop();
  }

  /// Called by a child as its very last act: after it the gather may finish and free `this`.
  void child_done() noexcept {
    ++done;
    --inflight;
    if (on_progress && *on_progress && !callback_threw) {
      try {
        (*on_progress)(done, total);
      } catch (...) {
        callback_failed(std::current_exception());
      }
    }
    if (waiter) std::exchange(waiter, nullptr).resume();
  }
};

struct ChildTimer : TimerNode {
  std::stop_source source;
  bool fired = false;
  ChildTimer() {
    on_fire = [](TimerNode* t) {
      auto* self = static_cast<ChildTimer*>(t);
      self->fired = true;
      self->source.request_stop();
    };
  }
};

/// Replaces the stop token of the awaiting cofs coroutine (a gather child with its own timeout).
/// Not an aggregate on purpose: GCC 12 destroys an aggregate temporary that is initialised in the
/// operand of co_await (`co_await SetStopToken{t}`) twice, releasing the stop state twice.
struct SetStopToken {
  explicit SetStopToken(std::stop_token t) noexcept : token(std::move(t)) {}
  std::stop_token token;
  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) noexcept {
    h.promise().set_stop_token(std::move(token));
    return false;
  }
  void await_resume() const noexcept {}
};

struct ForwardStop {
  std::stop_source* target;
  void operator()() const noexcept { target->request_stop(); }
};

template <class A, class Sink>
Detached gather_child(GatherCtx& ctx, std::size_t index, A awaitable_arg, Sink& sink) {
  using T = await_result_t<A>;
  {
    // Owned by this block, so the awaitable (a task's frame, its arguments) is destroyed before
    // child_done(): once the last child is done the gather's caller may go on and free what
    // those destructors use.
    A awaitable = std::move(awaitable_arg);
    Outcome<T> outcome;
    std::optional<ChildTimer> timer;
    std::optional<std::stop_callback<ForwardStop>> forward;
    if (ctx.timeout) {
      // The child's own source, so its timeout cancels it alone; the gather's stop reaches it too.
      timer.emplace();
      forward.emplace(ctx.stop.get_token(), ForwardStop{&timer->source});
      timer->deadline = Clock::now() + *ctx.timeout;
      backend::add_timer(*ctx.loop, *timer);
      co_await SetStopToken{timer->source.get_token()};
    }
    try {
      if constexpr (std::is_void_v<T>) {
        co_await std::move(awaitable);
      } else {
        outcome = Outcome<T>(co_await std::move(awaitable));
      }
    } catch (...) {
      outcome = Outcome<T>(std::current_exception());
    }
    if (timer) {
      backend::cancel_timer(*ctx.loop, *timer);
      if (timer->fired) {
        outcome = Outcome<T>(make_error(std::make_error_code(std::errc::timed_out), "gather",
                                        "task #" + std::to_string(index),
                                        "timed out after " + format_duration(*ctx.timeout)));
      }
    }
    if (!outcome.ok() && !ctx.return_exceptions) {
      // The first failure wins; cancellations it causes in the siblings are not news.
      if (!ctx.first_error) {
        ctx.first_error = outcome.error();
        ctx.stop.request_stop();
      }
    } else if (!ctx.callback_threw) {
      try {
        sink(index, std::move(outcome));
      } catch (...) {
        ctx.callback_failed(std::current_exception());
      }
    }
  }  // the child's locals end here: after child_done() the gather (and ctx) may be gone
  ctx.child_done();
}

}  // namespace detail

/// Runs every awaitable of `range` with at most `batch_size` in flight and hands each outcome to
/// `sink(index, Outcome<T>&&)` as it ends (on the loop, in completion order). A sink that throws
/// fails the gather like on_progress (see the top of this file); it is not called again.
template <std::ranges::input_range R, class Sink>
Task<void> gather_each(R range, GatherOptions options, Sink sink) {
  const BatchSize limit =
      resolve_batch_size("gather", options.opens_local_files, options.batch_size);
  detail::GatherCtx ctx;
  ctx.return_exceptions = options.return_exceptions;
  ctx.timeout = options.timeout;
  ctx.on_progress = &options.on_progress;
  if constexpr (std::ranges::sized_range<R>) ctx.total = std::ranges::size(range);
  if (ctx.timeout) {
    if (*ctx.timeout < Clock::duration::zero())
      throw InvalidArgumentError("gather", "timeout", "negative per-task timeout");
    ctx.loop = IoLoop::current();
    if (ctx.loop == nullptr)
      throw InvalidArgumentError("gather", "timeout", "a per-task timeout needs an IoLoop thread");
  }
  std::stop_token caller = co_await this_stop_token;
  std::stop_callback<detail::ForwardStop> forward(caller, detail::ForwardStop{&ctx.stop});

  std::size_t index = 0;
  auto it = std::ranges::begin(range);
  const auto end = std::ranges::end(range);
  while (it != end && !ctx.first_error && !ctx.stop.stop_requested()) {
    if (limit != -1 && ctx.inflight >= static_cast<std::size_t>(limit)) {
      co_await ctx.slot();
      continue;
    }
    detail::Detached child = detail::gather_child(
        ctx, index++, detail::range_awaitable_t<R>(std::ranges::iter_move(it)), sink);
    ++it;
    child.handle.promise().share_stop_token(ctx.stop_token);
    ++ctx.inflight;
    child.handle.resume();  // runs until its first suspension (or to the end)
  }
  while (ctx.inflight > 0) co_await ctx.slot();
  if (ctx.first_error) std::rethrow_exception(ctx.first_error);
  if (ctx.stop.stop_requested() && caller.stop_requested())
    throw OperationCancelled("gather", "",
                             "cancelled after " + std::to_string(ctx.done) + " tasks");
}

namespace detail {
/// Sorts failures by task index (out of line: <algorithm> is not for every includer).
COFS_API void sort_by_index(std::vector<std::pair<std::size_t, std::exception_ptr>>& errors);
}  // namespace detail

/// The outcomes of a gather over tasks that return nothing: kept as the list of failures only,
/// so that a million successful tasks cost no memory.
class VoidOutcomes {
 public:
  std::size_t size() const noexcept { return size_; }
  Outcome<void> operator[](std::size_t i) const {
    for (const auto& [index, e] : errors_)
      if (index == i) return Outcome<void>(e);
    return {};
  }
  const std::vector<std::pair<std::size_t, std::exception_ptr>>& errors() const noexcept {
    return errors_;
  }
  bool all_ok() const noexcept { return errors_.empty(); }

 private:
  template <std::ranges::input_range R>
  friend Task<VoidOutcomes> gather_void(R range, GatherOptions options);
  std::size_t size_ = 0;
  std::vector<std::pair<std::size_t, std::exception_ptr>> errors_;
};

template <class T>
using GatherResults = std::conditional_t<std::is_void_v<T>, VoidOutcomes, std::vector<Outcome<T>>>;

template <std::ranges::input_range R>
Task<VoidOutcomes> gather_void(R range, GatherOptions options) {
  VoidOutcomes out;
  std::size_t count = 0;
  co_await gather_each(std::move(range), std::move(options), [&](std::size_t i, Outcome<void>&& o) {
    if (i + 1 > count) count = i + 1;
    if (!o.ok()) out.errors_.emplace_back(i, o.error());
  });
  out.size_ = count;
  detail::sort_by_index(out.errors_);
  co_return out;
}

/// Runs every awaitable of `range` concurrently (see GatherOptions) and returns their outcomes in
/// input order: std::vector<Outcome<T>>, or VoidOutcomes for awaitables that return nothing.
template <std::ranges::input_range R>
auto gather(R range, GatherOptions options = {}) -> Task<GatherResults<detail::range_result_t<R>>> {
  using T = detail::range_result_t<R>;
  if constexpr (std::is_void_v<T>) {
    co_return co_await gather_void(std::move(range), std::move(options));
  } else {
    std::vector<Outcome<T>> results;
    if constexpr (std::ranges::sized_range<R>) results.reserve(std::ranges::size(range));
    co_await gather_each(std::move(range), std::move(options), [&](std::size_t i, Outcome<T>&& o) {
      if (i >= results.size()) results.resize(i + 1);
      results[i] = std::move(o);
    });
    co_return results;
  }
}

}  // namespace cofs
