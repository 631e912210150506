// A read-only file over a remote object of known size, read by byte ranges through an LRU
// cache of blocks (HTTP's RangeFile, S3's ReadFile): the backend says only how to fetch a range.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "cofs/export.hpp"
#include "cofs/fs/file.hpp"

namespace cofs::detail {

class COFS_API RangeCacheFile : public AsyncFile {
 protected:
  /// `block_size` is both the cache's block and (up to 64 KiB) the file's read-ahead.
  RangeCacheFile(IoLoop& loop, std::string path, OpenMode mode, std::size_t block_size,
                 std::size_t cache_blocks, std::uint64_t size);

  /// Bytes [start, end) of the object, all of them (throws otherwise).
  virtual Task<Bytes> fetch(std::uint64_t start, std::uint64_t end) = 0;

  Task<std::size_t> raw_read(std::uint64_t offset, std::byte* dst, std::size_t n) final;
  Task<void> raw_write(std::uint64_t offset, std::span<const std::byte> data) final;
  Task<std::optional<std::uint64_t>> raw_size() final;
  Task<void> raw_close() override;

  const std::uint64_t size_;

 private:
  Task<const Bytes*> block(std::uint64_t index);

  const std::size_t cache_block_;
  const std::size_t cache_blocks_;
  std::list<std::pair<std::uint64_t, Bytes>> cache_;  // most recently used first
};

}  // namespace cofs::detail
