#include "cofs/fs/path.hpp"

#include <algorithm>

#include "cofs/runtime/error.hpp"

namespace cofs::path {

std::optional<std::string> protocol_of(std::string_view url) {
  auto pos = url.find("://");
  if (pos == std::string_view::npos || pos == 0) return std::nullopt;
  std::string_view proto = url.substr(0, pos);
  auto ok = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '-' || c == '.';
  };
  if (!std::all_of(proto.begin(), proto.end(), ok)) return std::nullopt;
  std::string out(proto);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string strip_protocol(std::string_view p, std::initializer_list<std::string_view> protocols) {
  auto proto = protocol_of(p);
  if (proto && std::find(protocols.begin(), protocols.end(), *proto) != protocols.end()) {
    p.remove_prefix(proto->size() + 3);
  }
  return std::string(p);
}

bool is_normal(std::string_view p) noexcept {
  if (p == "/") return true;
  if (p.empty() || p.back() == '/') return false;
  // One pass (components are short: a search call per component costs more than it scans).
  std::size_t i = p.front() == '/' ? 1 : 0;  // where the current component starts
  for (std::size_t j = i; j <= p.size(); ++j) {
    if (j < p.size() && p[j] != '/') continue;
    const std::size_t len = j - i;
    if (len == 0 || (p[i] == '.' && (len == 1 || (len == 2 && p[i + 1] == '.')))) return false;
    i = j + 1;
  }
  return true;
}

std::string normalize(std::string_view p) {
  if (p.empty()) return {};
  if (is_normal(p)) return std::string(p);  // the common case, without taking it apart
  const bool absolute = p.front() == '/';
  std::vector<std::string_view> parts;
  std::size_t i = 0;
  while (i <= p.size()) {
    std::size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    std::string_view part = p.substr(i, j - i);
    if (part.empty() || part == ".") {
      // skip
    } else if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!absolute) {
        parts.push_back(part);
      }
    } else {
      parts.push_back(part);
    }
    i = j + 1;
  }
  std::string out = absolute ? "/" : "";
  for (std::size_t k = 0; k < parts.size(); ++k) {
    if (k > 0) out += '/';
    out += parts[k];
  }
  if (out.empty() && !absolute) out = ".";
  return out;
}

std::string join(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  std::string out(trim_trailing_slash(a));
  if (out.empty() && a.front() == '/') out = "";
  while (!b.empty() && b.front() == '/') b.remove_prefix(1);
  out += '/';
  out += b;
  return out;
}

std::string parent(std::string_view p) {
  p = trim_trailing_slash(p);
  auto pos = p.rfind('/');
  if (pos == std::string_view::npos) return {};
  if (pos == 0) return "/";
  // keep "proto://" intact: "http://h" has no parent inside the URL
  if (pos >= 2 && p.substr(pos - 2, 3) == "://") return std::string(p.substr(0, pos + 1));
  return std::string(p.substr(0, pos));
}

std::string_view basename(std::string_view p) {
  p = trim_trailing_slash(p);
  auto pos = p.rfind('/');
  return pos == std::string_view::npos ? p : p.substr(pos + 1);
}

bool has_trailing_slash(std::string_view p) noexcept {
  return !p.empty() && p.back() == '/';
}

std::string_view trim_trailing_slash(std::string_view p) noexcept {
  while (p.size() > 1 && p.back() == '/') p.remove_suffix(1);
  return p;
}

int depth_below(std::string_view root, std::string_view p) noexcept {
  root = trim_trailing_slash(root);
  if (p.size() <= root.size()) return 0;
  std::string_view rest = p.substr(root.size());
  return static_cast<int>(std::count(rest.begin(), rest.end(), '/')) +
         (rest.front() == '/' ? 0 : 1);
}

bool has_magic(std::string_view p) noexcept {
  // One pass, not find_first_of's search of the set for every character.
  return std::any_of(p.begin(), p.end(), [](char c) { return c == '*' || c == '?' || c == '['; });
}

namespace {

// Matches pattern[pi..] against s[si..]. Iterative with backtracking for '*' and '**'.
bool match_class(std::string_view pat, std::size_t& pi, char c, bool& ok) {
  // pat[pi] == '['; on return pi is past ']'.
  std::size_t j = pi + 1;
  bool negate = false;
  if (j < pat.size() && (pat[j] == '!' || pat[j] == '^')) {
    negate = true;
    ++j;
  }
  bool found = false;
  bool first = true;
  while (j < pat.size() && (pat[j] != ']' || first)) {
    first = false;
    char lo = pat[j];
    char hi = lo;
    if (j + 2 < pat.size() && pat[j + 1] == '-' && pat[j + 2] != ']') {
      hi = pat[j + 2];
      j += 3;
    } else {
      ++j;
    }
    if (c >= lo && c <= hi) found = true;
  }
  if (j >= pat.size()) return false;  // unterminated: validated at construction
  pi = j + 1;
  ok = (found != negate) && c != '/';
  return true;
}

bool glob_match(std::string_view pat, std::string_view s, std::size_t pi, std::size_t si) {
  while (pi < pat.size()) {
    char pc = pat[pi];
    // "dir/**" matches dir itself too, as Python's recursive glob does
    if (si == s.size() && pat.substr(pi) == "/**") return true;
    if (pc == '*') {
      bool dbl = pi + 1 < pat.size() && pat[pi + 1] == '*';
      if (dbl) {
        std::size_t next = pi + 2;
        // "**/" also matches zero directories
        if (next < pat.size() && pat[next] == '/' && glob_match(pat, s, next + 1, si)) return true;
        for (std::size_t k = si; k <= s.size(); ++k) {
          if (glob_match(pat, s, next, k)) return true;
        }
        return false;
      }
      for (std::size_t k = si; k <= s.size(); ++k) {
        if (glob_match(pat, s, pi + 1, k)) return true;
        if (k < s.size() && s[k] == '/') break;
      }
      return false;
    }
    if (si >= s.size()) return false;
    if (pc == '?') {
      if (s[si] == '/') return false;
      ++pi;
      ++si;
    } else if (pc == '[') {
      bool ok = false;
      if (!match_class(pat, pi, s[si], ok) || !ok) return false;
      ++si;
    } else {
      if (pc != s[si]) return false;
      ++pi;
      ++si;
    }
  }
  return si == s.size();
}

}  // namespace

Glob::Glob(std::string_view pattern) : pattern_(trim_trailing_slash(pattern)) {
  // validate brackets
  for (std::size_t i = 0; i < pattern_.size(); ++i) {
    if (pattern_[i] == '[') {
      std::size_t j = i + 1;
      if (j < pattern_.size() && (pattern_[j] == '!' || pattern_[j] == '^')) ++j;
      if (j < pattern_.size() && pattern_[j] == ']') ++j;
      j = pattern_.find(']', j);
      if (j == std::string::npos)
        throw InvalidArgumentError("glob", pattern, "unterminated '[' in the pattern");
      i = j;
    }
  }
  auto magic = pattern_.find_first_of("*?[");
  if (magic == std::string::npos) {
    root_ = parent(pattern_);
  } else {
    auto slash = pattern_.rfind('/', magic);
    root_ = slash == std::string::npos ? "" : pattern_.substr(0, slash == 0 ? 1 : slash);
  }
  if (pattern_.find("**") != std::string::npos) {
    depth_.reset();
  } else {
    depth_ = depth_below(root_, pattern_);
  }
}

bool Glob::matches(std::string_view p) const {
  return glob_match(pattern_, trim_trailing_slash(p), 0, 0);
}

}  // namespace cofs::path
