// fork(): the child gets a fresh default loop; a loop made by the parent fails clearly in the
// child (never hangs, never disturbs the parent's loop); process exit in the child does not hang.
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cofs/fs/registry.hpp"
#include "cofs/memory/memory_fs.hpp"
#include "cofs/runtime/config.hpp"
#include "cofs/runtime/gather.hpp"
#include "cofs/runtime/io_loop.hpp"
#include "cofs/runtime/sync.hpp"
#include "cofs/runtime/thread_pool.hpp"
#include "helpers.hpp"

using cofs::IoLoop;
using cofs::Task;
using namespace rt_test;

#ifdef RT_TEST_LSAN
// A forked child leaks the parent's loops on purpose (their threads are gone, their descriptors
// shared with the parent): no leak report at the child's exit.
namespace {
bool g_in_child = false;
}
extern "C" int __lsan_is_turned_off() {
  return g_in_child ? 1 : 0;
}
#endif

namespace {

Task<int> answer() {
  co_return 42;
}
Task<int> sleep_then(IoLoop& loop, cofs::Clock::duration d, int v) {
  co_await loop.sleep_for(d);
  co_return v;
}

/// Forks; the child runs `body` under a watchdog and exits with its return value (or 100 for an
/// exception, SIGALRM when it hangs). Returns the child's wait status.
#if defined(__SANITIZE_THREAD__)
constexpr bool kForkSupported = false;  // TSan cannot start threads after a multi-threaded fork
#else
constexpr bool kForkSupported = true;
#endif
#define SKIP_FORK_UNDER_TSAN()                                            \
  if (!kForkSupported) {                                                  \
    WARN("skipped: ThreadSanitizer does not support threads after fork"); \
    return;                                                               \
  }

/// Forks a child that runs `body` and exits with its result; returns the child's pid.
template <class F>
pid_t start_child(F body, bool use_exit = false) {
  std::fflush(nullptr);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
#ifdef RT_TEST_LSAN
    g_in_child = true;
#endif
    ::alarm(10);  // a hang kills the child with SIGALRM, which the parent reports
    int code;
    try {
      code = body();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child: unexpected exception: %s\n", e.what());
      code = 100;
    } catch (...) {
      code = 101;
    }
    if (use_exit) std::exit(code);  // runs static destructors: the child's default loop stops
    ::_exit(code);
  }
  return pid;
}

/// Runs `body` in a forked child and waits for it; returns its wait status.
template <class F>
int in_child(F body, bool use_exit = false) {
  const pid_t pid = start_child(std::move(body), use_exit);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  return status;
}

std::string describe(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

}  // namespace

TEST_CASE("fork: the child gets a fresh, working default loop", "[loop][fork]") {
  SKIP_FORK_UNDER_TSAN();
  IoLoop& parent = cofs::get_loop();
  REQUIRE(cofs::sync(parent, answer()) == 42);  // the parent's loop is running
  int status = in_child([&] {
    IoLoop& child = cofs::get_loop();
    if (&child == &parent) return 10;
    if (cofs::sync(child, answer(), std::chrono::seconds(5)) != 42) return 11;
    if (cofs::sync(child, sleep_then(child, 2ms, 7), std::chrono::seconds(5)) != 7) return 12;
    if (cofs::sync(child, cofs::run_blocking(child, [] { return 5; })) != 5) return 13;
    std::vector<Task<int>> tasks;
    for (int i = 0; i < 100; ++i)
      tasks.push_back(sleep_then(child, std::chrono::milliseconds(i % 3), i));
    auto r = cofs::sync(child, cofs::gather(std::move(tasks), {.batch_size = 10}));
    for (int i = 0; i < 100; ++i)
      if (*r[i] != i) return 14;
    char name[32] = {};
    auto thread_named = cofs::sync(child, [&]() -> Task<bool> {
      pthread_getname_np(pthread_self(), name, sizeof name);
      co_return std::string(name) == "cofsIO";
    }());
    if (!thread_named) return 15;
    return 0;
  });
  INFO(describe(status));
  CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  // The parent's loop is undisturbed.
  CHECK(cofs::sync(parent, sleep_then(parent, 1ms, 3), std::chrono::seconds(5)) == 3);
}

