// NetworkError: a request that failed below HTTP (refused or reset connection, unresolvable host,
// TLS failure, a body cut short). Distinct from FileNotFoundError on purpose: a network failure
// says nothing about whether the file exists. Statuses map to the fs errors (see fs/errors.hpp).
#pragma once

#include <exception>
#include <string_view>

#include "cofs/export.hpp"
#include "cofs/fs/errors.hpp"

namespace cofs::http {

class COFS_API NetworkError : public Error {
 public:
  /// `code` is an errno-like reason (ECONNREFUSED, ECONNRESET, EHOSTUNREACH, EPROTO, ...);
  /// `curl_code` is libcurl's CURLcode, kept for diagnosis.
  NetworkError(std::error_code code, std::string_view operation, std::string_view url,
               std::string_view detail, int curl_code = 0);
  int curl_code() const noexcept { return curl_code_; }

 private:
  int curl_code_;
};

/// The exception for an HTTP error status: FileNotFoundError (404, 410), PermissionError (401,
/// 403), HTTPError otherwise.
COFS_API std::exception_ptr status_error(long status, std::string_view operation,
                                         std::string_view url);

}  // namespace cofs::http
