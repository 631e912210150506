// The conformance suite on LocalFileSystem, once per engine (forced through the option; on the
// epoll reactor the uring case falls back to aio, as it would in production), each test in a
// fresh directory under /tmp.
#include "cofs/local/local_fs.hpp"
#include "conformance/conformance.hpp"
#include "support.hpp"

namespace cofs::testing {

namespace {

std::unique_ptr<Backend> local_backend(LocalEngine engine) {
  auto b = std::make_unique<Backend>();
  auto dir = std::make_shared<test::TempDir>();
  // Without fsync: the suite checks what a write leaves, over ~900 fresh backends; durability
  // (fsync of the file and its directory) is local's own tests' concern (write_tests.cpp).
  b->fs =
      std::make_shared<LocalFileSystem>(nullptr, LocalOptions{.engine = engine, .fsync = false});
  b->root = dir->path();
  b->caps = b->fs->capabilities();
  b->cleanup = [dir] {};  // the directory goes with the last reference
  return b;
}

}  // namespace

std::vector<BackendSpec> conformance_backends() {
  return {{"local-uring", [] { return local_backend(LocalEngine::uring); }},
          {"local-aio", [] { return local_backend(LocalEngine::aio); }},
          {"local-threads", [] { return local_backend(LocalEngine::threads); }}};
}

}  // namespace cofs::testing
