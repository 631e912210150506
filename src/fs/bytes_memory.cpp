// Where Bytes keep their contents, by capacity: the slab pool from 4 KiB to 256 KiB
// (bytes_pool.cpp), malloc below and in between, and from 4 MiB a 2 MiB-aligned anonymous mapping
// advised for transparent huge pages, grown by moving its pages (mremap), never by copying them.
#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "bytes_pool.hpp"
#include "cofs/fs/bytes.hpp"

namespace cofs::detail {
namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;

bool is_mapped(std::size_t cap) noexcept {
  return cap >= kBytesMappedFrom;
}

std::size_t round_to_huge(std::size_t n) {
  if (n > SIZE_MAX - kHugePage) throw std::bad_alloc();
  return (n + kHugePage - 1) & ~(kHugePage - 1);
}

std::byte* map_aligned(std::size_t len) {
  std::byte* p = map_huge_aligned(len, 0);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

bool from_malloc(const std::byte* p, std::size_t cap) noexcept {
  return p == nullptr || (!is_mapped(cap) && !pool_owns(p));
}

/// Moves the live bytes to `fresh` and frees the old buffer, whatever kind it was.
std::byte* move_to(std::byte* fresh, std::byte* p, std::size_t cap, std::size_t keep) noexcept {
  if (keep > 0) std::memcpy(fresh, p, keep);
  bytes_free(p, cap);
  return fresh;
}

}  // namespace

std::byte* map_huge_aligned(std::size_t len, int flags) noexcept {
  void* raw = ::mmap(nullptr, len + kHugePage, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  auto start = reinterpret_cast<std::uintptr_t>(raw);
  auto aligned = (start + kHugePage - 1) & ~(kHugePage - 1);
  if (aligned > start) ::munmap(raw, aligned - start);
  std::uintptr_t tail = start + len + kHugePage - (aligned + len);
  if (tail > 0) ::munmap(reinterpret_cast<void*>(aligned + len), tail);
  ::madvise(reinterpret_cast<void*>(aligned), len, MADV_HUGEPAGE);
  return reinterpret_cast<std::byte*>(aligned);
}

std::byte* bytes_resize(std::byte* p, std::size_t& cap, std::size_t size, std::size_t n) {
  const std::size_t keep = std::min(size, n);
  if (!is_mapped(n)) {
    if (n >= kPooledFrom && n <= kPooledUpTo) {
      if (p != nullptr && pool_owns(p) && pool_class_size(n) == cap) return p;
      std::size_t got = 0;
      if (std::byte* q = pool_allocate(n, got)) {
        q = move_to(q, p, cap, keep);
        cap = got;
        return q;
      }
    }
    std::byte* q;
    if (from_malloc(p, cap)) {
      q = static_cast<std::byte*>(std::realloc(p, n > 0 ? n : 1));
      if (q == nullptr) throw std::bad_alloc();
    } else {
      q = static_cast<std::byte*>(std::malloc(n > 0 ? n : 1));
      if (q == nullptr) throw std::bad_alloc();
      q = move_to(q, p, cap, keep);
    }
    cap = n;
    return q;
  }
  const std::size_t len = round_to_huge(n);
  if (!is_mapped(cap)) {
    std::byte* fresh = move_to(map_aligned(len), p, cap, keep);
    cap = len;
    return fresh;
  }
  if (len <= cap) {
    if (len < cap) ::munmap(p + len, cap - len);
    cap = len;
    return p;
  }
  // Grow in place when the address space after the mapping is free; otherwise move the pages
  // (page tables, not bytes) to the start of a larger aligned mapping.
  if (::mremap(p, cap, len, 0) != MAP_FAILED) {
    cap = len;
    return p;
  }
  std::byte* fresh = map_aligned(len);
  if (::mremap(p, cap, cap, MREMAP_MAYMOVE | MREMAP_FIXED, fresh) == MAP_FAILED) {
    if (keep > 0) std::memcpy(fresh, p, keep);
    ::munmap(p, cap);
  }
  cap = len;
  return fresh;
}

void bytes_free(std::byte* p, std::size_t cap) noexcept {
  if (p == nullptr) return;
  if (is_mapped(cap)) {
    ::munmap(p, cap);
  } else if (pool_owns(p)) {
    pool_release(p);
  } else {
    std::free(p);
  }
}

}  // namespace cofs::detail
