// The rules of cofs::path::Glob::matches written as the plainest program: a table over (pattern
// position, path position), filled from the end. O(pattern x path) time and memory, so only for
// short inputs; the fuzz_glob harness compares the real matcher against it. Rules (path.hpp):
// `*` any characters but '/'; `**` any characters ("**/" also no directory; a final "/**" also
// the directory itself); `?` one character but '/'; `[set]`, `[!set]`/`[^set]` one character
// but '/' in (or not in) the set, where a leading ']' is literal and "a-z" is a range.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace cofs_fuzz {

/// pat[pi] == '['. Whether `c` is in the set; `after` is set past the closing ']'. The table also
/// has rows for positions inside a set, which no match reaches: there a '[' may have no ']'.
inline bool in_set(std::string_view pat, std::size_t pi, char c, std::size_t& after) {
  std::size_t j = pi + 1;
  const bool negate = j < pat.size() && (pat[j] == '!' || pat[j] == '^');
  if (negate) ++j;
  bool found = false;
  for (bool first = true; j < pat.size() && (first || pat[j] != ']'); first = false) {
    const bool range = j + 2 < pat.size() && pat[j + 1] == '-' && pat[j + 2] != ']';
    // Bytes compare as unsigned values: a range from \xff down to '9' is empty.
    const auto lo = static_cast<unsigned char>(pat[j]);
    const auto hi = range ? static_cast<unsigned char>(pat[j + 2]) : lo;
    const auto u = static_cast<unsigned char>(c);
    found = found || (lo <= u && u <= hi);
    j += range ? 3 : 1;
  }
  if (j >= pat.size()) {
    after = pat.size();
    return false;
  }
  after = j + 1;
  return c != '/' && found != negate;
}

inline bool reference_glob_match(std::string_view pat, std::string_view s) {
  const std::size_t P = pat.size();
  const std::size_t S = s.size();
  const std::size_t W = S + 1;
  // m[pi][si]: pat[pi..] matches s[si..]. rest[pi][si], for a star at pi: the star takes s[si..k)
  // for some k and pat after the star matches s[k..].
  std::vector<char> m((P + 1) * W, 0);
  std::vector<char> rest((P + 1) * W, 0);
  auto M = [&](std::size_t pi, std::size_t si) -> char& { return m[pi * W + si]; };
  auto R = [&](std::size_t pi, std::size_t si) -> char& { return rest[pi * W + si]; };
  M(P, S) = 1;
  for (std::size_t pi = P; pi-- > 0;) {
    for (std::size_t si = W; si-- > 0;) {
      if (si == S && pat.substr(pi) == "/**") {
        M(pi, si) = 1;
        continue;
      }
      const char pc = pat[pi];
      if (pc == '*' && pi + 1 < P && pat[pi + 1] == '*') {
        const std::size_t next = pi + 2;
        R(pi, si) = M(next, si) || (si < S && R(pi, si + 1));
        M(pi, si) = (next < P && pat[next] == '/' && M(next + 1, si)) || R(pi, si);
      } else if (pc == '*') {
        R(pi, si) = M(pi + 1, si) || (si < S && s[si] != '/' && R(pi, si + 1));
        M(pi, si) = R(pi, si);
      } else if (si == S) {
        M(pi, si) = 0;
      } else if (pc == '?') {
        M(pi, si) = s[si] != '/' && M(pi + 1, si + 1);
      } else if (pc == '[') {
        std::size_t after = 0;
        M(pi, si) = in_set(pat, pi, s[si], after) && M(after, si + 1);
      } else {
        M(pi, si) = pc == s[si] && M(pi + 1, si + 1);
      }
    }
  }
  return M(0, 0);
}

}  // namespace cofs_fuzz
