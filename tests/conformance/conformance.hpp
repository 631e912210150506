// The conformance suite's view of a backend: a filesystem, an empty directory to work in, and
// the capabilities that say which cases apply (the pattern of Arrow's GenericFileSystemTest).
//
// Each case checks one behaviour and is named after it. Most are written once, as a coroutine
// over `via` (CONFORMANCE_CASE), and run on every backend through both APIs, each in a section
// of its own:
// - "blocking": every `co_await via.x(...)` is the blocking call `fs.x(...)`, made on the test
//   thread when awaited; nothing suspends, and the body is driven to its end on the test thread.
// - "async": every `co_await via.x(...)` is `co_await fs.async_x(...)`; the body is one Task run
//   on the filesystem's loop by sync().
// Catch2 v2 is not thread-safe. In the async section the CHECKs run on the loop thread, which is
// safe only because the test thread is blocked in sync() all that time and nothing else asserts
// meanwhile; so a body must never hand a CHECK to another thread, nor assert from work it spawns
// and does not await. The blocking-only cases (CONFORMANCE_BLOCKING_CASE) assert on the test
// thread alone. In a coroutine body, await into a named value and CHECK that value (Catch's
// CHECK(expr) keeps references to temporaries across the expression); CHECK_THROWS_NAMING may
// hold a co_await (it is a plain try/catch). No braced list inside a co_await operand either
// (GCC 12: "array used as initializer"): names(a, b) and offsets(...) build those lists.
//
// A case states the capabilities it needs. On a backend that lacks one, the backend's section
// holds NOT_APPLICABLE("<capability>") and nothing else: a WARN, which Catch always prints, so
// the output says the behaviour was not checked there, rather than counting it as passed
// silently (and one SUCCEED, so that --warn NoAssertions, which CTest's runs use, holds).
#pragma once

#include <algorithm>
#include <catch2/catch.hpp>
#include <coroutine>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "cofs/cofs.hpp"
#include "conformance/via.hpp"
#include "support/skip.hpp"

/// Says, in the test's output, that the running backend's section does not apply.
#define NOT_APPLICABLE(message)             \
  do {                                      \
    WARN("not applicable: " << message);    \
    SUCCEED("not applicable, not checked"); \
  } while (false)

namespace cofs::testing {

struct Backend {
  std::shared_ptr<FileSystem> fs;
  std::string root;  // an empty directory of fs for this test, without a trailing slash
  Capabilities caps;
  /// Writes the fixtures: fs itself where it can write, else a writable view of the same
  /// store (a read-only HTTP filesystem reads what a WebDAV one wrote). Set from fs if empty.
  std::shared_ptr<FileSystem> seed;
  /// Paths are URLs, sent as written: a name must come percent-encoded, and a directory reads
  /// as its index page (HTTP).
  bool url_paths = false;
  std::function<void()> cleanup;

