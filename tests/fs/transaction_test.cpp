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
    fs->pipe_file("/tx/a", std::string_view("one"));
    CHECK_FALSE(fs->exists("/tx/a"));  // deferred
    tx.commit();
    CHECK(tx.ended());
    CHECK(fs->cat_file("/tx/a").str() == "one");
  }
  CHECK(reports.seen.empty());  // committed: nothing to report
  CHECK_FALSE(fs->in_transaction());
}

TEST_CASE("a transaction left without commit is discarded, and says so", "[transaction]") {
  auto fs = fresh_memory();
  Reports reports;
  {
    auto tx = fs->transaction(reports.hook());
    fs->pipe_file("/tx/forgotten", std::string_view("never"));
  }
  CHECK_FALSE(fs->exists("/tx/forgotten"));
  CHECK_FALSE(fs->in_transaction());
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
    fs->pipe_file("/tx/aborted", std::string_view("never"));
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
    fs->pipe_file("/tx/staged", std::string_view("x"));
    REQUIRE(fs->defer(failing_discard));
  }  // would terminate if the destructor threw
  CHECK_FALSE(fs->in_transaction());
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
    fs->pipe_file("/tx/dropped", std::string_view("x"));
    tx.discard();
    CHECK_FALSE(fs->in_transaction());
    CHECK_THROWS_AS(tx.commit(), InvalidArgumentError);  // ended already
  }
  CHECK_FALSE(fs->exists("/tx/dropped"));
  CHECK(reports.seen.empty());  // ended explicitly: the destructor has nothing to do
}

TEST_CASE("a failing commit throws from commit() and ends the transaction", "[transaction]") {
  auto fs = fresh_memory();
  Reports reports;
  {
    auto tx = fs->transaction(reports.hook());
    REQUIRE(fs->defer(failing_discard));
    CHECK_THROWS_WITH(tx.commit(), "the staging area is gone");
    CHECK(tx.ended());
    CHECK_FALSE(fs->in_transaction());
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
      co_await f->async_pipe_file("/tx/in-coroutine", Bytes(std::string_view("x")));
      // commit() blocks: refused here, before it takes anything, so the transaction stays open.
      bool refused = false;
      try {
        tx.commit();
      } catch (const InvalidArgumentError&) {
        refused = true;
      }
      if (!refused || tx.ended() || !f->in_transaction())
        throw std::logic_error("commit() on the loop's thread was not refused cleanly");
    }
    if (f->in_transaction()) throw std::logic_error("still in the transaction");
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
