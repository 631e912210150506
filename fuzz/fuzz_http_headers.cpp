// Parsers of response headers in src/http/http_util.cpp (what a server sends is untrusted):
// Content-Range, the 416 "bytes */N" form, Retry-After, HTTP dates, decimal numbers; and
// check_header, which refuses request headers that could smuggle in others. Input: one header
// value; the part before the first ':' also serves as a header name.
#include <string>

#include "cofs/runtime/error.hpp"
#include "fuzz_input.hpp"
#include "http/http_util.hpp"

namespace detail = cofs::http::detail;

namespace {

void check_uint(std::string_view s) {
  auto v = detail::parse_uint(s);
  if (!v) return;
  std::string_view digits = s;
  while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
  FUZZ_CHECK(std::to_string(*v) == digits);
}

void check_content_range(std::string_view s) {
  auto r = detail::parse_content_range(s);
  if (!r) return;
  FUZZ_CHECK(r->first <= r->last);
  FUZZ_CHECK(!r->total || *r->total > r->last);
  const std::string again = "bytes " + std::to_string(r->first) + "-" + std::to_string(r->last) +
                            "/" + (r->total ? std::to_string(*r->total) : "*");
  auto r2 = detail::parse_content_range(again);
  FUZZ_CHECK(r2 && r2->first == r->first && r2->last == r->last && r2->total == r->total);
}

void check_unsatisfied(std::string_view s) {
  auto total = detail::parse_unsatisfied_range(s);
  if (!total) return;
  FUZZ_CHECK(detail::parse_unsatisfied_range("bytes */" + std::to_string(*total)) == total);
  FUZZ_CHECK(!detail::parse_content_range(s));  // the two forms exclude each other
}

void check_header(std::string_view line) {
  const std::size_t colon = line.find(':');
  const std::string_view name = line.substr(0, colon);
  const std::string_view value =
      colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
  try {
    detail::check_header(name, value, "fuzz_header", "http://fuzz/");
  } catch (const cofs::InvalidArgumentError& e) {
    FUZZ_CHECK(e.operation() == "fuzz_header" && e.path() == "http://fuzz/");
    return;
  }
  FUZZ_CHECK(!name.empty());
  for (char c : name) FUZZ_CHECK(c > 0x20 && c < 0x7f && c != ':');
  FUZZ_CHECK(value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view s = cofs_fuzz::text(data, size);
  const std::string_view t = detail::trim(s);
  FUZZ_CHECK(s.find(t) != std::string_view::npos);
  FUZZ_CHECK(detail::trim(t) == t);
  FUZZ_CHECK(detail::iequals(s, s));
  check_uint(s);
  check_uint(t);
  check_content_range(s);
  check_unsatisfied(s);
  if (auto delay = detail::parse_retry_after(s)) {
    FUZZ_CHECK(delay->count() >= 0 && *delay <= std::chrono::hours(24));
  }
  (void)detail::parse_http_date(s);
  check_header(s);
  return 0;
}
