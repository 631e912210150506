// S3Client: an S3 request, from a bucket, a key and a query to a signed HTTP request sent through
// the HTTP backend's Client (its curl multi service, retries and timeouts), and an S3 error answer
// to the exception it stands for. It also keeps the credentials the provider chain gave, asking
// again when temporary ones near their end.
#pragma once

#include <atomic>
#include <chrono>
#include <exception>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cofs/http/client.hpp"
#include "cofs/s3/credentials.hpp"
#include "cofs/s3/s3_fs.hpp"
#include "cofs/s3/sigv4.hpp"
#include "xml.hpp"

namespace cofs::s3::detail {

/// "bucket/key" split at its first '/'.
struct Location {
  std::string bucket;
  std::string key;
};
Location split(std::string_view path);
/// "s3://bucket/key": how errors name a path.
std::string s3_url(std::string_view bucket, std::string_view key = {});
/// Throws InvalidArgumentError naming `op` and the path unless `bucket` is a name S3 allows.
void check_bucket(std::string_view bucket, const char* op, std::string_view path);

/// One S3 request.
struct Call {
  const char* op = "request";
  std::string bucket;   // empty: the service (ListBuckets)
  std::string key;      // empty: the bucket
  std::string subject;  // the s3:// path errors name; empty: bucket and key (a listing: its prefix)
  std::string method = "GET";
  QueryParams query;
  http::Headers headers;  // x-amz-* among them are signed
  std::optional<http::ByteRange> range;
  std::optional<std::span<const std::byte>> body;
  http::BodySource source;
  std::optional<std::uint64_t> source_size;
  std::size_t buffer_size = 0;
};

class S3Client {
 public:
  S3Client(IoLoop& loop, const S3Options& options);

  /// Signs and sends `call` (with the HTTP client's retries); any status comes back. Errors
  /// below HTTP name the operation and the s3:// path.
  Task<http::Response> send(Call call);
  /// Like send(), but returns at the response's headers, the body following through the stream.
  Task<http::BodyStream> stream(Call call);
  /// send(), and the exception for an error status (raise_for).
  Task<http::Response> send_ok(Call call);

  /// The exception for a failed response: FileNotFoundError, PermissionError, FileExistsError,
  /// DirectoryNotEmptyError or S3Error, naming the operation and the s3:// path.
  std::exception_ptr error_for(const http::Response& r, const char* op, std::string_view bucket,
                               std::string_view key) const;
  std::exception_ptr error_for(long status, std::string_view body, const http::Headers& headers,
                               const char* op, std::string_view bucket, std::string_view key) const;

  /// A presigned GET URL of `bucket`/`key`.
  Task<std::string> presign(std::string bucket, std::string key, std::chrono::seconds expires);

  const std::string& region() const noexcept { return region_; }
  /// Calls of send() and stream() so far (any thread).
  std::uint64_t requests() const noexcept { return requests_.load(std::memory_order_relaxed); }
  IoLoop& loop() const noexcept { return http_.loop(); }

 private:
  /// The current credentials (nullopt: anonymous); asks the chain when it has none or they are
  /// about to expire.
  Task<std::optional<Credentials>> credentials(const char* op, const std::string& path);
  http::Request build(const Call& c, const std::optional<Credentials>& creds) const;
  /// The authority and path of a bucket's request under the addressing in use.
  std::string host_for(const std::string& bucket) const;
  std::string path_for(const std::string& bucket, const std::string& key) const;

  const S3Options& options_;
  http::ClientOptions client_options_;
  http::Client http_;
  std::string scheme_;     // "https"
  std::string authority_;  // "s3.us-east-1.amazonaws.com", "127.0.0.1:7480"
  std::string base_path_;  // the endpoint's own path, without a trailing slash
  bool path_style_ = false;
  std::string region_;
  std::vector<CredentialProvider> chain_;
  std::optional<Credentials> cached_;
  bool resolved_ = false;
  std::atomic<std::uint64_t> requests_{0};
};

/// One page of ListObjectsV2, parsed as its body streams in (`delimited`: by "/"; `max_keys` 0:
/// the server's default). Errors name `op` and the s3:// path of the prefix.
Task<ListPage> list_page(S3Client& client, const char* op, std::string bucket, std::string prefix,
                         bool delimited, std::string token, int max_keys);

}  // namespace cofs::s3::detail
