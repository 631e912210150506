// URL handling of src/http/http_util.cpp on arbitrary strings: check_url (what a request may be
// sent to), normalize_url (curl's form, which resolved links take) and trim_slash; with
// path::protocol_of, which picks the filesystem for a URL. Input: the URL.
#include <string>

#include "cofs/fs/path.hpp"
#include "cofs/runtime/error.hpp"
#include "fuzz_input.hpp"
#include "http/http_util.hpp"

namespace detail = cofs::http::detail;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view url = cofs_fuzz::text(data, size);
  bool accepted = true;
  try {
    detail::check_url(url, "fuzz_url");
  } catch (const cofs::InvalidArgumentError& e) {
    accepted = false;
    FUZZ_CHECK(e.operation() == "fuzz_url" && e.path() == url);
  }
  if (accepted) {
    for (char c : url) FUZZ_CHECK(static_cast<unsigned char>(c) > 0x20 && c != 0x7f);
    auto proto = cofs::path::protocol_of(url);
    FUZZ_CHECK(proto && (*proto == "http" || *proto == "https"));
  }

  const std::string n = detail::normalize_url(url);
  FUZZ_CHECK(detail::normalize_url(n) == n);

  const std::string_view t = detail::trim_slash(url);
  FUZZ_CHECK(url.starts_with(t));
  FUZZ_CHECK(t.size() <= 1 || !t.ends_with('/') || t.ends_with("://"));
  FUZZ_CHECK(detail::trim_slash(t) == t);
  return 0;
}
