#include "http_util.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <memory>
#include <string>

#include "cofs/runtime/error.hpp"

namespace cofs::http::detail {

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

void check_url(std::string_view url, std::string_view operation) {
  // Cheap checks here (this runs for every request); curl's own parser reports the rest as
  // CURLE_URL_MALFORMAT, which becomes InvalidArgumentError too.
  for (char c : url) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == ' ')
      throw InvalidArgumentError(operation, url, "malformed URL: control character or space");
  }
  std::size_t sep = url.find("://");
  if (sep == std::string_view::npos)
    throw InvalidArgumentError(operation, url, "malformed URL: no scheme");
  std::string_view scheme = url.substr(0, sep);
  if (!iequals(scheme, "http") && !iequals(scheme, "https"))
    throw InvalidArgumentError(
        operation, url,
        "only http and https URLs are supported, not " + std::string(scheme) + "://");
  std::string_view rest = url.substr(sep + 3);
  if (rest.empty() || rest.front() == '/' || rest.front() == '?' || rest.front() == '#')
    throw InvalidArgumentError(operation, url, "malformed URL: no host");
}

void check_header(std::string_view name, std::string_view value, std::string_view operation,
                  std::string_view url) {
  if (name.empty()) throw InvalidArgumentError(operation, url, "empty header name");
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == ':')
      throw InvalidArgumentError(operation, url,
                                 "header name '" + std::string(name) + "' is not a token");
  }
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0')
      throw InvalidArgumentError(operation, url,
                                 "header " + std::string(name) +
                                     " has CR, LF or NUL in its value; refused before sending");
  }
}

std::optional<std::uint64_t> parse_uint(std::string_view s) noexcept {
  if (s.empty() || s.size() > 19) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

std::optional<ContentRange> parse_content_range(std::string_view v) noexcept {
  v = trim(v);
  if (v.size() < 6 || !iequals(v.substr(0, 6), "bytes ")) return std::nullopt;
  v = trim(v.substr(6));
  auto dash = v.find('-');
  auto slash = v.find('/');
  if (dash == std::string_view::npos || slash == std::string_view::npos || dash > slash)
    return std::nullopt;
  auto first = parse_uint(trim(v.substr(0, dash)));
  auto last = parse_uint(trim(v.substr(dash + 1, slash - dash - 1)));
  if (!first || !last || *last < *first) return std::nullopt;
  ContentRange r{*first, *last, std::nullopt};
  auto total = trim(v.substr(slash + 1));
  if (total != "*") {
    r.total = parse_uint(total);
    if (!r.total || *r.total <= *last) return std::nullopt;
  }
  return r;
}

std::optional<std::uint64_t> parse_unsatisfied_range(std::string_view v) noexcept {
  v = trim(v);
  if (v.size() < 8 || !iequals(v.substr(0, 6), "bytes ")) return std::nullopt;
  v = trim(v.substr(6));
  if (v.substr(0, 2) != "*/") return std::nullopt;
  return parse_uint(trim(v.substr(2)));
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value) {
  // Capped before the conversion to milliseconds, which a far date (a server's to choose) would
  // overflow.
  constexpr std::int64_t max_seconds = 86400;
  value = trim(value);
  if (auto secs = parse_uint(value)) {
    return std::chrono::seconds(std::min<std::uint64_t>(*secs, max_seconds));
  }
  std::string s(value);
  time_t when = curl_getdate(s.c_str(), nullptr);
  if (when < 0) return std::nullopt;
  time_t now = std::time(nullptr);
  return std::chrono::seconds(when > now ? std::min<std::int64_t>(when - now, max_seconds) : 0);
}

std::string normalize_url(std::string_view url) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> h(curl_url(), curl_url_cleanup);
  std::string s(url);
  if (!h || curl_url_set(h.get(), CURLUPART_URL, s.c_str(), 0) != CURLUE_OK) return s;
  char* out = nullptr;
  if (curl_url_get(h.get(), CURLUPART_URL, &out, 0) != CURLUE_OK) return s;
  std::string r(out);
  curl_free(out);
  return r;
}

std::string_view trim_slash(std::string_view url) noexcept {
  while (url.size() > 1 && url.back() == '/' && !url.ends_with("://")) url.remove_suffix(1);
  return url;
}

std::optional<std::int64_t> parse_http_date(std::string_view value) {
  std::string s(trim(value));
  time_t t = curl_getdate(s.c_str(), nullptr);
  if (t < 0) return std::nullopt;
  return static_cast<std::int64_t>(t);
}

}  // namespace cofs::http::detail
