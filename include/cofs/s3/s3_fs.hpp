// S3FileSystem: the filesystem of s3://bucket/key (and s3a://) on any store that speaks the S3
// API (AWS S3, Ceph RGW, MinIO, R2 ...), in the shape of fsspec's s3fs, on the HTTP backend's
// curl multi driver. Requests are signed with AWS Signature Version 4. Keys are flat; a "/" in a
// key makes directories of its prefixes for ls, info and find. See docs/s3.md.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cofs/export.hpp"
#include "cofs/fs/filesystem.hpp"
#include "cofs/http/client_options.hpp"
#include "cofs/s3/credentials.hpp"

namespace cofs {

namespace s3::detail {
class S3Client;
}

struct COFS_API S3Options {
  /// Timeouts, retries (SlowDown, 500, 503 and connection errors, with backoff and Retry-After),
  /// max_host_connections, verify_tls, ca_file, proxy ... as the HTTP backend has them.
  http::ClientOptions client;
  /// "http://127.0.0.1:7480" for an S3-compatible store. Empty: AWS_ENDPOINT_URL_S3, then
  /// AWS_ENDPOINT_URL, then the profile's endpoint_url, then AWS
  /// (https://s3.<region>.amazonaws.com).
  std::string endpoint_url;
  /// Empty: AWS_REGION, AWS_DEFAULT_REGION, the profile's region, then us-east-1.
  std::string region;
  /// Path-style addressing (endpoint/bucket/key) instead of virtual-hosted (bucket.endpoint/key).
  /// Unset: path-style when an endpoint is given.
  std::optional<bool> path_style;
  std::string profile;  // of the shared files; empty: AWS_PROFILE, else "default"
  /// Asked first, before credential_providers, the environment and the shared files.
  std::optional<s3::Credentials> credentials;
  /// Asked in order after `credentials` and before the environment (a callback that returns
  /// fresh temporary credentials, say).
  std::vector<s3::CredentialProvider> credential_providers;
  bool anonymous = false;  // unsigned requests (public buckets)

  std::uint64_t multipart_threshold = 8 << 20;  // put_file above this uploads in parts
  std::size_t part_size = 8 << 20;              // at least 5 MiB (S3's minimum); get_file's range
  std::size_t max_concurrent_parts = 4;         // memory: part_size x this per upload; get_file's
                                                // ranged GETs open at once
  /// cp_file of an object larger than this copies it in parts (UploadPartCopy, on the server,
  /// max_concurrent_parts at once) instead of one CopyObject, which S3 refuses above 5 GiB.
  /// At most 5 GiB.
  std::uint64_t copy_threshold = 5ull << 30;
  /// A part of such a copy: 5 MiB to 5 GiB (S3's limits); larger when an object would need
  /// more than 10,000 parts (S3's limit).
  std::uint64_t copy_part_size = 512ull << 20;
  std::size_t block_size = 5 << 20;     // read block of opened files
  std::size_t cache_blocks = 4;         // blocks an opened file keeps (LRU)
  std::optional<BatchSize> batch_size;  // of bulk calls; unset: the configured default
};

/// An upload in progress (ListMultipartUploads).
struct COFS_API MultipartUpload {
  std::string key;
  std::string upload_id;
};

class COFS_API S3FileSystem : public FileSystem {
 public:
  /// Throws InvalidArgumentError for options outside S3's limits (copy_threshold,
  /// copy_part_size).
  explicit S3FileSystem(std::shared_ptr<IoLoop> loop = nullptr, S3Options options = {});
  ~S3FileSystem() override;

  /// String options: endpoint_url, region, path_style, profile, key, secret, token, anonymous,
  /// multipart_threshold, part_size, max_concurrent_parts, copy_threshold, copy_part_size,
  /// block_size, cache_blocks, batch_size,
  /// and the HTTP client's connect_timeout, timeout, retries, retry_backoff, retry_backoff_max,
  /// retry_after_max, retry_deadline, max_host_connections, verify_tls, ca_file, proxy.
  static std::shared_ptr<FileSystem> from_options(const Options& options,
                                                  std::shared_ptr<IoLoop> loop);

