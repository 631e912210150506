// The pool that holds Bytes of 4 KiB to 256 KiB: size classes carved from 2 MiB slabs of one
// reserved address range advised for transparent huge pages. Reading many small files (or URLs)
// and keeping the results fills fresh memory; from malloc that is a page fault per 4 KiB, from
// the pool one per 2 MiB. A slab goes back to the system once all its blocks are freed (a few
// empty ones are kept for reuse); one live block keeps its whole slab resident.
#pragma once

#include <cstddef>

#include "cofs/fs/bytes.hpp"

namespace cofs::detail {

/// A block of at least `n` bytes (kPooledFrom <= n <= kPooledUpTo) with its capacity in `cap`, or
/// nullptr when the pool is off (AddressSanitizer builds, COFS_BYTES_POOL=0), could not reserve
/// its range, or is full: the caller then uses malloc.
std::byte* pool_allocate(std::size_t n, std::size_t& cap) noexcept;
/// Whether `p` is a block of the pool (any address may be asked).
bool pool_owns(const std::byte* p) noexcept;
/// The capacity pool_allocate(n) would give.
std::size_t pool_class_size(std::size_t n) noexcept;
void pool_release(std::byte* p) noexcept;

/// A fresh anonymous mapping of `len` bytes (a multiple of 2 MiB) at a 2 MiB boundary, advised
/// for transparent huge pages (harmlessly refused where THP is off); `flags` are added to mmap's.
/// nullptr when mmap fails. Large Bytes and the pool's reserved range are made by it.
std::byte* map_huge_aligned(std::size_t len, int flags) noexcept;

}  // namespace cofs::detail
