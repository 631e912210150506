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
#include "reactor.hpp"

namespace cofs {
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

/// A run() or run_once() on the loop's thread. When the loop is destroyed under it (by a coroutine
/// it resumed), the frame is told so, and keeps the reactor alive until the poll that may be
/// dispatching has returned; every step of the turn checks it before touching the loop again.
struct IoLoop::RunFrame {
  IoLoop* loop;
  RunFrame* outer;
  bool loop_destroyed = false;
  std::unique_ptr<Reactor> reactor;
  explicit RunFrame(IoLoop* l) : loop(l), outer(std::exchange(l->run_frame_, this)) {}
  ~RunFrame() {
    if (!loop_destroyed) loop->run_frame_ = outer;
  }
  RunFrame(const RunFrame&) = delete;
  RunFrame& operator=(const RunFrame&) = delete;
};

/// The ready coroutines one round of run_ready() resumes, and how far it got.
struct IoLoop::ReadyBatch {
  std::vector<std::coroutine_handle<>> handles;
  std::size_t next = 0;
  ReadyBatch* outer = nullptr;
};

IoLoop::IoLoop() : IoLoop(Options{}) {}

IoLoop::IoLoop(Options options) : options_(std::move(options)), generation_(fork_generation()) {
  init();
}

void IoLoop::init() {
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

IoLoop::~IoLoop() {
  if (!belongs_to_this_process()) {
    // Made before fork(): its threads do not exist in this process, and its epoll instance or
    // io_uring ring is shared with the parent, so deregistering watches here (EPOLL_CTL_DEL,
    // SQEs written into the shared ring) would break the parent's loop. Abandon it: close only
    // this process's copies of the loop's own descriptors and leak the rest.
    if (thread_.joinable()) new std::thread(std::move(thread_));  // never joined, never ends
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
    CurrentScope scope(this);
    owner_.store(std::this_thread::get_id(), std::memory_order_release);
    if (!stopping_) begin_stop();
  }
  pool_.reset();
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

const char* IoLoop::reactor_name() const noexcept {
  return reactor_->name();
}

bool IoLoop::in_loop_thread() const noexcept {
  return owner_.load(std::memory_order_acquire) == std::this_thread::get_id();
}

io_uring* IoLoop::ring() noexcept {
  return reactor_->ring();
}

ThreadPool& IoLoop::blocking_pool() {
  std::call_once(pool_once_, [this] {
    unsigned n = std::thread::hardware_concurrency();
    pool_ = std::make_unique<ThreadPool>(n < 2 ? 4u : std::min(2 * n, 16u), options_.name + "-pool",
                                         this);
  });
  return *pool_;
}

void IoLoop::start_thread() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] {
    std::string n = options_.name.substr(0, 15);  // the kernel's limit for thread names
    pthread_setname_np(pthread_self(), n.c_str());
    run();
  });
  // Make in_loop_thread() right for the caller as soon as this returns.
  owner_.store(thread_.get_id(), std::memory_order_release);
}

IoLoop* IoLoop::current() noexcept {
  return t_current;
}

void IoLoop::run() {
  CurrentScope scope(this);
  RunFrame frame(this);
  owner_.store(std::this_thread::get_id(), std::memory_order_release);
  while (!closed_.load(std::memory_order_relaxed)) {
    turn(!stopping_ || pending_count_ > 0);
    if (frame.loop_destroyed) return;
    if (stopping_) finish_stop_if_idle();
  }
}

