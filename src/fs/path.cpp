#include "cofs/fs/path.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>

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
  if (out.empty() && !absolute) out.push_back('.');  // not = ".": GCC 12 warns (-Wrestrict)
  return out;
}

std::string join(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  std::string out(trim_trailing_slash(a));
  if (out == "/") out.clear();  // the root's own slash is the separator: "/" + "b" is "/b"
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
  p = trim_trailing_slash(p);
  if (p.size() <= root.size()) return 0;
  std::string_view rest = p.substr(root.size());
  return static_cast<int>(std::count(rest.begin(), rest.end(), '/')) +
         (rest.front() == '/' ? 0 : 1);
}

bool has_magic(std::string_view p, std::string_view magic) noexcept {
  // One pass, not find_first_of's search of the set for every character.
  const bool star = magic.find('*') != std::string_view::npos;
  const bool question = magic.find('?') != std::string_view::npos;
  const bool bracket = magic.find('[') != std::string_view::npos;
  return std::any_of(p.begin(), p.end(), [=](char c) {
    return (c == '*' && star) || (c == '?' && question) || (c == '[' && bracket);
  });
}

// ---- glob patterns -----------------------------------------------------------------------------
//
// A pattern compiles to a sequence of tokens, and matching simulates the nondeterministic
// automaton they make, carrying the set of live token positions along the path: time
// O(pattern x path), however the stars are arranged (a backtracking matcher is exponential in
// the number of stars). The rules: `*` matches within a part, `**` across parts and `**/` also
// matches no part at all, `?` and `[...]` one character but never '/', and a pattern ending in
// "/**" also matches the directory it names.

namespace {

/// The members of the class starting at pat[i] == '['; `end` is set past its ']'. Validated
/// before: the class is terminated.
detail::CharClass parse_class(std::string_view pat, std::size_t i, std::size_t& end) {
  std::size_t j = i + 1;
  bool negate = false;
  if (j < pat.size() && (pat[j] == '!' || pat[j] == '^')) {
    negate = true;
    ++j;
  }
  detail::CharClass members;
  bool first = true;  // ']' right after '[' (or '[!') is a member
  while (j < pat.size() && (pat[j] != ']' || first)) {
    first = false;
    auto lo = static_cast<unsigned char>(pat[j]);
    auto hi = lo;
    if (j + 2 < pat.size() && pat[j + 1] == '-' && pat[j + 2] != ']') {
      hi = static_cast<unsigned char>(pat[j + 2]);
      j += 3;
    } else {
      ++j;
    }
    for (unsigned c = lo; c <= hi; ++c) members.set(c);
  }
  end = j + 1;
  if (negate) members.flip();
  members.reset('/');
  return members;
}

}  // namespace

Glob::Glob(std::string_view pattern, std::string_view magic)
    : pattern_(trim_trailing_slash(pattern)) {
  auto is_magic = [magic](char c) { return magic.find(c) != std::string_view::npos; };
  for (std::size_t i = 0; i < pattern_.size();) {
    const char c = pattern_[i];
    if (c == '*' && is_magic(c)) {
      const bool dbl = i + 1 < pattern_.size() && pattern_[i + 1] == '*';
      // fsspec refuses "a**b" and "***": what they should match is not the same in every glob.
      if (dbl && ((i > 0 && pattern_[i - 1] != '/') ||
                  (i + 2 < pattern_.size() && pattern_[i + 2] != '/')))
        throw InvalidArgumentError(
            "glob", pattern, "'**' must be a whole part of the path (a/**/b), not inside a name");
      // "**/" also matches no part at all: a state of its own, so that the skip is taken only
      // before `**` has matched anything.
      if (dbl && i + 2 < pattern_.size() && pattern_[i + 2] == '/')
        tokens_.push_back({Token::skip_parts, 0, 0});
      tokens_.push_back({dbl ? Token::any_parts : Token::any_in_part, 0, 0});
      i += dbl ? 2 : 1;
    } else if (c == '?' && is_magic(c)) {
      tokens_.push_back({Token::one, 0, 0});
      ++i;
    } else if (c == '[' && is_magic(c)) {
      std::size_t j = i + 1;
      if (j < pattern_.size() && (pattern_[j] == '!' || pattern_[j] == '^')) ++j;
      if (j < pattern_.size() && pattern_[j] == ']') ++j;
      if (pattern_.find(']', j) == std::string::npos)
        throw InvalidArgumentError("glob", pattern, "unterminated '[' in the pattern");
      tokens_.push_back({Token::set, 0, static_cast<std::uint32_t>(classes_.size())});
      classes_.push_back(parse_class(pattern_, i, i));
    } else {
      tokens_.push_back({Token::literal, c, 0});
      ++i;
    }
  }
  dir_tail_ = tokens_.size() >= 2 && tokens_.back().kind == Token::any_parts &&
              tokens_[tokens_.size() - 2].kind == Token::literal &&
              tokens_[tokens_.size() - 2].c == '/';
  auto first_magic = pattern_.find_first_of(magic);
  if (first_magic == std::string::npos) {
    root_ = parent(pattern_);
  } else {
    auto slash = pattern_.rfind('/', first_magic);
    root_ = slash == std::string::npos ? "" : pattern_.substr(0, slash == 0 ? 1 : slash);
  }
  const auto any = is_magic('*') ? pattern_.find("**") : std::string::npos;
  if (any != std::string::npos) {
    depth_.reset();
    parts_before_any_ = depth_below(root_, std::string_view(pattern_).substr(0, any));
  } else {
    depth_ = depth_below(root_, pattern_);
  }
}