  std::string at(std::string_view rel) const { return root + "/" + std::string(rel); }
  ~Backend() {
    if (cleanup) cleanup();
  }
};

struct BackendSpec {
  std::string name;
  std::function<std::unique_ptr<Backend>()> make;
  /// Why the backend cannot run here (its server is not installed), or nothing: its sections
  /// are then skipped (support/skip.hpp), never failed nor passed.
  std::function<std::optional<std::string>()> unavailable;
};

/// Defined by each test program that links the suite.
std::vector<BackendSpec> conformance_backends();

/// What a case needs of a backend: Capabilities' fields, and plain_paths (not url_paths).
enum class Cap { write, directories, rmdir, read_write_modes, mtime, plain_paths };

inline bool has(const Backend& b, Cap cap) {
  const Capabilities& c = b.caps;
  switch (cap) {
    case Cap::write:
      return c.write;
    case Cap::directories:
      return c.directories;
    case Cap::rmdir:
      return c.rmdir;
    case Cap::read_write_modes:
      return c.read_write_modes;
    case Cap::mtime:
      return c.mtime;
    case Cap::plain_paths:
      return !b.url_paths;
  }
  return false;
}

inline const char* name_of(Cap cap) {
  switch (cap) {
    case Cap::write:
      return "write";
    case Cap::directories:
      return "directories";
    case Cap::rmdir:
      return "rmdir";
    case Cap::read_write_modes:
      return "read_write_modes";
    case Cap::mtime:
      return "mtime";
    case Cap::plain_paths:
      return "plain_paths";
  }
  return "?";
}

/// The capabilities of `needs` that `b` lacks, comma-separated; empty when the case applies.
inline std::string lacking(const Backend& b, std::initializer_list<Cap> needs) {
  std::string out;
  for (Cap c : needs)
    if (!has(b, c)) out += std::string(out.empty() ? "" : ", ") + name_of(c);
  return out;
}

/// Records the backend's section as skipped when the backend cannot run here.
inline bool skipped_here(const BackendSpec& spec) {
  if (!spec.unavailable) return false;
  std::optional<std::string> why = spec.unavailable();
  if (!why) return false;
  WARN("SKIPPED: " << spec.name << ": " << *why);
  SUCCEED("skipped");
  test::record_skip(spec.name + ": " + *why);
  return true;
}

inline std::unique_ptr<Backend> make_backend(const BackendSpec& spec) {
  std::unique_ptr<Backend> b = spec.make();
  if (!b->seed) b->seed = b->fs;
  return b;
}

/// Runs `body(Backend&)` once per backend, each in its own section named after it; where the
/// backend lacks one of `needs`, the section says so (WARN) instead.
template <class F>
void for_each_backend(std::initializer_list<Cap> needs, F&& body) {
  for (const BackendSpec& spec : conformance_backends()) {
    DYNAMIC_SECTION(spec.name) {
      if (skipped_here(spec)) continue;
      std::unique_ptr<Backend> b = make_backend(spec);
      if (std::string missing = lacking(*b, needs); !missing.empty()) {
        NOT_APPLICABLE(spec.name << " has no " << missing);
      } else {
        body(*b);
      }
    }
  }
}
template <class F>
void for_each_backend(F&& body) {
  for_each_backend({}, std::forward<F>(body));
}

/// Drives a blocking-mode body to its end on this thread: it never suspends, as every call it
/// awaits is ready.
inline void run_inline(Task<void> task) {
  auto h = task.release();
  struct Destroy {
    std::coroutine_handle<detail::Promise<void>> h;
    ~Destroy() { h.destroy(); }
  } destroy{h};
  h.resume();
  REQUIRE(h.done());  // a blocking-mode body awaited something that suspends: a harness bug
  h.promise().take();
}

/// Runs `body(Backend&, via)` on every backend that has `needs`, through the blocking API and
/// through the async API, each with a fresh backend, in sections "<backend>" / "<api>".
template <class Body>
void run_both(std::initializer_list<Cap> needs, Body body) {
  for (const BackendSpec& spec : conformance_backends()) {
    DYNAMIC_SECTION(spec.name) {
      if (skipped_here(spec)) continue;
      // Each run of the test case enters one leaf section: this backend is fresh for it.
      std::unique_ptr<Backend> b = make_backend(spec);
      if (std::string missing = lacking(*b, needs); !missing.empty()) {
        NOT_APPLICABLE(spec.name << " has no " << missing);
      } else {
        SECTION("blocking") {
          BlockingVia via{*b->fs, *b->seed};
          run_inline(body(*b, via));
        }
        SECTION("async") {
          AsyncVia via{*b->fs, *b->seed};
          sync(b->fs->loop(), body(*b, via));
        }
      }
    }
  }
}

#define COFS_CONF_CAT2(a, b) a##b
#define COFS_CONF_CAT(a, b) COFS_CONF_CAT2(a, b)
#define COFS_CONF_CASE(fn, name, ...)                                                             \
  template <class Via>                                                                            \
  static ::cofs::Task<void> fn(::cofs::testing::Backend& b, Via& via);                            \
  TEST_CASE(name, "[conformance]") {                                                              \
    ::cofs::testing::run_both({__VA_ARGS__},                                                      \
                              [](::cofs::testing::Backend& b, auto& via) { return fn(b, via); }); \
  }                                                                                               \
  template <class Via>                                                                            \
  static ::cofs::Task<void> fn([[maybe_unused]] ::cofs::testing::Backend& b,                      \
                               [[maybe_unused]] Via& via)

/// A behaviour checked through both APIs: CONFORMANCE_CASE("name", Cap::write...) { body }
/// where the body is a coroutine over `b` (the Backend) and `via` (see the top of this file).
#define CONFORMANCE_CASE(name, ...) \
  COFS_CONF_CASE(COFS_CONF_CAT(conformance_body_, __LINE__), name, __VA_ARGS__)

/// Checks that `expr` throws E (or a type derived from it) whose message names each fragment
/// (the operation and the path). A plain try/catch: `expr` may be a co_await.
#define CHECK_THROWS_NAMING(expr, E, ...)                                            \
  do {                                                                               \
    try {                                                                            \
      (void)(expr);                                                                  \
      FAIL_CHECK("expected " #E " from " #expr);                                     \
    } catch (const E& e_) {                                                          \
      for (const char* fragment_ : {__VA_ARGS__})                                    \
        CHECK_THAT(std::string(e_.what()), Catch::Contains(std::string(fragment_))); \
    }                                                                                \
  } while (false)

inline std::string str(const Bytes& b) {
  return b.str();
}

/// Writes a file below the backend's root through its seed filesystem, making its parent
/// directories first where it has directories (POSIX needs them; object stores make them
/// implicitly). Blocking: for fixtures set up before a body runs, and blocking-only cases.
inline void write(Backend& b, std::string_view rel, std::string_view data) {
  std::string p = b.at(rel);
  std::string parent = cofs::path::parent(p);
  FileSystem& seed = b.seed ? *b.seed : *b.fs;
  if (seed.capabilities().directories && parent != b.root) seed.makedirs(parent, true);
  seed.pipe_file(p, data);
}

using Names = std::vector<std::string>;

/// A list of paths built without a braced list: GCC 12 rejects an initializer_list inside a
/// co_await operand ("array used as initializer"), so a body writes names(a, b) there.
template <class... S>
Names names(S... s) {
  Names out;
  (out.push_back(std::string(std::move(s))), ...);
  return out;
}

/// Offsets for cat_ranges, for the same reason (std::nullopt for "none").
template <class... O>
std::vector<std::optional<std::int64_t>> offsets(O... o) {
  std::vector<std::optional<std::int64_t>> out;
  (out.push_back(std::optional<std::int64_t>(o)), ...);
  return out;
}

/// `paths` relative to the backend's root ("." for the root itself), sorted.
inline Names rel(const Backend& b, std::vector<std::string> paths) {
  for (auto& p : paths) {
    REQUIRE(p.compare(0, b.root.size(), b.root) == 0);
    p = p.size() == b.root.size() ? "." : p.substr(b.root.size() + 1);
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

/// The tree the tree cases walk: five files at the top, four below sub/, two levels deep.
template <class Via>
Task<void> make_tree(Backend& b, Via& via) {
  static const std::pair<const char*, const char*> files[] = {{"a.txt", "aaa"},
                                                              {"b.csv", "bb"},
                                                              {"k1.log", "1"},
                                                              {"k2.log", "2"},
                                                              {"ka.log", "a"},
                                                              {"sub/c.txt", "c"},
                                                              {"sub/d.bin", "dddd"},
                                                              {"sub/nested/e.txt", "ee"},
                                                              {"sub/nested/deeper/f.txt", "f"}};
  Fixtures all;
  for (const auto& [name, data] : files) all.emplace_back(b.at(name), data);
  co_await via.write_all(std::move(all));
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
