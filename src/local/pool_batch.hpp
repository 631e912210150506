// The blocking steps of many operations, run by a few jobs on the loop's blocking pool instead of
// one pool job each. A job takes the queued operations one at a time until none is left, and
// posts their completions back to the loop a batch at a time: a bulk read of 10,000 small files
// costs a handful of pool wake-ups and ~10,000/16 loop wake-ups, not 10,000 of each. The threads
// engine reads small files whole this way, the aio engine opens and fstats them.
//
// Operations started in one loop turn join the queue together at the end of the turn (one lock,
// at most one job started), so a loop that starts reads a few at a time (as completions come back
// to a gather) does not wake a pool thread for each.
//
// A step must not block indefinitely (completions wait behind it): whole-file reads open with
// O_NONBLOCK, so that a FIFO without a writer opens at once instead of waiting for one, and hand
// such a file back to the loop, which waits for its writer through the ordinary path.
#pragma once

#include <atomic>
#include <coroutine>
#include <memory>
#include <vector>

#include "cofs/backend/operation.hpp"
#include "cofs/runtime/io_loop.hpp"

namespace cofs::local {

class PoolBatch {
 public:
  class Op;

  /// Up to `max_jobs` jobs at once on `loop`'s blocking pool (0: one per CPU, at most 8).
  explicit PoolBatch(IoLoop& loop, unsigned max_jobs = 0);
  ~PoolBatch();
  PoolBatch(const PoolBatch&) = delete;
  PoolBatch& operator=(const PoolBatch&) = delete;

  IoLoop& loop() const noexcept;
  unsigned max_jobs() const noexcept;
  /// Loop thread: closes `fd` on the pool with this turn's steps when there are any (a file
  /// read whole need not be closed before its result is used), else at once.
  void close_later(int fd) noexcept;

  struct State;

 private:
  friend class Op;
  void add(Op* op);           // loop thread: to this turn's operations
  bool take_back(Op* op);     // loop thread: out of this turn's operations, if there
  void hand_over() noexcept;  // the turn's operations to the queue, jobs started as needed

  // Shared with the jobs, which may still be unwinding after their last operation completed
  // (and the engine that owns this was destroyed).
  std::shared_ptr<State> state_;
  // This turn's operations (loop thread only), handed over by a timer due at once: it fires at
  // the end of the turn that armed it.
  Op* turn_head_ = nullptr;
  Op* turn_tail_ = nullptr;
  std::vector<int> turn_closes_;  // only while turn_head_ is set: the timer is armed
  struct HandOver : TimerNode {
    PoolBatch* batch;
  } hand_over_{};
};

/// An operation whose blocking step runs in a PoolBatch; `co_await` it on the loop's thread.
/// Cancelled while still queued, it ends at once; once a job has taken it, its step runs to the
/// end (or is skipped, if not begun) and the operation ends when its completion arrives: a
/// derived class releases in its destructor whatever the step left it (a descriptor).
class PoolBatch::Op : public detail::LeafOp {
 public:
  Op(PoolBatch& batch, const char* what) noexcept;
  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    if (!begin(h, what_)) return false;
    enqueue();
    return true;
  }

 protected:
  ~Op() = default;
  /// The blocking step, on a pool thread. Not called for an operation cancelled before it began.
  virtual void run_blocking() noexcept = 0;
  /// True when the step ran (false: cancelled before it began).
  bool ran() const noexcept { return ran_; }

 private:
  friend class PoolBatch;
  friend struct PoolBatch::State;
  void enqueue();
  bool withdraw() noexcept override;
  static void complete_batch(LoopWork* w) noexcept;

  PoolBatch* batch_;
  const char* what_;
  // Neighbours in this turn's list, then in the queue (under the state's mutex).
  Op* prev_ = nullptr;
  Op* next_ = nullptr;
  // Changed from queue to taken by a job (under the mutex), otherwise on the loop's thread.
  enum class Where : unsigned char { turn, queue, taken, gone };
  std::atomic<Where> where_{Where::gone};
  std::atomic<bool> skip_{false};  // cancelled after being taken: the step need not run
  bool ran_ = false;
  // Completed by a job: the next operation of the same posted batch; the first one's work item
  // is the batch's.
  Op* done_next_ = nullptr;
  struct Done : LoopWork {
    Op* op;
  } done_{};
};

}  // namespace cofs::local
