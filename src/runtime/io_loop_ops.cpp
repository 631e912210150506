// What the loop tracks for others: watched descriptors, pending operations and their stop groups,
// blocked callers; and the stop sequence that ends them all.
#include <sys/epoll.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cofs/runtime/io_loop.hpp"
#include "loop_core.hpp"
#include "reactor.hpp"
#include "service_registry.hpp"

namespace cofs::detail {

// ---- descriptors --------------------------------------------------------------------------

FdWatch* LoopCore::watch_fd(int fd, std::uint32_t events, std::function<void(std::uint32_t)> cb) {
  auto* w = new FdWatch(fd, events, std::move(cb));
  try {
    reactor_->add(w);
  } catch (const std::system_error& e) {
    delete w;
    throw Error(e.code(), "watch_fd", "fd " + std::to_string(fd));
  }
  return w;
}

void LoopCore::update_fd(FdWatch* w, std::uint32_t events) {
  if (w->events == events) return;
  w->events = events;
  try {
    reactor_->modify(w);
  } catch (const std::system_error& e) {
    throw Error(e.code(), "update_fd", "fd " + std::to_string(w->fd));
  }
}

void LoopCore::unwatch_fd(FdWatch* w) noexcept {
  if (w != nullptr) reactor_->remove(w);
}

// ---- pending operations and stopping ------------------------------------------------------

StopGroup& LoopCore::stop_group(const std::stop_token& token) {
  // Found by where the token object lives, so that many tokens in flight at once (a gather's
  // per-task timeouts) cost no search. A cofs coroutine's token lives in the frame or gather
  // that gave it while operations under it are in flight, so a key holds one token's group; a
  // group under the key with another token belongs to a holder that is gone (it is empty, and
  // reused), or to a foreign promise handing out copies of its token (which then share the key).
  auto [first, last] = stop_groups_.equal_range(&token);
  std::unique_ptr<StopGroup>* spare = nullptr;
  for (auto it = first; it != last; ++it) {
    if (it->second->token == token) return *it->second;
    if (spare == nullptr && it->second->head == nullptr) spare = &it->second;
  }
  if (spare != nullptr) {
    *spare = std::make_unique<StopGroup>(token);
    return **spare;
  }
  // Groups nobody is in go now and then (their stop sources may be long gone): amortised O(1).
  if (stop_groups_.size() >= stop_groups_prune_at_) {
    std::erase_if(stop_groups_, [](const auto& kv) { return kv.second->head == nullptr; });
    stop_groups_prune_at_ = std::max<std::size_t>(64, 2 * stop_groups_.size());
  }
  return *stop_groups_.emplace(&token, std::make_unique<StopGroup>(token))->second;
}

void StopGroup::Fire::operator()() const noexcept {
  // Failing an operation withdraws its work and may schedule its waiter, never resumes it here:
  // none leaves the list during the walk but maybe the one failed.
  for (LeafOp* op = group->head; op != nullptr;) {
    LeafOp* next = op->group_next_;
    op->cancel_for_stop();
    op = next;
  }
}

void LoopCore::begin_stop() {
  stopping_ = true;
  // Snapshot first: aborting resumes coroutines, which may untrack or start other operations.
  std::vector<PendingOp*> ops;
  for (PendingOp* p = pending_head_; p != nullptr; p = p->next_) ops.push_back(p);
  auto why = make_error(std::error_code(ESHUTDOWN, std::generic_category()), "IoLoop",
                        options_.name, "the IO loop stopped with this operation in flight");
  for (PendingOp* p : ops) p->abort(why);
}

bool LoopCore::finish_stop_if_idle() {
  if (!ready_.empty() || pending_count_ > 0) return false;
  // The operations have ended: the services let go of the loop (newest first) before it closes.
  services_->shutdown();
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

void LoopCore::add_waiter(LoopWaiter& w) noexcept {
  std::lock_guard lock(waiters_mutex_);
  w.linked_.store(true, std::memory_order_release);
  w.prev_ = nullptr;
  w.next_ = waiters_head_;
  if (waiters_head_ != nullptr) waiters_head_->prev_ = &w;
  waiters_head_ = &w;
}

void LoopCore::remove_waiter(LoopWaiter& w) noexcept {
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

void LoopCore::release_waiters() noexcept {
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

}  // namespace cofs::detail
