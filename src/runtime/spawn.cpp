#include <cstdio>

#include <fmt/format.h>

#include "cofs/runtime/sync.hpp"

namespace cofs {
namespace detail {

std::string format_duration(Clock::duration d) {
  using namespace std::chrono;
  auto us = duration_cast<microseconds>(d).count();
  if (us % 1000 != 0 && us < 10'000) return fmt::format("{} us", us);
  return fmt::format("{} ms", us / 1000);
}

namespace {
Detached run_spawned(Task<void> task, std::function<void(std::exception_ptr)> on_error) {
  try {
    co_await std::move(task);
  } catch (...) {
    if (!on_error) {
      try {
        throw;
      } catch (const std::exception& e) {
        fmt::print(stderr, "cofs: a spawned task failed and nobody handles it: {}\n", e.what());
      }
      std::terminate();
    }
    on_error(std::current_exception());
  }
}

struct SpawnWork : LoopWork {
  std::coroutine_handle<> h;
};
}  // namespace

}  // namespace detail

void spawn(IoLoop& loop, Task<void> task, std::function<void(std::exception_ptr)> on_error) {
  detail::Detached d = detail::run_spawned(std::move(task), std::move(on_error));
  if (loop.in_loop_thread()) {
    backend::schedule(loop, d.handle);
    return;
  }
  auto* w = new detail::SpawnWork;
  w->h = d.handle;
  w->run = [](LoopWork* lw) {
    auto* self = static_cast<detail::SpawnWork*>(lw);
    auto h = self->h;
    delete self;
    h.resume();
  };
  if (!loop.try_post(w)) {
    delete w;
    d.handle.destroy();
    backend::throw_not_accepting(loop, "spawn");
  }
}

}  // namespace cofs
