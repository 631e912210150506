// IoLoop: posting, timers, descriptor readiness, the default loop, bring-your-own loops
// (run() on a user thread, fd() + run_once() from a user's poll loop), stop().
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cofs/runtime/gather.hpp"
#include "cofs/runtime/io_loop.hpp"
#include "cofs/runtime/sync.hpp"
#include "cofs/runtime/thread_pool.hpp"
#include "helpers.hpp"

using cofs::Clock;
using cofs::IoLoop;
using cofs::Task;
using namespace rt_test;

namespace {

Task<int> answer() {
  co_return 42;
}
Task<std::thread::id> loop_thread_id() {
  co_return std::this_thread::get_id();
}
Task<int> sleep_then(IoLoop& loop, Clock::duration d, int v) {
  co_await loop.sleep_for(d);
  co_return v;
}

struct Pipe {
  int r = -1, w = -1;
  Pipe() {
    int fds[2];
    REQUIRE(::pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
    r = fds[0];
    w = fds[1];
  }
  ~Pipe() {
    close_read();
    close_write();
  }
  void close_read() {
    if (r >= 0) ::close(r);
    r = -1;
  }
  void close_write() {
    if (w >= 0) ::close(w);
    w = -1;
  }
};

/// Awaits readability of `fd` once through watch_fd; gives the ready bits.
struct Readable {
  IoLoop& loop;
  int fd;
  cofs::FdWatch* watch = nullptr;
  std::uint32_t got = 0;
  std::coroutine_handle<> waiter;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) {
    waiter = h;
    watch = cofs::backend::watch_fd(loop, fd, EPOLLIN, [this](std::uint32_t ev) {
      got = ev;
      cofs::backend::unwatch_fd(loop, watch);
      cofs::backend::schedule(loop, waiter);
    });
  }
  std::uint32_t await_resume() const noexcept { return got; }
};

Task<std::string> read_when_ready(IoLoop& loop, int fd) {
  std::uint32_t ev = co_await Readable{loop, fd};
  if ((ev & EPOLLIN) == 0) co_return "no EPOLLIN";
  char buf[64];
  ssize_t n = ::read(fd, buf, sizeof buf);
  co_return std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
}

/// A loop thread of our own, stopped and joined at scope end.
struct OwnLoop {
  std::unique_ptr<IoLoop> loop = std::make_unique<IoLoop>();
  OwnLoop() { loop->start_thread(); }
  IoLoop& operator*() { return *loop; }
  IoLoop* operator->() { return loop.get(); }
};

}  // namespace

TEST_CASE("IoLoop uses the reactor COFS_REACTOR names", "[loop]") {
  const char* env = std::getenv("COFS_REACTOR");
  IoLoop& loop = cofs::get_loop();
  INFO("reactor " << loop.reactor_name());
  if (env != nullptr && std::string(env) == "epoll") {
    CHECK(loop.reactor_kind() == cofs::ReactorKind::epoll);
  } else if (env != nullptr && std::string(env) == "uring") {
    CHECK(loop.reactor_kind() == cofs::ReactorKind::uring);
    CHECK(cofs::backend::ring(loop) != nullptr);
  }
  IoLoop epoll_loop(IoLoop::Options{cofs::ReactorKind::epoll, "epoll-test"});
  CHECK(epoll_loop.reactor_kind() == cofs::ReactorKind::epoll);
  CHECK(cofs::backend::ring(epoll_loop) == nullptr);
}

TEST_CASE("post from many threads: each item runs once, on the loop, in per-thread order",
          "[loop]") {
  OwnLoop loop;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 20'000;
  std::vector<int> last(kThreads, -1);  // touched on the loop thread only
  std::atomic<long> ran{0};
  std::atomic<bool> order_ok{true}, thread_ok{true};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        loop->post([&, t, i] {
          if (!loop->in_loop_thread()) thread_ok = false;
          if (last[t] != i - 1) order_ok = false;
          last[t] = i;
          ++ran;
        });
      }
    });
  }
  for (auto& th : threads) th.join();
  // The intrusive form too: a LoopWork the caller owns.
  struct Work : cofs::LoopWork {
    std::atomic<bool> done{false};
  } work;
  work.run = [](cofs::LoopWork* w) { static_cast<Work*>(w)->done = true; };
  loop->post(&work);
  REQUIRE(eventually([&] { return work.done.load(); }, 10s));
  CHECK(ran == long{kThreads} * kPerThread);  // FIFO: everything posted before `work` has run
  CHECK(order_ok);
  CHECK(thread_ok);
}

