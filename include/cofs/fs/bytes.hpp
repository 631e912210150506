// Bytes: the owning, contiguous buffer in which file contents come back. Growing it does not
// zero-fill (std::vector<std::byte>::resize writes every byte before the read overwrites it), and
// it is viewable as std::string_view and std::span<const std::byte> without a copy. Large buffers
// (from 4 MiB) are their own 2 MiB-aligned mappings advised for transparent huge pages: filling
// them then faults once per 2 MiB instead of once per 4 KiB page, which is most of the cost of
// reading a large file into fresh memory (and much more so in a virtual machine). Buffers of
// 4 KiB to 256 KiB come from a pool of huge-page slabs for the same reason (bytes_pool.hpp);
// smaller and in-between ones from malloc.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "cofs/export.hpp"

namespace cofs {

namespace detail {
/// Capacities from this size up are huge-page mappings (see bytes_memory.cpp).
inline constexpr std::size_t kBytesMappedFrom = std::size_t{4} << 20;
/// Sizes in this range come from the slab pool unless it is off (see src/fs/bytes_pool.hpp).
inline constexpr std::size_t kPooledFrom = std::size_t{4} << 10;
inline constexpr std::size_t kPooledUpTo = std::size_t{256} << 10;
/// Whether the slab pool serves this process (off under AddressSanitizer and COFS_BYTES_POOL=0).
COFS_API bool bytes_pool_enabled() noexcept;
/// Resizes the buffer `p` of capacity `cap` holding `size` live bytes to capacity at least `n`
/// (larger or smaller than `cap`; `p` may be null). Returns the new buffer and sets `cap` to its
/// real capacity; throws std::bad_alloc. The live bytes (up to `n`) are kept.
COFS_API std::byte* bytes_resize(std::byte* p, std::size_t& cap, std::size_t size, std::size_t n);
COFS_API void bytes_free(std::byte* p, std::size_t cap) noexcept;
}  // namespace detail

class COFS_API Bytes {
 public:
  Bytes() noexcept = default;
  explicit Bytes(std::string_view s) { assign(s.data(), s.size()); }
  explicit Bytes(std::span<const std::byte> s) { assign(s.data(), s.size()); }
  Bytes(const void* data, std::size_t n) { assign(data, n); }

  /// A buffer of `n` bytes whose contents are not initialised: for the reader to fill.
  static Bytes uninitialized(std::size_t n) {
    Bytes b;
    b.resize_uninitialized(n);
    return b;
  }

  Bytes(const Bytes& o) { assign(o.data_, o.size_); }
  Bytes& operator=(const Bytes& o) {
    if (this != &o) assign(o.data_, o.size_);
    return *this;
  }
  Bytes(Bytes&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)),
        size_(std::exchange(o.size_, 0)),
        capacity_(std::exchange(o.capacity_, 0)) {}
  Bytes& operator=(Bytes&& o) noexcept {
    if (this != &o) {
      detail::bytes_free(data_, capacity_);
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
      capacity_ = std::exchange(o.capacity_, 0);
    }
    return *this;
  }
  ~Bytes() { detail::bytes_free(data_, capacity_); }

  std::byte* data() noexcept { return data_; }
  const std::byte* data() const noexcept { return data_; }
  char* chars() noexcept { return reinterpret_cast<char*>(data_); }
  const char* chars() const noexcept { return reinterpret_cast<const char*>(data_); }
  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return capacity_; }
  bool empty() const noexcept { return size_ == 0; }

  std::string_view view() const noexcept { return {chars(), size_}; }
  std::span<const std::byte> span() const noexcept { return {data_, size_}; }
  std::span<std::byte> mutable_span() noexcept { return {data_, size_}; }
  std::string str() const { return std::string(view()); }
  operator std::string_view() const noexcept { return view(); }

  void reserve(std::size_t n) {
    if (n <= capacity_) return;
    data_ = detail::bytes_resize(data_, capacity_, size_, n);
  }
  /// Sets the size; new bytes are left uninitialised.
  void resize_uninitialized(std::size_t n) {
    reserve(n);
    size_ = n;
  }
  /// Shrinks the size (e.g. after a short read); never reallocates.
  void truncate(std::size_t n) noexcept {
    if (n < size_) size_ = n;
  }
  void clear() noexcept { size_ = 0; }
  /// Gives back unused capacity.
  void shrink_to_fit() {
    if (capacity_ == size_) return;
    if (size_ == 0) {
      detail::bytes_free(std::exchange(data_, nullptr), std::exchange(capacity_, 0));
      return;
    }
    try {
      data_ = detail::bytes_resize(data_, capacity_, size_, size_);
    } catch (const std::bad_alloc&) {
      // Keeping the larger buffer is correct, only less frugal.
    }
  }

  void append(const void* p, std::size_t n) {
    if (n == 0) return;
    if (size_ + n > capacity_) reserve(size_ + n > capacity_ * 2 ? size_ + n : capacity_ * 2);
    std::memcpy(data_ + size_, p, n);
    size_ += n;
  }
  void append(std::string_view s) { append(s.data(), s.size()); }
  void append(std::span<const std::byte> s) { append(s.data(), s.size()); }

  friend bool operator==(const Bytes& a, const Bytes& b) noexcept { return a.view() == b.view(); }
  friend bool operator==(const Bytes& a, std::string_view b) noexcept { return a.view() == b; }
  friend auto operator<=>(const Bytes& a, const Bytes& b) noexcept { return a.view() <=> b.view(); }

 private:
  void assign(const void* p, std::size_t n) {
    size_ = 0;
    append(p, n);
  }

  std::byte* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace cofs
