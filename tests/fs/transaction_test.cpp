// Transactions: commit() stores the deferred writes; a transaction left without commit() is
// discarded by its destructor, which reports through its hook and never throws.
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cofs/cofs.hpp"

using namespace cofs;

namespace {

std::shared_ptr<FileSystem> fresh_memory() {
  auto fs = std::make_shared<MemoryFileSystem>();
  fs->mkdir("/tx");
  return fs;
}

struct Reports {
  std::vector<FileSystem::Transaction::Discarded> seen;
  FileSystem::Transaction::DiscardHook hook() {
    return [this](const FileSystem::Transaction::Discarded& d) { seen.push_back(d); };
  }
};

Task<void> failing_discard(bool) {
  throw std::runtime_error("the staging area is gone");
  co_return;
}

}  // namespace

TEST_CASE("commit stores the deferred writes together", "[transaction]") {
  auto fs = fresh_memory();
  Reports reports;
  {
    auto tx = fs->transaction(reports.hook());
    tx->pipe_file("/tx/a", std::string_view("one"));
    CHECK_FALSE(fs->exists("/tx/a"));  // deferred
    CHECK_FALSE(tx->exists("/tx/a"));  // reads through the view see what is stored
    tx.commit();
    CHECK(tx.ended());
    CHECK(fs->cat_file("/tx/a").str() == "one");
  }
  CHECK(reports.seen.empty());  // committed: nothing to report
}

TEST_CASE("a transaction left without commit is discarded, and says so", "[transaction]") {
  auto fs = fresh_memory();
  Reports reports;
  {
    auto tx = fs->transaction(reports.hook());
    tx->pipe_file("/tx/forgotten", std::string_view("never"));
  }
  CHECK_FALSE(fs->exists("/tx/forgotten"));
  REQUIRE(reports.seen.size() == 1);
  CHECK(reports.seen[0].protocol == "memory");
  CHECK_FALSE(reports.seen[0].unwinding);
  CHECK_FALSE(reports.seen[0].failure);
}

TEST_CASE("a transaction left by an exception is discarded", "[transaction]") {
  auto fs = fresh_memory();
  Reports reports;
  try {
    auto tx = fs->transaction(reports.hook());
    tx->pipe_file("/tx/aborted", std::string_view("never"));
    throw std::runtime_error("abort");
  } catch (const std::runtime_error&) {
  }
  CHECK_FALSE(fs->exists("/tx/aborted"));
  REQUIRE(reports.seen.size() == 1);
  CHECK(reports.seen[0].unwinding);
  CHECK_FALSE(reports.seen[0].failure);
}

TEST_CASE("a discard that fails in the destructor is reported, not thrown", "[transaction]") {
  auto fs = fresh_memory();
  Reports reports;
  {
    auto tx = fs->transaction(reports.hook());
    tx->pipe_file("/tx/staged", std::string_view("x"));
    tx->defer("test", "/tx/failing", failing_discard);
  }  // would terminate if the destructor threw
  REQUIRE(reports.seen.size() == 1);
  REQUIRE(reports.seen[0].failure);
  CHECK_THROWS_WITH(std::rethrow_exception(reports.seen[0].failure), "the staging area is gone");
  CHECK_FALSE(fs->exists("/tx/staged"));
}

TEST_CASE("discard drops the deferred writes and ends the transaction", "[transaction]") {
  auto fs = fresh_memory();
  Reports reports;
  {
    auto tx = fs->transaction(reports.hook());
    tx->pipe_file("/tx/dropped", std::string_view("x"));
    tx.discard();
    CHECK(tx.ended());
    // Ended twice: an error that names the call.
    CHECK_THROWS_WITH(tx.commit(),
                      Catch::Contains("commit") && Catch::Contains("already ended (discarded)"));
    CHECK_THROWS_WITH(tx.discard(),
                      Catch::Contains("discard") && Catch::Contains("already ended (discarded)"));
  }
  CHECK_FALSE(fs->exists("/tx/dropped"));
  CHECK(reports.seen.empty());  // ended explicitly: the destructor has nothing to do
}