void IoLoop::stop_from_own_turn() noexcept {
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

bool IoLoop::run_once() {
  if (closed_.load(std::memory_order_relaxed)) return false;
  std::thread::id none{};
  owner_.compare_exchange_strong(none, std::this_thread::get_id());
  CurrentScope scope(this);
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

int IoLoop::fd() {
  arm_timerfd(true);
  return reactor_->pollable_fd();
}

void IoLoop::stop() {
  stop_requested_.store(true, std::memory_order_release);
  eventfd_write(wake_fd_, 1);
}

void IoLoop::wait_stopped() {
  if (in_loop_thread())
    throw Error(std::make_error_code(std::errc::resource_deadlock_would_occur), "wait_stopped",
                options_.name, "called on the loop's own thread");
  closed_.wait(false, std::memory_order_acquire);
}

void IoLoop::throw_not_accepting(std::string_view operation) const {
  if (!belongs_to_this_process()) {
    throw LoopStoppedError(operation, options_.name,
                           "this IO loop was created before fork() and has no thread in this "
                           "process; use cofs::get_loop() or a new IoLoop in the child");
  }
  throw LoopStoppedError(operation, options_.name, "the IO loop is stopped");
}

bool IoLoop::try_post(LoopWork* work) noexcept {
  if (!belongs_to_this_process()) return false;
  work->next = nullptr;
  {
    std::lock_guard lock(remote_mutex_);
    if (closed_.load(std::memory_order_relaxed)) return false;
    if (remote_tail_ != nullptr) {
      remote_tail_->next = work;
    } else {
      remote_head_ = work;
    }
    remote_tail_ = work;
  }
  poster_cpu_.store(sched_getcpu(), std::memory_order_relaxed);
  remote_nonempty_.store(true, std::memory_order_seq_cst);
  if (sleeping_.load(std::memory_order_seq_cst)) eventfd_write(wake_fd_, 1);
  return true;
}

void IoLoop::post(LoopWork* work) {
  if (!try_post(work)) throw_not_accepting("post");
}

void IoLoop::drain_wakeups() {
  eventfd_t v;
  (void)eventfd_read(wake_fd_, &v);
}

void IoLoop::schedule(std::coroutine_handle<> h) {
  ready_.push_back(h);
}

void IoLoop::run_ready() {
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

bool IoLoop::turn(bool may_block) {
  const RunFrame* frame = run_frame_;  // every step checks it after running others' code
  turns_.fetch_add(1, std::memory_order_relaxed);
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

// ---- timers -------------------------------------------------------------------------------

void IoLoop::add_timer(TimerNode& t) {
  if (t.armed()) cancel_timer(t);
  t.heap_index = heap_.size();
  heap_.push_back(&t);
  heap_up(t.heap_index);
}

void IoLoop::cancel_timer(TimerNode& t) noexcept {
  if (!t.armed()) return;
  heap_remove(t.heap_index);
}

void IoLoop::heap_up(std::size_t i) noexcept {
  while (i > 0) {
    std::size_t parent = (i - 1) / 2;
    if (heap_[parent]->deadline <= heap_[i]->deadline) break;
    std::swap(heap_[parent], heap_[i]);
    heap_[parent]->heap_index = parent;
    heap_[i]->heap_index = i;
    i = parent;
  }
}

void IoLoop::heap_down(std::size_t i) noexcept {
  const std::size_t n = heap_.size();
  for (;;) {
    std::size_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < n && heap_[l]->deadline < heap_[m]->deadline) m = l;
    if (r < n && heap_[r]->deadline < heap_[m]->deadline) m = r;
    if (m == i) break;
    std::swap(heap_[m], heap_[i]);
    heap_[m]->heap_index = m;
    heap_[i]->heap_index = i;
    i = m;
  }
}

void IoLoop::heap_remove(std::size_t i) noexcept {
  TimerNode* t = heap_[i];
  t->heap_index = static_cast<std::size_t>(-1);
  TimerNode* last = heap_.back();
  heap_.pop_back();
  if (last == t) return;
  heap_[i] = last;
  last->heap_index = i;
  heap_up(i);
  heap_down(last->heap_index);
}

void IoLoop::fire_timers() {
  if (heap_.empty()) return;
  const RunFrame* frame = run_frame_;
  const auto now = Clock::now();
  while (!heap_.empty() && heap_.front()->deadline <= now) {
    TimerNode* t = heap_.front();
    heap_remove(0);
    t->on_fire(t);
    if (frame->loop_destroyed) return;
  }
}

bool IoLoop::arm_timerfd(bool even_if_due) {
  if (heap_.empty()) return false;  // a wake-up still armed for a cancelled timer is harmless
  const Clock::time_point next = heap_.front()->deadline;
  // Armed for this deadline or an earlier one: an early wake-up only re-arms. This is the common
  // case, as curl moves its deadline later after nearly every action.
  if (next >= timer_armed_for_) return false;
  // Already due (curl asks for a zero timeout with every new transfer): the turn must not sleep,
  // and the next one fires it; setting the timerfd would cost a syscall and a wake-up.
  if (!even_if_due && next <= Clock::now()) return true;
  itimerspec spec{};
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(next.time_since_epoch()).count();
  if (ns <= 0) ns = 1;  // zero would disarm
  spec.it_value.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
  spec.it_value.tv_nsec = static_cast<long>(ns % 1'000'000'000);
  timerfd_settime(timer_fd_, TFD_TIMER_ABSTIME, &spec, nullptr);
  timer_armed_for_ = next;
  return false;
}

// ---- descriptors --------------------------------------------------------------------------

FdWatch* IoLoop::watch_fd(int fd, std::uint32_t events, std::function<void(std::uint32_t)> cb) {
  auto* w = new FdWatch(fd, events, std::move(cb));
  try {
    reactor_->add(w);
  } catch (const std::system_error& e) {
    delete w;
    throw Error(e.code(), "watch_fd", "fd " + std::to_string(fd));
  }
  return w;
}

void IoLoop::update_fd(FdWatch* w, std::uint32_t events) {
  if (w->events == events) return;
  w->events = events;
  try {
    reactor_->modify(w);
  } catch (const std::system_error& e) {
    throw Error(e.code(), "update_fd", "fd " + std::to_string(w->fd));
  }
}

void IoLoop::unwatch_fd(FdWatch* w) noexcept {
  if (w != nullptr) reactor_->remove(w);
}

// ---- pending operations and stopping ------------------------------------------------------

void IoLoop::track(PendingOp& op) noexcept {
  if (op.tracked_) return;
  op.tracked_ = true;
  op.prev_ = nullptr;
  op.next_ = pending_head_;
  if (pending_head_ != nullptr) pending_head_->prev_ = &op;
  pending_head_ = &op;
  ++pending_count_;
}

void IoLoop::untrack(PendingOp& op) noexcept {
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

detail::StopGroup& IoLoop::stop_group(const std::stop_token& token) {
  // Found by where the token object lives, so that many tokens in flight at once (a gather's
  // per-task timeouts) cost no search. A cofs coroutine's token lives in the frame or gather
  // that gave it while operations under it are in flight, so a key holds one token's group; a
  // group under the key with another token belongs to a holder that is gone (it is empty, and
  // reused), or to a foreign promise handing out copies of its token (which then share the key).
  auto [first, last] = stop_groups_.equal_range(&token);
  std::unique_ptr<detail::StopGroup>* spare = nullptr;
  for (auto it = first; it != last; ++it) {
    if (it->second->token == token) return *it->second;
    if (spare == nullptr && it->second->head == nullptr) spare = &it->second;
  }
  if (spare != nullptr) {
    *spare = std::make_unique<detail::StopGroup>(token);
    return **spare;
  }
  // Groups nobody is in go now and then (their stop sources may be long gone): amortised O(1).
  if (stop_groups_.size() >= stop_groups_prune_at_) {
    std::erase_if(stop_groups_, [](const auto& kv) { return kv.second->head == nullptr; });
    stop_groups_prune_at_ = std::max<std::size_t>(64, 2 * stop_groups_.size());
  }
  return *stop_groups_.emplace(&token, std::make_unique<detail::StopGroup>(token))->second;
}

void detail::StopGroup::Fire::operator()() const noexcept {
  // Failing an operation withdraws its work and may schedule its waiter, never resumes it here:
  // none leaves the list during the walk but maybe the one failed.
  for (LeafOp* op = group->head; op != nullptr;) {
    LeafOp* next = op->group_next_;
    op->cancel_for_stop();
    op = next;
  }
}

void IoLoop::begin_stop() {
  stopping_ = true;
  // Snapshot first: aborting resumes coroutines, which may untrack or start other operations.
  std::vector<PendingOp*> ops;
  for (PendingOp* p = pending_head_; p != nullptr; p = p->next_) ops.push_back(p);
  auto why = make_error(std::error_code(ESHUTDOWN, std::generic_category()), "IoLoop",
                        options_.name, "the IO loop stopped with this operation in flight");
  for (PendingOp* p : ops) p->abort(why);
}

bool IoLoop::finish_stop_if_idle() {
  if (!ready_.empty() || pending_count_ > 0) return false;
  {
    std::lock_guard lock(remote_mutex_);
    if (remote_head_ != nullptr) return false;
    closed_.store(true, std::memory_order_release);
  }
  // Nothing will run on this loop any more: callers still blocked on its work wait for
  // coroutines that nobody will resume.
  release_waiters();
  closed_.notify_all();
  return true;
}

void IoLoop::add_waiter(LoopWaiter& w) noexcept {
  std::lock_guard lock(waiters_mutex_);
  w.linked_.store(true, std::memory_order_release);
  w.prev_ = nullptr;
  w.next_ = waiters_head_;
  if (waiters_head_ != nullptr) waiters_head_->prev_ = &w;
  waiters_head_ = &w;
}

void IoLoop::remove_waiter(LoopWaiter& w) noexcept {
  std::lock_guard lock(waiters_mutex_);
  if (!w.linked_.load(std::memory_order_relaxed)) return;
  w.linked_.store(false, std::memory_order_release);
  if (w.prev_ != nullptr) {
    w.prev_->next_ = w.next_;
  } else {
    waiters_head_ = w.next_;
  }
  if (w.next_ != nullptr) w.next_->prev_ = w.prev_;
  w.prev_ = w.next_ = nullptr;
}

void IoLoop::release_waiters() noexcept {
  std::exception_ptr why;
  std::lock_guard lock(waiters_mutex_);
  while (waiters_head_ != nullptr) {
    LoopWaiter* w = waiters_head_;
    waiters_head_ = w->next_;
    if (waiters_head_ != nullptr) waiters_head_->prev_ = nullptr;
    w->linked_.store(false, std::memory_order_release);
    w->prev_ = w->next_ = nullptr;
    if (!w->claim()) continue;  // its work is finishing right now and reports itself
    if (!why) {
      why = make_error(std::error_code(ESHUTDOWN, std::generic_category()), "IoLoop", options_.name,
                       "the IO loop stopped while this call's work was suspended on something "
                       "that will never resume it");
    }
    w->released(why);
  }
}

}  // namespace cofs