TEST_CASE("fork: using the parent's IoLoop in the child throws a clear error", "[loop][fork]") {
  SKIP_FORK_UNDER_TSAN();
  IoLoop& parent_default = cofs::get_loop();
  REQUIRE(cofs::sync(parent_default, answer()) == 42);
  IoLoop own;
  own.start_thread();
  REQUIRE(cofs::sync(own, answer()) == 42);
  auto* heap_loop = new IoLoop;  // destroyed in the child: must neither hang nor touch the parent
  heap_loop->start_thread();
  REQUIRE(cofs::sync(*heap_loop, answer()) == 42);

  int status = in_child([&] {
    for (IoLoop* l : {&parent_default, &own}) {
      try {
        cofs::sync(*l, answer(), std::chrono::seconds(5));
        return 20;
      } catch (const cofs::LoopStoppedError& e) {
        if (std::strstr(e.what(), "fork") == nullptr) {
          std::fprintf(stderr, "child: unclear message: %s\n", e.what());
          return 21;
        }
      }
      if (l->try_post([] {})) return 22;
      try {
        l->post([] {});
        return 23;
      } catch (const cofs::LoopStoppedError&) {
      }
      try {
        cofs::spawn(*l, []() -> Task<void> { co_return; }());
        return 24;
      } catch (const cofs::LoopStoppedError&) {
      }
    }
    delete heap_loop;  // a parent's loop destroyed in the child
    // ...and the child can still use its own default loop afterwards.
    if (cofs::sync(cofs::get_loop(), answer(), std::chrono::seconds(5)) != 42) return 25;
    return 0;
  });
  INFO(describe(status));
  CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));

  // The parent's loops still work (the child's clean-up did not reach into them).
  CHECK(cofs::sync(own, sleep_then(own, 1ms, 1), std::chrono::seconds(5)) == 1);
  CHECK(cofs::sync(*heap_loop, sleep_then(*heap_loop, 1ms, 2), std::chrono::seconds(5)) == 2);
  CHECK(cofs::sync(parent_default, sleep_then(parent_default, 1ms, 3), std::chrono::seconds(5)) ==
        3);
  // Readiness on the parent's loops still works too (a child's epoll_ctl/ring use would break it).
  CHECK(cofs::sync(*heap_loop, cofs::run_blocking(*heap_loop, [] { return 4; }),
                   std::chrono::seconds(5)) == 4);
  delete heap_loop;
}

TEST_CASE("fork: the child exits normally with operations in flight", "[loop][fork]") {
  SKIP_FORK_UNDER_TSAN();
  REQUIRE(cofs::sync(cofs::get_loop(), answer()) == 42);
  int status = in_child(
      [] {
        IoLoop& child = cofs::get_loop();
        // A sleep that would last an hour is in flight when the child exits.
        cofs::spawn(
            child,
            [](IoLoop& l) -> Task<void> { co_await l.sleep_for(std::chrono::hours(1)); }(child),
            [](std::exception_ptr) {});
        if (cofs::sync(child, answer()) != 42) return 30;
        return 7;
      },
      /*use_exit=*/true);
  INFO(describe(status));
  CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 7));
}

namespace {

/// Waits for `pid` at most `limit`; a child still running then is killed and reported as hung.
std::string wait_bounded(pid_t pid, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  int status = 0;
  for (;;) {
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return describe(status);
    if (r < 0) return "waitpid failed";
    if (std::chrono::steady_clock::now() >= until) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return "hung";
    }
    std::this_thread::sleep_for(2ms);
  }
}

