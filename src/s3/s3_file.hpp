// The file objects of S3FileSystem. ReadFile reads byte ranges through the block cache of
// RangeCacheFile, each range asked for with If-Match on the ETag seen at open: an object replaced
// meanwhile is an error, never a mix of two versions. WriteFile streams a multipart upload, sending
// a part each time part_size bytes have been written (one PUT at close when the file stayed
// smaller), and aborts the upload when it fails or is dropped unclosed.
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
#include "fs/range_cache_file.hpp"
#include "multipart.hpp"
#include "s3_client.hpp"

namespace cofs::s3::detail {

class ReadFile final : public cofs::detail::RangeCacheFile {
 public:
  ReadFile(S3Client& client, std::shared_ptr<FileSystem> keep, Location loc, OpenMode mode,
           std::size_t block_size, std::size_t cache_blocks, std::uint64_t size, std::string etag);

 protected:
  Task<Bytes> fetch(std::uint64_t start, std::uint64_t end) override;

 private:
  S3Client& client_;
  std::shared_ptr<FileSystem> keep_;
  Location loc_;
  std::string etag_;
};

class WriteFile final : public AsyncFile {
 public:
  WriteFile(S3Client& client, std::shared_ptr<FileSystem> keep, Location loc, OpenMode mode,
            std::size_t block_size, std::size_t part_size);
  /// Unclosed: the upload is aborted (nothing is stored).
  ~WriteFile() override;

 protected:
  Task<std::size_t> raw_read(std::uint64_t offset, std::byte* dst, std::size_t n) override;
  Task<void> raw_write(std::uint64_t offset, std::span<const std::byte> data) override;
  Task<std::optional<std::uint64_t>> raw_size() override;
  Task<void> raw_close() override;

 private:
  Task<void> send_part();
  Task<void> finish();

  S3Client& client_;
  std::shared_ptr<FileSystem> keep_;
  Location loc_;
  std::size_t part_size_;
  Multipart upload_;
  Bytes part_;                 // bytes not sent yet
  std::uint64_t written_ = 0;  // bytes taken so far (the next write's offset)
  int next_part_ = 1;
  bool failed_ = false;
};

}  // namespace cofs::s3::detail