  std::string_view protocol() const override { return "s3"; }
  /// "s3://bucket/key/" and "s3a://bucket/key" -> "bucket/key".
  std::string strip_protocol(std::string_view path) const override;
  std::string unstrip_protocol(std::string_view path) const override;
  Capabilities capabilities() const override;
  const S3Options& options() const noexcept { return options_; }

  /// A presigned URL that lets anyone GET `path` for `expiration` (at most 7 days), as fsspec's
  /// sign(). Needs credentials (an anonymous filesystem has nothing to sign with).
  Task<std::string> async_sign(std::string path, std::chrono::seconds expiration);
  std::string sign(std::string path, std::chrono::seconds expiration = std::chrono::hours(1)) {
    return call("sign", path, async_sign(path, expiration));
  }
  /// The requests this filesystem has sent to the store (a retried one counted once): what S3
  /// bills for, and how a program checks what a call costs. Any thread.
  std::uint64_t requests_sent() const noexcept;
  /// The multipart uploads in progress in `bucket` (what an aborted upload must not leave).
  Task<std::vector<MultipartUpload>> async_multipart_uploads(std::string bucket);
  std::vector<MultipartUpload> multipart_uploads(std::string bucket) {
    return call("multipart_uploads", bucket, async_multipart_uploads(bucket));
  }

 protected:
  Task<std::vector<FileInfo>> do_ls(std::string path) override;
  /// One prefix listing without a delimiter (its pages followed), not a listing per level.
  Task<std::optional<std::vector<FileInfo>>> do_find_below(std::string path) override;
  Task<FileInfo> do_info(std::string path) override;
  Task<std::optional<FileInfo>> do_try_info(std::string path) override;
  Task<Bytes> do_cat_file(std::string path, std::optional<std::int64_t> start,
                          std::optional<std::int64_t> end) override;
  /// The ranges concurrently; those of one object that two versions answered (their ETags
  /// differ) fail with ESTALE rather than being returned side by side.
  Task<std::vector<Outcome<Bytes>>> do_cat_ranges(std::vector<std::string> paths,
                                                  std::vector<std::optional<std::int64_t>> starts,
                                                  std::vector<std::optional<std::int64_t>> ends,
                                                  const GatherOptions& options) override;
  Task<void> do_pipe_file(std::string path, Bytes data) override;
  Task<void> do_rm_file(std::string path) override;
  Task<std::vector<PathError>> do_rm_files(std::vector<std::string> paths,
                                           const BulkOptions& options) override;
  Task<void> do_mkdir(std::string path, bool create_parents) override;
  Task<void> do_makedirs(std::string path, bool exist_ok) override;
  Task<void> do_rmdir(std::string path) override;
  Task<std::unique_ptr<AsyncFile>> do_open(std::string path, OpenMode mode,
                                           OpenOptions options) override;
  Task<void> do_cp_file(std::string src, std::string dst) override;
  Task<void> do_get_file(std::string rpath, std::string lpath, Callback* callback) override;
  Task<void> do_put_file(std::string lpath, std::string rpath, Callback* callback) override;
  Task<std::string> do_checksum(std::string path) override;

 private:
  friend class s3::detail::S3Client;
  Task<std::optional<FileInfo>> lookup(std::string path, const char* operation);
  Task<std::vector<FileInfo>> list_buckets(const char* operation);
  /// cat_file's GET; `version`, if given, receives the ETag of the version that answered.
  Task<Bytes> read_range(std::string path, std::optional<std::int64_t> start,
                         std::optional<std::int64_t> end, std::string* version);
  /// cp_file of an object of `size` bytes by UploadPartCopy, each part If-Match `etag`.
  Task<void> copy_in_parts(std::string src, std::string dst, std::uint64_t size, std::string etag);

  S3Options options_;
  std::unique_ptr<s3::detail::S3Client> client_;
};

}  // namespace cofs
