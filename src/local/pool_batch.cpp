#include "local/pool_batch.hpp"

#include <algorithm>
#include <exception>
#include <mutex>
#include <thread>

#include <unistd.h>

#include "cofs/backend/loop.hpp"
#include "cofs/runtime/thread_pool.hpp"

namespace cofs::local {
namespace {

// Completions a job holds before posting them to the loop (it posts what it holds as soon as the
// queue is empty too). Each post may wake the loop; 16 small files take a job ~100 µs.
constexpr unsigned kPostEvery = 16;

}  // namespace

struct PoolBatch::State {
  IoLoop& loop;
  unsigned max_jobs;
  std::mutex mutex;
  Op* head = nullptr;  // queued, not yet taken
  Op* tail = nullptr;
  std::vector<int> closes;  // descriptors to close, taken by the next job round
  unsigned jobs = 0;        // jobs submitted to the pool and not yet finished

  State(IoLoop& l, unsigned n) : loop(l), max_jobs(n) {}

  static void unlink(Op* op, Op*& first, Op*& last) noexcept {
    (op->prev_ != nullptr ? op->prev_->next_ : first) = op->next_;
    (op->next_ != nullptr ? op->next_->prev_ : last) = op->prev_;
    op->prev_ = op->next_ = nullptr;
  }

  static void post(IoLoop& loop, Op* first) noexcept {
    // The loop stays open while these operations are pending, so this succeeds.
    (void)loop.try_post(&first->done_);
  }

