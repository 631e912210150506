// Task<T>: laziness, ownership, exceptions, symmetric transfer, foreign awaiters.
#include <catch2/catch.hpp>

#include <future>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>

#include "cofs/runtime/sync.hpp"
#include "cofs/runtime/task.hpp"
#include "helpers.hpp"

using cofs::Task;
using namespace rt_test;

namespace {

Task<int> answer() {
  co_return 42;
}
Task<void> nothing() {
  co_return;
}
Task<int> mark_and_return(bool& ran, int v) {
  ran = true;
  co_return v;
}
Task<int> hold(Counted c, int v) {
  (void)c;
  co_return v;
}
Task<int> throw_runtime(std::string msg) {
  throw std::runtime_error(msg);
  co_return 0;
}
Task<void> throw_void(std::string msg) {
  throw std::logic_error(msg);
  co_return;
}
struct NotAStdException {
  int code;
};
Task<int> throw_foreign_type() {
  throw NotAStdException{17};
  co_return 0;
}
// Throws after a real suspension, so the exception travels through a resumption on the loop.
Task<int> throw_after_yield(cofs::IoLoop& loop) {
  co_await Yield{loop};
  throw std::out_of_range("late failure");
  co_return 0;
}
Task<int> catch_inner() {
  try {
    co_return co_await throw_runtime("inner");
  } catch (const std::runtime_error& e) {
    co_return std::string(e.what()) == "inner" ? 5 : -1;
  }
}

// 1,000,000 synchronous co_awaits in one loop: without symmetric transfer each completion would
// nest a resume() on the stack and overflow it.
Task<long> sum_chain(int n) {
  long s = 0;
  for (int i = 0; i < n; ++i) s += co_await answer();
  co_return s;
}
Task<int> void_chain(int n) {
  for (int i = 0; i < n; ++i) co_await nothing();
  co_return n;
}
// A recursion 200,000 deep: entering and leaving each level must not use the stack either (where
// the compiler makes symmetric transfer a tail call; other builds nest a frame per level, see
// COFS_TASK_SYMMETRIC_TRANSFER, and only recursion of moderate depth is checked there).
Task<int> depth(int n) {
  if (n == 0) co_return 0;
  co_return 1 + co_await depth(n - 1);
}

Task<std::string> move_only_result() {
  co_return std::string(1000, 'x');
}
Task<std::unique_ptr<int>> unique_result(int v) {
  co_return std::make_unique<int>(v);
}

// ---- a coroutine type of "another library": no stop token, eager, self-destroying --------------
struct Foreign {
  struct promise_type {
    Foreign get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() const noexcept { return {}; }
    std::suspend_never final_suspend() const noexcept { return {}; }
    void return_void() const noexcept {}
    void unhandled_exception() const noexcept { std::terminate(); }
  };
};
static_assert(!cofs::StopAwarePromise<Foreign::promise_type>);

Task<int> slow_value(cofs::IoLoop& loop, int v) {
  co_await loop.sleep_for(1ms);
  co_await Yield{loop};
  co_return v;
}
Task<bool> stop_possible_here() {
  std::stop_token t = co_await cofs::this_stop_token;
  co_return t.stop_possible();
}

struct ForeignResult {
  int value = 0;
  long chain = 0;
  bool stop_possible = true;
  std::string error;
  bool resumed_on_loop = false;
  bool started_off_loop = false;
};

Foreign foreign_caller(cofs::IoLoop& loop, std::promise<ForeignResult>& out) {
  ForeignResult r;
  r.started_off_loop = !loop.in_loop_thread();
  co_await loop.resume_here();  // a foreign coroutine moves itself onto the loop first
  r.value = co_await slow_value(loop, 5);
  r.resumed_on_loop = loop.in_loop_thread();
  r.chain = co_await sum_chain(1000);
  r.stop_possible = co_await stop_possible_here();
  try {
    co_await throw_runtime("from cofs");
  } catch (const std::runtime_error& e) {
    r.error = e.what();
  }
  out.set_value(std::move(r));
}

}  // namespace

