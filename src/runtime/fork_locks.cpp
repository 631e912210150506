#include "runtime/fork_locks.hpp"

#include <pthread.h>

#include <atomic>
#include <cstddef>

namespace cofs::detail {
namespace {

constexpr auto kRanks = static_cast<std::size_t>(ForkLockRank::count);

// Plain atomics, no lock of their own: registration may happen while another thread forks.
std::atomic<void (*)() noexcept> g_lock[kRanks];
std::atomic<void (*)() noexcept> g_unlock[kRanks];
// What the last prepare took, so that parent and child release exactly that.
bool g_taken[kRanks];

void prepare() noexcept {
  for (std::size_t r = 0; r < kRanks; ++r) {
    auto lock = g_lock[r].load(std::memory_order_acquire);
    g_taken[r] = lock != nullptr && g_unlock[r].load(std::memory_order_acquire) != nullptr;
    if (g_taken[r]) lock();
  }
}

void release() noexcept {
  for (std::size_t r = kRanks; r-- > 0;) {
    if (g_taken[r]) g_unlock[r].load(std::memory_order_acquire)();
    g_taken[r] = false;
  }
}

}  // namespace

void register_fork_lock(ForkLockRank rank, ForkLock lock) noexcept {
  static const bool registered = [] {
    pthread_atfork(prepare, release, release);
    return true;
  }();
  (void)registered;
  const auto r = static_cast<std::size_t>(rank);
  if (r >= kRanks) return;
  // The unlock first: prepare takes a lock only once its unlock is there.
  void (*none)() noexcept = nullptr;
  if (g_unlock[r].compare_exchange_strong(none, lock.unlock, std::memory_order_acq_rel))
    g_lock[r].store(lock.lock, std::memory_order_release);
}

}  // namespace cofs::detail