std::optional<int> Glob::depth(std::optional<int> maxdepth) const noexcept {
  if (depth_ || !maxdepth) return depth_;
  return parts_before_any_ + *maxdepth;
}

bool Glob::matches(std::string_view p) const {
  p = trim_trailing_slash(p);
  const std::size_t n = tokens_.size();
  // Live positions, one bit each; position n is "the whole pattern matched".
  constexpr std::size_t kInline = 4;  // patterns of up to 255 tokens need no allocation
  const std::size_t words = n / 64 + 1;
  std::uint64_t inline_sets[2][kInline];
  std::vector<std::uint64_t> heap;
  std::uint64_t* live = inline_sets[0];
  std::uint64_t* next = inline_sets[1];
  if (words > kInline) {
    heap.resize(2 * words);
    live = heap.data();
    next = heap.data() + words;
  }
  auto has = [](const std::uint64_t* s, std::size_t i) { return (s[i / 64] >> (i % 64)) & 1u; };
  auto add = [](std::uint64_t* s, std::size_t i) { s[i / 64] |= std::uint64_t{1} << (i % 64); };
  // Moves that consume nothing, all forward: a star may match nothing, and "**/" no part.
  auto close = [&](std::uint64_t* s) {
    for (std::size_t i = 0; i < n; ++i) {
      if (!has(s, i)) continue;
      const Token::Kind k = tokens_[i].kind;
      if (k == Token::any_in_part || k == Token::any_parts || k == Token::skip_parts) add(s, i + 1);
      if (k == Token::skip_parts) add(s, i + 3);  // past "**" and its '/'
    }
  };
  std::fill(live, live + words, 0);
  add(live, 0);
  close(live);
  for (const char ch : p) {
    std::fill(next, next + words, 0);
    bool any = false;
    for (std::size_t w = 0; w < words; ++w) {
      for (std::uint64_t bits = live[w]; bits != 0; bits &= bits - 1) {
        const std::size_t i = w * 64 + static_cast<std::size_t>(std::countr_zero(bits));
        if (i == n) continue;  // the pattern is used up; characters remain
        const Token& t = tokens_[i];
        switch (t.kind) {
          case Token::literal:
            if (ch == t.c) add(next, i + 1), any = true;
            break;
          case Token::one:
            if (ch != '/') add(next, i + 1), any = true;
            break;
          case Token::set:
            if (classes_[t.set_index].test(static_cast<unsigned char>(ch)))
              add(next, i + 1), any = true;
            break;
          case Token::any_in_part:
            if (ch != '/') add(next, i), any = true;
            break;
          case Token::any_parts:
            add(next, i), any = true;
            break;
          case Token::skip_parts:
            break;  // consumes nothing
        }
      }
    }
    if (!any) return false;
    close(next);
    std::swap(live, next);
  }
  return has(live, n) || (dir_tail_ && has(live, n - 2));
}

}  // namespace cofs::path
