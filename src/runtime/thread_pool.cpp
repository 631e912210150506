#include "cofs/runtime/thread_pool.hpp"

#include <pthread.h>

namespace cofs {

ThreadPool::ThreadPool(unsigned threads, std::string name) {
  if (threads == 0) threads = 1;
  threads_.reserve(threads);
  std::string short_name = name.substr(0, 15);
  for (unsigned i = 0; i < threads; ++i) {
    threads_.emplace_back([this, short_name] {
      pthread_setname_np(pthread_self(), short_name.c_str());
      work();
    });
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) {
    if (t.get_id() == std::this_thread::get_id()) {
      t.detach();
    } else {
      t.join();
    }
  }
}

void ThreadPool::submit(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void ThreadPool::work() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return closing_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // closing and drained
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

}  // namespace cofs
