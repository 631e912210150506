// The futex behind sync()'s blocked callers, out of the public header.
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <ctime>

#include "cofs/runtime/sync.hpp"
#include "cofs/runtime/thread_pool.hpp"
#include "loop_core.hpp"

namespace cofs::detail {

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));

void Completion::set() noexcept {
  if (state_.exchange(1, std::memory_order_acq_rel) == 2) {
    syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&state_), FUTEX_WAKE_PRIVATE, 1, nullptr,
            nullptr, 0);
  }
}

bool Completion::wait(std::optional<Clock::time_point> deadline, bool spin) noexcept {
  // Most calls finish within microseconds: spin briefly before sleeping in the kernel.
  for (int i = 0; spin && i < 4000; ++i) {
    if (state_.load(std::memory_order_acquire) == 1) return true;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }
  std::uint32_t expected = 0;
  if (!state_.compare_exchange_strong(expected, 2, std::memory_order_acq_rel)) return true;
  for (;;) {
    timespec ts{};
    timespec* tsp = nullptr;
    if (deadline) {
      auto left = *deadline - Clock::now();
      if (left <= Clock::duration::zero()) return state_.load(std::memory_order_acquire) == 1;
      auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
      ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
      ts.tv_nsec = static_cast<long>(ns % 1'000'000'000);
      tsp = &ts;
    }
    syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&state_), FUTEX_WAIT_PRIVATE, 2, tsp,
            nullptr, 0);
    if (state_.load(std::memory_order_acquire) == 1) return true;
  }
}

bool wait_for_loop(IoLoop& loop, Completion& done, std::optional<Clock::time_point> deadline) {
  // On a worker of the loop's own pool: the pool runs its queue on another thread meanwhile,
  // since this call's work may be waiting there (see thread_pool.hpp).
  ThreadPool::Blocked lend_place(loop);
  // Spin only when the loop runs on another CPU than this thread.
  return done.wait(deadline, sched_getcpu() != LoopAccess::core(loop).last_cpu());
}

}  // namespace cofs::detail
