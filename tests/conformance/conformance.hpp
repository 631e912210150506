// The conformance suite's view of a backend: a filesystem, an empty directory to work in, and
// the capabilities that say which cases apply (the pattern of Arrow's GenericFileSystemTest).
#pragma once

#include <catch2/catch.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cofs/cofs.hpp"

namespace cofs::testing {

struct Backend {
  std::shared_ptr<FileSystem> fs;
  std::string root;  // an empty directory of fs for this test, without a trailing slash
  Capabilities caps;
  std::function<void()> cleanup;

  std::string at(std::string_view rel) const { return root + "/" + std::string(rel); }
  ~Backend() {
    if (cleanup) cleanup();
  }
};

struct BackendSpec {
  std::string name;
  std::function<std::unique_ptr<Backend>()> make;
};

/// Defined by each test program that links the suite.
std::vector<BackendSpec> conformance_backends();

/// Runs `body` once per backend, each in its own section named after it.
template <class F>
void for_each_backend(F&& body) {
  for (const BackendSpec& spec : conformance_backends()) {
    DYNAMIC_SECTION(spec.name) {
      std::unique_ptr<Backend> b = spec.make();
      body(*b);
    }
  }
}

/// Checks that `expr` throws E (or a type derived from it) whose message names `fragment`.
#define CHECK_THROWS_NAMING(expr, E, fragment)                                    \
  do {                                                                            \
    try {                                                                         \
      (void)(expr);                                                               \
      FAIL_CHECK("expected " #E " from " #expr);                                  \
    } catch (const E& e_) {                                                       \
      CHECK_THAT(std::string(e_.what()), Catch::Contains(std::string(fragment))); \
    }                                                                             \
  } while (false)

inline std::string str(const Bytes& b) {
  return b.str();
}

/// Writes a file below the backend's root, making its parent directories first where the
/// backend has directories (POSIX needs them; object stores make them implicitly).
inline void write(Backend& b, std::string_view rel, std::string_view data) {
  std::string p = b.at(rel);
  std::string parent = cofs::path::parent(p);
  if (b.caps.directories && parent != b.root) b.fs->makedirs(parent, true);
  b.fs->pipe_file(p, data);
}

/// Deterministic binary content with NULs and every byte value.
inline std::string pattern_bytes(std::size_t n, unsigned seed = 1) {
  std::string s(n, '\0');
  std::uint32_t x = seed * 2654435761u + 1;
  for (std::size_t i = 0; i < n; ++i) {
    x = x * 1664525u + 1013904223u;
    s[i] = static_cast<char>(x >> 24);
  }
  return s;
}

}  // namespace cofs::testing
