// gather / gather_each: order, failures, the sliding window (measured), batch sizes, per-task
// timeouts, progress, lazy inputs with bounded memory.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <iterator>
#include <random>
#include <ranges>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cofs/runtime/gather.hpp"
#include "cofs/runtime/sync.hpp"
#include "helpers.hpp"

using cofs::Clock;
using cofs::GatherOptions;
using cofs::IoLoop;
using cofs::Task;
using namespace rt_test;

namespace {

using Us = std::chrono::microseconds;

Task<int> sleep_and_return(IoLoop& loop, int i, Clock::duration d) {
  co_await loop.sleep_for(d);
  co_return i;
}

/// Counts tasks in flight (loop thread only).
struct Window {
  int inflight = 0;
  int max = 0;
  int started = 0;
  int finished = 0;
  std::vector<int> finish_order;
};
Task<int> windowed(IoLoop& loop, Window& w, int i, Clock::duration d) {
  ++w.started;
  w.max = std::max(w.max, ++w.inflight);
  co_await loop.sleep_for(d);
  --w.inflight;
  ++w.finished;
  w.finish_order.push_back(i);
  co_return i;
}

Task<int> cancellable(IoLoop& loop, std::atomic<int>& cancelled, int i, Clock::duration d) {
  try {
    co_await loop.sleep_for(d);
  } catch (const cofs::OperationCancelled&) {
    ++cancelled;
    throw;
  }
  co_return i;
}

Task<int> fail_after(IoLoop& loop, int i, Clock::duration d) {
  if (d > Clock::duration::zero()) co_await loop.sleep_for(d);
  throw std::runtime_error("task " + std::to_string(i) + " failed");
  co_return i;
}

}  // namespace

TEST_CASE("gather returns results in input order", "[gather]") {
  IoLoop& loop = cofs::get_loop();
  std::mt19937 rng(7);
  std::vector<Task<int>> tasks;
  for (int i = 0; i < 300; ++i) tasks.push_back(sleep_and_return(loop, i, Us(rng() % 3000)));
  auto results = cofs::sync(loop, cofs::gather(std::move(tasks), {.batch_size = 50}));
  REQUIRE(results.size() == 300);
  for (int i = 0; i < 300; ++i) {
    REQUIRE(results[i].ok());
    CHECK(*results[i] == i);
  }
  // Tasks that never suspend, and an empty input.
  std::vector<Task<int>> sync_tasks;
  for (int i = 0; i < 10; ++i)
    sync_tasks.push_back(sleep_and_return(loop, i, Clock::duration::zero()));
  auto r2 = cofs::sync(loop, cofs::gather(std::move(sync_tasks)));
  for (int i = 0; i < 10; ++i) CHECK(*r2[i] == i);
  auto empty = cofs::sync(loop, cofs::gather(std::vector<Task<int>>{}));
  CHECK(empty.empty());
}

TEST_CASE("gather with return_exceptions: failed tasks hold their exception", "[gather]") {
  IoLoop& loop = cofs::get_loop();
  std::vector<Task<int>> tasks;
  for (int i = 0; i < 30; ++i) {
    tasks.push_back(i % 3 == 0 ? fail_after(loop, i, Us(i * 50))
                               : sleep_and_return(loop, i, Us(i * 30)));
  }
  auto results = cofs::sync(
      loop, cofs::gather(std::move(tasks), {.batch_size = 4, .return_exceptions = true}));
  REQUIRE(results.size() == 30);
  for (int i = 0; i < 30; ++i) {
    INFO("task " << i);
    if (i % 3 == 0) {
      REQUIRE_FALSE(results[i].ok());
      CHECK_THROWS_WITH(results[i].value(), "task " + std::to_string(i) + " failed");
    } else {
      REQUIRE(results[i].ok());
      CHECK(*results[i] == i);
    }
  }
  // The void form keeps only the failures.
  std::vector<Task<void>> vtasks;
  for (int i = 0; i < 10; ++i) {
    vtasks.push_back([](IoLoop& l, int k) -> Task<void> {
      co_await l.sleep_for(Us(k * 20));
      if (k == 4 || k == 7) throw std::runtime_error("void " + std::to_string(k));
    }(loop, i));
  }
  auto v = cofs::sync(loop, cofs::gather(std::move(vtasks), {.return_exceptions = true}));
  CHECK(v.size() == 10);
  CHECK_FALSE(v.all_ok());
  REQUIRE(v.errors().size() == 2);
  CHECK(v.errors()[0].first == 4);
  CHECK(v.errors()[1].first == 7);
  CHECK_THROWS_WITH(v[7].value(), "void 7");
  CHECK(v[5].ok());
}

