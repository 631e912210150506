// The three local engines behind one interface: the same primitives give the same results, errors
// come back as -errno, short reads are resubmitted, special files read whole, and an engine that
// cannot start falls back to the next.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "cofs/backend/loop.hpp"
#include "cofs/runtime/gather.hpp"
#include "local/engine.hpp"
#include "local/threads_engine.hpp"
#include "support.hpp"
#include "support/skip.hpp"

using namespace cofs;
using namespace cofs::local;
using cofs::test::LoopThread;
using cofs::test::TempDir;
using cofs::test::write_file;

namespace {

std::unique_ptr<Engine> make(IoLoop& loop, LocalEngine kind, bool direct = false) {
  EngineOptions o;
  o.direct_io = direct;
  switch (kind) {
    case LocalEngine::uring:
      return make_uring_engine(loop, o);
    case LocalEngine::aio:
      return make_aio_engine(loop, o);
    case LocalEngine::threads:
      return make_threads_engine(loop);
  }
  return nullptr;
}

/// Runs `body` on `kind` with a loop of its own, or skips when that engine cannot start here (no
/// ring on the epoll reactor or in a sandbox, io_setup refused, or forced through
/// COFS_LOCAL_URING_PROBE_FAIL / COFS_LOCAL_AIO_SETUP_FAIL).
template <class Body>
void on_engine(LocalEngine kind, Body body) {
  LoopThread lt;
  try {
    make(lt.loop, kind);
  } catch (const std::exception& e) {
    COFS_SKIP("the " << to_string(kind) << " engine cannot start here (" << e.what() << ")");
  }
  body(lt, kind);
}

}  // namespace

// A case on every engine: one test case per engine, tagged with it, so that an engine missing
// here shows as skipped cases (its own CTest run, see tests/CMakeLists.txt), never as passes.
#define ENGINE_TEST_CASE(body, name, tags)            \
  static void body(LoopThread& lt, LocalEngine kind); \
  TEST_CASE(name " (uring)", tags "[uring]") {        \
    on_engine(LocalEngine::uring, body);              \
  }                                                   \
  TEST_CASE(name " (aio)", tags "[aio]") {            \
    on_engine(LocalEngine::aio, body);                \
  }                                                   \
  TEST_CASE(name " (threads)", tags "[threads]") {    \
    on_engine(LocalEngine::threads, body);            \
  }                                                   \
  static void body(LoopThread& lt, LocalEngine kind)

namespace {

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  return s;
}

Task<std::string> read_whole(Engine& e, std::string path) {
  Bytes out;
  int r = co_await e.read_file(path.c_str(), out);
  if (r < 0) co_return "error " + std::to_string(-r);
  co_return out.str();
}

/// Delegates to another engine but never reads or writes more than 7 bytes at once.
class ShortIoEngine final : public ThreadsEngine {
 public:
  ShortIoEngine(IoLoop& loop, Engine& inner) : ThreadsEngine(loop), inner_(inner) {}
  Task<long> pread(int fd, void* buf, std::size_t n, std::uint64_t off) override {
    ++calls;
    co_return co_await inner_.pread(fd, buf, std::min<std::size_t>(n, 7), off);
  }
  Task<long> pwrite(int fd, const void* buf, std::size_t n, std::uint64_t off) override {
    ++calls;
    co_return co_await inner_.pwrite(fd, buf, std::min<std::size_t>(n, 7), off);
  }
  int calls = 0;

 private:
  Engine& inner_;
};

}  // namespace

