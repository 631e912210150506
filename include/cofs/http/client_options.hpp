// Options of an HTTP client (and of HTTPFileSystem): what every request of the client carries.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cofs/export.hpp"

namespace cofs::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

enum class HttpVersion { automatic, http1_1, http2, http2_tls };

struct COFS_API ClientOptions {
  Headers headers;  // sent with every request; CR or LF in a name or value is refused
  std::optional<std::pair<std::string, std::string>> basic_auth;  // user, password
  std::string bearer_token;

  std::chrono::milliseconds connect_timeout{10'000};
  std::optional<std::chrono::milliseconds> total_timeout;  // per attempt; unset: none
  // A transfer slower than low_speed_limit bytes/s for low_speed_time is aborted (timeout).
  long low_speed_limit = 1;
  std::chrono::seconds low_speed_time{30};

  // Retries of connection errors, 5xx and 429 (idempotent methods; POST only when nothing was
  // sent or the server asked with 429/503): delay base * 2^n, capped, or the server's Retry-After
  // up to retry_after_max. No retry starts later than retry_deadline after the call began.
  int retries = 3;
  std::chrono::milliseconds retry_backoff{200};
  std::chrono::milliseconds retry_backoff_max{10'000};
  // A server's Retry-After is waited up to this: past it, the caller's call (a blocking one, or a
  // gather slot) would look hung; 3 retries wait a minute at most.
  std::chrono::milliseconds retry_after_max{20'000};
  std::optional<std::chrono::milliseconds> retry_deadline;  // unset: retries alone bound it

  // The most body bytes a response held in memory may have (fetch, and a streamed file read
  // whole), counted after decoding; more fails with EFBIG naming the limit. Unset: no limit.
  std::optional<std::uint64_t> max_body_size;

  // Connections per host. The cap belongs to the IO loop's shared curl multi handle: the smallest
  // cap any client on that loop asks for applies. 0: no cap.
  long max_host_connections = 0;
  HttpVersion http_version = HttpVersion::http2_tls;

  bool verify_tls = true;
  std::string ca_file;  // empty: the system's CA bundle

  bool follow_redirects = true;
  long max_redirects = 10;  // only http and https targets are ever followed

  std::string
      proxy;  // empty: from the environment (http_proxy, https_proxy, no_proxy) as curl does
  std::string user_agent;  // empty: "cofs/<version>"
  bool decompress = true;  // ask for and decode Content-Encoding on whole-body GETs
};

/// "cofs/<version>".
COFS_API const std::string& default_user_agent();

}  // namespace cofs::http
