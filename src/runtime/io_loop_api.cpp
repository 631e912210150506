// IoLoop's members and the cofs::backend functions: each forwards to the loop's state
// (detail::LoopCore), in one call.
#include <sched.h>
#include <sys/eventfd.h>

#include <cerrno>
#include <mutex>
#include <system_error>
#include <utility>

#include "cofs/backend/loop.hpp"
#include "cofs/runtime/io_loop.hpp"
#include "loop_core.hpp"

namespace cofs {

using detail::LoopAccess;

// ---- IoLoop ---------------------------------------------------------------------------------

IoLoop::IoLoop() : IoLoop(Options{}) {}

IoLoop::IoLoop(Options options)
    : core_(std::make_unique<detail::LoopCore>(*this, std::move(options))) {}

// The state stays whole through the teardown (services and operations ending then still reach it
// through this loop); it is freed after.
IoLoop::~IoLoop() {
  core_->teardown();
}

void IoLoop::start_thread() {
  core_->start_thread();
}
void IoLoop::run() {
  core_->run();
}
bool IoLoop::run_once() {
  return core_->run_once();
}
int IoLoop::fd() {
  return core_->fd();
}
void IoLoop::stop() {
  core_->stop();
}
void IoLoop::wait_stopped() {
  core_->wait_stopped();
}
bool IoLoop::stopped() const noexcept {
  return core_->stopped();
}
bool IoLoop::in_loop_thread() const noexcept {
  return core_->in_loop_thread();
}
const std::string& IoLoop::name() const noexcept {
  return core_->name();
}
const char* IoLoop::reactor_name() const noexcept {
  return core_->reactor_name();
}
ReactorKind IoLoop::reactor_kind() const noexcept {
  return core_->reactor_kind();
}

// Here, beside its callers, so that they make one call: post() is on sync()'s round trip.
bool detail::LoopCore::try_post(LoopWork* work) noexcept {
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

bool IoLoop::try_post(LoopWork* work) noexcept {
  return core_->try_post(work);
}
void IoLoop::post(LoopWork* work) {
  if (!core_->try_post(work)) core_->throw_not_accepting("post");
}

// ---- cofs::backend --------------------------------------------------------------------------

namespace backend {

void schedule(IoLoop& loop, std::coroutine_handle<> h) {
  LoopAccess::core(loop).schedule(h);
}
void add_timer(IoLoop& loop, TimerNode& t) {
  LoopAccess::core(loop).add_timer(t);
}
void cancel_timer(IoLoop& loop, TimerNode& t) noexcept {
  LoopAccess::core(loop).cancel_timer(t);
}
void track(IoLoop& loop, PendingOp& op) noexcept {
  LoopAccess::core(loop).track(op);
}
void untrack(IoLoop& loop, PendingOp& op) noexcept {
  LoopAccess::core(loop).untrack(op);
}
cofs::detail::StopGroup& stop_group(IoLoop& loop, const std::stop_token& token) {
  return LoopAccess::core(loop).stop_group(token);
}
bool stopping(const IoLoop& loop) noexcept {
  return LoopAccess::core(loop).stopping();
}
void add_waiter(IoLoop& loop, LoopWaiter& w) noexcept {
  LoopAccess::core(loop).add_waiter(w);
}
void remove_waiter(IoLoop& loop, LoopWaiter& w) noexcept {
  LoopAccess::core(loop).remove_waiter(w);
}
void throw_not_accepting(const IoLoop& loop, std::string_view operation) {
  LoopAccess::core(loop).throw_not_accepting(operation);
}
ThreadPool& blocking_pool(IoLoop& loop) {
  return LoopAccess::core(loop).blocking_pool();
}
FdWatch* watch_fd(IoLoop& loop, int fd, std::uint32_t events,
                  std::function<void(std::uint32_t)> on_ready) {
  return LoopAccess::core(loop).watch_fd(fd, events, std::move(on_ready));
}
void update_fd(IoLoop& loop, FdWatch* watch, std::uint32_t events) {
  LoopAccess::core(loop).update_fd(watch, events);
}
void unwatch_fd(IoLoop& loop, FdWatch* watch) noexcept {
  LoopAccess::core(loop).unwatch_fd(watch);
}
io_uring* ring(IoLoop& loop) noexcept {
  return LoopAccess::core(loop).ring();
}
std::size_t pending_operations(const IoLoop& loop) noexcept {
  return LoopAccess::core(loop).pending_operations();
}
bool belongs_to_this_process(const IoLoop& loop) noexcept {
  return LoopAccess::core(loop).belongs_to_this_process();
}

}  // namespace backend

// ---- LeafOp: begin() and complete() on the loop ----------------------------------------------

namespace detail {

bool LeafOp::start(const std::stop_token* token) {
  LoopCore& core = LoopAccess::core(loop_);
  if (core.stopping() || !core.in_loop_thread()) {
    error_ = make_error(
        std::error_code(ESHUTDOWN, std::generic_category()), what_, core.name(),
        core.stopping() ? "the IO loop is stopping" : "awaited off the IO loop's thread");
    return false;
  }
  if (token != nullptr) {
    if (token->stop_requested()) {
      error_ = make_error(std::make_error_code(std::errc::operation_canceled), what_, core.name());
      return false;
    }
    if (token->stop_possible()) {
      StopGroup& g = core.stop_group(*token);
      group_ = &g;
      group_next_ = g.head;
      if (g.head != nullptr) g.head->group_prev_ = this;
      g.head = this;
    }
  }
  core.track(*this);
  return true;
}

void LeafOp::finish() noexcept {
  LoopCore& core = LoopAccess::core(loop_);
  core.untrack(*this);
  core.schedule(waiter_);
}

void LeafOp::cancel_for_stop() noexcept {
  fail(make_error(std::make_error_code(std::errc::operation_canceled), what_, loop_.name()));
}

}  // namespace detail
}  // namespace cofs