TEST_CASE("Task is move-only and nothrow-movable", "[task]") {
  STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<Task<int>>);
  STATIC_REQUIRE_FALSE(std::is_copy_assignable_v<Task<int>>);
  STATIC_REQUIRE(std::is_nothrow_move_constructible_v<Task<int>>);
  STATIC_REQUIRE(std::is_nothrow_move_assignable_v<Task<void>>);

  Counted::reset();
  Task<int> a = hold(Counted{}, 1);
  CHECK(Counted::live == 1);  // the argument lives in the frame
  Task<int> b = std::move(a);
  CHECK_FALSE(a.valid());  // NOLINT: moved-from state is specified
  CHECK(b.valid());
  CHECK(Counted::live == 1);
  b = hold(Counted{}, 2);  // assignment destroys the old frame
  CHECK(Counted::live == 1);
  CHECK(cofs::sync(cofs::get_loop(), std::move(b)) == 2);
  CHECK(Counted::live == 0);
}

TEST_CASE("Task is lazy: nothing runs before it is awaited", "[task]") {
  bool ran = false;
  Counted::reset();
  {
    Task<int> t = mark_and_return(ran, 7);
    Task<int> c = hold(Counted{}, 3);
    CHECK_FALSE(ran);
    CHECK(t.valid());
    CHECK_FALSE(t.done());
  }
  CHECK_FALSE(ran);           // destroyed without being started: the body never ran...
  CHECK(Counted::live == 0);  // ...and its frame (with its arguments) was freed
  Task<int> t = mark_and_return(ran, 7);
  std::this_thread::sleep_for(2ms);
  CHECK_FALSE(ran);
  CHECK(cofs::sync(cofs::get_loop(), std::move(t)) == 7);
  CHECK(ran);
}

TEST_CASE("Task returns values and nothing", "[task]") {
  auto& loop = cofs::get_loop();
  CHECK(cofs::sync(loop, answer()) == 42);
  cofs::sync(loop, nothing());
  CHECK(cofs::sync(loop, move_only_result()) == std::string(1000, 'x'));
  CHECK(*cofs::sync(loop, unique_result(9)) == 9);
  CHECK(cofs::sync(loop, slow_value(loop, 11)) == 11);
}

TEST_CASE("Task exceptions propagate to the awaiter and through sync", "[task]") {
  auto& loop = cofs::get_loop();
  CHECK_THROWS_MATCHES(cofs::sync(loop, throw_runtime("boom")), std::runtime_error,
                       Catch::Matchers::Message("boom"));
  CHECK_THROWS_MATCHES(cofs::sync(loop, throw_void("void boom")), std::logic_error,
                       Catch::Matchers::Message("void boom"));
  CHECK_THROWS_MATCHES(cofs::sync(loop, throw_after_yield(loop)), std::out_of_range,
                       Catch::Matchers::Message("late failure"));
  CHECK(cofs::sync(loop, catch_inner()) == 5);
  try {
    cofs::sync(loop, throw_foreign_type());
    FAIL("no exception");
  } catch (const NotAStdException& e) {
    CHECK(e.code == 17);
  }
}

TEST_CASE("Task uses symmetric transfer: long synchronous chains do not grow the stack", "[task]") {
  auto& loop = cofs::get_loop();
  CHECK(cofs::sync(loop, sum_chain(1'000'000)) == 42'000'000L);
  CHECK(cofs::sync(loop, void_chain(1'000'000)) == 1'000'000);
  constexpr int kDepth = cofs::detail::kTaskSymmetricTransfer ? 200'000 : 5'000;
  CHECK(cofs::sync(loop, depth(kDepth)) == kDepth);
}

TEST_CASE("Task can be awaited from a foreign coroutine type without a stop token", "[task]") {
  auto& loop = cofs::get_loop();
  std::promise<ForeignResult> p;
  auto f = p.get_future();
  foreign_caller(loop, p);  // starts on this thread, hops onto the loop
  REQUIRE(f.wait_for(5s) == std::future_status::ready);
  ForeignResult r = f.get();
  CHECK(r.started_off_loop);
  CHECK(r.value == 5);
  CHECK(r.resumed_on_loop);
  CHECK(r.chain == 42'000);
  CHECK_FALSE(r.stop_possible);  // a foreign caller passes no stop token down
  CHECK(r.error == "from cofs");
}
