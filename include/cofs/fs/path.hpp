// Path helpers shared by the backends: protocol splitting, POSIX-style joining and splitting, and
// glob patterns (`*`, `**`, `?`, `[...]`, `[!...]`) as fsspec understands them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cofs/export.hpp"

namespace cofs::path {

/// "s3://bucket/key" -> "s3"; a path without "proto://" -> nullopt.
COFS_API std::optional<std::string> protocol_of(std::string_view url);
/// Removes a leading "<protocol>://" (any of `protocols`); leaves other paths as they are.
COFS_API std::string strip_protocol(std::string_view path,
                                    std::initializer_list<std::string_view> protocols);

/// Collapses "//" and "/./", resolves "..", removes a trailing slash (but keeps a lone "/").
COFS_API std::string normalize(std::string_view p);
/// Whether normalize would return `p` unchanged: no empty, "." or ".." part, no trailing slash.
COFS_API bool is_normal(std::string_view p) noexcept;
COFS_API std::string join(std::string_view a, std::string_view b);
/// "/a/b/c" -> "/a/b"; "/a" -> "/"; "a" -> "".
COFS_API std::string parent(std::string_view p);
/// "/a/b/c" -> "c".
COFS_API std::string_view basename(std::string_view p);
COFS_API bool has_trailing_slash(std::string_view p) noexcept;
COFS_API std::string_view trim_trailing_slash(std::string_view p) noexcept;
/// Number of '/'-separated parts below `root` (root itself: 0). Trailing slashes of either do
/// not count: "/r/" is 0 below "/r", "/r/a/" is 1.
COFS_API int depth_below(std::string_view root, std::string_view p) noexcept;

/// The characters that make a path a pattern: all of them by default; HTTP leaves out `?`,
/// which starts a URL's query (as fsspec's HTTPFileSystem does).
inline constexpr std::string_view kGlobMagic = "*?[";
inline constexpr std::string_view kGlobMagicNoQuestion = "*[";

/// True when `p` holds a glob character (one of `magic`).
COFS_API bool has_magic(std::string_view p, std::string_view magic = kGlobMagic) noexcept;

namespace detail {
/// The bytes a `[...]` set matches: bit c is byte c.
struct CharClass {
  std::uint64_t words[4] = {};
  bool test(unsigned char c) const noexcept { return ((words[c >> 6] >> (c & 63)) & 1) != 0; }
  void set(unsigned char c) noexcept { words[c >> 6] |= std::uint64_t{1} << (c & 63); }
  void reset(unsigned char c) noexcept { words[c >> 6] &= ~(std::uint64_t{1} << (c & 63)); }
  void flip() noexcept {
    for (auto& w : words) w = ~w;
  }
};
}  // namespace detail

/// A compiled glob pattern over full paths. `*` matches within one part, `**` across parts
/// (also none), `?` one character, `[abc]`/`[a-z]`/`[!abc]` a set. `**` must be a whole part
/// ("a/**/b", not "a**b"), as in fsspec. Throws InvalidArgumentError naming "glob" and the
/// pattern for an unterminated `[` or a `**` inside a name. A character of "*?[" that is not in
/// `magic` is literal. matches() takes time linear in the pattern times the path, and is a pure
/// function of the two (safe from any thread).
class COFS_API Glob {
 public:
  explicit Glob(std::string_view pattern, std::string_view magic = kGlobMagic);
  bool matches(std::string_view path) const;
  /// The longest leading part without magic, ending at a '/': where listing must start.
  const std::string& root() const noexcept { return root_; }
  /// How deep below root() a match can be; nullopt when `**` makes it unbounded.
  std::optional<int> depth() const noexcept { return depth_; }
  /// How deep below root() a match can be when `**` spans at most `maxdepth` levels counted
  /// from where it stands (fsspec's glob maxdepth: "r/**" with 1 is r and its children, and
  /// "r/*/**/x" with 1 is r/*/x). depth() where the pattern has no `**`.
  std::optional<int> depth(std::optional<int> maxdepth) const noexcept;
  const std::string& pattern() const noexcept { return pattern_; }

 private:
  struct Token {
    // skip_parts comes before the any_parts of "**/": the way around it and its '/'.
    enum Kind : std::uint8_t { literal, one, set, any_in_part, any_parts, skip_parts } kind;
    char c;                   // literal
    std::uint32_t set_index;  // set: into classes_
  };
  std::string pattern_;
  std::string root_;
  std::optional<int> depth_;
  int parts_before_any_ = 0;  // the parts below root_ before the first `**`
  std::vector<Token> tokens_;
  std::vector<detail::CharClass> classes_;
  bool dir_tail_ = false;  // ends in "/**": also matches the directory itself
};

}  // namespace cofs::path
