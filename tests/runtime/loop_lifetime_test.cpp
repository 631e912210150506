// The last reference to an IoLoop dropped on the loop's own thread (a coroutine that owns the
// filesystem and the loop and lets go of both): the loop finishes stopping there, and the turn it
// was in returns without touching it. run() on a user's thread, start_thread() (the default
// loop's kind) and run_once() drivers.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <coroutine>
#include <memory>
#include <stdexcept>
#include <thread>

#include "cofs/memory/memory_fs.hpp"
#include "cofs/runtime/io_loop.hpp"
#include "cofs/runtime/sync.hpp"
#include "helpers.hpp"

using cofs::IoLoop;
using cofs::Task;
using namespace rt_test;

namespace {

struct Shared {
  std::atomic<bool> blocked_started{false};  // a sync caller's task runs on the loop
  std::atomic<bool> others_dropped{false};   // the test thread let go of its references
  std::atomic<bool> dropped{false};          // the coroutine let go of the last ones
  std::atomic<int> unwound{0};               // coroutines suspended on the loop that unwound
  std::atomic<int> errors_seen{0};           // ...with LoopStoppedError
};

/// Counts its frame's end, however the coroutine ends.
struct UnwindMark {
  Shared& s;
  ~UnwindMark() { ++s.unwound; }
};

/// Sleeps for an hour: the destruction of the loop must end it with LoopStoppedError.
Task<void> sleeper(IoLoop& loop, Shared& s) {
  UnwindMark mark{s};
  try {
    co_await loop.sleep_for(std::chrono::hours(1));
  } catch (const cofs::LoopStoppedError&) {
    ++s.errors_seen;
  }
}

/// Owns the filesystem and the loop; once the test thread has dropped its references, drops the
/// last ones here, on the loop's thread, and goes on a little (as a real coroutine would).
Task<void> last_owner(std::shared_ptr<cofs::FileSystem> fs, std::shared_ptr<IoLoop> loop,
                      Shared& s) {
  co_await fs->async_pipe_file("/lifetime/a", cofs::Bytes(std::string_view("data")));
  IoLoop& l = *loop;
  cofs::spawn(l, sleeper(l, s));  // a sibling suspended on a timer when the loop goes
  while (!s.others_dropped.load()) co_await l.sleep_for(1ms);
  fs.reset();
  loop.reset();  // the last reference: ~IoLoop on its own thread, inside its turn
  s.dropped = true;
}

void expect_finished(Shared& s) {
  CHECK(s.dropped.load());
  // The sibling sleeping on the loop was ended by the loop's stop and unwound its frame.
  CHECK(eventually([&] { return s.unwound.load() == 1; }));
  CHECK(s.errors_seen.load() == 1);
}

}  // namespace

TEST_CASE("IoLoop: the last reference dropped on the loop's thread inside run()",
          "[loop][lifetime]") {
  Shared s;
  auto loop = std::make_shared<IoLoop>();
  IoLoop* raw = loop.get();
  std::atomic<bool> run_returned{false};
  std::thread runner([raw, &run_returned] {
    raw->run();  // returns once the loop is destroyed under it
    run_returned = true;
  });
  auto fs = std::make_shared<cofs::MemoryFileSystem>(loop);
  // A caller blocked on the loop when it goes away is released, not left waiting.
  std::atomic<int> sync_result{0};  // 1: LoopStoppedError
  std::thread blocked([raw, &s, &sync_result] {
    IoLoop& l = *raw;
    auto wait = [](IoLoop& l, Shared& s) -> Task<void> {
      s.blocked_started = true;
      co_await l.sleep_for(std::chrono::hours(1));
    };
    Task<void> t = wait(l, s);
    try {
      cofs::sync(l, std::move(t));
      sync_result = 2;
    } catch (const cofs::LoopStoppedError&) {
      sync_result = 1;
    }
  });
  cofs::spawn(*loop, last_owner(fs, loop, s));
  REQUIRE(eventually([&] { return s.blocked_started.load(); }, 5000ms));
  fs.reset();
  loop.reset();
  s.others_dropped = true;
  const bool returned = eventually([&] { return run_returned.load(); }, 10000ms);
  CHECK(returned);
  if (!returned) {
    runner.detach();  // a hung loop thread: fail rather than hang the test program
  } else {
    runner.join();
  }
  REQUIRE(eventually([&] { return sync_result.load() != 0; }, 10000ms));
  blocked.join();
  CHECK(sync_result.load() == 1);
  expect_finished(s);
}

TEST_CASE("IoLoop: the last reference dropped on the thread of start_thread()",
          "[loop][lifetime]") {
  for (int round = 0; round < 8; ++round) {
    Shared s;
    auto loop = std::make_shared<IoLoop>();
    loop->start_thread();
    auto fs = std::make_shared<cofs::MemoryFileSystem>(loop);
    cofs::spawn(*loop, last_owner(fs, loop, s));
    fs.reset();
    loop.reset();
    s.others_dropped = true;
    REQUIRE(eventually([&] { return s.dropped.load(); }, 10000ms));
    expect_finished(s);
  }
}

TEST_CASE("IoLoop: the last reference dropped on the loop's thread inside run_once()",
          "[loop][lifetime]") {
  Shared s;
  auto loop = std::make_shared<IoLoop>();
  std::weak_ptr<IoLoop> alive = loop;
  IoLoop* raw = loop.get();
  auto fs = std::make_shared<cofs::MemoryFileSystem>(loop);
  cofs::spawn(*loop, last_owner(fs, loop, s));
  fs.reset();
  loop.reset();
  s.others_dropped = true;
  // The driver: it owns no reference, and stops driving once the loop is gone.
  const auto until = std::chrono::steady_clock::now() + 10s;
  int turns_after = 0;
  while (!alive.expired() && std::chrono::steady_clock::now() < until) {
    if (!raw->run_once()) std::this_thread::sleep_for(100us);
    if (s.dropped.load()) ++turns_after;  // run_once() returned after destroying the loop
  }
  CHECK(alive.expired());
  CHECK(turns_after == 1);
  expect_finished(s);
}

TEST_CASE(
    "IoLoop: the last reference dropped in a descriptor's callback, inside the reactor's poll",
    "[loop][lifetime]") {
  auto loop = std::make_shared<IoLoop>();
  IoLoop* raw = loop.get();
  std::atomic<bool> run_returned{false};
  std::thread runner([raw, &run_returned] {
    raw->run();
    run_returned = true;
  });
  int efd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  REQUIRE(efd >= 0);
  // The callback owns the last reference: it is dropped while the reactor dispatches.
  auto owner = std::make_shared<std::shared_ptr<IoLoop>>(loop);
  std::atomic<bool> watching{false}, dropped{false};
  raw->post([raw, efd, owner, &watching, &dropped] {
    auto* slot = new cofs::FdWatch*(nullptr);
    *slot =
        cofs::backend::watch_fd(*raw, efd, EPOLLIN, [raw, slot, owner, &dropped](std::uint32_t) {
          cofs::backend::unwatch_fd(*raw, *slot);
          delete slot;
          owner->reset();  // ~IoLoop here, inside the poll
          dropped = true;
        });
    watching = true;
  });
  REQUIRE(eventually([&] { return watching.load(); }, 5000ms));
  loop.reset();
  owner.reset();  // the callback's copy is the last holder of the last reference now
  ::eventfd_write(efd, 1);
  const bool returned = eventually([&] { return run_returned.load(); }, 10000ms);
  CHECK(returned);
  if (returned) {
    runner.join();
  } else {
    runner.detach();
  }
  CHECK(dropped.load());
  ::close(efd);
}
