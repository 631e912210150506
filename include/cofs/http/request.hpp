// Request and Response of the HTTP client: what to send (method, URL, headers, a byte range, an
// upload body) and what came back (status, headers, the URL after redirects, the body).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "cofs/export.hpp"
#include "cofs/fs/bytes.hpp"
#include "cofs/http/client_options.hpp"
#include "cofs/runtime/task.hpp"

namespace cofs::http {

/// Bytes [start, end) of a resource. start < 0 asks for the last -start bytes (no end then).
struct COFS_API ByteRange {
  std::int64_t start = 0;
  std::optional<std::int64_t> end;
};

/// Fills `buffer` with upload bytes from `offset` and returns how many; 0 ends the body. Called
/// again from offset 0 when a request is retried.
using BodySource =
    std::function<Task<std::size_t>(std::uint64_t offset, std::span<std::byte> buffer)>;

struct COFS_API Request {
  std::string method = "GET";
  std::string url;
  std::string operation = "request";  // names the operation in error messages ("cat_file", ...)
  Headers headers;                    // on top of the client's; CR or LF is refused
  std::optional<ByteRange> range;

  // Upload, from memory (kept alive by the caller until the request ends) or from a source.
  std::optional<std::span<const std::byte>> body;
  BodySource source;
  std::optional<std::uint64_t> source_size;  // unset: chunked transfer encoding

  bool raise_for_status = true;  // false: error statuses come back in Response::status
  // The URL's path is sent as written: "." and ".." segments are not resolved (object keys).
  bool path_as_is = false;
  // An error status's body is kept in Response::body (its first 64 KiB), for APIs that explain
  // their errors there (S3's XML). Otherwise it is dropped unread.
  bool keep_error_body = false;
  std::size_t buffer_size = 0;  // curl's receive buffer (bigger for large bodies); 0: default
  // The most (decoded) body bytes; more fails with EFBIG. Unset: the client's max_body_size for
  // fetch(), no limit for stream().
  std::optional<std::uint64_t> max_body_size;
};

/// Case-insensitive lookup of the first header named `name`.
COFS_API const std::string* find_header(const Headers& headers, std::string_view name);

struct COFS_API Response {
  long status = 0;
  Headers headers;       // of the final response
  std::string url;       // after redirects
  int http_version = 0;  // 10, 11, 20 (HTTP/2) or 30
  Bytes body;
  // A ranged request answered with the whole entity (200): detected, and `body` still holds
  // exactly the requested bytes.
  bool range_ignored = false;
  std::optional<std::uint64_t> content_range_total;  // "Content-Range: bytes a-b/<total>"

  const std::string* header(std::string_view name) const { return find_header(headers, name); }
};

}  // namespace cofs::http
