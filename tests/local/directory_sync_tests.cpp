// The atomic writer's directory syncs, shared by concurrent commits: a commit waits for a sync
// begun after its call, and the commits that arrive while one runs share the next.
#include <catch2/catch.hpp>

#include <ranges>
#include <vector>

#include "cofs/runtime/gather.hpp"
#include "local/engine.hpp"
#include "support.hpp"
#include "support/skip.hpp"

using namespace cofs;
using namespace cofs::local;
using cofs::test::LoopThread;
using cofs::test::TempDir;

namespace {

std::unique_ptr<Engine> make(IoLoop& loop, LocalEngine kind) {
  switch (kind) {
    case LocalEngine::uring:
      return make_uring_engine(loop, {});
    case LocalEngine::aio:
      return make_aio_engine(loop, {});
    case LocalEngine::threads:
      return make_threads_engine(loop);
  }
  return nullptr;
}

void shared_syncs(LocalEngine kind) {
  LoopThread lt;
  std::unique_ptr<Engine> e;
  try {
    e = make(lt.loop, kind);
  } catch (const std::exception& x) {
    COFS_SKIP("the " << to_string(kind) << " engine cannot start here (" << x.what() << ")");
  }
  TempDir dir;
  const std::string path = dir.path();
  auto one = [&](int) { return e->directory_syncs().sync(*e, path); };
  auto results = lt.run(gather(std::views::iota(0, 32) | std::views::transform(one), {}));
  for (auto& r : results) CHECK(r.value() == 0);
  // The first call's sync runs while the other 31 arrive: they share the one after it. Not one:
  // that first sync may have begun before their callers' renames.
  CHECK(e->directory_syncs().syncs_begun() == 2);
  // Idle again: the next call runs its own.
  CHECK(lt.run(e->directory_syncs().sync(*e, path)) == 0);
  CHECK(e->directory_syncs().syncs_begun() == 3);
  // A directory that is not there is its open's error, for every call that shared the sync.
  const std::string missing = dir / "missing";
  auto gone = [&](int) { return e->directory_syncs().sync(*e, missing); };
  auto failed = lt.run(gather(std::views::iota(0, 4) | std::views::transform(gone), {}));
  for (auto& r : failed) CHECK(r.value() == -ENOENT);
}

}  // namespace

TEST_CASE("directory syncs: concurrent commits share the sync after the running one (uring)",
          "[local][engine][uring]") {
  shared_syncs(LocalEngine::uring);
}
TEST_CASE("directory syncs: concurrent commits share the sync after the running one (aio)",
          "[local][engine][aio]") {
  shared_syncs(LocalEngine::aio);
}
TEST_CASE("directory syncs: concurrent commits share the sync after the running one (threads)",
          "[local][engine][threads]") {
  shared_syncs(LocalEngine::threads);
}