TEST_CASE("gather without return_exceptions rethrows the first failure and cancels the rest",
          "[gather]") {
  IoLoop& loop = cofs::get_loop();
  SECTION("unlimited window: the others are cancelled") {
    std::atomic<int> cancelled{0};
    std::vector<Task<int>> tasks;
    for (int i = 0; i < 20; ++i)
      tasks.push_back(i == 5 ? fail_after(loop, i, 5ms) : cancellable(loop, cancelled, i, 10s));
    auto t0 = Clock::now();
    CHECK_THROWS_WITH(cofs::sync(loop, cofs::gather(std::move(tasks), {.batch_size = -1})),
                      "task 5 failed");
    CHECK(seconds_since(t0) < 2.0);
    CHECK(cancelled == 19);  // all observed their cancellation before gather returned
  }
  SECTION("a small window: no task starts after the failure") {
    Window w;
    std::vector<Task<int>> tasks;
    for (int i = 0; i < 50; ++i)
      tasks.push_back(i == 1 ? fail_after(loop, i, 2ms) : windowed(loop, w, i, 20ms));
    CHECK_THROWS_WITH(cofs::sync(loop, cofs::gather(std::move(tasks), {.batch_size = 3})),
                      "task 1 failed");
    CHECK(w.started == 2);  // tasks 0 and 2 were in flight with task 1; nothing else started
  }
  SECTION("a failure before the first suspension stops the input at once") {
    Window w;
    std::vector<Task<int>> tasks;
    tasks.push_back(fail_after(loop, 0, Clock::duration::zero()));
    for (int i = 1; i < 10; ++i) tasks.push_back(windowed(loop, w, i, 1ms));
    CHECK_THROWS_WITH(cofs::sync(loop, cofs::gather(std::move(tasks), {.batch_size = -1})),
                      "task 0 failed");
    CHECK(w.started == 0);
  }
}

TEST_CASE("gather's window never exceeds batch_size and fills up to it", "[gather]") {
  IoLoop& loop = cofs::get_loop();
  std::mt19937 rng(42);
  for (long batch : {1L, 7L, 64L}) {
    Window w;
    std::vector<Task<int>> tasks;
    for (int i = 0; i < 300; ++i) tasks.push_back(windowed(loop, w, i, Us(rng() % 1500)));
    auto r = cofs::sync(loop, cofs::gather(std::move(tasks), {.batch_size = batch}));
    INFO("batch " << batch);
    CHECK(w.max == batch);
    CHECK(w.finished == 300);
    CHECK(r.size() == 300);
  }
  SECTION("-1 means no limit") {
    Window w;
    std::vector<Task<int>> tasks;
    for (int i = 0; i < 500; ++i) tasks.push_back(windowed(loop, w, i, Us(500 + rng() % 1000)));
    cofs::sync(loop, cofs::gather(std::move(tasks), {.batch_size = -1}));
    CHECK(w.max == 500);
  }
  SECTION("a batch larger than the input") {
    Window w;
    std::vector<Task<int>> tasks;
    for (int i = 0; i < 20; ++i) tasks.push_back(windowed(loop, w, i, 1ms));
    cofs::sync(loop, cofs::gather(std::move(tasks), {.batch_size = 1000}));
    CHECK(w.max == 20);
  }
}

TEST_CASE("gather's window slides: a slot is refilled as soon as a task ends", "[gather]") {
  IoLoop& loop = cofs::get_loop();
  Window w;
  std::vector<Task<int>> tasks;
  tasks.push_back(windowed(loop, w, 0, 300ms));
  for (int i = 1; i <= 6; ++i) tasks.push_back(windowed(loop, w, i, 2ms));
  cofs::sync(loop, cofs::gather(std::move(tasks), {.batch_size = 2}));
  // Fixed chunks would wait for task 0 before starting task 2.
  REQUIRE(w.finish_order.size() == 7);
  CHECK(w.finish_order.back() == 0);
  CHECK(w.max == 2);
}

