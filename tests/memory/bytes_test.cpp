// Bytes across its two kinds of storage: malloc below 4 MiB, huge-page mappings above, with
// growth, shrinking, copies and moves crossing the boundary both ways.
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

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
