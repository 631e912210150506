// fork(): the child gets a fresh default loop; a loop made by the parent fails clearly in the
// child (never hangs, never disturbs the parent's loop); process exit in the child does not hang.
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

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

template <class F>
int in_child(F body, bool use_exit = false) {
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