TEST_CASE("gather refuses batch sizes 0 and below -1", "[gather]") {
  IoLoop& loop = cofs::get_loop();
  for (long bad : {0L, -2L, -100L}) {
    Window w;
    std::vector<Task<int>> tasks;
    tasks.push_back(windowed(loop, w, 0, 1ms));
    INFO("batch " << bad);
    CHECK_THROWS_AS(cofs::sync(loop, cofs::gather(std::move(tasks), {.batch_size = bad})),
                    cofs::InvalidArgumentError);
    CHECK(w.started == 0);
  }
}

TEST_CASE("gather's per-task timeout turns slow tasks into TimeoutError outcomes", "[gather]") {
  IoLoop& loop = cofs::get_loop();
  std::atomic<int> cancelled{0};
  std::vector<Task<int>> tasks;
  for (int i = 0; i < 10; ++i) {
    tasks.push_back(i % 2 == 0 ? cancellable(loop, cancelled, i, 10s)
                               : sleep_and_return(loop, i, 1ms));
  }
  auto t0 = Clock::now();
  auto r = cofs::sync(loop,
                      cofs::gather(std::move(tasks),
                                   {.batch_size = -1, .return_exceptions = true, .timeout = 50ms}));
  CHECK(seconds_since(t0) < 2.0);
  CHECK(cancelled == 5);  // the slow ones were really cancelled
  for (int i = 0; i < 10; ++i) {
    INFO("task " << i);
    if (i % 2 == 0) {
      REQUIRE_FALSE(r[i].ok());
      CHECK_THROWS_AS(r[i].value(), cofs::TimeoutError);
      CHECK(cofs::error_is(r[i].error(), std::errc::timed_out));
    } else {
      CHECK(*r[i] == i);
    }
  }
  SECTION("the timeout counts from each task's own start") {
    // Batch 1: five tasks of 30 ms in a row each fit a 200 ms timeout though the whole takes 150.
    std::vector<Task<int>> seq;
    for (int i = 0; i < 5; ++i) seq.push_back(sleep_and_return(loop, i, 30ms));
    auto s = cofs::sync(loop, cofs::gather(std::move(seq), {.batch_size = 1, .timeout = 200ms}));
    for (int i = 0; i < 5; ++i) CHECK(*s[i] == i);
  }
  SECTION("thousands of tasks in flight, each under its own timeout, each cancelled alone") {
    // Every task's timeout is a stop token of its own, so the loop keeps a stop group per task.
    // Twice: the second gather's tokens live where the first's did (frames are reused).
    for (int round = 0; round < 2; ++round) {
      constexpr int kTasks = 3000;
      std::atomic<int> slow_cancelled{0};
      std::vector<Task<int>> many;
      for (int i = 0; i < kTasks; ++i) {
        many.push_back(i % 3 == 0 ? cancellable(loop, slow_cancelled, i, 10s)
                                  : sleep_and_return(loop, i, 1ms));
      }
      auto m = cofs::sync(
          loop, cofs::gather(std::move(many),
                             {.batch_size = 1500, .return_exceptions = true, .timeout = 200ms}));
      int wrong = 0;
      for (int i = 0; i < kTasks; ++i) {
        if (i % 3 == 0 ? m[i].ok() || !cofs::error_is(m[i].error(), std::errc::timed_out)
                       : !m[i].ok() || *m[i] != i) {
          ++wrong;
        }
      }
      CHECK(wrong == 0);
      CHECK(slow_cancelled == kTasks / 3);
    }
  }
  SECTION("without return_exceptions the timeout is rethrown") {
    std::vector<Task<int>> more;
    more.push_back(sleep_and_return(loop, 0, 10s));
    more.push_back(sleep_and_return(loop, 1, 1ms));
    CHECK_THROWS_AS(cofs::sync(loop, cofs::gather(std::move(more), {.timeout = 20ms})),
                    cofs::TimeoutError);
  }
}

