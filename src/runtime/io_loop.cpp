#include "cofs/runtime/io_loop.hpp"

#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include <fmt/format.h>

#include "cofs/runtime/thread_pool.hpp"
#include "loop_core.hpp"
#include "reactor.hpp"
#include "run_frame.hpp"
#include "service_registry.hpp"

namespace cofs::detail {
namespace {

thread_local IoLoop* t_current = nullptr;

struct CurrentScope {
  IoLoop* saved;
  explicit CurrentScope(IoLoop* l) : saved(std::exchange(t_current, l)) {}
  ~CurrentScope() { t_current = saved; }
};

ReactorKind reactor_from_env() {
  const char* env = std::getenv("COFS_REACTOR");
  if (env == nullptr || *env == '\0') return ReactorKind::automatic;
  std::string_view v(env);
  if (v == "uring" || v == "io_uring") return ReactorKind::uring;
  if (v == "epoll") return ReactorKind::epoll;
  throw InvalidArgumentError("IoLoop", "COFS_REACTOR",
                             "unknown reactor '" + std::string(v) + "': use uring or epoll");
}

// How long an idle loop that has just served another thread spins before sleeping in the kernel:
// a blocking caller's next request usually follows within microseconds, and a wake-up through the
// kernel costs more than that.
constexpr auto kSpin = std::chrono::microseconds(50);

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

}  // namespace

LoopCore::LoopCore(IoLoop& self, IoLoop::Options options)
    : self_(self),
      options_(std::move(options)),
      generation_(backend::fork_generation()),
      services_(std::make_unique<ServiceRegistry>(self)) {
  init();
}

LoopCore::~LoopCore() = default;

void LoopCore::init() {
  ReactorKind want = options_.reactor;
  if (want == ReactorKind::automatic) want = reactor_from_env();
  if (want != ReactorKind::epoll && !uring_reactor_linked()) {
    // Without cofs::uring an automatic choice is epoll, quietly; a requested one is not.
    constexpr const char* missing =
        "the io_uring reactor (cofs::uring) is not linked into this program";
    if (options_.reactor == ReactorKind::uring)
      throw Error({ENOSYS, std::generic_category()}, "IoLoop", options_.name,
                  fmt::format("io_uring was required but {}", missing));
    if (want == ReactorKind::uring)
      fmt::print(stderr, "cofs: COFS_REACTOR=uring, but {}; the IO loop uses epoll\n", missing);
  } else if (want != ReactorKind::epoll) {
    try {
      reactor_ = make_uring_reactor(options_.ring_entries);
      kind_ = ReactorKind::uring;
    } catch (const std::system_error& e) {
      if (want == ReactorKind::uring && options_.reactor == ReactorKind::uring) {
        throw Error(e.code(), "IoLoop", options_.name,
                    "io_uring was required but cannot be set up");
      }
      fmt::print(stderr, "cofs: io_uring unavailable ({}); the IO loop uses epoll\n", e.what());
    }
  }
  if (!reactor_) {
    reactor_ = make_epoll_reactor();
    kind_ = ReactorKind::epoll;
  }
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  timer_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (wake_fd_ < 0 || timer_fd_ < 0) {
    int err = errno;
    if (wake_fd_ >= 0) close(wake_fd_);
    if (timer_fd_ >= 0) close(timer_fd_);
    throw Error({err, std::generic_category()}, "IoLoop", options_.name, "eventfd/timerfd");
  }
  wake_watch_ = new FdWatch(wake_fd_, EPOLLIN, [this](std::uint32_t) { drain_wakeups(); });
  reactor_->add(wake_watch_);
  timer_watch_ = new FdWatch(timer_fd_, EPOLLIN, [this](std::uint32_t) {
    std::uint64_t expirations;
    while (read(timer_fd_, &expirations, sizeof expirations) > 0) {
    }
    timer_armed_for_ = Clock::time_point::max();  // one-shot: it is disarmed now
  });
  reactor_->add(timer_watch_);
}

void LoopCore::teardown() noexcept {
  if (!belongs_to_this_process()) {
    // Made before fork(): its threads do not exist in this process, and its epoll instance or
    // io_uring ring is shared with the parent, so deregistering watches here (EPOLL_CTL_DEL,
    // SQEs written into the shared ring) would break the parent's loop. Abandon it: close only
    // this process's copies of the loop's own descriptors and leak the rest.
    if (thread_.joinable()) new std::thread(std::move(thread_));  // never joined, never ends
    // The services forget what the parent still uses, then free this process's memory.
    if (!services_->fork_child()) (void)services_.release();
    (void)pool_.release();
    (void)reactor_.release();
    close(wake_fd_);
    close(timer_fd_);
    return;
  }
  // Destroyed by what a turn of its own ran (the last reference dropped in a coroutine): finish
  // the stop here; the frames of that turn are told below, and return without touching the loop.
  RunFrame* frame = in_loop_thread() ? run_frame_ : nullptr;
  if (frame != nullptr) stop_from_own_turn();
  if (thread_.joinable()) {
    stop();
    if (thread_.get_id() == std::this_thread::get_id()) {
      thread_.detach();  // destroyed from its own callback: cannot join itself
    } else {
      thread_.join();
    }
  }
  if (!closed_.load(std::memory_order_acquire)) {
    // Never run to its end (driven by run_once, or never run): what is tracked here still holds
    // resources against this loop (an HTTP multi handle and its sockets, say). End it as a stop
    // would, so that nothing outlives the loop or is found again by a later loop at its address.
    CurrentScope scope(&self_);
    owner_.store(std::this_thread::get_id(), std::memory_order_release);
    if (!stopping_) begin_stop();
    services_->shutdown();
  }
  pool_.reset();
  services_->destroy();  // newest first, while the reactor they may refer to is still there
  // Anything still queued (a loop that was never run to its end) is dropped with the loop.
  reactor_->remove(wake_watch_);
  reactor_->remove(timer_watch_);
  if (frame != nullptr) {
    // The turn below may be inside the reactor's poll: the outermost frame frees it at its end.
    reactor_->abandon();
    RunFrame* outermost = frame;
    while (outermost->outer != nullptr) outermost = outermost->outer;
    outermost->reactor = std::move(reactor_);
    for (RunFrame* f = frame; f != nullptr; f = f->outer) f->loop_destroyed = true;
  }
  reactor_.reset();
  close(wake_fd_);
  close(timer_fd_);
}

const char* LoopCore::reactor_name() const noexcept {
  return reactor_->name();
}

io_uring* LoopCore::ring() noexcept {
  return reactor_->ring();
}

ThreadPool& LoopCore::blocking_pool() {
  std::call_once(pool_once_, [this] {
    unsigned n = std::thread::hardware_concurrency();
    pool_ = std::make_unique<ThreadPool>(n < 2 ? 4u : std::min(2 * n, 16u), options_.name + "-pool",
                                         &self_);
  });
  return *pool_;
}

void LoopCore::start_thread() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] {
    std::string n = options_.name.substr(0, 15);  // the kernel's limit for thread names
    pthread_setname_np(pthread_self(), n.c_str());
    run();
  });
  // Make in_loop_thread() right for the caller as soon as this returns.
  owner_.store(thread_.get_id(), std::memory_order_release);
}

