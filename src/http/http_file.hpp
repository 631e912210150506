// The read-only file objects of HTTPFileSystem. RangeFile reads by byte ranges through the
// block cache of RangeCacheFile, for a file whose size is known on a server that honours Range.
// StreamFile reads one GET from start to end, for the others; it still seeks forward (by skipping)
// and backward (by starting the GET again).
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "cofs/fs/file.hpp"
#include "cofs/fs/filesystem.hpp"
#include "cofs/http/client.hpp"
#include "fs/range_cache_file.hpp"

namespace cofs::http::detail {

class RangeFile final : public cofs::detail::RangeCacheFile {
 public:
  RangeFile(Client& client, std::shared_ptr<FileSystem> keep, std::string url, OpenMode mode,
            std::size_t block_size, std::size_t cache_blocks, std::uint64_t size);

 protected:
  Task<Bytes> fetch(std::uint64_t start, std::uint64_t end) override;

 private:
  Client& client_;
  std::shared_ptr<FileSystem> keep_;
};

class StreamFile final : public AsyncFile {
 public:
  StreamFile(Client& client, std::shared_ptr<FileSystem> keep, std::string url, OpenMode mode,
             std::size_t block_size, std::optional<std::uint64_t> size);
  ~StreamFile() override;

 protected:
  Task<std::size_t> raw_read(std::uint64_t offset, std::byte* dst, std::size_t n) override;
  Task<void> raw_write(std::uint64_t offset, std::span<const std::byte> data) override;
  Task<std::optional<std::uint64_t>> raw_size() override;
  Task<void> raw_close() override;

 private:
  Task<void> restart();
  Task<bool> refill(std::size_t want);  // false at the end of the body

  Client& client_;
  std::shared_ptr<FileSystem> keep_;
  std::optional<std::uint64_t> size_;
  std::unique_ptr<BodyStream> stream_;
  std::span<const std::byte> cur_;  // unread part of the stream's current chunk
  std::uint64_t pos_ = 0;           // file offset of cur_'s first byte
  bool eof_ = false;
};

}  // namespace cofs::http::detail
