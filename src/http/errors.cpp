#include "cofs/http/errors.hpp"

#include <string>

#include <fmt/format.h>

namespace cofs::http {

NetworkError::NetworkError(std::error_code code, std::string_view operation, std::string_view url,
                           std::string_view detail, int curl_code)
    : Error(code, operation, url, detail), curl_code_(curl_code) {}

std::exception_ptr status_error(long status, std::string_view operation, std::string_view url) {
  const std::string detail = fmt::format("HTTP {}", status);
  switch (status) {
    case 404:
    case 410:
      return std::make_exception_ptr(FileNotFoundError(operation, url, detail));
    case 401:
    case 403:
      return std::make_exception_ptr(PermissionError(operation, url, detail));
    default:
      return std::make_exception_ptr(HTTPError(static_cast<int>(status), operation, url));
  }
}

}  // namespace cofs::http
