// The per-thread cache of coroutine frames: reuse by size, its bound, frames freed on another
// thread than made them, and a thread's cache given back when it exits.
#include <catch2/catch.hpp>

#include <cstring>
#include <thread>
#include <vector>

#include "cofs/runtime/frame_cache.hpp"
#include "cofs/runtime/io_loop.hpp"
#include "cofs/runtime/sync.hpp"
#include "cofs/runtime/task.hpp"

using namespace cofs::detail;

TEST_CASE("frame cache: a freed frame is reused by the next of its size", "[runtime][frames]") {
  // On a new thread, whose cache starts empty (Catch checks stay on this one).
  struct Seen {
    std::size_t cached = 0, after_big = 0, before_big = 0;
    bool same_block = false;
  } seen;
  std::thread([&seen] {
    std::vector<std::pair<void*, std::size_t>> frames;
    for (std::size_t n = 1; n <= 5000; n += 37) {
      void* p = frame_allocate(n);
      std::memset(p, 0xab, n);  // the whole size is writable
      frames.emplace_back(p, n);
    }
    for (auto [p, n] : frames) frame_free(p, n);
    seen.cached = frame_cache_bytes();
    // Sizes in one 64-byte step share a class: the block freed last comes back first.
    void* a = frame_allocate(200);
    frame_free(a, 200);
    void* b = frame_allocate(250);
    seen.same_block = b == a;
    frame_free(b, 250);
    // Beyond 4 KiB frames are not cached.
    void* big = frame_allocate(10'000);
    seen.before_big = frame_cache_bytes();
    frame_free(big, 10'000);
    seen.after_big = frame_cache_bytes();
  }).join();
  if (!frame_cache_enabled()) {  // AddressSanitizer: straight to operator new/delete
    CHECK(seen.cached == 0);
    return;
  }
  CHECK(seen.cached > 0);
  CHECK(seen.same_block);
  CHECK(seen.after_big == seen.before_big);
}

TEST_CASE("frame cache: a thread keeps at most 1 MiB", "[runtime][frames]") {
  std::size_t cached = 0;
  std::thread([&cached] {
    std::vector<void*> frames;
    for (int i = 0; i < 1000; ++i) frames.push_back(frame_allocate(4096));
    for (void* p : frames) frame_free(p, 4096);
    cached = frame_cache_bytes();
  }).join();
  CHECK(cached == (frame_cache_enabled() ? std::size_t{1} << 20 : 0));
}

TEST_CASE("frame cache: frames made on one thread and freed on another", "[runtime][frames]") {
  // Tasks made here and destroyed on a worker: each frame joins the worker's cache (which the
  // worker gives back when it exits); nothing is lost or freed twice.
  for (int round = 0; round < 3; ++round) {
    std::vector<cofs::Task<int>> tasks;
    for (int i = 0; i < 2000; ++i) {
      tasks.push_back([](int v) -> cofs::Task<int> { co_return v; }(i));
    }
    std::thread([t = std::move(tasks)]() mutable { t.clear(); }).join();
  }
  // And the other way round: blocks made on a thread that has ended, reused here for frames
  // that run on the IO loop.
  cofs::IoLoop& loop = cofs::get_loop();
  std::vector<void*> made(1000);
  std::thread([&] {
    for (auto& p : made) p = frame_allocate(320);
  }).join();
  for (void* p : made) frame_free(p, 320);
  long sum = 0;
  for (int i = 0; i < 1000; ++i) {
    sum += cofs::sync(loop, [](int v) -> cofs::Task<int> { co_return v; }(i));
  }
  CHECK(sum == 999L * 1000 / 2);
}
