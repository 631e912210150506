// What a backend author includes: what a backend does on an IoLoop, as free functions taking the
// loop (in the manner of Asio's use_service), and what goes with it.
//
// - operations: PendingOp (ended by the loop's stop), detail::LeafOp (a suspended leaf awaitable:
//   begin/complete/fail, stop-token cancellation), TimerNode, LoopWaiter, and schedule,
//   track/untrack, add_timer/cancel_timer, stop_group, add_waiter/remove_waiter, stopping,
//   throw_not_accepting, blocking_pool (cofs/backend/operation.hpp);
// - descriptors and the ring: watch_fd/update_fd/unwatch_fd, ring (below);
// - per-loop state: LoopService and use_service<T>() (cofs/backend/service.hpp);
// - blocking work: ThreadPool and run_blocking (cofs/runtime/thread_pool.hpp);
// - coroutines: Task, sync, gather.
// An application includes cofs/cofs.hpp instead, which leaves all of this out but what its
// inline code needs (cofs/backend/operation.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "cofs/backend/operation.hpp"
#include "cofs/backend/service.hpp"
#include "cofs/export.hpp"
#include "cofs/runtime/gather.hpp"
#include "cofs/runtime/io_loop.hpp"
#include "cofs/runtime/sync.hpp"
#include "cofs/runtime/task.hpp"
#include "cofs/runtime/thread_pool.hpp"

struct io_uring;

namespace cofs {

class FdWatch;  // a file descriptor registered with the reactor; opaque to backends

namespace backend {

// ---- the loop's thread only ----------------------------------------------------------------
/// Watches `fd` for `events` (EPOLLIN/EPOLLOUT bits; errors and hang-ups are always reported).
/// `on_ready` runs on the loop with the ready bits, level-triggered, until unwatch_fd().
COFS_API FdWatch* watch_fd(IoLoop& loop, int fd, std::uint32_t events,
                           std::function<void(std::uint32_t)> on_ready);
COFS_API void update_fd(IoLoop& loop, FdWatch* watch, std::uint32_t events);
COFS_API void unwatch_fd(IoLoop& loop, FdWatch* watch) noexcept;
/// The reactor's io_uring ring, or nullptr on the epoll reactor.
COFS_API io_uring* ring(IoLoop& loop) noexcept;
/// The operations the loop tracks now (backend::track).
COFS_API std::size_t pending_operations(const IoLoop& loop) noexcept;

// ---- any thread ---------------------------------------------------------------------------
/// Bumped in every forked child; a loop made in the parent refuses work in the child.
COFS_API std::uint64_t fork_generation() noexcept;
COFS_API bool belongs_to_this_process(const IoLoop& loop) noexcept;

}  // namespace backend
}  // namespace cofs
