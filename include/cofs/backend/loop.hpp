// What a backend author includes: the IoLoop's backend surface and what goes with it.
//
// - operations: PendingOp (ended by the loop's stop), detail::LeafOp (a suspended leaf awaitable:
//   begin/complete/fail, stop-token cancellation through the loop's stop_group), TimerNode,
//   LoopWaiter; the loop-thread members IoLoop::schedule, track/untrack, add_timer/cancel_timer,
//   watch_fd/update_fd/unwatch_fd, stop_group, add_waiter/remove_waiter, stopping, ring and
//   blocking_pool (cofs/runtime/io_loop.hpp);
// - per-loop state: LoopService and use_service<T>() (cofs/backend/service.hpp);
// - blocking work: ThreadPool and run_blocking (cofs/runtime/thread_pool.hpp);
// - coroutines: Task, sync, gather.
// An application includes cofs/cofs.hpp instead, which leaves out the services and the pool.
#pragma once

#include "cofs/backend/service.hpp"
#include "cofs/runtime/gather.hpp"
#include "cofs/runtime/io_loop.hpp"
#include "cofs/runtime/sync.hpp"
#include "cofs/runtime/task.hpp"
#include "cofs/runtime/thread_pool.hpp"