TEST_CASE("timers fire in deadline order, never early", "[loop][timer]") {
  IoLoop& loop = cofs::get_loop();
  // Distinct durations in shuffled start order. They are started one after the other, so the
  // order is checked against each sleeper's own deadline (a preempted loop thread may start a
  // short one late), and the durations 3 ms apart make it the order of the durations in practice.
  std::vector<int> ms{12, 3, 27, 6, 21, 9, 15, 24, 18, 1};
  std::vector<std::pair<Clock::time_point, int>> woke;  // loop thread only
  auto sleeper = [&](int d) -> Task<int> {
    const auto deadline = Clock::now() + std::chrono::milliseconds(d);
    co_await loop.sleep_for(std::chrono::milliseconds(d));
    woke.emplace_back(deadline, d);
    co_return Clock::now() >= deadline ? 1 : 0;
  };
  std::vector<Task<int>> tasks;
  for (int d : ms) tasks.push_back(sleeper(d));
  auto results = cofs::sync(loop, cofs::gather(std::move(tasks), {.batch_size = -1}));
  for (auto& r : results) CHECK(*r == 1);  // none woke before its deadline
  REQUIRE(woke.size() == ms.size());
  for (std::size_t i = 1; i < woke.size(); ++i) {
    INFO("woke " << woke[i - 1].second << " ms, then " << woke[i].second << " ms");
    CHECK(woke[i - 1].first <= woke[i].first);
  }
}

namespace {
struct Tick : cofs::TimerNode {
  int id = 0;
  std::vector<Tick*>* fired = nullptr;
};
}  // namespace

TEST_CASE("the timer heap keeps order under many adds and arbitrary cancels", "[loop][timer]") {
  IoLoop& loop = cofs::get_loop();
  constexpr int kTimers = 5000;
  std::vector<Tick> ticks(kTimers);
  std::vector<Tick*> fired;
  std::vector<char> cancelled(kTimers, 0);
  std::mt19937 rng(12345);
  auto base = Clock::now() + 20ms;
  for (int i = 0; i < kTimers; ++i) {
    ticks[i].id = i;
    ticks[i].fired = &fired;
    ticks[i].deadline = base + std::chrono::microseconds(rng() % 30'000);
    ticks[i].on_fire = [](cofs::TimerNode* t) {
      auto* tick = static_cast<Tick*>(t);
      tick->fired->push_back(tick);
    };
  }
  bool disarmed = true;
  cofs::sync(loop, [&]() -> Task<void> {
    for (auto& t : ticks) cofs::backend::add_timer(loop, t);
    for (int i = 0; i < kTimers; i += 1 + static_cast<int>(rng() % 3)) {
      cofs::backend::cancel_timer(loop, ticks[i]);
      cancelled[i] = 1;
      disarmed = disarmed && !ticks[i].armed();
    }
    // Re-adding an armed timer with a new deadline moves it rather than duplicating it.
    ticks[1].deadline = base + 31ms;
    cofs::backend::add_timer(loop, ticks[1]);
    cancelled[1] = 0;
    co_await loop.sleep_until(base + 40ms);
  }());
  CHECK(disarmed);
  std::size_t expected = std::count(cancelled.begin(), cancelled.end(), 0);
  REQUIRE(fired.size() == expected);
  for (std::size_t i = 1; i < fired.size(); ++i) {
    INFO("timer #" << i);
    REQUIRE(fired[i - 1]->deadline <= fired[i]->deadline);
  }
  for (Tick* t : fired) CHECK_FALSE(cancelled[t->id]);
  CHECK(fired.back()->id == 1);
}

namespace {
/// Suspends until the loop's next turn: posted from the loop's own thread, the work waits for
/// the turn after this one (whose end arms the timerfd for the timers then in the heap).
struct NextTurn : cofs::LoopWork {
  IoLoop& loop;
  std::coroutine_handle<> h;
  explicit NextTurn(IoLoop& l) : loop(l) {
    run = [](cofs::LoopWork* w) { static_cast<NextTurn*>(w)->h.resume(); };
  }
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> c) {
    h = c;
    loop.post(static_cast<cofs::LoopWork*>(this));
  }
  void await_resume() const noexcept {}
};

struct Stamp : cofs::TimerNode {
  Clock::time_point at{};
  std::vector<Stamp*>* fired = nullptr;
};
}  // namespace

