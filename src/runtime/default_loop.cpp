// The process-wide default loop (get_loop(), default_loop()) and what fork() does to loops: a
// child gets a fresh default loop, and every loop made before the fork refuses work there.
#include <pthread.h>

#include <atomic>
#include <memory>
#include <mutex>

#include "cofs/backend/loop.hpp"
#include "cofs/runtime/io_loop.hpp"
#include "runtime/fork_locks.hpp"

namespace cofs {
namespace {

std::atomic<std::uint64_t> g_fork_generation{0};  // bumped in every forked child

struct DefaultLoop {
  std::mutex mutex;
  std::shared_ptr<IoLoop> loop;
  bool exiting = false;

  ~DefaultLoop() {
    std::shared_ptr<IoLoop> l;
    {
      std::lock_guard lock(mutex);
      exiting = true;
      l = std::move(loop);
    }
    // Stops and joins the cofsIO thread: operations in flight end with LoopStoppedError.
  }
};

DefaultLoop& default_holder() {
  static DefaultLoop holder;
  // Taken around fork() (see fork_locks.hpp), so that a child finds it free.
  static const bool fork_safe = [] {
    detail::register_fork_lock(detail::ForkLockRank::default_loop,
                               {+[]() noexcept { default_holder().mutex.lock(); },
                                +[]() noexcept { default_holder().mutex.unlock(); }});
    return true;
  }();
  (void)fork_safe;
  return holder;
}

void at_fork_child() {
  g_fork_generation.fetch_add(1, std::memory_order_acq_rel);
  // The parent's loop has no thread here and its locks may be held: leak it on purpose.
  DefaultLoop& h = default_holder();
  auto* leaked = new std::shared_ptr<IoLoop>(std::move(h.loop));
  (void)leaked;
}

struct ForkHandlerRegistration {
  ForkHandlerRegistration() { pthread_atfork(nullptr, nullptr, at_fork_child); }
} const g_fork_registration;

}  // namespace

std::uint64_t backend::fork_generation() noexcept {
  return g_fork_generation.load(std::memory_order_acquire);
}

std::shared_ptr<IoLoop> default_loop() {
  DefaultLoop& h = default_holder();
  std::shared_ptr<IoLoop> replaced;  // a stopped loop, destroyed (joined) after the lock
  std::lock_guard lock(h.mutex);
  if (h.exiting) {
    throw LoopStoppedError("get_loop", "cofsIO", "the process is exiting");
  }
  if (!h.loop || h.loop->stopped()) {
    auto loop = std::make_shared<IoLoop>();
    loop->start_thread();
    replaced = std::exchange(h.loop, std::move(loop));
  }
  return h.loop;
}

IoLoop& get_loop() {
  return *default_loop();
}

}  // namespace cofs
