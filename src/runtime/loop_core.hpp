// The state of an IoLoop and what runs it (internal to the library): IoLoop's members forward to
// it, the cofs::backend functions reach it through LoopAccess. Split by concern over
// io_loop.cpp (construction, teardown, run/run_once/turn, post), io_loop_timers.cpp (the heap and
// the timerfd) and io_loop_ops.cpp (descriptors, operations and stop groups, waiters, the stop).
#pragma once

#include <atomic>
#include <coroutine>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "cofs/backend/loop.hpp"
#include "cofs/runtime/io_loop.hpp"

namespace cofs {
class Reactor;
namespace detail {
class ServiceRegistry;

class LoopCore {
 public:
  LoopCore(IoLoop& self, IoLoop::Options options);
  ~LoopCore();
  LoopCore(const LoopCore&) = delete;
  LoopCore& operator=(const LoopCore&) = delete;

  /// What ~IoLoop does (see there), while the loop's state is still whole.
  void teardown() noexcept;

  void start_thread();
  void run();
  bool run_once();
  int fd();
  void stop();
  void wait_stopped();
  bool stopped() const noexcept { return closed_.load(std::memory_order_acquire); }
  bool in_loop_thread() const noexcept {
    return owner_.load(std::memory_order_acquire) == std::this_thread::get_id();
  }
  const std::string& name() const noexcept { return options_.name; }
  const char* reactor_name() const noexcept;
  ReactorKind reactor_kind() const noexcept { return kind_; }
  bool try_post(LoopWork* work) noexcept;
  [[noreturn]] void throw_not_accepting(std::string_view operation) const;

  void schedule(std::coroutine_handle<> h) { ready_.push_back(h); }
  void add_timer(TimerNode& t);
  void cancel_timer(TimerNode& t) noexcept;
  FdWatch* watch_fd(int fd, std::uint32_t events, std::function<void(std::uint32_t)> on_ready);
  void update_fd(FdWatch* watch, std::uint32_t events);
  void unwatch_fd(FdWatch* watch) noexcept;
  void track(PendingOp& op) noexcept {
    if (op.tracked_) return;
    op.tracked_ = true;
    op.prev_ = nullptr;
    op.next_ = pending_head_;
    if (pending_head_ != nullptr) pending_head_->prev_ = &op;
    pending_head_ = &op;
    ++pending_count_;
  }
  void untrack(PendingOp& op) noexcept {
    if (!op.tracked_) return;
    op.tracked_ = false;
    if (op.prev_ != nullptr) {
      op.prev_->next_ = op.next_;
    } else {
      pending_head_ = op.next_;
    }
    if (op.next_ != nullptr) op.next_->prev_ = op.prev_;
    op.prev_ = op.next_ = nullptr;
    --pending_count_;
  }
  StopGroup& stop_group(const std::stop_token& token);
  void add_waiter(LoopWaiter& w) noexcept;
  void remove_waiter(LoopWaiter& w) noexcept;
  bool stopping() const noexcept { return stopping_; }
  io_uring* ring() noexcept;
  ThreadPool& blocking_pool();
  std::size_t pending_operations() const noexcept { return pending_count_; }
  bool belongs_to_this_process() const noexcept {
    return generation_ == backend::fork_generation();
  }
  /// The CPU the loop's thread last ran a turn on (-1: unknown). A caller on the same CPU should
  /// not spin waiting for the loop: it would only keep the loop from running.
  int last_cpu() const noexcept { return loop_cpu_.load(std::memory_order_relaxed); }
  ServiceRegistry& services() noexcept { return *services_; }

  struct RunFrame;
  struct ReadyBatch;

 private:
  void init();
  /// Teardown on the loop's own thread, inside a turn: stops the loop to its end here.
  void stop_from_own_turn() noexcept;
  bool turn(bool may_block);
  void run_ready();
  void fire_timers();
  void begin_stop();
  bool finish_stop_if_idle();
  void release_waiters() noexcept;
  /// Arms the timerfd for the earliest timer if it is not armed for that time or earlier. Returns
  /// true, leaving the timerfd alone, when that timer is already due, unless `even_if_due`.
  bool arm_timerfd(bool even_if_due);
  void drain_wakeups();

  // timer heap (min-heap on deadline)
  void heap_up(std::size_t i) noexcept;
  void heap_down(std::size_t i) noexcept;
  void heap_remove(std::size_t i) noexcept;

  IoLoop& self_;
  IoLoop::Options options_;
  ReactorKind kind_ = ReactorKind::epoll;
  std::unique_ptr<Reactor> reactor_;
  std::uint64_t generation_;

  // remote queue: any thread pushes under the mutex, the loop takes the whole list
  std::mutex remote_mutex_;
  LoopWork* remote_head_ = nullptr;
  LoopWork* remote_tail_ = nullptr;
  std::atomic<bool> remote_nonempty_{false};
  std::atomic<bool> sleeping_{false};
  int wake_fd_ = -1;
  FdWatch* wake_watch_ = nullptr;

  // loop-thread state
  RunFrame* run_frame_ = nullptr;      // the innermost run()/run_once() on the loop's thread
  ReadyBatch* ready_batch_ = nullptr;  // the ready coroutines being resumed
  LoopWork* remote_rest_ = nullptr;    // remote work of this turn not run yet
  std::vector<std::coroutine_handle<>> ready_;
  std::vector<std::coroutine_handle<>> ready_spare_;
  std::vector<TimerNode*> heap_;
  int timer_fd_ = -1;
  FdWatch* timer_watch_ = nullptr;
  Clock::time_point timer_armed_for_ = Clock::time_point::max();
  PendingOp* pending_head_ = nullptr;
  std::size_t pending_count_ = 0;
  // Keyed by the address of the token object an operation observes (see stop_group()).
  std::unordered_multimap<const std::stop_token*, std::unique_ptr<StopGroup>> stop_groups_;
  std::size_t stop_groups_prune_at_ = 64;
  std::mutex waiters_mutex_;
  LoopWaiter* waiters_head_ = nullptr;
  bool stopping_ = false;
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> closed_{false};
  std::atomic<int> loop_cpu_{-1};
  std::atomic<int> poster_cpu_{-1};  // CPU of the latest post from another thread

  std::atomic<std::thread::id> owner_{};
  std::thread thread_;
  std::unique_ptr<ThreadPool> pool_;
  std::once_flag pool_once_;
  std::unique_ptr<ServiceRegistry> services_;
};

/// The library's way from an IoLoop to its state.
struct LoopAccess {
  static LoopCore& core(const IoLoop& loop) noexcept { return *loop.core_; }
};

}  // namespace detail
}  // namespace cofs