TEST_CASE("a timer set after a nearer one was cancelled fires on time, not early",
          "[loop][timer]") {
  // A turn arms the timerfd for `near`; `near` is cancelled and `far` added, which leaves the
  // timerfd armed for the earlier time. Its wake-up finds nothing due and must re-arm for `far`,
  // which fires no earlier than its deadline. Then a timer already due fires without a timerfd.
  IoLoop& loop = cofs::get_loop();
  Stamp near, far, due;
  std::vector<Stamp*> fired;
  for (Stamp* t : {&near, &far, &due}) {
    t->fired = &fired;
    t->on_fire = [](cofs::TimerNode* n) {
      auto* s = static_cast<Stamp*>(n);
      s->at = Clock::now();
      s->fired->push_back(s);
    };
  }
  const auto t0 = Clock::now();
  cofs::sync(loop, [&]() -> Task<void> {
    near.deadline = t0 + 5ms;
    cofs::backend::add_timer(loop, near);
    co_await NextTurn(loop);
    cofs::backend::cancel_timer(loop, near);
    far.deadline = t0 + 40ms;
    cofs::backend::add_timer(loop, far);
    co_await loop.sleep_until(t0 + 60ms);  // the only other timer, and a later one
    due.deadline = Clock::now() - 1ms;
    cofs::backend::add_timer(loop, due);
    co_await NextTurn(loop);
    co_await NextTurn(loop);
  }());
  REQUIRE(fired.size() == 2);
  CHECK(fired[0] == &far);
  CHECK(far.at >= far.deadline);
  CHECK(fired[1] == &due);
}

TEST_CASE("sleep_for in the past or zero completes at once", "[loop][timer]") {
  IoLoop& loop = cofs::get_loop();
  auto t0 = Clock::now();
  CHECK(cofs::sync(loop, sleep_then(loop, Clock::duration::zero(), 1)) == 1);
  CHECK(cofs::sync(loop, sleep_then(loop, -5s, 2)) == 2);
  cofs::sync(loop, loop.sleep_until(Clock::now() - 1h));
  CHECK(seconds_since(t0) < 1.0);
}

TEST_CASE("watch_fd fires when a pipe is written, level-triggered, with hang-ups", "[loop][fd]") {
  IoLoop& loop = cofs::get_loop();
  SECTION("readable after a write from another thread") {
    Pipe p;
    std::atomic<long> wrote{0};  // no Catch assertions off the test's thread
    std::thread writer([&] {
      std::this_thread::sleep_for(20ms);
      wrote = ::write(p.w, "ping", 4);
    });
    auto t0 = Clock::now();
    std::string got = cofs::sync(loop, read_when_ready(loop, p.r), 5s);
    writer.join();
    CHECK(wrote == 4);
    CHECK(got == "ping");
    CHECK(Clock::now() - t0 >= 15ms);  // it waited for the write
  }
  SECTION("does not fire before the write") {
    Pipe p;
    std::atomic<int> calls{0};
    cofs::FdWatch* w = nullptr;
    cofs::sync(loop, [&]() -> Task<void> {
      w = cofs::backend::watch_fd(loop, p.r, EPOLLIN, [&](std::uint32_t) {
        char c;
        while (::read(p.r, &c, 1) == 1) {
        }
        ++calls;
      });
      co_return;
    }());
    std::this_thread::sleep_for(30ms);
    CHECK(calls == 0);
    REQUIRE(::write(p.w, "x", 1) == 1);
    CHECK(eventually([&] { return calls.load() == 1; }));
    std::this_thread::sleep_for(10ms);
    CHECK(calls == 1);  // drained: level-triggered, but nothing is left
    loop.post([&] { cofs::backend::unwatch_fd(loop, w); });
    cofs::sync(loop, answer());
  }
  SECTION("level-triggered: fires again while data remains") {
    Pipe p;
    REQUIRE(::write(p.w, "abc", 3) == 3);
    std::atomic<int> calls{0};
    std::string seen;  // loop thread until `done`
    std::atomic<bool> done{false};
    cofs::FdWatch* w = nullptr;  // loop thread only
    loop.post([&] {
      w = cofs::backend::watch_fd(loop, p.r, EPOLLIN, [&](std::uint32_t) {
        char c;
        if (::read(p.r, &c, 1) == 1) seen += c;  // one byte per readiness event
        if (++calls == 3) {
          cofs::backend::unwatch_fd(loop, w);
          done = true;
        }
      });
    });
    REQUIRE(eventually([&] { return done.load(); }));
    CHECK(seen == "abc");
    std::this_thread::sleep_for(10ms);
    CHECK(calls == 3);  // nothing after unwatch_fd
  }
  SECTION("hang-up of the writer is reported") {
    Pipe p;
    p.close_write();
    std::uint32_t ev = cofs::sync(loop, [&]() -> Task<std::uint32_t> {
      co_return co_await Readable{loop, p.r};
    }());
    CHECK((ev & EPOLLHUP) != 0);
  }
  SECTION("update_fd switches the watched events") {
    Pipe p;
    std::atomic<int> calls{0};
    cofs::FdWatch* w = nullptr;
    cofs::sync(loop, [&]() -> Task<void> {
      w = cofs::backend::watch_fd(loop, p.w, 0, [&](std::uint32_t ev) {
        if (ev & EPOLLOUT) ++calls;
        cofs::backend::update_fd(loop, w, 0);
      });
      co_return;
    }());
    std::this_thread::sleep_for(20ms);
    CHECK(calls == 0);  // no events wanted: the writable pipe stays silent
    loop.post([&] { cofs::backend::update_fd(loop, w, EPOLLOUT); });
    CHECK(eventually([&] { return calls.load() == 1; }));
    loop.post([&] { cofs::backend::unwatch_fd(loop, w); });
    cofs::sync(loop, answer());
    CHECK(calls == 1);
  }
}