  /// A job (pool thread): the queued operations one at a time, until none is left.
  static void work(const std::shared_ptr<State>& self) noexcept {
    Op* done_head = nullptr;
    Op* done_tail = nullptr;
    unsigned held = 0;
    std::vector<int> closes;
    for (;;) {
      Op* op;
      {
        std::lock_guard lock(self->mutex);
        if (!self->closes.empty()) closes.swap(self->closes);
        op = self->head;
        if (op == nullptr && closes.empty()) {
          --self->jobs;  // under the lock that saw the queue empty: a later enqueue starts a job
          break;
        }
        if (op != nullptr) {
          unlink(op, self->head, self->tail);
          op->where_ = Op::Where::taken;
        }
      }
      for (int fd : closes) ::close(fd);
      closes.clear();
      if (op == nullptr) continue;
      if (!op->skip_.load(std::memory_order_acquire)) {
        op->run_blocking();
        op->ran_ = true;
      }
      op->done_next_ = nullptr;
      (done_tail != nullptr ? done_tail->done_next_ : done_head) = op;
      done_tail = op;
      if (++held == kPostEvery) {
        post(self->loop, done_head);
        done_head = done_tail = nullptr;
        held = 0;
      }
    }
    // After this the operations (and whatever owns this batch) may be gone: only `self` is left.
    if (done_head != nullptr) post(self->loop, done_head);
  }
};

PoolBatch::PoolBatch(IoLoop& loop, unsigned max_jobs) {
  if (max_jobs == 0) max_jobs = std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
  state_ = std::make_shared<State>(loop, max_jobs);
  hand_over_.batch = this;
  hand_over_.deadline = Clock::time_point::min();
  hand_over_.on_fire = [](TimerNode* t) { static_cast<HandOver*>(t)->batch->hand_over(); };
}

// Nothing is locked: every operation has ended before its engine goes (the filesystem outlives
// them), and in a forked child the parent's jobs and their lock do not exist. The timer is armed
// only while operations wait for the end of their turn.
PoolBatch::~PoolBatch() {
  if (hand_over_.armed() && state_->loop.in_loop_thread())
    backend::cancel_timer(state_->loop, hand_over_);
}

void PoolBatch::add(Op* op) {
  op->where_ = Op::Where::turn;
  op->prev_ = turn_tail_;
  (turn_tail_ != nullptr ? turn_tail_->next_ : turn_head_) = op;
  turn_tail_ = op;
  if (!hand_over_.armed()) backend::add_timer(state_->loop, hand_over_);
}

bool PoolBatch::take_back(Op* op) {
  if (op->where_ != Op::Where::turn) return false;
  State::unlink(op, turn_head_, turn_tail_);
  if (turn_head_ == nullptr) {
    if (hand_over_.armed()) backend::cancel_timer(state_->loop, hand_over_);
    for (int fd : turn_closes_) ::close(fd);
    turn_closes_.clear();
  }
  return true;
}

void PoolBatch::close_later(int fd) noexcept {
  // Only with steps to go with: then the timer is armed and the filesystem alive until it fires.
  if (turn_head_ != nullptr) {
    try {
      turn_closes_.push_back(fd);
      return;
    } catch (...) {
    }
  }
  ::close(fd);
}

void PoolBatch::hand_over() noexcept {
  Op* first = std::exchange(turn_head_, nullptr);
  Op* last = std::exchange(turn_tail_, nullptr);
  if (first == nullptr) return;
  State& s = *state_;
  bool start;
  {
    std::lock_guard lock(s.mutex);
    for (Op* op = first; op != nullptr; op = op->next_) op->where_ = Op::Where::queue;
    if (s.closes.empty()) {
      s.closes.swap(turn_closes_);
    } else {
      s.closes.insert(s.closes.end(), turn_closes_.begin(), turn_closes_.end());
    }
    turn_closes_.clear();
    first->prev_ = s.tail;
    (s.tail != nullptr ? s.tail->next_ : s.head) = first;
    s.tail = last;
    start = s.jobs < s.max_jobs;
    if (start) ++s.jobs;
  }
  if (!start) return;
  try {
    std::shared_ptr<State> self = state_;
    backend::blocking_pool(s.loop).submit([self] { State::work(self); });
  } catch (...) {
    bool none_running;
    {
      std::lock_guard lock(s.mutex);
      none_running = --s.jobs == 0;
    }
    // No job could start: a running one takes the queue; with none, the queued operations fail
    // (and the descriptors are closed here).
    if (!none_running) return;
    {
      std::lock_guard lock(s.mutex);
      for (int fd : s.closes) ::close(fd);
      s.closes.clear();
    }
    std::exception_ptr why = std::current_exception();
    for (;;) {
      Op* op;
      {
        std::lock_guard lock(s.mutex);
        op = s.head;
        if (op == nullptr) break;
        State::unlink(op, s.head, s.tail);
        op->where_ = Op::Where::gone;  // out of the queue: its withdraw finds nothing to undo
      }
      op->fail(why);
    }
  }
}

IoLoop& PoolBatch::loop() const noexcept {
  return state_->loop;
}

unsigned PoolBatch::max_jobs() const noexcept {
  return state_->max_jobs;
}

PoolBatch::Op::Op(PoolBatch& batch, const char* what) noexcept
    : LeafOp(batch.loop()), batch_(&batch), what_(what) {
  done_.op = this;
  done_.run = &complete_batch;
}

void PoolBatch::Op::enqueue() {
  batch_->add(this);
}

bool PoolBatch::Op::withdraw() noexcept {
  if (batch_->take_back(this)) return true;
  if (where_ == Where::gone) return true;  // failed out of the queue already (no job ran)
  State& s = *batch_->state_;
  std::lock_guard lock(s.mutex);
  if (where_ == Where::queue) {
    State::unlink(this, s.head, s.tail);
    where_ = Where::gone;
    return true;
  }
  skip_.store(true, std::memory_order_release);
  return false;  // the job posts it back; complete() runs then
}

void PoolBatch::Op::complete_batch(LoopWork* w) noexcept {
  Op* op = static_cast<Done*>(w)->op;
  while (op != nullptr) {
    Op* next = op->done_next_;  // complete() schedules the waiter, which may then free `op`
    op->complete();
    op = next;
  }
}

}  // namespace cofs::local
