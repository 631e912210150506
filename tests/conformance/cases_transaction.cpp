// Conformance: transactions. Writes made through a transaction's view (tx.fs()) are deferred
// until it commits and dropped when it is discarded; the filesystem itself, and whoever else
// writes through it, writes at once. rm and mv act at once, as in fsspec.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <type_traits>

#include "conformance.hpp"

using namespace cofs;
using namespace cofs::testing;
namespace stdfs = std::filesystem;

namespace {

/// The same API as `via`, through the transaction's view.
template <class Via>
Via through(Transaction& tx, Via& via) {
  return Via{tx.fs(), via.seed};
}

/// Ends the transaction through the API of `Via`: commit()/discard() in the blocking section,
/// co_await async_commit()/async_discard() in the async one.
template <class Via>
auto end(Transaction& tx, bool commit) {
  if constexpr (std::is_same_v<Via, BlockingVia>) {
    return blocking_call([&tx, commit] { commit ? tx.commit() : tx.discard(); });
  } else {
    return commit ? tx.async_commit() : tx.async_discard();
  }
}

struct LocalDir {
  stdfs::path path;
  LocalDir() {
    char tmpl[] = "/tmp/cofs-tx-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~LocalDir() { stdfs::remove_all(path); }
  std::string at(std::string_view rel) const { return (path / rel).string(); }
};

void spit(const std::string& p, std::string_view data) {
  stdfs::create_directories(stdfs::path(p).parent_path());
  std::ofstream(p, std::ios::binary) << data;
}

}  // namespace

CONFORMANCE_CASE("writes through a transaction are deferred until it commits", Cap::write) {
  auto tx = b.fs->transaction();
  Via in = through(tx, via);
  co_await in.pipe_file(b.at("piped"), std::string_view("one"));
  auto f = co_await in.open(b.at("opened"), "wb");
  co_await f.write("two");
  co_await f.close();
  std::map<std::string, Bytes> many;
  many.emplace(b.at("bulk"), Bytes(std::string_view("three")));
  std::vector<PathError> failed = co_await in.pipe(std::move(many));
  co_await in.touch(b.at("touched"));
  bool piped = co_await via.exists(b.at("piped"));
  bool opened = co_await via.exists(b.at("opened"));
  bool bulk = co_await via.exists(b.at("bulk"));
  bool touched = co_await via.exists(b.at("touched"));
  bool seen_through_view = co_await in.exists(b.at("piped"));  // reads see what is stored
  CHECK(failed.empty());
  CHECK_FALSE(piped);
  CHECK_FALSE(opened);
  CHECK_FALSE(bulk);
  CHECK_FALSE(touched);
  CHECK_FALSE(seen_through_view);
  co_await end<Via>(tx, true);
  Bytes one = co_await via.cat_file(b.at("piped"));
  Bytes two = co_await via.cat_file(b.at("opened"));
  Bytes three = co_await via.cat_file(b.at("bulk"));
  std::uint64_t empty = co_await via.size(b.at("touched"));
  CHECK(str(one) == "one");
  CHECK(str(two) == "two");
  CHECK(str(three) == "three");
  CHECK(empty == 0);
}

CONFORMANCE_CASE("a discarded transaction leaves no trace of its writes", Cap::write) {
  co_await via.write(b.at("kept"), "old");
  auto tx = b.fs->transaction();
  Via in = through(tx, via);
  co_await in.pipe_file(b.at("kept"), std::string_view("new"));
  auto f = co_await in.open(b.at("fresh"), "wb");
  co_await f.write("never");
  co_await f.close();
  co_await end<Via>(tx, false);
  Bytes kept = co_await via.cat_file(b.at("kept"));
  bool fresh = co_await via.exists(b.at("fresh"));
  CHECK(str(kept) == "old");
  CHECK_FALSE(fresh);
}

CONFORMANCE_CASE("writes through the filesystem itself are never part of a transaction",
                 Cap::write) {
  // Another caller of the same filesystem (here the same thread, or in the async section the
  // IO loop's thread, where every caller's coroutine runs): only the view defers.
  auto tx = b.fs->transaction();
  Via in = through(tx, via);
  co_await in.pipe_file(b.at("deferred"), std::string_view("mine"));
  co_await via.pipe_file(b.at("direct"), std::string_view("theirs"));
  auto f = co_await via.open(b.at("direct-file"), "wb");
  co_await f.write("theirs too");
  co_await f.close();
  bool direct = co_await via.exists(b.at("direct"));
  bool direct_file = co_await via.exists(b.at("direct-file"));
  CHECK(direct);  // at once
  CHECK(direct_file);
  co_await end<Via>(tx, false);
  Bytes kept = co_await via.cat_file(b.at("direct"));
  Bytes kept_file = co_await via.cat_file(b.at("direct-file"));
  bool deferred = co_await via.exists(b.at("deferred"));
  CHECK(str(kept) == "theirs");  // not swept into the discard
  CHECK(str(kept_file) == "theirs too");
  CHECK_FALSE(deferred);
}

CONFORMANCE_CASE("put and copy through a transaction are deferred like any write", Cap::write) {
  LocalDir local;
  spit(local.at("up.txt"), "uploaded");
  co_await via.write(b.at("src"), "copied");
  auto tx = b.fs->transaction();
  Via in = through(tx, via);
  std::vector<PathError> put_failed = co_await in.put(local.at("up.txt"), b.at("up"));
  co_await in.put_file(local.at("up.txt"), b.at("up-file"));
  std::vector<PathError> copy_failed = co_await in.copy(b.at("src"), b.at("copy"));
  co_await in.cp_file(b.at("src"), b.at("cp"));
  bool up = co_await via.exists(b.at("up"));
  bool up_file = co_await via.exists(b.at("up-file"));
  bool copy = co_await via.exists(b.at("copy"));
  bool cp = co_await via.exists(b.at("cp"));
  CHECK(put_failed.empty());
  CHECK(copy_failed.empty());
  CHECK_FALSE(up);
  CHECK_FALSE(up_file);
  CHECK_FALSE(copy);
  CHECK_FALSE(cp);
  co_await end<Via>(tx, true);
  Bytes up_got = co_await via.cat_file(b.at("up"));
  Bytes up_file_got = co_await via.cat_file(b.at("up-file"));
  Bytes copy_got = co_await via.cat_file(b.at("copy"));
  Bytes cp_got = co_await via.cat_file(b.at("cp"));
  CHECK(str(up_got) == "uploaded");
  CHECK(str(up_file_got) == "uploaded");
  CHECK(str(copy_got) == "copied");
  CHECK(str(cp_got) == "copied");
}

CONFORMANCE_CASE("rm through a transaction acts at once, and a discard does not bring it back",
                 Cap::write) {
  co_await via.write(b.at("doomed"), "x");
  auto tx = b.fs->transaction();
  Via in = through(tx, via);
  co_await in.rm(b.at("doomed"));
  bool during = co_await via.exists(b.at("doomed"));
  CHECK_FALSE(during);
  co_await end<Via>(tx, false);
  bool after = co_await via.exists(b.at("doomed"));
  CHECK_FALSE(after);
}

CONFORMANCE_CASE("mv through a transaction acts at once and whole, so a discard loses nothing",
                 Cap::write) {
  co_await via.write(b.at("one"), "1");
  co_await via.write(b.at("tree/a"), "A");
  co_await via.write(b.at("tree/s/b"), "B");
  auto tx = b.fs->transaction();
  Via in = through(tx, via);
  co_await in.mv(b.at("one"), b.at("moved-one"));
  co_await in.mv(b.at("tree"), b.at("moved-tree"), BulkOptions{.recursive = true});
  bool one_there = co_await via.exists(b.at("moved-one"));
  bool tree_there = co_await via.exists(b.at("moved-tree/s/b"));
  CHECK(one_there);
  CHECK(tree_there);
  co_await end<Via>(tx, false);
  Bytes one = co_await via.cat_file(b.at("moved-one"));
  Bytes a = co_await via.cat_file(b.at("moved-tree/a"));
  Bytes deep = co_await via.cat_file(b.at("moved-tree/s/b"));
  bool old_one = co_await via.exists(b.at("one"));
  bool old_tree = co_await via.exists(b.at("tree/a"));
  CHECK(str(one) == "1");
  CHECK(str(a) == "A");
  CHECK(str(deep) == "B");
  CHECK_FALSE(old_one);
  CHECK_FALSE(old_tree);
}

CONFORMANCE_CASE("the last of several writes to one path in a transaction wins", Cap::write) {
  auto tx = b.fs->transaction();
  Via in = through(tx, via);
  co_await in.pipe_file(b.at("p"), std::string_view("piped first"));
  auto f = co_await in.open(b.at("p"), "wb");
  co_await f.write("opened last");
  co_await f.close();
  auto g = co_await in.open(b.at("q"), "wb");
  co_await g.write("opened first");
  co_await g.close();
  co_await in.pipe_file(b.at("q"), std::string_view("piped last"));
  co_await end<Via>(tx, true);
  Bytes p = co_await via.cat_file(b.at("p"));
  Bytes q = co_await via.cat_file(b.at("q"));
  CHECK(str(p) == "opened last");
  CHECK(str(q) == "piped last");
}

CONFORMANCE_CASE("a write through a transaction that has ended is refused, naming it", Cap::write) {
  auto tx = b.fs->transaction();
  Via in = through(tx, via);
  auto f = co_await in.open(b.at("late"), "wb");
  co_await f.write("closed too late");
  co_await end<Via>(tx, true);
  // A file still open at the end is not part of the commit: its close is refused, and drops it.
  CHECK_THROWS_NAMING(co_await f.close(), InvalidArgumentError, "late", "ended (committed)");
  CHECK_THROWS_NAMING(co_await in.pipe_file(b.at("after"), std::string_view("x")),
                      InvalidArgumentError, "pipe_file", "after", "ended (committed)");
  CHECK_THROWS_NAMING(co_await in.open(b.at("after"), "wb"), InvalidArgumentError, "open", "after");
  bool late = co_await via.exists(b.at("late"));
  bool after = co_await via.exists(b.at("after"));
  CHECK_FALSE(late);
  CHECK_FALSE(after);
}

CONFORMANCE_CASE("ending a transaction twice is refused, naming the call", Cap::write) {
  auto tx = b.fs->transaction();
  Via in = through(tx, via);
  co_await in.pipe_file(b.at("once"), std::string_view("1"));
  co_await end<Via>(tx, true);
  CHECK_THROWS_NAMING(co_await end<Via>(tx, true), InvalidArgumentError, "commit",
                      "already ended (committed)");
  CHECK_THROWS_NAMING(co_await end<Via>(tx, false), InvalidArgumentError, "discard",
                      "already ended (committed)");
  Bytes once = co_await via.cat_file(b.at("once"));
  CHECK(str(once) == "1");  // still committed
}

// The destructor's discard: a blocking-API scope (in a coroutine it discards in the background).
TEST_CASE("a transaction left by an exception discards its writes", "[conformance]") {
  for_each_backend({Cap::write}, [](Backend& b) {
    FileSystem& fs = *b.fs;
    fs.pipe_file(b.at("tx1"), std::string_view("one"));
    try {
      auto tx = fs.transaction();
      tx->pipe_file(b.at("tx3"), std::string_view("never"));
      tx->pipe_file(b.at("tx1"), std::string_view("changed"));
      throw std::runtime_error("abort");
    } catch (const std::runtime_error&) {
    }
    CHECK_FALSE(fs.exists(b.at("tx3")));
    CHECK(str(fs.cat_file(b.at("tx1"))) == "one");
  });
}