namespace {
bool g_closure_destroyed = false;
struct DtorFlag {
  bool* flag;
  std::string padding = std::string(200, 'p');  // forces std::function to allocate
  explicit DtorFlag(bool* f) : flag(f) {}
  DtorFlag(const DtorFlag&) = default;
  DtorFlag(DtorFlag&& o) noexcept : flag(std::exchange(o.flag, nullptr)), padding(o.padding) {}
  ~DtorFlag() {
    if (flag != nullptr) *flag = true;
  }
};
}  // namespace

TEST_CASE(
    "unwatch_fd from inside the watch's own callback keeps the callback alive until it returns",
    "[loop][fd]") {
  IoLoop& loop = cofs::get_loop();
  Pipe p;
  REQUIRE(::write(p.w, "x", 1) == 1);
  g_closure_destroyed = false;
  std::atomic<int> result{0};  // 1: callback state intact after unwatch, 2: destroyed under it
  loop.post([&] {
    auto holder = std::make_shared<cofs::FdWatch*>(nullptr);
    *holder = cofs::backend::watch_fd(
        loop, p.r, EPOLLIN, [&, holder, flag = DtorFlag(&g_closure_destroyed)](std::uint32_t) {
          cofs::backend::unwatch_fd(loop, *holder);
          // Still inside the callback: its captures must still exist.
          result = (!g_closure_destroyed && flag.padding.size() == 200) ? 1 : 2;
        });
  });
  REQUIRE(eventually([&] { return result.load() != 0; }));
  CHECK(result == 1);
  cofs::sync(loop, answer());  // a later turn frees it
  CHECK(eventually([] { return g_closure_destroyed; }));
}

TEST_CASE("get_loop() runs on a thread named cofsIO", "[loop]") {
  IoLoop& loop = cofs::get_loop();
  CHECK(&loop == &cofs::get_loop());
  auto name = cofs::sync(loop, []() -> Task<std::string> {
    char buf[32] = {};
    pthread_getname_np(pthread_self(), buf, sizeof buf);
    co_return std::string(buf);
  }());
  CHECK(name == "cofsIO");
  CHECK(cofs::sync(loop, []() -> Task<bool> {
    co_return IoLoop::current() == &cofs::get_loop() && cofs::get_loop().in_loop_thread();
  }()));
  CHECK(cofs::sync(loop, loop_thread_id()) != std::this_thread::get_id());
  CHECK_FALSE(loop.in_loop_thread());
  CHECK(IoLoop::current() == nullptr);
}

