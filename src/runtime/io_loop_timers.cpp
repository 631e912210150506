// The loop's timers: a min-heap on deadline, fired at each turn, and one timerfd armed only when
// the earliest deadline moves earlier than the one it is armed for.
#include <sys/timerfd.h>

#include <chrono>
#include <utility>

#include "cofs/runtime/io_loop.hpp"
#include "loop_core.hpp"
#include "run_frame.hpp"

namespace cofs::detail {

void LoopCore::add_timer(TimerNode& t) {
  if (t.armed()) cancel_timer(t);
  t.heap_index = heap_.size();
  heap_.push_back(&t);
  heap_up(t.heap_index);
}

void LoopCore::cancel_timer(TimerNode& t) noexcept {
  if (!t.armed()) return;
  heap_remove(t.heap_index);
}

void LoopCore::heap_up(std::size_t i) noexcept {
  while (i > 0) {
    std::size_t parent = (i - 1) / 2;
    if (heap_[parent]->deadline <= heap_[i]->deadline) break;
    std::swap(heap_[parent], heap_[i]);
    heap_[parent]->heap_index = parent;
    heap_[i]->heap_index = i;
    i = parent;
  }
}

void LoopCore::heap_down(std::size_t i) noexcept {
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

void LoopCore::heap_remove(std::size_t i) noexcept {
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

void LoopCore::fire_timers() {
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

bool LoopCore::arm_timerfd(bool even_if_due) {
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

}  // namespace cofs::detail
