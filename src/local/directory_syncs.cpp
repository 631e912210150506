#include "local/directory_syncs.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <exception>
#include <utility>

#include "local/engine.hpp"

namespace cofs::local {

/// The commits that share one sync. Its first waiter is resumed, not done, to run the sync (its
/// leader); the others are resumed done, with the result.
struct DirectorySyncs::Round {
  std::vector<std::coroutine_handle<>> waiters;
  int result = 0;
  bool done = false;
};

namespace {

struct Await {
  std::vector<std::coroutine_handle<>>& waiters;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) { waiters.push_back(h); }
  void await_resume() const noexcept {}
};

/// fsync of a directory (its entries): 0 or -errno. Filesystems that cannot sync a directory
/// say EINVAL; that is no failure of the write.
Task<int> sync_directory(Engine& e, const std::string& dir) {
  int fd = co_await e.open(dir.c_str(), O_RDONLY | O_DIRECTORY, 0);
  if (fd < 0) co_return fd;
  int r = 0;
  try {
    r = co_await e.fsync(fd, false);
  } catch (...) {
    ::close(fd);  // cancelled: closed at once, not through the engine
    throw;
  }
  co_await e.close(fd);
  co_return r == -EINVAL ? 0 : r;
}

}  // namespace

Task<int> DirectorySyncs::sync(Engine& e, std::string dir) {
  auto [at, idle] = syncing_.try_emplace(dir);
  if (idle) co_return co_await lead(e, dir, nullptr);
  // A sync is running, perhaps begun before this commit's rename: wait for the next one.
  if (!at->second.next) at->second.next = std::make_shared<Round>();
  std::shared_ptr<Round> round = at->second.next;
  co_await Await{round->waiters};  // not cancellable: the wait is at most two syncs long
  if (round->done) co_return round->result;
  co_return co_await lead(e, dir, std::move(round));  // resumed as the round's leader
}

// Runs the sync for `round` (null: a commit that found the directory idle), then hands the
// directory to the round waiting behind it. Waiters are resumed here, inline, once the state
// they will see is final (they may call sync again at once).
Task<int> DirectorySyncs::lead(Engine& e, const std::string& dir, std::shared_ptr<Round> round) {
  int r = 0;
  std::exception_ptr failure;
  ++begun_;
  try {
    r = co_await sync_directory(e, dir);
  } catch (...) {
    failure = std::current_exception();  // cancelled: this commit fails, not the others
  }
  if (failure) {
    if (round && !round->waiters.empty()) {
      // Another of the round leads it instead; the directory stays busy meanwhile.
      std::coroutine_handle<> next_leader = round->waiters.front();
      round->waiters.erase(round->waiters.begin());
      next_leader.resume();
    } else {
      hand_over(dir);
    }
    std::rethrow_exception(failure);
  }
  std::vector<std::coroutine_handle<>> done;
  if (round) {
    round->result = r;
    round->done = true;
    done = std::move(round->waiters);
  }
  hand_over(dir);
  for (std::coroutine_handle<> h : done) h.resume();
  co_return r;
}

// The running sync has ended: the next round, if any, is led by its first waiter (the
// directory stays busy), else the directory is idle again.
void DirectorySyncs::hand_over(const std::string& dir) {
  auto at = syncing_.find(dir);
  std::shared_ptr<Round> next = std::move(at->second.next);
  if (!next) {
    syncing_.erase(at);
    return;
  }
  std::coroutine_handle<> leader = next->waiters.front();
  next->waiters.erase(next->waiters.begin());
  leader.resume();
}

}  // namespace cofs::local