TEST_CASE("gather's progress callback runs once per completion with increasing counts",
          "[gather]") {
  IoLoop& loop = cofs::get_loop();
  std::vector<std::pair<std::size_t, std::optional<std::size_t>>> calls;  // loop thread
  std::mt19937 rng(3);
  std::vector<Task<int>> tasks;
  for (int i = 0; i < 100; ++i) {
    tasks.push_back(i % 10 == 9 ? fail_after(loop, i, Us(rng() % 500))
                                : sleep_and_return(loop, i, Us(rng() % 500)));
  }
  GatherOptions opts{.batch_size = 8, .return_exceptions = true};
  opts.on_progress = [&](std::size_t done, std::optional<std::size_t> total) {
    calls.emplace_back(done, total);
  };
  cofs::sync(loop, cofs::gather(std::move(tasks), std::move(opts)));
  REQUIRE(calls.size() == 100);
  for (std::size_t i = 0; i < calls.size(); ++i) {
    CHECK(calls[i].first == i + 1);
    CHECK(calls[i].second == std::optional<std::size_t>(100));
  }
}

namespace {
Task<void> counted_yield(IoLoop& loop, Counted c, Window& w) {
  (void)c;
  w.max = std::max(w.max, ++w.inflight);
  co_await Yield{loop};
  --w.inflight;
}
Task<int> counted_value(IoLoop& loop, Counted c, int i) {
  (void)c;
  co_await Yield{loop};
  co_return i;
}
}  // namespace