ENGINE_TEST_CASE(write_read_back, "engines: write, read back, offsets and holes",
                 "[local][engine]") {
  for (bool direct : {false, true}) {
    if (direct && kind != LocalEngine::aio) continue;
    DYNAMIC_SECTION((direct ? "O_DIRECT" : "buffered")) {
      TempDir dir;
      auto e = make(lt.loop, kind, direct);
      REQUIRE(e->kind() == kind);
      std::string p = dir / "f.bin";
      std::string data = pattern(300'000);
      lt.run([&]() -> Task<void> {
        int fd = co_await e->open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        REQUIRE(fd >= 0);
        auto r1 = co_await e->write_full(fd, data.data(), data.size(), 0);
        REQUIRE(r1 == 0);
        // Past the end: the gap reads as zeros.
        auto r2 = co_await e->write_full(fd, "END", 3, data.size() + 10);
        REQUIRE(r2 == 0);
        auto r3 = co_await e->fsync(fd, false);
        REQUIRE(r3 == 0);
        auto r4 = co_await e->fsync(fd, true);
        REQUIRE(r4 == 0);
        auto r5 = co_await e->close(fd);
        REQUIRE(r5 == 0);

        struct statx st {};
        auto r6 = co_await e->stat(p.c_str(), true, &st);
        REQUIRE(r6 == 0);
        CHECK(st.stx_size == data.size() + 13);
        CHECK(S_ISREG(st.stx_mode));

        fd = co_await e->open(p.c_str(), O_RDONLY, 0);
        REQUIRE(fd >= 0);
        auto r7 = co_await e->fstat(fd, &st);
        REQUIRE(r7 == 0);
        CHECK(st.stx_size == data.size() + 13);
        std::string buf(1000, '?');
        long n = co_await e->read_full(fd, buf.data(), 1000, 12345);
        CHECK(n == 1000);
        CHECK(buf == data.substr(12345, 1000));
        // At the end: a short count, then nothing.
        n = co_await e->read_full(fd, buf.data(), 1000, data.size() + 5);
        REQUIRE(n == 8);
        CHECK(buf.substr(0, 8) == std::string(5, '\0') + "END");
        auto r8 = co_await e->read_full(fd, buf.data(), 10, data.size() + 100);
        CHECK(r8 == 0);
        auto r11 = co_await e->close(fd);
        REQUIRE(r11 == 0);
      }());
      CHECK(lt.run(read_whole(*e, p)) == data + std::string(10, '\0') + "END");
    }
  }
}

ENGINE_TEST_CASE(whole_file_reads, "engines: whole-file reads of every size", "[local][engine]") {
  TempDir dir;
  // Around the uring engine's linked-read guess (64 KiB) and empty files.
  std::vector<std::size_t> sizes{0, 1, 4096, 65535, 65536, 65537, 1'000'003};
  for (std::size_t s : sizes) write_file(dir / std::to_string(s), pattern(s));
  auto e = make(lt.loop, kind);
  for (std::size_t s : sizes) {
    INFO("size " << s);
    CHECK(lt.run(read_whole(*e, dir / std::to_string(s))) == pattern(s));
  }
  CHECK(lt.run(read_whole(*e, dir / "missing")) == "error 2");
  CHECK(lt.run(read_whole(*e, dir.path())) == "error 21");
}

ENGINE_TEST_CASE(metadata_errors, "engines: metadata primitives return -errno", "[local][engine]") {
  TempDir dir;
  auto e = make(lt.loop, kind);
  std::string d = dir / "sub", f = d + "/x", g = dir / "y";
  lt.run([&]() -> Task<void> {
    auto r12 = co_await e->mkdir(d.c_str(), 0755);
    REQUIRE(r12 == 0);
    auto r13 = co_await e->mkdir(d.c_str(), 0755);
    CHECK(r13 == -EEXIST);
    int fd = co_await e->open(f.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    REQUIRE(fd >= 0);
    co_await e->close(fd);
    auto r14 = co_await e->open(f.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    CHECK(r14 == -EEXIST);
    auto r15 = co_await e->open((dir / "nope").c_str(), O_RDONLY, 0);
    CHECK(r15 == -ENOENT);
    auto r16 = co_await e->open(d.c_str(), O_WRONLY, 0);
    CHECK(r16 == -EISDIR);
    auto r17 = co_await e->rmdir(d.c_str());
    CHECK(r17 == -ENOTEMPTY);
    auto r18 = co_await e->unlink(d.c_str());
    CHECK(r18 == -EISDIR);
    auto r19 = co_await e->rmdir(f.c_str());
    CHECK(r19 == -ENOTDIR);
    auto r20 = co_await e->rename(f.c_str(), g.c_str());
    REQUIRE(r20 == 0);
    struct statx st {};
    auto r21 = co_await e->stat(f.c_str(), false, &st);
    CHECK(r21 == -ENOENT);
    auto r22 = co_await e->stat(g.c_str(), false, &st);
    REQUIRE(r22 == 0);
    CHECK(st.stx_size == 0);
    CHECK((st.stx_mode & 0777) == 0600);
    auto r23 = co_await e->unlink(g.c_str());
    REQUIRE(r23 == 0);
    auto r24 = co_await e->rmdir(d.c_str());
    REQUIRE(r24 == 0);
    auto r25 = co_await e->unlink(g.c_str());
    CHECK(r25 == -ENOENT);
    auto r26 = co_await e->rename(g.c_str(), f.c_str());
    CHECK(r26 == -ENOENT);
  }());
}

ENGINE_TEST_CASE(listing_details, "engines: directory listing with details", "[local][engine]") {
  TempDir dir;
  write_file(dir / "a", "hello");
  std::filesystem::create_directory(dir / "d");
  std::filesystem::create_symlink("a", dir / "link");
  std::filesystem::create_symlink("gone", dir / "dangling");
  auto e = make(lt.loop, kind);
  DirListing l = lt.run(e->list_dir(dir.path(), true));
  REQUIRE(l.error == 0);
  REQUIRE(l.entries.size() == 4);
  std::map<std::string, EntryDetails> by;
  for (auto& x : l.entries) {
    REQUIRE(x.details);
    by[x.name] = *x.details;
  }
  CHECK(by["a"].st.stx_size == 5);
  CHECK(S_ISDIR(by["d"].st.stx_mode));
  CHECK(S_ISLNK(by["link"].st.stx_mode));
  CHECK(by["link"].link_target == "a");
  CHECK(by["link"].link_target_ok);
  CHECK(by["link"].target.stx_size == 5);
  CHECK(by["dangling"].link_target == "gone");
  CHECK_FALSE(by["dangling"].link_target_ok);
  CHECK(lt.run(e->list_dir(dir / "missing", false)).error == ENOENT);
  CHECK(lt.run(e->list_dir(dir / "a", false)).error == ENOTDIR);
}

ENGINE_TEST_CASE(special_files, "engines: /proc and /sys files read whole",
                 "[local][engine][special]") {
  auto e = make(lt.loop, kind);
  // procfs reports size 0 and hands out one page per read: both must be read to the end.
  std::string status = lt.run(read_whole(*e, "/proc/self/status"));
  CHECK(status.find("Name:") == 0);
  CHECK(status.find("VmRSS:") != std::string::npos);
  std::string maps = lt.run(read_whole(*e, "/proc/self/maps"));
  CHECK(maps.size() > 100);
  CHECK(maps.back() == '\n');
  std::string cpuinfo = lt.run(read_whole(*e, "/proc/cpuinfo"));
  CHECK(cpuinfo == test::read_file("/proc/cpuinfo"));
  std::string ostype = lt.run(read_whole(*e, "/proc/sys/kernel/ostype"));
  CHECK(ostype == "Linux\n");
  CHECK(is_special_path("/proc/self/status"));
  CHECK(is_special_path("/sys"));
  CHECK_FALSE(is_special_path("/process"));
  int fd = ::open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  struct statx st {};
  REQUIRE(::statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &st) == 0);
  CHECK(is_special_file(fd, st));
  ::close(fd);
  int p[2];
  REQUIRE(::pipe(p) == 0);
  REQUIRE(::statx(p[0], "", AT_EMPTY_PATH, STATX_BASIC_STATS, &st) == 0);
  CHECK(is_special_file(p[0], st));
  ::close(p[0]);
  ::close(p[1]);
}

ENGINE_TEST_CASE(short_io_resubmitted, "engines: short reads and writes are resubmitted",
                 "[local][engine]") {
  TempDir dir;
  std::string data = pattern(1000);
  write_file(dir / "f", data);
  auto inner = make(lt.loop, kind);
  ShortIoEngine e(lt.loop, *inner);
  std::string p = dir / "f", q = dir / "g";
  Bytes out;
  lt.run([&]() -> Task<void> {
    struct statx st {};
    int fd = co_await e.open_and_stat(p.c_str(), O_RDONLY, 0, &st);
    REQUIRE(fd >= 0);
    auto r27 = co_await e.read_to_end(fd, st, out);
    REQUIRE(r27 == 0);
    co_await e.close(fd);
    fd = co_await e.open(q.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    REQUIRE(fd >= 0);
    auto r28 = co_await e.write_full(fd, data.data(), data.size(), 0);
    REQUIRE(r28 == 0);
    co_await e.close(fd);
  }());
  CHECK(out.view() == data);
  CHECK(test::read_file(q) == data);
  CHECK(e.calls >= 2 * 1000 / 7);
}

ENGINE_TEST_CASE(size_changes_while_read, "engines: a file that changes size while read",
                 "[local][engine]") {
  TempDir dir;
  std::string p = dir / "f";
  auto e = make(lt.loop, kind);
  write_file(p, pattern(5000));
  Bytes grown, shrunk;
  lt.run([&]() -> Task<void> {
    struct statx st {};
    int fd = co_await e->open_and_stat(p.c_str(), O_RDONLY, 0, &st);
    REQUIRE(fd >= 0);
    // Grows after the fstat: read_to_end keeps reading past the size it was given.
    int w = ::open(p.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    REQUIRE(::write(w, "+more", 5) == 5);
    auto r29 = co_await e->read_to_end(fd, st, grown);
    REQUIRE(r29 == 0);
    // Shrinks after it: what is there is read, no more.
    auto r_st = co_await e->fstat(fd, &st);
    REQUIRE(r_st == 0);
    REQUIRE(::ftruncate(w, 100) == 0);
    auto r30 = co_await e->read_to_end(fd, st, shrunk);
    REQUIRE(r30 == 0);
    ::close(w);
    co_await e->close(fd);
  }());
  CHECK(grown.view() == pattern(5000) + "+more");
  CHECK(shrunk.view() == pattern(100));
}

TEST_CASE("uring engine: a cancelled read ends without touching a freed frame",
          "[local][engine][uring]") {
  LoopThread lt;
  if (cofs::backend::ring(lt.loop) == nullptr) {
    // The epoll reactor has no ring: the engine must refuse to start, not crash.
    CHECK_THROWS_AS(make_uring_engine(lt.loop, {}), std::system_error);
    COFS_SKIP("no io_uring ring on this loop (" << lt.loop.reactor_name() << " reactor)");
  }
  std::unique_ptr<Engine> e;
  try {
    e = make_uring_engine(lt.loop, {});
  } catch (const std::exception& x) {
    COFS_SKIP("the uring engine cannot start here (" << x.what() << ")");
  }
  int p[2];
  REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
  // Three reads time out: sync() cancels each through its stop token and returns at once.
  auto read_pipe = [](Engine& e, int fd) -> Task<long> {
    char buf[16];
    co_return co_await e.pread(fd, buf, sizeof buf, static_cast<std::uint64_t>(-1));
  };
  for (int i = 0; i < 3; ++i) {
    CHECK_THROWS_AS(sync(lt.loop, read_pipe(*e, p[0]), std::chrono::milliseconds(20)),
                    TimeoutError);
  }
  // The cancellations end the reads (each resumed from its own CQE, in a live frame).
  auto pending = [&]() -> Task<std::size_t> {
    co_return cofs::backend::pending_operations(lt.loop);
  };
  for (int i = 0; i < 500 && lt.run(pending()) != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(lt.run(pending()) == 0);
  // Had a cancelled read survived, it would now consume this byte into a dead frame.
  REQUIRE(::write(p[1], "x", 1) == 1);
  char c = 0;
  lt.run([&]() -> Task<void> {
    long n = co_await e->pread(p[0], &c, 1, static_cast<std::uint64_t>(-1));
    CHECK(n == 1);
  }());
  CHECK(c == 'x');
  ::close(p[0]);
  ::close(p[1]);
}

TEST_CASE("engine choice: option, environment, probe and fallback", "[local][engine][fallback]") {
  LoopThread lt;
  bool ring = cofs::backend::ring(lt.loop) != nullptr;

  SECTION("automatic probe") {
    auto e = make_engine(lt.loop, {});
    CHECK(e->kind() == (ring ? LocalEngine::uring : LocalEngine::aio));
  }
  SECTION("the uring probe fails on purpose: aio serves, with a notice") {
    EngineOptions o;
    o.fail_uring_probe = true;
    auto before = engine_notices().size();
    auto e = make_engine(lt.loop, o);
    CHECK(e->kind() == LocalEngine::aio);
    auto notices = engine_notices();
    REQUIRE(notices.size() == before + 1);
    CHECK(notices.back().find("'uring' cannot start") != std::string::npos);
    CHECK(notices.back().find("falling back to 'aio'") != std::string::npos);
  }
  SECTION("the probe fails through the environment hook") {
    ::setenv("COFS_LOCAL_URING_PROBE_FAIL", "1", 1);
    auto e = make_engine(lt.loop, {});
    ::unsetenv("COFS_LOCAL_URING_PROBE_FAIL");
    CHECK(e->kind() == LocalEngine::aio);
  }
  SECTION("uring and aio both fail: threads serves") {
    EngineOptions o;
    o.engine = LocalEngine::uring;
    o.fail_uring_probe = true;
    o.fail_aio_setup = true;
    auto e = make_engine(lt.loop, o);
    CHECK(e->kind() == LocalEngine::threads);
    CHECK(engine_notices().back().find("falling back to 'threads'") != std::string::npos);
  }
  SECTION("the option beats the environment") {
    ::setenv("COFS_LOCAL_ENGINE", "threads", 1);
    auto from_env = make_engine(lt.loop, {});
    EngineOptions o;
    o.engine = LocalEngine::aio;
    auto from_option = make_engine(lt.loop, o);
    ::unsetenv("COFS_LOCAL_ENGINE");
    CHECK(from_env->kind() == LocalEngine::threads);
    CHECK(from_option->kind() == LocalEngine::aio);
  }
  SECTION("uring asked for on the epoll reactor falls back") {
    EngineOptions o;
    o.engine = LocalEngine::uring;
    auto e = make_engine(lt.loop, o);
    CHECK(e->kind() == (ring ? LocalEngine::uring : LocalEngine::aio));
  }
  SECTION("names") {
    CHECK(parse_local_engine("io_uring") == LocalEngine::uring);
    CHECK(parse_local_engine("libaio") == LocalEngine::aio);
    CHECK(parse_local_engine("threads") == LocalEngine::threads);
    CHECK_FALSE(parse_local_engine("mmap"));
  }
}

ENGINE_TEST_CASE(many_whole_file_reads, "engines: many concurrent whole-file reads",
                 "[local][engine]") {
  TempDir dir;
  constexpr int kFiles = 3000;  // more than the direct-descriptor table: some take the slow path
  for (int i = 0; i < kFiles; ++i) write_file(dir / std::to_string(i), std::to_string(i * 31));
  auto e = make(lt.loop, kind);
  std::vector<Task<std::string>> tasks;
  for (int i = 0; i < kFiles; ++i) tasks.push_back(read_whole(*e, dir / std::to_string(i)));
  GatherOptions go;
  go.batch_size = -1;
  auto results = sync(lt.loop, gather(std::move(tasks), go));
  REQUIRE(results.size() == kFiles);
  for (int i = 0; i < kFiles; ++i) {
    if (results[i].value() != std::to_string(i * 31)) FAIL("file " << i);
  }
}

// A loop's descriptor-slot table is one of its services: freed with the loop, never found again
// by a loop made later at the same address (here: in the same storage).
TEST_CASE("uring engine: a loop made where a dead one was gets a slot table of its own",
          "[local][engine][uring][services]") {
  TempDir dir;
  write_file(dir / "a", "hello");
  alignas(IoLoop) unsigned char storage[sizeof(IoLoop)];
  const std::size_t before = uring_slot_tables_alive();
  for (int round = 0; round < 3; ++round) {
    auto* loop = new (storage) IoLoop();
    if (cofs::backend::ring(*loop) == nullptr) {  // the epoll reactor: no ring, no table
      loop->~IoLoop();
      COFS_SKIP("no io_uring ring on this loop (epoll reactor)");
    }
    loop->start_thread();
    {
      auto e = make_uring_engine(*loop, {});
      CHECK(uring_slot_tables_alive() == before + 1);
      CHECK(sync(*loop, read_whole(*e, dir / "a")) == "hello");
    }
    loop->~IoLoop();
    CHECK(uring_slot_tables_alive() == before);
  }
}

TEST_CASE("uring engine: a forked child's loop does not inherit the parent's slot table",
          "[local][engine][uring][services][fork]") {
  TempDir dir;
  write_file(dir / "a", "hello");
  alignas(IoLoop) unsigned char storage[sizeof(IoLoop)];
  auto* loop = new (storage) IoLoop();
  if (cofs::backend::ring(*loop) == nullptr) {
    loop->~IoLoop();
    COFS_SKIP("no io_uring ring on this loop (epoll reactor)");
  }
  loop->start_thread();
  const std::size_t before = uring_slot_tables_alive();
  auto e = make_uring_engine(*loop, {});
  REQUIRE(sync(*loop, read_whole(*e, dir / "a")) == "hello");
  REQUIRE(uring_slot_tables_alive() == before + 1);
  int status = cofs::test::in_child([&] {
    // The parent's loop refuses work here; letting it go frees its table without touching the
    // ring the parent still uses.
    e.reset();
    loop->~IoLoop();
    if (uring_slot_tables_alive() != before) return 3;
    auto* fresh = new (storage) IoLoop();
    fresh->start_thread();
    int code = 0;
    {
      auto e2 = make_uring_engine(*fresh, {});
      if (uring_slot_tables_alive() != before + 1) code = 4;
      if (sync(*fresh, read_whole(*e2, dir / "a")) != "hello") code = 5;
    }
    fresh->~IoLoop();
    return code;
  });
  CHECK(status == 0);
  // The parent's loop and table are untouched by the child.
  CHECK(sync(*loop, read_whole(*e, dir / "a")) == "hello");
  e.reset();
  loop->~IoLoop();
}