void LoopCore::run() {
  CurrentScope scope(&self_);
  RunFrame frame(this);
  owner_.store(std::this_thread::get_id(), std::memory_order_release);
  while (!closed_.load(std::memory_order_relaxed)) {
    turn(!stopping_ || pending_count_ > 0);
    if (frame.loop_destroyed) return;
    if (stopping_) finish_stop_if_idle();
  }
}

void LoopCore::stop_from_own_turn() noexcept {
  // What the interrupted turn had still to run goes back into the queues, for the stop to run.
  for (ReadyBatch* b = ready_batch_; b != nullptr; b = b->outer) {
    ready_.insert(ready_.begin(), b->handles.begin() + static_cast<std::ptrdiff_t>(b->next),
                  b->handles.end());
    b->handles.resize(b->next);
  }
  ready_batch_ = nullptr;
  if (remote_rest_ != nullptr) {
    LoopWork* last = remote_rest_;
    while (last->next != nullptr) last = last->next;
    std::lock_guard lock(remote_mutex_);
    last->next = remote_head_;
    remote_head_ = std::exchange(remote_rest_, nullptr);
    if (remote_tail_ == nullptr) remote_tail_ = last;
    remote_nonempty_.store(true, std::memory_order_release);
  }
  // As run() would after stop(): operations in flight end with LoopStoppedError and their
  // coroutines unwind; callers blocked on what cannot finish are released.
  stop_requested_.store(true, std::memory_order_release);
  while (!closed_.load(std::memory_order_acquire)) {
    turn(!stopping_ || pending_count_ > 0);
    if (stopping_) finish_stop_if_idle();
  }
}