/// What a forked child does with cofs afresh: registry, config, memory store (the global one,
/// which the parent's threads keep locking), local files, the blocking pool, a gather.
int child_uses_cofs(const std::string& dir, int n) {
  auto mem = cofs::filesystem("memory");
  const std::string key = "/fork-child/" + std::to_string(n);
  mem->pipe_file(key, std::string_view("child"));
  if (mem->cat_file(key).view() != "child") return 40;
  mem->ls("/fork-child");
  auto local = cofs::filesystem("file");
  const std::string f = dir + "/child-" + std::to_string(n);
  local->pipe_file(f, std::string_view("local"));
  if (local->cat_file(f).view() != "local") return 41;
  local->ls(dir);
  (void)cofs::config::get("gather_batch_size");
  IoLoop& loop = cofs::get_loop();
  if (cofs::sync(loop, cofs::run_blocking(loop, [] { return 3; })) != 3) return 42;
  std::vector<Task<int>> tasks;
  for (int i = 0; i < 50; ++i) tasks.push_back(sleep_then(loop, 0ms, i));
  auto r = cofs::sync(loop, cofs::gather(std::move(tasks), {.batch_size = 8}));
  if (*r[49] != 49) return 43;
  return 0;
}

}  // namespace

TEST_CASE("fork: 40 forks while 4 threads are busy in cofs; every child uses cofs afresh",
          "[loop][fork][fork-load]") {
  SKIP_FORK_UNDER_TSAN();
  auto dir = std::filesystem::temp_directory_path() / ("cofs-fork-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::atomic<bool> stop{false};
  std::atomic<long> rounds{0};
  {
    auto mem = cofs::filesystem("memory");
    for (int i = 0; i < 500; ++i)
      mem->pipe_file("/fork-load/big/" + std::to_string(i), std::string_view("x"));
  }
  std::vector<std::thread> busy;
  for (int t = 0; t < 4; ++t) {
    busy.emplace_back([&, t] {
      // A loop of its own: four loop threads take the global memory store's lock at once.
      auto loop = std::make_shared<IoLoop>();
      loop->start_thread();
      auto mem = std::make_shared<cofs::MemoryFileSystem>(
          loop, cofs::MemoryOptions{.store = cofs::MemoryFileSystem::global_store()});
      auto local = cofs::filesystem("file");
      const std::string key = "/fork-load/" + std::to_string(t);
      const std::string f = (dir / ("load-" + std::to_string(t))).string();
      std::string payload(8192 + t, 'x');  // from the slab pool, when it is on
      for (long i = 0; !stop.load(std::memory_order_relaxed); ++i) {
        mem->pipe_file(key + "/" + std::to_string(i % 8), std::string_view(payload));
        (void)mem->cat_file(key + "/" + std::to_string(i % 8));
        (void)mem->ls("/fork-load/big");  // builds 500 entries under the store's lock
        if (i % 8 == 0) mem->rm(key, {.recursive = true});
        if (i % 4 == 0) {
          local->pipe_file(f, std::string_view(payload));
          (void)local->cat_file(f);
        }
        (void)cofs::filesystem("memory");  // the registry's lock
        (void)cofs::config::get("gather_batch_size");
        (void)cofs::sync(*loop, cofs::run_blocking(*loop, [] { return 1; }));
        ++rounds;
      }
    });
  }
  REQUIRE(eventually([&] { return rounds.load() > 20; }, 10000ms));
  std::vector<std::string> outcomes;
  for (int n = 0; n < 40; ++n) {
    const pid_t pid = start_child([&] { return child_uses_cofs(dir.string(), n); });
    outcomes.push_back(wait_bounded(pid, 15000ms));
    std::this_thread::sleep_for(std::chrono::microseconds(500 * (n % 5)));  // vary the moment
  }
  stop = true;
  for (auto& t : busy) t.join();
  std::filesystem::remove_all(dir);
  int hung = 0, failed = 0;
  for (std::size_t n = 0; n < outcomes.size(); ++n) {
    if (outcomes[n] == "hung") ++hung;
    if (outcomes[n] != "exit 0") {
      ++failed;
      UNSCOPED_INFO("child " << n << ": " << outcomes[n]);
    }
  }
  CHECK(hung == 0);
  CHECK(failed == 0);
}
