// Small HTTP helpers shared by the client and the filesystem: validation of what is sent, parsing
// of what comes back.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cofs/http/client_options.hpp"

namespace cofs::http::detail {

bool iequals(std::string_view a, std::string_view b) noexcept;
std::string_view trim(std::string_view s) noexcept;

/// Throws InvalidArgumentError (naming `operation` and `url`) unless `url` is a well-formed
/// absolute http or https URL without control characters.
void check_url(std::string_view url, std::string_view operation);
/// Throws InvalidArgumentError for a header name that is not a token, or CR, LF or NUL in a value:
/// such a header would let a value smuggle in headers of its own.
void check_header(std::string_view name, std::string_view value, std::string_view operation,
                  std::string_view url);

struct ContentRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;              // inclusive
  std::optional<std::uint64_t> total;  // "*" leaves it unset
};
/// "bytes 0-99/1234" (or ".../*"). Unset for anything else (multipart answers included).
std::optional<ContentRange> parse_content_range(std::string_view value) noexcept;
/// "bytes */1234", as sent with 416.
std::optional<std::uint64_t> parse_unsatisfied_range(std::string_view value) noexcept;
/// Retry-After as delay-seconds or an HTTP date, at most a day; unset when unparsable.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value);
/// `url` as curl's parser writes it back (the form resolved links take); unchanged if unparsable.
std::string normalize_url(std::string_view url);
/// A URL without its trailing slash (but never down to "scheme://").
std::string_view trim_slash(std::string_view url) noexcept;
/// The time of an HTTP date (Last-Modified); unset when unparsable.
std::optional<std::int64_t> parse_http_date(std::string_view value);

/// A non-negative decimal number, the whole of `s`.
std::optional<std::uint64_t> parse_uint(std::string_view s) noexcept;

}  // namespace cofs::http::detail
