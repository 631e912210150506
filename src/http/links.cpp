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

std::string decode_entities(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    std::size_t semi = s.find(';', i);
    if (semi == std::string_view::npos || semi - i > 8) {
      out += s[i];
      continue;
    }
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
  std::vector<std::string> raw;
  for (std::size_t i = ifind(html, "<a", 0); i != std::string_view::npos;
       i = ifind(html, "<a", i + 2)) {
    if (i + 2 >= html.size() || !space(html[i + 2])) continue;  // <abbr>, <area> ...
    std::size_t end = html.find('>', i);
    std::string_view tag = html.substr(i, end == std::string_view::npos ? end : end - i);
    std::size_t h = 0;
    while ((h = ifind(tag, "href", h)) != std::string_view::npos) {
      if (h == 0 || !space(tag[h - 1])) {
        h += 4;
        continue;
      }
      std::size_t p = h + 4;
      while (p < tag.size() && space(tag[p])) ++p;
      if (p >= tag.size() || tag[p] != '=') {
        h = p;
        continue;
      }
      ++p;
      while (p < tag.size() && space(tag[p])) ++p;
      if (p >= tag.size()) break;
      std::string_view value;
      if (tag[p] == '"' || tag[p] == '\'') {
        std::size_t close = tag.find(tag[p], p + 1);
        if (close == std::string_view::npos) break;  // unterminated: not a link
        value = tag.substr(p + 1, close - p - 1);
      } else {
        std::size_t q = p;
        while (q < tag.size() && !space(tag[q])) ++q;
        value = tag.substr(p, q - p);
      }
      raw.push_back(decode_entities(detail::trim(value)));
      break;
    }
    if (end == std::string_view::npos) break;
  }
  if (simple_links) {
    for (std::string_view scheme : {"http://", "https://"}) {
      for (std::size_t i = ifind(html, scheme, 0); i != std::string_view::npos;
           i = ifind(html, scheme, i + scheme.size())) {
        std::size_t q = i;
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
