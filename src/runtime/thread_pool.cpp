#include "cofs/runtime/thread_pool.hpp"

#include "cofs/backend/loop.hpp"

#include <pthread.h>

#include <algorithm>
#include <chrono>

namespace cofs {
namespace {

thread_local ThreadPool* t_worker_of = nullptr;

// How long a thread added for a blocked worker stays idle before it leaves: a job that makes
// blocking calls one after another would otherwise make and end a thread for each.
constexpr auto kExtraLinger = std::chrono::milliseconds(100);

}  // namespace

ThreadPool::ThreadPool(unsigned threads, std::string name, const IoLoop* lends_for)
    : base_(threads == 0 ? 1 : threads),
      name_(name.substr(0, 15)),  // the kernel's limit for thread names
      generation_(backend::fork_generation()),
      lends_for_(lends_for) {
  std::lock_guard lock(mutex_);
  for (unsigned i = 0; i < base_; ++i) add_worker_locked();
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  cv_.notify_all();
  // No worker is added once closing: the list is stable without the lock.
  for (std::thread& t : threads_) {
    if (t.get_id() == std::this_thread::get_id()) {
      t.detach();
    } else {
      t.join();
    }
  }
}

unsigned ThreadPool::size() const noexcept {
  std::lock_guard lock(mutex_);
  return workers_;
}

ThreadPool* ThreadPool::current() noexcept {
  ThreadPool* p = t_worker_of;
  // A pool made before fork() has no threads in the child (nor a usable lock).
  return p != nullptr && p->generation_ == backend::fork_generation() ? p : nullptr;
}

void ThreadPool::submit(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
    if (idle_ == 0) grow_if_starved_locked();
  }
  cv_.notify_one();
}

void ThreadPool::add_worker_locked() {
  // Threads of workers that left are joined here, off their own threads.
  for (auto it = threads_.begin(); it != threads_.end();) {
    if (std::find(left_.begin(), left_.end(), it->get_id()) != left_.end()) {
      it->join();
      it = threads_.erase(it);
    } else {
      ++it;
    }
  }
  left_.clear();
  threads_.emplace_back([this] {
    pthread_setname_np(pthread_self(), name_.c_str());
    t_worker_of = this;
    work();
  });
  ++workers_;  // counted once it exists (the new thread waits for the lock held here)
}

void ThreadPool::grow_if_starved_locked() {
  // Jobs wait, no worker is free, and fewer than the pool's size are able to run: the others
  // are blocked on cofs calls whose work may be among the waiting jobs.
  if (!closing_ && !jobs_.empty() && idle_ == 0 && workers_ - blocked_ < base_) add_worker_locked();
}

ThreadPool::Blocked::Blocked(const IoLoop& loop) noexcept : pool_(ThreadPool::current()) {
  if (pool_ != nullptr && pool_->lends_for_ != &loop) pool_ = nullptr;
  if (pool_ == nullptr) return;
  std::lock_guard lock(pool_->mutex_);
  ++pool_->blocked_;
  try {
    pool_->grow_if_starved_locked();
  } catch (...) {
    // No thread to be had: the call still waits (as it did before pools grew).
  }
}

ThreadPool::Blocked::~Blocked() {
  if (pool_ == nullptr) return;
  {
    std::lock_guard lock(pool_->mutex_);
    --pool_->blocked_;
  }
  pool_->cv_.notify_all();  // an extra idle worker may be one too many now
}

void ThreadPool::work() {
  std::unique_lock lock(mutex_);
  for (;;) {
    ++idle_;
    bool timed_out = false;
    while (!closing_ && jobs_.empty()) {
      // More workers able to run than the pool's size: this one was added for a blocked
      // worker that is back, and leaves once idle for a while.
      if (workers_ - blocked_ > base_) {
        if (cv_.wait_for(lock, kExtraLinger) == std::cv_status::timeout) {
          if (jobs_.empty() && workers_ - blocked_ > base_) {
            timed_out = true;
            break;
          }
        }
      } else {
        cv_.wait(lock);
      }
    }
    --idle_;
    if (timed_out || jobs_.empty()) {  // left over, or closing and drained
      --workers_;
      if (!closing_) left_.push_back(std::this_thread::get_id());
      return;
    }
    std::function<void()> job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    job = nullptr;  // its captures go before the lock is taken again
    lock.lock();
  }
}

}  // namespace cofs
