// MemoryFileSystem(loop, MemoryOptions), the shape of every backend's constructor: a store shared
// or a new one, and a batch size, in code and by name.
#include <catch2/catch.hpp>

#include "cofs/cofs.hpp"

TEST_CASE("memory options: a shared store, a store of its own, a batch size",
          "[memory][settings]") {
  auto store = cofs::MemoryFileSystem::global_store();
  auto a = std::make_shared<cofs::MemoryFileSystem>(nullptr, cofs::MemoryOptions{.store = store});
  auto b = std::make_shared<cofs::MemoryFileSystem>(nullptr, cofs::MemoryOptions{.store = store});
  auto own = std::make_shared<cofs::MemoryFileSystem>();
  a->pipe_file("/memory-options/f", std::string_view("shared"));
  CHECK(b->cat_file("/memory-options/f") == "shared");
  CHECK(cofs::filesystem("memory")->cat_file("/memory-options/f") == "shared");  // the global store
  CHECK_FALSE(own->exists("/memory-options/f"));
  a->rm_file("/memory-options/f");

  CHECK_FALSE(own->batch_size());
  auto sized =
      std::make_shared<cofs::MemoryFileSystem>(nullptr, cofs::MemoryOptions{.batch_size = 7});
  CHECK(sized->batch_size() == 7);
  CHECK(sized->resolve_batch("cat", std::nullopt, false) == 7);
  auto named = cofs::filesystem("memory", {{"batch_size", "9"}});
  CHECK(named->batch_size() == 9);
  CHECK_THROWS_AS(cofs::filesystem("memory", {{"batch_size", "many"}}), cofs::InvalidArgumentError);
}
