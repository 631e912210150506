#include "cofs/http/links.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <set>

#include "http_util.hpp"

namespace cofs::http {
namespace {

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f';
}

/// Position of `needle` (lower case) in `s` from `from`, ignoring case.
std::size_t ifind(std::string_view s, std::string_view needle, std::size_t from) {
  if (needle.size() > s.size()) return std::string_view::npos;
  for (std::size_t i = from; i + needle.size() <= s.size(); ++i) {
    std::size_t k = 0;
    while (k < needle.size() && lower(s[i + k]) == needle[k]) ++k;
    if (k == needle.size()) return i;
  }
  return std::string_view::npos;
}

/// The next `c` at or after a position, for positions that never decrease: each byte of the
/// page is looked at once however many tags ask (a page of unclosed tags would otherwise make
/// every tag search to the end).
class NextOf {
 public:
  NextOf(std::string_view s, char c) : s_(s), c_(c) {}
  std::size_t from(std::size_t pos) {
    if (!known_ || (at_ != std::string_view::npos && at_ < pos)) {
      at_ = s_.find(c_, pos);
      known_ = true;
    }
    return at_;
  }

 private:
  std::string_view s_;
  char c_;
  std::size_t at_ = 0;
  bool known_ = false;
};

std::string decode_entities(std::string_view s) {
  constexpr std::size_t kLongestEntity = 8;
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    // Only a short window is searched: "&&&..." must not rescan the rest of the value.
    std::size_t semi = s.substr(i, kLongestEntity + 2).find(';');
    if (semi == std::string_view::npos) {
      out += s[i];
      continue;
    }
    semi += i;
    std::string_view ent = s.substr(i + 1, semi - i - 1);
    if (ent == "amp") {
      out += '&';
    } else if (ent == "lt") {
      out += '<';
    } else if (ent == "gt") {
      out += '>';
    } else if (ent == "quot") {
      out += '"';
    } else if (ent == "apos" || ent == "#39") {
      out += '\'';
    } else {
      out += s.substr(i, semi - i + 1);
    }
    i = semi;
  }
  return out;
}

/// The href values of the <a> tags of `html`, raw, in page order. One forward pass: a tag ends
/// at its first '>' (quotes do not hide it, as broken pages need) or where another '<' begins
/// between attributes; a quoted value must close inside its tag.
std::vector<std::string> hrefs(std::string_view html) {
  std::vector<std::string> out;
  NextOf next_gt(html, '>');
  NextOf next_dquote(html, '"');
  NextOf next_squote(html, '\'');
  const std::size_t n = html.size();
  std::size_t cursor = 0;
  while (cursor < n) {
    std::size_t i = html.find('<', cursor);
    if (i == std::string_view::npos || i + 2 >= n) break;
    if (lower(html[i + 1]) != 'a' || !space(html[i + 2])) {  // <abbr>, <area>, </a> ...
      cursor = i + 1;
      continue;
    }
    std::size_t end = next_gt.from(i);
    if (end == std::string_view::npos) end = n;
    std::size_t p = i + 2;
    bool found = false;
    bool gave_up = false;
    for (;;) {
      while (p < end && (space(html[p]) || html[p] == '/')) ++p;
      if (p >= end || html[p] == '<') break;
      const std::size_t name_at = p;
      while (p < end && !space(html[p]) && html[p] != '=' && html[p] != '/' && html[p] != '<') ++p;
      std::string_view name = html.substr(name_at, p - name_at);
      std::size_t q = p;
      while (q < end && space(html[q])) ++q;
      if (q >= end || html[q] != '=') continue;  // an attribute without a value
      p = q + 1;
      while (p < end && space(html[p])) ++p;
      std::string_view value;
      if (p < end && (html[p] == '"' || html[p] == '\'')) {
        std::size_t close = (html[p] == '"' ? next_dquote : next_squote).from(p + 1);
        if (close == std::string_view::npos || close > end) {
          gave_up = true;  // unterminated in its tag: not a link
          break;
        }
        value = html.substr(p + 1, close - p - 1);
        p = close + 1;
      } else {
        const std::size_t v = p;
        while (p < end && !space(html[p])) ++p;
        value = html.substr(v, p - v);
      }
      if (!found && name.size() == 4 && lower(name[0]) == 'h' && lower(name[1]) == 'r' &&
          lower(name[2]) == 'e' && lower(name[3]) == 'f') {
        out.push_back(decode_entities(detail::trim(value)));
        found = true;
      }
    }
    cursor = (gave_up || p >= end) ? end + 1 : p;
  }
  return out;
}

/// `rel` resolved against `base` by curl's URL parser (RFC 3986); empty when it is not an http(s)
/// URL.
std::string resolve(CURLU* base, std::string_view rel) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> u(curl_url_dup(base), curl_url_cleanup);
  if (!u) return {};
  std::string r(rel);
  if (curl_url_set(u.get(), CURLUPART_URL, r.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK)
    return {};
  curl_url_set(u.get(), CURLUPART_FRAGMENT, nullptr, 0);
  char* scheme = nullptr;
  if (curl_url_get(u.get(), CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) return {};
  std::string sch(scheme);
  curl_free(scheme);
  if (sch != "http" && sch != "https") return {};
  char* full = nullptr;
  if (curl_url_get(u.get(), CURLUPART_URL, &full, 0) != CURLUE_OK) return {};
  std::string out(full);
  curl_free(full);
  return out;
}

}  // namespace

std::vector<std::string> parse_links(std::string_view html, std::string_view base_url,
                                     bool simple_links) {
  std::vector<std::string> raw = hrefs(html);
  if (simple_links) {
    for (std::string_view scheme : {"http://", "https://"}) {
      std::size_t q = 0;
      for (std::size_t i = ifind(html, scheme, 0); i != std::string_view::npos;
           i = ifind(html, scheme, q)) {
        q = i;
        while (q < html.size() && !space(html[q]) && html[q] != '"' && html[q] != '\'' &&
               html[q] != '<' && html[q] != '>')
          ++q;
        raw.push_back(decode_entities(html.substr(i, q - i)));
      }
    }
  }

  std::vector<std::string> out;
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> base(curl_url(), curl_url_cleanup);
  std::string b(base_url);
  if (!base || curl_url_set(base.get(), CURLUPART_URL, b.c_str(), 0) != CURLUE_OK) return out;
  std::set<std::string> seen;
  for (const std::string& r : raw) {
    if (r.empty() || r.front() == '#') continue;
    bool bad = false;
    for (char c : r) bad |= static_cast<unsigned char>(c) < 0x20;
    if (bad) continue;
    std::string abs = resolve(base.get(), r);
    if (!abs.empty() && seen.insert(abs).second) out.push_back(std::move(abs));
  }
  return out;
}

std::vector<std::string> child_links(const std::vector<std::string>& links,
                                     std::string_view dir_url) {
  std::vector<std::string> out;
  for (const std::string& l : links) {
    if (l.size() <= dir_url.size() || l.compare(0, dir_url.size(), dir_url) != 0) continue;
    std::string_view rest = std::string_view(l).substr(dir_url.size());
    if (rest.find_first_of("?#") != std::string_view::npos) continue;
    std::size_t slash = rest.find('/');
    if (slash != std::string_view::npos && slash + 1 != rest.size()) continue;  // deeper
    if (rest == "/" || rest == "./" || rest == "../") continue;
    out.push_back(l);
  }
  return out;
}

}  // namespace cofs::http
