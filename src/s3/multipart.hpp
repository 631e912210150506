// A multipart upload of one object: begun (InitiateMultipartUpload), parts sent (UploadPart, or
// UploadPartCopy from another object; in any order and concurrently), then completed, or
// aborted so that no parts stay behind.
#pragma once

#include <cstdint>
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
  bool begun() const noexcept { return !upload_id_.empty(); }

 private:
  S3Client& client_;
  const char* op_;
  std::string bucket_;
  std::string key_;
  std::string upload_id_;
  std::map<int, std::string> etags_;
};

}  // namespace cofs::s3::detail
