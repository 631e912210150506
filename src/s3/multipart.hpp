// A multipart upload of one object: begun (InitiateMultipartUpload), parts sent (UploadPart, in
// any order and concurrently), then completed, or aborted so that no parts stay behind.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "cofs/fs/bytes.hpp"
#include "cofs/runtime/task.hpp"
#include "s3_client.hpp"

namespace cofs::s3::detail {

class Multipart {
 public:
  Multipart(S3Client& client, const char* op, std::string bucket, std::string key)
      : client_(client), op_(op), bucket_(std::move(bucket)), key_(std::move(key)) {}

  Task<void> begin();
  /// Sends part `number` (from 1); `data` stays alive until this ends.
  Task<void> upload(int number, std::span<const std::byte> data);
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
