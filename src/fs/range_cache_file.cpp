#include "fs/range_cache_file.hpp"

#include <algorithm>
#include <cstring>

#include "cofs/runtime/error.hpp"

namespace cofs::detail {
namespace {

constexpr std::size_t kFileBuffer = 64 << 10;  // the AsyncFile's own read-ahead

}  // namespace

RangeCacheFile::RangeCacheFile(IoLoop& loop, std::string path, OpenMode mode,
                               std::size_t block_size, std::size_t cache_blocks, std::uint64_t size)
    : AsyncFile(loop, std::move(path), std::move(mode), std::min(kFileBuffer, block_size)),
      size_(size),
      cache_block_(block_size),
      cache_blocks_(std::max<std::size_t>(cache_blocks, 1)) {}

Task<const Bytes*> RangeCacheFile::block(std::uint64_t index) {
  for (auto it = cache_.begin(); it != cache_.end(); ++it) {
    if (it->first == index) {
      cache_.splice(cache_.begin(), cache_, it);
      co_return &cache_.front().second;
    }
  }
  const std::uint64_t start = index * cache_block_;
  const std::uint64_t end = std::min<std::uint64_t>(size_, start + cache_block_);
  Bytes b = co_await fetch(start, end);
  cache_.emplace_front(index, std::move(b));
  if (cache_.size() > cache_blocks_) cache_.pop_back();
  co_return &cache_.front().second;
}

Task<std::size_t> RangeCacheFile::raw_read(std::uint64_t offset, std::byte* dst, std::size_t n) {
  if (offset >= size_ || n == 0) co_return 0;
  n = static_cast<std::size_t>(std::min<std::uint64_t>(n, size_ - offset));
  if (n >= 2 * cache_block_) {
    // A large read goes straight to the server: caching it would only evict useful blocks.
    Bytes b = co_await fetch(offset, offset + n);
    const std::size_t k = std::min(n, b.size());
    std::memcpy(dst, b.data(), k);
    co_return k;
  }
  std::size_t copied = 0;
  while (copied < n) {
    const std::uint64_t at = offset + copied;
    const std::uint64_t index = at / cache_block_;
    const Bytes* blk = co_await block(index);
    const std::uint64_t in = at - index * cache_block_;
    if (in >= blk->size()) break;  // the object is shorter than it was
    const std::size_t take =
        std::min<std::size_t>(n - copied, blk->size() - static_cast<std::size_t>(in));
    std::memcpy(dst + copied, blk->data() + in, take);
    copied += take;
  }
  co_return copied;
}

Task<void> RangeCacheFile::raw_write(std::uint64_t, std::span<const std::byte>) {
  throw NotSupportedError("write", path_, "the file is open for reading");
  co_return;
}

Task<std::optional<std::uint64_t>> RangeCacheFile::raw_size() {
  co_return size_;
}

Task<void> RangeCacheFile::raw_close() {
  cache_.clear();
  co_return;
}

}  // namespace cofs::detail