TEST_CASE("bring your own loop: run() on a user thread", "[loop][byo]") {
  IoLoop loop;
  std::thread runner([&] { loop.run(); });
  CHECK(cofs::sync(loop, loop_thread_id()) == runner.get_id());
  CHECK(cofs::sync(loop, []() -> Task<bool> { co_return IoLoop::current() != nullptr; }()));
  CHECK(cofs::sync(loop, sleep_then(loop, 5ms, 9)) == 9);
  CHECK(cofs::sync(loop, cofs::run_blocking(loop, [] { return 3; })) == 3);
  loop.stop();
  runner.join();  // run() returns after stop()
  CHECK(loop.stopped());
  CHECK_THROWS_AS(cofs::sync(loop, answer()), cofs::LoopStoppedError);
}

TEST_CASE("bring your own loop: stop() from a task on the loop ends run()", "[loop][byo]") {
  IoLoop loop;
  std::thread runner([&] { loop.run(); });
  cofs::sync(loop, [&]() -> Task<void> {
    loop.stop();
    co_return;
  }());
  runner.join();
  CHECK(loop.stopped());
}

TEST_CASE("bring your own loop: fd() + run_once() from a user thread's poll()", "[loop][byo]") {
  IoLoop loop;
  std::atomic<long> run_once_calls{0}, polls{0}, poll_timeouts{0};
  std::atomic<bool> driver_done{false};
  std::thread driver([&] {
    const int fd = loop.fd();
    for (;;) {
      while (loop.run_once()) ++run_once_calls;
      ++run_once_calls;
      if (loop.stopped()) break;
      pollfd pfd{fd, POLLIN, 0};
      int r = ::poll(&pfd, 1, 1000);  // long: a missed wake-up shows as a sync timeout below
      ++polls;
      if (r == 0) ++poll_timeouts;
    }
    driver_done = true;
  });

  // Posts from another thread wake the driver's poll().
  auto t0 = Clock::now();
  for (int i = 0; i < 200; ++i) REQUIRE(cofs::sync(loop, answer(), 900ms) == 42);
  CHECK(seconds_since(t0) < 3.0);
  CHECK(cofs::sync(loop, loop_thread_id(), 900ms) == driver.get_id());

  // Timers wake it.
  t0 = Clock::now();
  CHECK(cofs::sync(loop, sleep_then(loop, 30ms, 7), 900ms) == 7);
  CHECK(Clock::now() - t0 >= 30ms);

  // Descriptor readiness wakes it.
  {
    Pipe p;
    std::atomic<long> wrote{0};
    std::thread writer([&] {
      std::this_thread::sleep_for(20ms);
      wrote = ::write(p.w, "fd!", 3);
    });
    CHECK(cofs::sync(loop, read_when_ready(loop, p.r), 900ms) == "fd!");
    writer.join();
    CHECK(wrote == 3);
  }

  // Many timers and posts interleaved.
  {
    std::vector<Task<int>> tasks;
    for (int i = 0; i < 50; ++i)
      tasks.push_back(sleep_then(loop, std::chrono::milliseconds(i % 7), i));
    auto r = cofs::sync(loop, cofs::gather(std::move(tasks)), 900ms);
    for (int i = 0; i < 50; ++i) CHECK(*r[i] == i);
  }

  // Idle: the driver sleeps in poll() instead of spinning.
  long before = run_once_calls.load();
  std::this_thread::sleep_for(100ms);
  CHECK(run_once_calls.load() - before <= 3);
  CHECK(poll_timeouts == 0);

  loop.stop();
  REQUIRE(eventually([&] { return driver_done.load(); }, 3s));
  driver.join();
  CHECK(loop.stopped());
}

namespace {
Task<void> flag_then_sleep(IoLoop& loop, std::atomic<bool>& started, Clock::duration d) {
  started = true;
  co_await loop.sleep_for(d);
}

/// An awaitable the loop knows nothing about, that nobody ever resumes.
struct Never {
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<>) const noexcept {}
  void await_resume() const noexcept {}
};
Task<void> flag_then_never(std::atomic<bool>& started) {
  started = true;
  co_await Never{};
}
}  // namespace