TEST_CASE("gather over a lazy range of 1,000,000 tasks keeps memory bounded", "[gather][lazy]") {
  IoLoop& loop = cofs::get_loop();
  constexpr long kBatch = 1280;
  Counted::reset();
  Window w;
  auto range = std::views::iota(0, 1'000'000) |
               std::views::transform([&](int) { return counted_yield(loop, Counted{}, w); });
  auto out = cofs::sync(loop, cofs::gather(range, {.batch_size = kBatch}));
  CHECK(out.size() == 1'000'000);
  CHECK(out.all_ok());
  CHECK(Counted::constructed >= 1'000'000);
  CHECK(Counted::live == 0);
  INFO("peak live task frames " << Counted::peak);
  CHECK(Counted::peak <= kBatch + 3);  // never more frames than the window (+ the one being made)
  CHECK(w.max == kBatch);

  SECTION("with results") {
    Counted::reset();
    auto vals = std::views::iota(0, 200'000) |
                std::views::transform([&](int i) { return counted_value(loop, Counted{}, i); });
    auto r = cofs::sync(loop, cofs::gather(vals, {.batch_size = 100}));
    REQUIRE(r.size() == 200'000);
    bool in_order = true;
    for (int i = 0; i < 200'000; ++i) in_order = in_order && r[i].ok() && *r[i] == i;
    CHECK(in_order);
    CHECK(Counted::peak <= 100 + 3);
    CHECK(Counted::live == 0);
  }
}

namespace {
/// A single-pass generator of tasks: an input iterator and a sentinel, no size.
class TaskGenerator {
 public:
  TaskGenerator(IoLoop& loop, int n) : loop_(&loop), n_(n) {}
  struct Stats {
    int made = 0;
    int done = 0;
    int max_ahead = 0;  // most tasks made but not yet finished
  };
  Stats* stats = nullptr;

  class iterator {
   public:
    using iterator_concept = std::input_iterator_tag;
    using value_type = Task<int>;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    explicit iterator(TaskGenerator* g) : g_(g) {}
    iterator(iterator&&) = default;
    iterator& operator=(iterator&&) = default;
    Task<int> operator*() const {
      Stats& s = *g_->stats;
      ++s.made;
      s.max_ahead = std::max(s.max_ahead, s.made - s.done);
      return g_->make(i_);
    }
    iterator& operator++() {
      ++i_;
      return *this;
    }
    void operator++(int) { ++i_; }
    bool operator==(std::default_sentinel_t) const { return i_ >= g_->n_; }

   private:
    TaskGenerator* g_ = nullptr;
    int i_ = 0;
  };
  iterator begin() { return iterator(this); }
  std::default_sentinel_t end() const { return {}; }

 private:
  Task<int> make(int i) {
    co_await loop_->sleep_for(Us(i % 4 * 100));
    ++stats->done;
    co_return i * 2;
  }
  IoLoop* loop_;
  int n_;
};
static_assert(std::ranges::input_range<TaskGenerator>);
static_assert(!std::ranges::forward_range<TaskGenerator>);
static_assert(!std::ranges::sized_range<TaskGenerator>);
}  // namespace

TEST_CASE("gather accepts a generator-like input range", "[gather][lazy]") {
  IoLoop& loop = cofs::get_loop();
  TaskGenerator::Stats stats;
  TaskGenerator gen(loop, 500);
  gen.stats = &stats;
  std::vector<std::optional<std::size_t>> totals;
  GatherOptions opts{.batch_size = 16};
  opts.on_progress = [&](std::size_t, std::optional<std::size_t> total) {
    totals.push_back(total);
  };
  auto r = cofs::sync(loop, cofs::gather(gen, std::move(opts)));
  REQUIRE(r.size() == 500);
  for (int i = 0; i < 500; ++i) CHECK(*r[i] == 2 * i);
  CHECK(stats.made == 500);
  CHECK(stats.max_ahead <= 16);  // pulled lazily, one per free slot
  REQUIRE(totals.size() == 500);
  CHECK_FALSE(totals.front().has_value());  // no size known
}

TEST_CASE("gather_each hands each outcome to the sink as it ends", "[gather]") {
  IoLoop& loop = cofs::get_loop();
  std::vector<Task<int>> tasks;
  for (int i = 0; i < 20; ++i)
    tasks.push_back(i == 3 ? fail_after(loop, i, 1ms)
                           : sleep_and_return(loop, i, Us((20 - i) * 200)));
  std::vector<int> seen(20, 0);
  int failures = 0;
  cofs::sync(loop,
             cofs::gather_each(std::move(tasks), {.batch_size = -1, .return_exceptions = true},
                               [&](std::size_t i, cofs::Outcome<int>&& o) {
                                 ++seen[i];
                                 if (!o.ok()) ++failures;
                               }));
  CHECK(std::all_of(seen.begin(), seen.end(), [](int n) { return n == 1; }));
  CHECK(failures == 1);
}

TEST_CASE("gather of non-Task awaitables", "[gather]") {
  IoLoop& loop = cofs::get_loop();
  std::vector<decltype(loop.sleep_for(1ms))> sleeps;
  for (int i = 0; i < 5; ++i) sleeps.push_back(loop.sleep_for(Us(i * 100)));
  auto r = cofs::sync(loop, cofs::gather(std::move(sleeps)));
  CHECK(r.size() == 5);
  CHECK(r.all_ok());
}

TEST_CASE("cancelling a gather (sync timeout) cancels every task in flight", "[gather]") {
  IoLoop& loop = cofs::get_loop();
  std::atomic<int> cancelled{0};
  std::vector<Task<int>> tasks;
  for (int i = 0; i < 30; ++i) tasks.push_back(cancellable(loop, cancelled, i, 10s));
  CHECK_THROWS_AS(cofs::sync(loop, cofs::gather(std::move(tasks), {.batch_size = 10}), 30ms),
                  cofs::TimeoutError);
  CHECK(eventually([&] { return cancelled.load() == 10; }, 1000ms));
  std::this_thread::sleep_for(20ms);
  CHECK(cancelled == 10);  // nothing new started after the cancellation
}

namespace {

/// Sleeps under `token` (cancellable), then records whether a stop ended the sleep.
Task<void> sleep_under(IoLoop& loop, std::stop_token token, std::vector<char>& ended_by_stop,
                       int i) {
  co_await cofs::detail::SetStopToken{std::move(token)};
  try {
    co_await loop.sleep_for(10s);
  } catch (const cofs::OperationCancelled&) {
    ended_by_stop[static_cast<std::size_t>(i)] = 1;
  }
}

}  // namespace

TEST_CASE("a stop request cancels the operations under its token and no other", "[gather]") {
  // Operations in flight under one token share one stop callback (the loop's group for that
  // token); tokens interleaved here must still each reach exactly their own operations.
  IoLoop& loop = cofs::get_loop();
  constexpr int kEach = 20;
  std::vector<char> ended(2 * kEach, 0);
  std::stop_source a, b;
  auto all_ended = [&](int parity) {
    for (int i = parity; i < 2 * kEach; i += 2) {
      if (!ended[static_cast<std::size_t>(i)]) return false;
    }
    return true;
  };
  auto none_ended = [&](int parity) {
    for (int i = parity; i < 2 * kEach; i += 2) {
      if (ended[static_cast<std::size_t>(i)]) return false;
    }
    return true;
  };
  auto sleepers = [&]() -> Task<bool> {
    std::vector<Task<void>> tasks;
    for (int i = 0; i < 2 * kEach; ++i) {
      tasks.push_back(sleep_under(loop, (i % 2 ? b : a).get_token(), ended, i));
    }
    auto r = co_await cofs::gather(std::move(tasks), {.return_exceptions = true});
    co_return r.all_ok();
  };
  // Every step's outcome, in order: a's stop ended a's sleeps only; a token stopped before its
  // operation starts ends it at once; b's stop ends the rest.
  std::vector<bool> steps;
  auto stopper = [&]() -> Task<bool> {
    co_await loop.sleep_for(20ms);
    a.request_stop();
    for (int i = 0; i < 2000 && !all_ended(0); ++i) co_await loop.sleep_for(1ms);
    steps.push_back(all_ended(0));
    steps.push_back(none_ended(1));
    std::stop_source c;
    std::vector<char> c_ended(1, 0);
    Task<void> lone = sleep_under(loop, c.get_token(), c_ended, 0);
    c.request_stop();
    co_await std::move(lone);
    steps.push_back(c_ended[0] == 1);
    steps.push_back(none_ended(1));
    b.request_stop();
    co_return true;
  };
  std::vector<Task<bool>> both;
  both.push_back(sleepers());
  both.push_back(stopper());
  auto outcomes = cofs::sync(loop, cofs::gather(std::move(both)), 20s);
  REQUIRE(outcomes.size() == 2);
  CHECK(outcomes[0].value());
  CHECK(outcomes[1].value());
  CHECK(steps == std::vector<bool>{true, true, true, true});
  CHECK(all_ended(1));
}

namespace {
struct ProgressBroke : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// 20 tasks: #7 ends after a millisecond, the others sleep an hour unless cancelled.
std::vector<Task<int>> mostly_long(IoLoop& loop, std::atomic<int>& cancelled) {
  std::vector<Task<int>> tasks;
  for (int i = 0; i < 20; ++i) {
    tasks.push_back([](IoLoop& l, int i, std::atomic<int>& cancelled) -> Task<int> {
      if (i == 7) {
        co_await l.sleep_for(1ms);
        co_return i;
      }
      try {
        co_await l.sleep_for(std::chrono::hours(1));
      } catch (const cofs::OperationCancelled&) {
        ++cancelled;
        throw;
      }
      co_return i;
    }(loop, i, cancelled));
  }
  return tasks;
}
}  // namespace

TEST_CASE("a throwing on_progress fails the gather and cancels the rest", "[gather][callback]") {
  IoLoop& loop = cofs::get_loop();
  for (bool return_exceptions : {false, true}) {
    INFO("return_exceptions " << return_exceptions);
    std::atomic<int> cancelled{0};
    int calls = 0;
    GatherOptions o{.batch_size = 8, .return_exceptions = return_exceptions};
    o.on_progress = [&calls](std::size_t done, std::optional<std::size_t>) {
      ++calls;
      if (done == 1) throw ProgressBroke("progress display broke");  // after task #7
    };
    auto run = cofs::gather(mostly_long(loop, cancelled), std::move(o));
    CHECK_THROWS_AS(cofs::sync(loop, std::move(run), std::chrono::seconds(20)), ProgressBroke);
    // The first throw ended the call: the tasks in flight were cancelled, no more started.
    CHECK(cancelled.load() == 7);
    CHECK(calls == 1);
  }
}

TEST_CASE("a throwing gather_each sink fails the gather like a failed task", "[gather][callback]") {
  IoLoop& loop = cofs::get_loop();
  std::atomic<int> cancelled{0};
  int delivered = 0;
  auto sink = [&delivered](std::size_t, cofs::Outcome<int>&&) {
    if (++delivered == 1) throw ProgressBroke("sink broke");
  };
  auto run = cofs::gather_each(mostly_long(loop, cancelled),
                               GatherOptions{.batch_size = 8, .return_exceptions = true}, sink);
  CHECK_THROWS_AS(cofs::sync(loop, std::move(run), std::chrono::seconds(20)), ProgressBroke);
  CHECK(cancelled.load() == 7);
  CHECK(delivered == 1);
  // The loop is unharmed.
  CHECK(cofs::sync(loop, sleep_and_return(loop, 5, 1ms)) == 5);
}
