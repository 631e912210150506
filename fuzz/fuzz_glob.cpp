// cofs::path::Glob on arbitrary patterns and paths. Input: "<pattern>\n<path>\n<path>...". Checks
// each answer of Glob::matches against the table-driven rules in glob_reference.hpp (for inputs
// small enough for the table), and that a match lies where listing looks for it: under root(),
// no deeper than depth().
#include <optional>
#include <string>

#include "cofs/fs/path.hpp"
#include "cofs/runtime/error.hpp"
#include "fuzz_input.hpp"
#include "glob_reference.hpp"

namespace path = cofs::path;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto lines = cofs_fuzz::lines(cofs_fuzz::text(data, size));
  if (lines.empty()) return 0;
  std::optional<path::Glob> glob;
  try {
    glob.emplace(lines[0]);
  } catch (const cofs::InvalidArgumentError& e) {
    FUZZ_CHECK(e.operation() == "glob" && e.path() == lines[0]);
    // an unterminated class, or ** inside a name
    FUZZ_CHECK(lines[0].find('[') != std::string_view::npos ||
               lines[0].find("**") != std::string_view::npos);
    return 0;
  }
  const std::string& pattern = glob->pattern();
  FUZZ_CHECK(pattern == path::trim_trailing_slash(lines[0]));
  FUZZ_CHECK(std::string_view(pattern).starts_with(glob->root()));
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::string_view p = path::trim_trailing_slash(lines[i]);
    const bool matched = glob->matches(lines[i]);
    if (!path::has_magic(pattern)) FUZZ_CHECK(matched == (p == pattern));
    if ((pattern.size() + 1) * (p.size() + 1) <= (1u << 18))
      FUZZ_CHECK(matched == cofs_fuzz::reference_glob_match(pattern, p));
    if (matched && !p.empty()) {  // a listing has no empty paths
      FUZZ_CHECK(p.starts_with(glob->root()));
      if (glob->depth()) FUZZ_CHECK(path::depth_below(glob->root(), p) <= *glob->depth());
    }
  }
  return 0;
}
