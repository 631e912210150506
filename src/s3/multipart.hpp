// A multipart upload of one object: begun (InitiateMultipartUpload), parts sent (UploadPart, or
// UploadPartCopy from another object; in any order and concurrently), then completed, or
// aborted so that no parts stay behind.
#pragma once

#include <cstdint>
#include <exception>
#include <map>
#include <string>

#include "cofs/fs/bytes.hpp"
#include "cofs/runtime/task.hpp"
#include "s3_client.hpp"

namespace cofs::s3::detail {

/// The answer of CompleteMultipartUpload, CopyObject or UploadPartCopy: a 200 whose body may
/// still be an <Error> (S3 fails a long request after it has begun answering), raised naming `op`
/// and the object.
CompletionDoc completed(const S3Client& client, const http::Response& r, const char* op,
                        const std::string& bucket, const std::string& key, const char* what);

/// S3's limits on one multipart upload: parts, and the size of the object it makes.
inline constexpr std::uint64_t kMaxParts = 10'000;
inline constexpr std::uint64_t kMaxObjectSize = 5ull << 40;  // 5 TiB

/// The part size for an object of `size` bytes: `wanted`, or larger when the object would need
/// more than kMaxParts parts of it.
constexpr std::uint64_t part_size_for(std::uint64_t wanted, std::uint64_t size) noexcept {
  const std::uint64_t least = (size + kMaxParts - 1) / kMaxParts;
  return wanted > least ? wanted : least;
}

/// "/bucket/key", encoded, as x-amz-copy-source names the source of a copy.
std::string copy_source(const Location& source);

class Multipart {
 public:
  Multipart(S3Client& client, const char* op, std::string bucket, std::string key)
      : client_(client), op_(op), bucket_(std::move(bucket)), key_(std::move(key)) {}

  Task<void> begin();
  /// Sends part `number` (from 1); `data` stays alive until this ends.
  Task<void> upload(int number, std::span<const std::byte> data);
  /// Makes part `number` of bytes [first, last] of `source` (UploadPartCopy, on the server),
  /// refused unless the source's ETag is still `source_etag`.
  Task<void> copy(int number, const Location& source, std::uint64_t first, std::uint64_t last,
                  const std::string& source_etag);
  Task<void> complete();
  /// Drops the upload and its parts. Never throws (an abort that fails leaves the upload to the
  /// bucket's lifecycle rules; nothing more can be done).
  Task<void> abort() noexcept;
  /// abort(), started on its own when the upload's caller was cancelled (whose stop token would
  /// cancel an abort awaited in its place).
  void abort_detached();
  /// After `failure` (an exception caught while the upload ran): abort() it, or abort_detached()
  /// when the caller was cancelled; then rethrows `failure`.
  Task<void> abort_and_rethrow(std::exception_ptr failure);
  bool begun() const noexcept { return !upload_id_.empty(); }

 private:
  /// The PUT of part `number` of this upload (UploadPart, or UploadPartCopy with its headers).
  Call part_call(int number) const;

  S3Client& client_;
  const char* op_;
  std::string bucket_;
  std::string key_;
  std::string upload_id_;
  std::map<int, std::string> etags_;
};

}  // namespace cofs::s3::detail
