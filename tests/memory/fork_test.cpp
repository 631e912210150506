// fork() while other threads keep the global memory store's lock busy: every child finds the
// store whole and its lock free (the store's lock is taken around fork(), see fork_locks.hpp).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cofs/cofs.hpp"

using namespace std::chrono_literals;

namespace {

/// The child's exit status, or "hung" when it did not end within `limit` (it is killed then).
std::string wait_bounded(pid_t pid, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  int status = 0;
  for (;;) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
      return "signal " + std::to_string(WTERMSIG(status));
    }
    if (std::chrono::steady_clock::now() >= until) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return "hung";
    }
    std::this_thread::sleep_for(2ms);
  }
}

}  // namespace

TEST_CASE("memory store: children forked while threads hold its lock use it afresh",
          "[memory][fork][fork-load]") {
  auto store = cofs::MemoryFileSystem::global_store();
  {
    auto fs =
        std::make_shared<cofs::MemoryFileSystem>(nullptr, cofs::MemoryOptions{.store = store});
    for (int i = 0; i < 500; ++i)
      fs->pipe_file("/mem-fork/big/" + std::to_string(i), std::string_view("x"));
  }
  std::atomic<bool> stop{false};
  std::atomic<long> rounds{0};
  std::vector<std::thread> busy;
  for (int t = 0; t < 3; ++t) {
    busy.emplace_back([&, t] {
      auto loop = std::make_shared<cofs::IoLoop>();  // three loop threads on one store
      loop->start_thread();
      auto fs = std::make_shared<cofs::MemoryFileSystem>(loop, cofs::MemoryOptions{.store = store});
      const std::string mine = "/mem-fork/t" + std::to_string(t);
      while (!stop.load(std::memory_order_relaxed)) {
        (void)fs->ls("/mem-fork/big");  // 500 entries built under the store's lock
        fs->pipe_file(mine, std::string_view("busy"));
        fs->rm_file(mine);
        ++rounds;
      }
    });
  }
  while (rounds.load() < 20) std::this_thread::sleep_for(1ms);
  std::vector<std::string> outcomes;
  for (int n = 0; n < 20; ++n) {
    std::fflush(nullptr);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      int code = 0;
      try {
        auto fs = cofs::filesystem("memory");  // the global store, on the child's default loop
        fs->pipe_file("/mem-fork/child", std::string_view("child"));
        if (fs->cat_file("/mem-fork/child").view() != "child") code = 2;
        if (fs->ls("/mem-fork/big").size() != 500) code = 3;
      } catch (const std::exception& e) {
        std::fprintf(stderr, "child: %s\n", e.what());
        code = 1;
      }
      ::_exit(code);
    }
    outcomes.push_back(wait_bounded(pid, 15000ms));
  }
  stop = true;
  for (auto& t : busy) t.join();
  for (std::size_t n = 0; n < outcomes.size(); ++n) {
    INFO("child " << n);
    CHECK(outcomes[n] == "exit 0");
  }
}
