// The main of every test program: Catch2's, plus skips (skip.hpp). A listener counts the test
// cases run and those every pass of which was skipped; when all were, the program exits with
// kSkipReturnCode instead of 0, and CTest reports the test as skipped.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "support/skip.hpp"

namespace {

struct SkipTally {
  std::size_t cases_run = 0;
  std::size_t cases_skipped = 0;
  // The current case: its passes (Catch2 runs a case once per leaf section) and skipped ones.
  std::size_t passes = 0;
  std::size_t skipped_passes = 0;
  std::size_t depth = 0;
  bool pass_skipped = false;
  std::vector<std::string> reasons;
};

SkipTally& tally() {
  static SkipTally t;
  return t;
}

class SkipListener : public Catch::TestEventListenerBase {
 public:
  using TestEventListenerBase::TestEventListenerBase;

  void testCaseStarting(const Catch::TestCaseInfo&) override {
    SkipTally& t = tally();
    t.passes = t.skipped_passes = t.depth = 0;
  }
  void sectionStarting(const Catch::SectionInfo&) override {
    SkipTally& t = tally();
    if (t.depth++ == 0) {  // the case's own section: a new pass
      ++t.passes;
      t.pass_skipped = false;
    }
  }
  void sectionEnded(const Catch::SectionStats&) override { --tally().depth; }
  void testCaseEnded(const Catch::TestCaseStats& stats) override {
    SkipTally& t = tally();
    ++t.cases_run;
    if (t.passes > 0 && t.skipped_passes == t.passes && stats.totals.assertions.failed == 0)
      ++t.cases_skipped;
  }
};

}  // namespace

CATCH_REGISTER_LISTENER(SkipListener)

void cofs::test::record_skip(const std::string& reason) {
  SkipTally& t = tally();
  if (!t.pass_skipped) {
    t.pass_skipped = true;
    ++t.skipped_passes;
  }
  t.reasons.push_back(Catch::getResultCapture().getCurrentTestName() + ": " + reason);
}

int main(int argc, char* argv[]) {
  Catch::Session session;
  if (int rc = session.applyCommandLine(argc, argv); rc != 0) return rc;
  int rc = session.run();
  const SkipTally& t = tally();
  if (!t.reasons.empty()) {
    std::fprintf(stderr, "skipped (%zu of %zu test cases wholly):\n", t.cases_skipped, t.cases_run);
    for (const std::string& r : t.reasons) std::fprintf(stderr, "  %s\n", r.c_str());
  }
  if (rc == 0 && t.cases_run > 0 && t.cases_skipped == t.cases_run)
    return cofs::test::kSkipReturnCode;
  return rc;
}
