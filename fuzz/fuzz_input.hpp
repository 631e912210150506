// What the harnesses share: the input as text, cut into lines, and a check that stops the fuzzer
// (as a crash, which saves the input) when a property of the code under test does not hold. A
// harness that only waits for a crash finds nothing in pure parsing code; the properties do.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <utility>
#include <vector>

#define FUZZ_CHECK(cond) ((cond) ? (void)0 : ::cofs_fuzz::fail(#cond, __FILE__, __LINE__))

namespace cofs_fuzz {

[[noreturn]] inline void fail(const char* what, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: property does not hold: %s\n", file, line, what);
  std::abort();
}

inline std::string_view text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// `s` cut at its first '\n': {before, after}; {s, ""} without a newline.
inline std::pair<std::string_view, std::string_view> split_line(std::string_view s) {
  std::size_t nl = s.find('\n');
  if (nl == std::string_view::npos) return {s, {}};
  return {s.substr(0, nl), s.substr(nl + 1)};
}

/// Every '\n'-separated line of `s` (an empty `s` has none).
inline std::vector<std::string_view> lines(std::string_view s) {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    auto [line, rest] = split_line(s);
    out.push_back(line);
    if (line.size() == s.size()) break;
    s = rest;
  }
  return out;
}

}  // namespace cofs_fuzz
