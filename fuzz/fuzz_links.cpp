// cofs::http::parse_links and child_links (src/http/links.cpp) on arbitrary pages. Input:
// "<base URL>\n<html>". Both modes run (<a href> only, and with bare URLs in the text); every
// link kept must be an absolute http(s) URL without a fragment, without duplicates, and the
// children of the base directory must be a subset of them with one more path part.
#include <set>
#include <string>

#include "cofs/http/links.hpp"
#include "fuzz_input.hpp"
#include "http/http_util.hpp"

namespace http = cofs::http;
using cofs::http::detail::iequals;

namespace {

void check_links(const std::vector<std::string>& links) {
  std::set<std::string> seen;
  for (const std::string& l : links) {
    FUZZ_CHECK(seen.insert(l).second);
    FUZZ_CHECK(iequals(l.substr(0, 7), "http://") || iequals(l.substr(0, 8), "https://"));
    FUZZ_CHECK(l.find('#') == std::string::npos);
    for (char c : l) FUZZ_CHECK(static_cast<unsigned char>(c) > 0x20);
  }
}

void check_children(const std::vector<std::string>& links, const std::string& dir) {
  const std::set<std::string> all(links.begin(), links.end());
  for (const std::string& c : http::child_links(links, dir)) {
    FUZZ_CHECK(all.count(c) == 1);
    FUZZ_CHECK(c.size() > dir.size() && c.starts_with(dir));
    const std::string_view rest = std::string_view(c).substr(dir.size());
    FUZZ_CHECK(rest.find_first_of("?#") == std::string_view::npos);
    const std::size_t slash = rest.find('/');
    FUZZ_CHECK(slash == std::string_view::npos || slash + 1 == rest.size());
    FUZZ_CHECK(rest != "/" && rest != "./" && rest != "../");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto [base, html] = cofs_fuzz::split_line(cofs_fuzz::text(data, size));
  const auto tags = http::parse_links(html, base, false);
  const auto all = http::parse_links(html, base, true);
  check_links(tags);
  check_links(all);
  // Bare URLs only add links: every <a href> link is still there.
  const std::set<std::string> with_bare(all.begin(), all.end());
  for (const std::string& l : tags) FUZZ_CHECK(with_bare.count(l) == 1);
  std::string dir(http::detail::normalize_url(base));
  if (!dir.ends_with('/')) dir += '/';
  check_children(all, dir);
  return 0;
}
