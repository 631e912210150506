// Where coroutine frames live. Every Task is a heap frame, and a bulk call makes and drops them
// by the hundred thousand; freed frames are kept per thread by size (64-byte steps up to 4 KiB,
// at most 1 MiB a thread), so the next frame of that size is a list pop rather than a trip
// through malloc's bins. A frame may be freed on another thread than made it: it joins that
// thread's cache. Under AddressSanitizer frames go straight to operator new/delete, so that use
// of a freed frame is still caught.
#pragma once

#include <cstddef>

#include "cofs/export.hpp"

namespace cofs::detail {

COFS_API void* frame_allocate(std::size_t n);
COFS_API void frame_free(void* p, std::size_t n) noexcept;
/// Bytes of freed frames the calling thread keeps for reuse (always 0 under AddressSanitizer).
COFS_API std::size_t frame_cache_bytes() noexcept;
/// Whether frames are cached at all (not under AddressSanitizer).
COFS_API bool frame_cache_enabled() noexcept;

}  // namespace cofs::detail