TEST_CASE("a failing commit throws from commit() and ends the transaction", "[transaction]") {
  auto fs = fresh_memory();
  Reports reports;
  {
    auto tx = fs->transaction(reports.hook());
    tx->defer("test", "/tx/failing", failing_discard);
    CHECK_THROWS_WITH(tx.commit(), "the staging area is gone");
    CHECK(tx.ended());
  }
  CHECK(reports.seen.empty());
}

TEST_CASE("a transaction left on the loop's own thread is discarded there", "[transaction]") {
  // A coroutine cannot block on its own loop: the destructor takes the filesystem out of the
  // transaction at once and discards on the loop afterwards, reporting when done.
  auto fs = fresh_memory();
  Reports reports;
  auto on_loop = [](FileSystem* f, Reports* r) -> Task<void> {
    {
      auto tx = f->transaction(r->hook());
      co_await tx->async_pipe_file("/tx/in-coroutine", Bytes(std::string_view("x")));
      // commit() blocks: refused here, before it takes anything, so the transaction stays open.
      bool refused = false;
      try {
        tx.commit();
      } catch (const InvalidArgumentError&) {
        refused = true;
      }
      if (!refused || tx.ended())
        throw std::logic_error("commit() on the loop's thread was not refused cleanly");
    }
  };
  sync(fs->loop(), on_loop(fs.get(), &reports));
  // The report is made on the loop: read it there (sync orders it before this thread's reads).
  auto count = [](Reports* r) -> Task<std::size_t> { co_return r->seen.size(); };
  std::size_t seen = 0;
  for (int i = 0; i < 2000 && seen == 0; ++i) {
    seen = sync(fs->loop(), count(&reports));
    if (seen == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  REQUIRE(seen == 1);
  CHECK_FALSE(reports.seen[0].failure);
  CHECK_FALSE(fs->exists("/tx/in-coroutine"));
}

TEST_CASE("another thread's write through the same filesystem is not captured by a transaction",
          "[transaction][scope]") {
  // The filesystem is shared (as filesystem("memory") hands out a cached instance): one
  // caller's transaction must not defer, nor discard, what another caller writes.
  auto fs = fresh_memory();
  Reports reports;
  auto tx = fs->transaction(reports.hook());
  std::thread other([&fs] { fs->pipe_file("/tx/other", std::string_view("kept")); });
  other.join();
  CHECK(fs->exists("/tx/other"));  // written at once
  tx.discard();
  REQUIRE(fs->exists("/tx/other"));
  CHECK(fs->cat_file("/tx/other").str() == "kept");
}

namespace {
Task<void> write_in_transaction(FileSystem* fs, bool* saw_theirs) {
  auto tx = fs->transaction();
  co_await tx->async_pipe_file("/tx/mine", Bytes(std::string_view("mine")));
  co_await fs->loop().sleep_for(std::chrono::milliseconds(20));  // the other coroutine runs
  *saw_theirs = co_await fs->async_exists("/tx/theirs");
  co_await tx.async_discard();
}
Task<void> write_directly(FileSystem* fs) {
  co_await fs->async_pipe_file("/tx/theirs", Bytes(std::string_view("theirs")));
}
}  // namespace

TEST_CASE("a coroutine's transaction does not capture another coroutine's writes on its loop",
          "[transaction][scope]") {
  // Both run on the IO loop's thread: a transaction scoped to a thread could not tell them apart.
  auto fs = fresh_memory();
  bool saw_theirs = false;
  std::vector<Task<void>> both;
  both.push_back(write_in_transaction(fs.get(), &saw_theirs));
  both.push_back(write_directly(fs.get()));
  sync(fs->loop(), gather(std::move(both)));
  CHECK(saw_theirs);  // written at once, while the transaction was open
  CHECK(fs->cat_file("/tx/theirs").str() == "theirs");
  CHECK_FALSE(fs->exists("/tx/mine"));
}

TEST_CASE("a transaction works on a filesystem not held by a shared_ptr", "[transaction]") {
  MemoryFileSystem fs;
  {
    auto tx = fs.transaction();
    tx->pipe_file("/plain", std::string_view("x"));
    CHECK_FALSE(fs.exists("/plain"));
    tx.commit();
  }
  CHECK(fs.cat_file("/plain").str() == "x");
}