TEST_CASE("stop() ends operations in flight with LoopStoppedError, quickly", "[loop][stop]") {
  OwnLoop loop;
  std::atomic<bool> started{false};
  std::atomic<int> outcome{0};  // 1 returned, 2 LoopStoppedError, 3 other
  std::string message;
  std::thread caller([&] {
    try {
      cofs::sync(*loop, flag_then_sleep(*loop, started, 1h));
      outcome = 1;
    } catch (const cofs::LoopStoppedError& e) {
      message = e.what();
      outcome = 2;
    } catch (...) {
      outcome = 3;
    }
  });
  REQUIRE(eventually([&] { return started.load(); }));
  auto t0 = Clock::now();
  loop->stop();
  REQUIRE(eventually([&] { return outcome.load() != 0; }, 5s));
  caller.join();
  CHECK(outcome == 2);
  CHECK(seconds_since(t0) < 2.0);
  CHECK_THAT(message, Catch::Matchers::Contains("stop"));

  loop->wait_stopped();
  CHECK(loop->stopped());
  // A stopped loop refuses work with a clear error instead of hanging.
  CHECK_THROWS_AS(cofs::sync(*loop, answer()), cofs::LoopStoppedError);
  CHECK_THROWS_AS(cofs::sync(*loop, loop->sleep_for(1ms)), cofs::LoopStoppedError);
  CHECK_THROWS_AS(loop->post([] {}), cofs::LoopStoppedError);
  CHECK_FALSE(loop->try_post([] {}));
  CHECK_THROWS_AS(cofs::spawn(*loop, []() -> Task<void> { co_return; }()), cofs::LoopStoppedError);
  try {
    cofs::sync(*loop, answer());
  } catch (const cofs::LoopStoppedError& e) {
    CHECK(e.code() == std::error_code(ESHUTDOWN, std::generic_category()));
    CHECK_THAT(e.what(), Catch::Matchers::Contains("stopped"));
  }
}

TEST_CASE("stop() with many kinds of operations in flight never hangs", "[loop][stop]") {
  OwnLoop loop;
  std::atomic<int> started{0};
  std::atomic<int> stopped_errors{0}, other{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&, t] {
      try {
        if (t == 0) {
          // A gather of long sleeps.
          std::vector<Task<int>> tasks;
          for (int i = 0; i < 100; ++i) tasks.push_back(sleep_then(*loop, 1h, i));
          ++started;
          cofs::sync(*loop, cofs::gather(std::move(tasks)));
        } else if (t == 1) {
          // A blocking call that is running on the pool when the loop stops.
          cofs::sync(*loop, [&]() -> Task<int> {
            co_return co_await cofs::run_blocking(*loop, [&] {
              ++started;
              std::this_thread::sleep_for(50ms);
              return 1;
            });
          }());
        } else if (t == 2) {
          cofs::sync(*loop, [&]() -> Task<void> {
            ++started;
            co_await loop->sleep_for(1h);
          }());
        } else {
          // A task suspended on something the loop does not know about: its caller is released
          // when the loop closes, its frames stay suspended (leaked on purpose).
          [[maybe_unused]] LeakOk leak_ok;
          static std::atomic<bool> s{false};
          auto task = flag_then_never(s);
          ++started;
          cofs::sync(*loop, std::move(task));
        }
        ++other;
      } catch (const cofs::LoopStoppedError&) {
        ++stopped_errors;
      } catch (...) {
        ++other;
      }
    });
  }
  REQUIRE(eventually([&] { return started.load() == 4; }));
  std::this_thread::sleep_for(10ms);  // let the posted tasks reach their suspension points
  auto t0 = Clock::now();
  loop->stop();
  REQUIRE(eventually([&] { return stopped_errors + other == 4; }, 5s));
  for (auto& c : callers) c.join();
  CHECK(seconds_since(t0) < 2.0);
  CHECK(stopped_errors == 4);
  CHECK(other == 0);
}

TEST_CASE("destroying a running loop with operations in flight does not hang", "[loop][stop]") {
  auto loop = std::make_unique<IoLoop>();
  loop->start_thread();
  std::atomic<bool> started{false};
  std::atomic<int> outcome{0};
  std::thread caller([&, l = loop.get()] {
    try {
      cofs::sync(*l, flag_then_sleep(*l, started, 1h));
      outcome = 1;
    } catch (const cofs::LoopStoppedError&) {
      outcome = 2;
    } catch (...) {
      outcome = 3;
    }
  });
  REQUIRE(eventually([&] { return started.load(); }));
  auto t0 = Clock::now();
  loop.reset();
  REQUIRE(eventually([&] { return outcome.load() != 0; }, 5s));
  caller.join();
  CHECK(outcome == 2);
  CHECK(seconds_since(t0) < 2.0);
}
