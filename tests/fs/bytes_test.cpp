// Bytes across its three kinds of storage: the slab pool from 4 KiB to 256 KiB, huge-page
// mappings from 4 MiB, malloc for the rest, with growth, shrinking, copies and moves crossing the
// boundaries both ways, and the pool used and freed from many threads.
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cofs/fs/bytes.hpp"

using cofs::Bytes;

namespace {

constexpr std::size_t kMiB = std::size_t{1} << 20;

char pattern(std::size_t i) {
  return static_cast<char>('a' + (i * 7 + i / 4096) % 26);
}

bool holds_pattern(const Bytes& b, std::size_t n) {
  if (b.size() != n) return false;
  for (std::size_t i = 0; i < n; ++i)
    if (b.chars()[i] != pattern(i)) return false;
  return true;
}

bool huge_aligned(const Bytes& b) {
  return reinterpret_cast<std::uintptr_t>(b.data()) % (2 * kMiB) == 0;
}

}  // namespace

TEST_CASE("Bytes: growing by appends across the mapped threshold keeps every byte", "[bytes]") {
  Bytes b;
  std::string chunk(300'000, '\0');
  std::size_t n = 0;
  while (n < 70 * kMiB) {
    for (std::size_t i = 0; i < chunk.size(); ++i) chunk[i] = pattern(n + i);
    b.append(chunk);
    n += chunk.size();
  }
  CHECK(holds_pattern(b, n));
  CHECK(b.capacity() >= b.size());
  CHECK(b.capacity() % (2 * kMiB) == 0);  // a mapping: whole huge pages
  CHECK(huge_aligned(b));

  // Shrinking: still mapped above the threshold, then back to malloc below it.
  b.truncate(9 * kMiB + 5);
  b.shrink_to_fit();
  CHECK(holds_pattern(b, 9 * kMiB + 5));
  CHECK(b.capacity() == 10 * kMiB);
  b.truncate(kMiB + 3);
  b.shrink_to_fit();
  CHECK(holds_pattern(b, kMiB + 3));
  CHECK(b.capacity() == kMiB + 3);  // malloc holds exactly what was asked
}

TEST_CASE("Bytes: reserve, uninitialized, copy and move of large buffers", "[bytes]") {
  Bytes big = Bytes::uninitialized(33 * kMiB + 1);
  CHECK(big.size() == 33 * kMiB + 1);
  CHECK(big.capacity() == 34 * kMiB);
  CHECK(huge_aligned(big));
  for (std::size_t i = 0; i < big.size(); ++i) big.chars()[i] = pattern(i);

  Bytes copy = big;  // a copy is its own mapping
  CHECK(copy.data() != big.data());
  CHECK(holds_pattern(copy, big.size()));
  Bytes moved = std::move(big);
  CHECK(big.empty());
  CHECK(big.data() == nullptr);
  CHECK(holds_pattern(moved, copy.size()));
  big = std::move(moved);  // assigning frees nothing twice
  CHECK(holds_pattern(big, copy.size()));
  copy = Bytes(std::string_view("small again"));
  CHECK(copy == std::string_view("small again"));

  // Growing a mapping that cannot grow in place moves its pages: the contents stay.
  Bytes a = Bytes::uninitialized(8 * kMiB);
  Bytes blocker = Bytes::uninitialized(8 * kMiB);  // likely mapped right after `a`
  for (std::size_t i = 0; i < a.size(); ++i) a.chars()[i] = pattern(i);
  a.reserve(100 * kMiB);
  CHECK(holds_pattern(a, 8 * kMiB));
  CHECK(huge_aligned(a));
  Bytes empty;
  empty.shrink_to_fit();
  CHECK(empty.capacity() == 0);
}

TEST_CASE("Bytes: sizes from 4 KiB to 256 KiB use the slab pool's size classes", "[bytes]") {
  if (!cofs::detail::bytes_pool_enabled()) {
    SUCCEED("the pool is off in this build (AddressSanitizer) or by COFS_BYTES_POOL=0");
    return;
  }
  Bytes small = Bytes::uninitialized(3000);  // below the pool: malloc, exactly
  CHECK(small.capacity() == 3000);
  for (std::size_t i = 0; i < small.size(); ++i) small.chars()[i] = pattern(i);

  small.resize_uninitialized(4096);  // into the pool: its 4 KiB class
  CHECK(small.capacity() == 4096);
  for (std::size_t i = 3000; i < small.size(); ++i) small.chars()[i] = pattern(i);
  CHECK(holds_pattern(small, 4096));

  small.resize_uninitialized(4097);  // the next class up (5 KiB); the bytes move along
  CHECK(small.capacity() == 5 * 1024);
  small.truncate(4096);
  CHECK(holds_pattern(small, 4096));

  // Class sizes: at most a fifth wasted, never less than asked.
  for (std::size_t n : {4096u, 5000u, 9000u, 65536u, 100'000u, 262'144u}) {
    Bytes b = Bytes::uninitialized(n);
    CHECK(b.capacity() >= n);
    CHECK(b.capacity() <= n + n / 4);
  }

  // Out of the pool both ways, keeping every byte: up to malloc, up to a mapping, back down.
  for (std::size_t i = 0; i < small.size(); ++i) small.chars()[i] = pattern(i);
  small.reserve(300'000);
  CHECK(small.capacity() == 300'000);
  CHECK(holds_pattern(small, 4096));
  small.reserve(5 * kMiB);
  CHECK(huge_aligned(small));
  CHECK(holds_pattern(small, 4096));
  small.shrink_to_fit();
  CHECK(small.capacity() == 4096);
  CHECK(holds_pattern(small, 4096));
  small.truncate(100);
  small.shrink_to_fit();
  CHECK(small.capacity() == 100);
  CHECK(holds_pattern(small, 100));
}

TEST_CASE("Bytes: pooled buffers made and freed on many threads never overlap", "[bytes]") {
  // Each thread fills its buffers with its own byte and checks them before freeing; half of them
  // are handed to the next thread to free, as results made on an IO loop are freed by callers.
  constexpr int kThreads = 4, kRounds = 16, kPerRound = 300;
  std::mutex handoff_mutex;
  std::vector<std::vector<Bytes>> handoff(kThreads);
  std::atomic<int> corrupt{0};
  auto intact = [](const Bytes& b, char c) {
    for (std::size_t i = 0; i < b.size(); i += 512)
      if (b.chars()[i] != c) return false;
    return b.size() == 0 || b.chars()[b.size() - 1] == c;
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const char mine = static_cast<char>('A' + t);
      std::size_t seed = static_cast<std::size_t>(t) * 7919 + 1;
      for (int round = 0; round < kRounds; ++round) {
        std::vector<Bytes> held;
        for (int i = 0; i < kPerRound; ++i) {
          seed = seed * 6364136223846793005u + 1442695040888963407u;
          std::size_t n = 4096 + (seed >> 33) % (252 * 1024);
          Bytes b = Bytes::uninitialized(n);
          std::memset(b.data(), mine, n);
          held.push_back(std::move(b));
        }
        for (std::size_t i = 0; i < held.size(); ++i)
          if (!intact(held[i], mine)) corrupt.fetch_add(1);
        std::vector<Bytes> theirs;
        {
          std::lock_guard lock(handoff_mutex);
          theirs.swap(handoff[static_cast<std::size_t>(t)]);
          auto& next = handoff[static_cast<std::size_t>((t + 1) % kThreads)];
          for (std::size_t i = 0; i < held.size(); i += 2) next.push_back(std::move(held[i]));
        }
        for (const Bytes& b : theirs) {
          const char owner = static_cast<char>('A' + (t + kThreads - 1) % kThreads);
          if (!intact(b, owner)) corrupt.fetch_add(1);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(corrupt.load() == 0);
}

namespace {
std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}
}  // namespace

TEST_CASE("Bytes: the pool gives freed slabs back to the system", "[bytes]") {
  if (!cofs::detail::bytes_pool_enabled()) {
    SUCCEED("the pool is off in this build (AddressSanitizer) or by COFS_BYTES_POOL=0");
    return;
  }
#if defined(__SANITIZE_THREAD__)
  SUCCEED("ThreadSanitizer's shadow memory stays resident: the resident set says nothing here");
  return;
#endif
  // 128 MiB of 4 KiB buffers, touched, then freed: all but a few kept slabs must leave the
  // process's resident set (a pool that only grew would hold on to all of it).
  constexpr std::size_t kCount = 32 * 1024;
  const std::size_t before = resident_bytes();
  {
    std::vector<Bytes> many;
    many.reserve(kCount);
    for (std::size_t i = 0; i < kCount; ++i) {
      many.push_back(Bytes::uninitialized(4096));
      std::memset(many.back().data(), static_cast<int>(i), 4096);
    }
    CHECK(resident_bytes() >= before + 100 * kMiB);
  }
  CHECK(resident_bytes() <= before + 24 * kMiB);
}
