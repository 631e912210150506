// The memory test program runs the conformance suite on MemoryFileSystem (each test on a store
// of its own) and on AsyncFileSystemWrapper around a blocking implementation.
#include "blocking_memory.hpp"
#include "conformance/conformance.hpp"

namespace cofs::testing {

std::vector<BackendSpec> conformance_backends() {
  return {{"memory",
           [] {
             auto b = std::make_unique<Backend>();
             b->fs = std::make_shared<MemoryFileSystem>();
             b->root = "/work";
             b->fs->mkdir(b->root);
             b->caps = b->fs->capabilities();
             return b;
           }},
          {"wrapped-blocking", [] {
             auto b = std::make_unique<Backend>();
             b->fs =
                 std::make_shared<AsyncFileSystemWrapper>(std::make_shared<BlockingMemory>(), 4);
             b->root = "/work";
             b->fs->mkdir(b->root);
             b->caps = b->fs->capabilities();
             return b;
           }}};
}

}  // namespace cofs::testing