bool LoopCore::run_once() {
  if (closed_.load(std::memory_order_relaxed)) return false;
  std::thread::id none{};
  owner_.compare_exchange_strong(none, std::this_thread::get_id());
  CurrentScope scope(&self_);
  RunFrame frame(this);
  turn(false);
  if (frame.loop_destroyed) return false;
  if (stopping_ && finish_stop_if_idle()) return false;
  if (!ready_.empty() || remote_nonempty_.load(std::memory_order_relaxed) ||
      stop_requested_.load(std::memory_order_acquire) != stopping_ ||
      (!heap_.empty() && heap_.front()->deadline <= Clock::now())) {
    return true;
  }
  // The driver may now sleep on fd(). Everything that must wake it has to be in place: the
  // timerfd armed for the earliest timer (callbacks of this turn may have added one), the ring's
  // queued submissions (poll re-arms) handed to the kernel, and posts from other threads told to
  // signal the eventfd, which they only do while the loop is marked as sleeping.
  arm_timerfd(true);
  reactor_->flush();
  sleeping_.store(true, std::memory_order_seq_cst);
  return remote_nonempty_.load(std::memory_order_seq_cst);
}

int LoopCore::fd() {
  arm_timerfd(true);
  return reactor_->pollable_fd();
}

void LoopCore::stop() {
  stop_requested_.store(true, std::memory_order_release);
  eventfd_write(wake_fd_, 1);
}

void LoopCore::wait_stopped() {
  if (in_loop_thread())
    throw Error(std::make_error_code(std::errc::resource_deadlock_would_occur), "wait_stopped",
                options_.name, "called on the loop's own thread");
  closed_.wait(false, std::memory_order_acquire);
}

void LoopCore::throw_not_accepting(std::string_view operation) const {
  if (!belongs_to_this_process()) {
    throw LoopStoppedError(operation, options_.name,
                           "this IO loop was created before fork() and has no thread in this "
                           "process; use cofs::get_loop() or a new IoLoop in the child");
  }
  throw LoopStoppedError(operation, options_.name, "the IO loop is stopped");
}

void LoopCore::drain_wakeups() {
  eventfd_t v;
  (void)eventfd_read(wake_fd_, &v);
}

void LoopCore::run_ready() {
  const RunFrame* frame = run_frame_;
  // Bounded rounds, so that a coroutine that keeps rescheduling itself cannot starve the reactor.
  for (int round = 0; round < 64 && !ready_.empty(); ++round) {
    ReadyBatch batch{std::move(ready_spare_), 0, ready_batch_};
    batch.handles.swap(ready_);  // ready_ takes the spare (empty) buffer
    ready_batch_ = &batch;
    while (batch.next < batch.handles.size()) {
      batch.handles[batch.next++].resume();
      if (frame->loop_destroyed) return;
    }
    ready_batch_ = batch.outer;
    batch.handles.clear();
    ready_spare_ = std::move(batch.handles);
  }
}

bool LoopCore::turn(bool may_block) {
  const RunFrame* frame = run_frame_;  // every step checks it after running others' code
  const int cpu = sched_getcpu();
  loop_cpu_.store(cpu, std::memory_order_relaxed);
  bool served_remote = false;
  if (remote_nonempty_.load(std::memory_order_acquire)) {
    LoopWork* head;
    {
      std::lock_guard lock(remote_mutex_);
      head = std::exchange(remote_head_, nullptr);
      remote_tail_ = nullptr;
      remote_nonempty_.store(false, std::memory_order_relaxed);
    }
    while (head != nullptr) {
      LoopWork* next = head->next;
      remote_rest_ = next;
      head->run(head);
      if (frame->loop_destroyed) return true;
      head = next;
    }
    remote_rest_ = nullptr;
    served_remote = true;
  }
  run_ready();
  if (frame->loop_destroyed) return served_remote;
  fire_timers();
  if (frame->loop_destroyed) return served_remote;
  run_ready();
  if (frame->loop_destroyed) return served_remote;
  if (stop_requested_.load(std::memory_order_acquire) && !stopping_) begin_stop();

  // `may_block` was decided before this turn began the stop: a stopping loop with nothing in
  // flight must not sleep (stop()'s wake-up may already have been consumed by an earlier turn).
  bool block = may_block && ready_.empty() && !(stopping_ && pending_count_ == 0);
  // Spinning only pays when the thread that posted runs on another CPU: on this one it would
  // only keep that thread from running.
  if (block && served_remote && poster_cpu_.load(std::memory_order_relaxed) != cpu) {
    auto until = Clock::now() + kSpin;
    while (!remote_nonempty_.load(std::memory_order_acquire) && Clock::now() < until) cpu_relax();
  }
  if (block) {
    sleeping_.store(true, std::memory_order_seq_cst);
    if (remote_nonempty_.load(std::memory_order_seq_cst) ||
        stop_requested_.load(std::memory_order_acquire) != stopping_) {
      block = false;
    }
  }
  if (arm_timerfd(false)) block = false;
  reactor_->poll(block);
  if (frame->loop_destroyed) return served_remote;
  sleeping_.store(false, std::memory_order_relaxed);
  return served_remote;
}

}  // namespace cofs::detail

namespace cofs {
IoLoop* IoLoop::current() noexcept {
  return detail::t_current;
}
}  // namespace cofs
