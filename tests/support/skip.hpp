// Skipping a test case that cannot run here (no io_uring, no libaio, a tmpfs mount refused).
// Catch2 v2 has no skip, so COFS_SKIP records why and returns from the case; the test program's
// main (catch_main.cpp) exits with kSkipReturnCode when every test case it ran was skipped, which
// CTest shows as "Skipped" (the SKIP_RETURN_CODE of every test). Cases that may skip are tagged
// and get a CTest invocation of their own (cofs_add_test_program's OWN_RUNS), so that a skip
// always shows as one, never among the passes of a larger run.
#pragma once

#include <sstream>
#include <string>

#include <catch2/catch.hpp>

namespace cofs::test {

inline constexpr int kSkipReturnCode = 77;

/// Marks the running pass of the current test case as skipped, for `reason`.
void record_skip(const std::string& reason);

}  // namespace cofs::test

#define COFS_SKIP(message)                                                 \
  do {                                                                     \
    std::ostringstream cofs_skip_reason;                                   \
    cofs_skip_reason << message;                                           \
    WARN("SKIPPED: " << cofs_skip_reason.str());                           \
    /* an assertion, for --warn NoAssertions: the skip is counted apart */ \
    SUCCEED("skipped");                                                    \
    ::cofs::test::record_skip(cofs_skip_reason.str());                     \
    return;                                                                \
  } while (false)
