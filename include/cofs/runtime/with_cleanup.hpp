// with_cleanup: a `finally` for coroutines. A handler cannot co_await, so an asynchronous cleanup
// (closing a descriptor, a file, a slot) after a body that may throw used to be written as "catch,
// keep the exception, co_await the cleanup, rethrow" at every site. This is that block, once:
//
//   co_await with_cleanup(read_all(fd), engine.close(fd));
//
// The cleanup is awaited on every exit of the body (its value, an exception, a cancellation),
// and cannot be forgotten: the body is only reachable through this call. Tasks are lazy, so the
// cleanup task is made up front but does not start until the body has ended.
#pragma once

#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include "cofs/runtime/task.hpp"

namespace cofs {

/// Awaits `body`, then `cleanup` however the body ended, and gives the body's result (the
/// cleanup's value, if it has one, is dropped: a close's status after a failure says nothing).
///
/// - Exceptions: the first one wins. The body's, when it threw (a failing cleanup is then
///   dropped: it is a consequence, the body's error is the cause); else the cleanup's.
/// - Cancellation: a cancelled body ends with its OperationCancelled, and the cleanup is still
///   awaited. It sees the same stop token, as the hand-written blocks did: a cleanup that must
///   finish after a cancellation uses operations that ignore it, and one that must not finish
///   (committing a half-written file) is stopped.
template <class T, class U>
Task<T> with_cleanup(Task<T> body, Task<U> cleanup) {
  std::exception_ptr failure;
  std::optional<std::conditional_t<std::is_void_v<T>, bool, T>> result;  // unused for void
  try {
    if constexpr (std::is_void_v<T>) {
      co_await std::move(body);
    } else {
      result.emplace(co_await std::move(body));
    }
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    try {
      co_await std::move(cleanup);
    } catch (...) {  // the body's error is the one to report
    }
    std::rethrow_exception(failure);
  }
  co_await std::move(cleanup);
  if constexpr (!std::is_void_v<T>) co_return std::move(*result);
}

}  // namespace cofs
