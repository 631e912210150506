// LocalFileSystem beyond the conformance suite: engine choice and fallback, special files, many
// files under a low RLIMIT_NOFILE, files that change while read, errors that are the same under
// every engine, atomic writes, permissions (in a child that drops root), descriptors, URLs.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <thread>

#include "cofs/backend/loop.hpp"
#include "cofs/cofs.hpp"
#include "cofs/local/local_fs.hpp"
#include "support.hpp"
#include "support/skip.hpp"

using namespace cofs;
using cofs::test::in_child;
using cofs::test::TempDir;
using cofs::test::write_file;

namespace {

constexpr LocalEngine kEngines[] = {LocalEngine::uring, LocalEngine::aio, LocalEngine::threads};

std::shared_ptr<LocalFileSystem> make_fs(LocalEngine engine) {
  return std::make_shared<LocalFileSystem>(nullptr, LocalOptions{.engine = engine});
}

/// The engine that really serves a forced `engine` on this reactor.
LocalEngine expected_engine(LocalEngine engine) {
  if (engine == LocalEngine::uring && std::string(get_loop().reactor_name()) != "io_uring")
    return LocalEngine::aio;
  return engine;
}

template <class E, class F>
void check_throws_naming(F&& f, const std::string& fragment) {
  try {
    f();
    FAIL_CHECK("expected an exception naming " << fragment);
  } catch (const E& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains(fragment));
  }
}

std::size_t count_entries(const std::string& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

}  // namespace

TEST_CASE("local: the engine option, and fallback when io_uring cannot be used",
          "[local][fallback]") {
  for (LocalEngine e : kEngines) {
    auto fs = make_fs(e);
    CHECK(fs->engine() == expected_engine(e));
  }
  // The probe made to fail on purpose: the filesystem still works, on aio.
  auto fs = std::make_shared<LocalFileSystem>(
      nullptr, LocalOptions{.engine = LocalEngine::uring, .fail_uring_probe = true});
  CHECK(fs->engine() == LocalEngine::aio);
  auto both = std::make_shared<LocalFileSystem>(
      nullptr, LocalOptions{.fail_uring_probe = true, .fail_aio_setup = true});
  CHECK(both->engine() == LocalEngine::threads);
  TempDir dir;
  both->pipe_file(dir / "f", std::string_view("still works"));
  CHECK(both->cat_file(dir / "f") == "still works");
  // By name, with string options; a misspelt option is refused.
  auto named = filesystem("file", {{"engine", "threads"}});
  CHECK(static_cast<LocalFileSystem&>(*named).engine() == LocalEngine::threads);
  CHECK_THROWS_AS(filesystem("file", {{"engin", "threads"}}), InvalidArgumentError);
}

TEST_CASE("local: the probe-failure environment hook falls back (in a child)",
          "[local][fallback][fork]") {
  // Through a child so that no other test sees the variable.
  int status = in_child([] {
    ::setenv("COFS_LOCAL_URING_PROBE_FAIL", "1", 1);
    auto f = std::make_shared<LocalFileSystem>();
    return f->engine() == LocalEngine::uring ? 1 : 0;
  });
  CHECK(status == 0);
}

TEST_CASE("local: /proc and /sys files read correctly under every engine", "[local][special]") {
  for (LocalEngine e : kEngines) {
    DYNAMIC_SECTION(to_string(e)) {
      auto fs = make_fs(e);
      Bytes status = fs->cat_file("/proc/self/status");
      CHECK(status.view().starts_with("Name:"));
      CHECK(status.view().find("VmRSS:") != std::string_view::npos);
      CHECK(fs->cat_file("/proc/cpuinfo") == test::read_file("/proc/cpuinfo"));
      CHECK(fs->cat_file("/proc/sys/kernel/ostype") == "Linux\n");
      CHECK(fs->cat_file("/proc/sys/kernel/ostype", 1, 3) == "in");
      CHECK(fs->cat_file("/proc/self/status", 0, 5) == "Name:");
      if (std::filesystem::exists("/sys/kernel/mm/transparent_hugepage/enabled")) {
        CHECK(fs->cat_file("/sys/kernel/mm/transparent_hugepage/enabled") ==
              test::read_file("/sys/kernel/mm/transparent_hugepage/enabled"));
      }
      // Line by line through a file object.
      File f = fs->open("/proc/self/status", "r");
      CHECK(f.readline().view().starts_with("Name:"));
      std::size_t lines = 1;
      while (!f.readline().empty()) ++lines;
      CHECK(lines > 10);
      CHECK(fs->info("/proc/self/status").is_file());
      CHECK(fs->ls("/proc/self").size() > 10);
    }
  }
}

TEST_CASE("local: 10,000 files read by one cat with RLIMIT_NOFILE at 256", "[local][many]") {
  TempDir dir;
  constexpr int kFiles = 10'000;
  std::vector<std::string> paths;
  for (int i = 0; i < kFiles; ++i) {
    paths.push_back(dir / ("f" + std::to_string(i)));
    write_file(paths.back(), std::string(100 + i % 300, static_cast<char>('a' + i % 26)));
  }
  rlimit old{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &old) == 0);
  for (LocalEngine e : kEngines) {
    DYNAMIC_SECTION(to_string(e)) {
      auto fs = make_fs(e);
      rlimit low = old;
      low.rlim_cur = 256;
      REQUIRE(::setrlimit(RLIMIT_NOFILE, &low) == 0);
      CatResult r;
      try {
        r = fs->cat(paths);
      } catch (...) {
        ::setrlimit(RLIMIT_NOFILE, &old);
        throw;
      }
      ::setrlimit(RLIMIT_NOFILE, &old);
      REQUIRE(r.size() == kFiles);
      for (int i = 0; i < kFiles; ++i) {
        const auto& o = r.at(paths[i]);
        if (!o.ok() || o.value().size() != static_cast<std::size_t>(100 + i % 300) ||
            o.value().view()[0] != 'a' + i % 26) {
          FAIL("file " << i << " read wrong");
        }
      }
    }
  }
}

TEST_CASE("local: uring reads beyond its 64 linked-read slots wait for one, in any mix",
          "[local][many]") {
  // 2,000 reads in flight against 64 slots: small files (the linked chain), files larger than
  // its 32 KiB guess (a slot, then the sized read), missing files (an error that gives the slot
  // back) and, on a second pass, a cancellation while most reads still wait.
  TempDir dir;
  constexpr int kFiles = 2'000;
  std::vector<std::string> paths;
  auto size_of = [](int i) { return i % 10 == 0 ? 40'000 + i : 50 + i % 700; };
  for (int i = 0; i < kFiles; ++i) {
    paths.push_back(dir / ("f" + std::to_string(i)));
    if (i % 97 != 5)
      write_file(paths.back(), std::string(size_of(i), static_cast<char>('a' + i % 26)));
  }
  auto fs = make_fs(LocalEngine::uring);
  // Under the epoll reactor there is no ring: the same reads then exercise the aio engine.
  REQUIRE(fs->engine() == expected_engine(LocalEngine::uring));
  for (int pass = 0; pass < 2; ++pass) {
    CatResult r = fs->cat(paths, {.on_error = OnError::return_, .batch_size = kFiles});
    REQUIRE(r.size() == kFiles);
    int wrong = 0;
    for (int i = 0; i < kFiles; ++i) {
      const auto& o = r.at(paths[i]);
      if (i % 97 == 5) {
        if (o.ok()) ++wrong;
      } else if (!o.ok() || o.value().size() != static_cast<std::size_t>(size_of(i)) ||
                 o.value().view().back() != 'a' + i % 26) {
        ++wrong;
      }
    }
    CHECK(wrong == 0);
  }
  // A blocking cat whose time runs out while reads queue for slots: the call fails, and the
  // slots all come back (the next cat needs every one of them).
  CHECK_THROWS(sync(get_loop(), fs->async_cat(paths, {.batch_size = kFiles}),
                    std::chrono::microseconds(300)));
  CatResult again = fs->cat(paths, {.on_error = OnError::omit, .batch_size = kFiles});
  CHECK(again.size() == static_cast<std::size_t>(kFiles - (kFiles + 91) / 97));
}

TEST_CASE("local: bulk calls default to no more than the engine runs at once", "[local][many]") {
  const BatchSize builtin = config::default_batch_size(true);
  for (LocalEngine e : kEngines) {
    DYNAMIC_SECTION(to_string(e)) {
      auto fs = make_fs(e);
      // The uring engine reads through 64 direct-descriptor slots: more would only queue.
      const BatchSize expected =
          fs->engine() == LocalEngine::uring ? std::min<BatchSize>(builtin, 64) : builtin;
      CHECK(fs->resolve_batch("cat", std::nullopt, true) == expected);
      // Only the built-in default is capped: every level above it is taken as given.
      CHECK(fs->resolve_batch("cat", std::nullopt, false) == config::default_batch_size(false));
      CHECK(fs->resolve_batch("cat", 1000, true) == 1000);
      config::set("gather_batch_size", 700);
      CHECK(fs->resolve_batch("cat", std::nullopt, true) == 700);
      config::set("gather_batch_size", std::nullopt);
      fs->set_batch_size(900);
      CHECK(fs->resolve_batch("cat", std::nullopt, true) == 900);
    }
  }
}

TEST_CASE("local: a named pipe is read and written as open(2) would, under every engine",
          "[local][special]") {
  // The uring engine's linked read cannot know a path is a FIFO before it reads: what it took
  // must be kept and the rest read from the same open pipe, never read again from the start.
  // And io_uring opens without blocking first, which opens a FIFO at once for reading, writer or
  // not (its first read would then be the end), and fails it for writing with ENXIO.
  ::signal(SIGPIPE, SIG_IGN);  // a reader that gave up must fail the writer, not kill the test
  TempDir dir;
  const std::string fifo = dir / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  // Small pieces with pauses (each read ends short, then more comes), then 100 KB at once (more
  // than the linked read's buffers).
  std::string expected;
  std::vector<std::string> pieces;
  for (int i = 0; i < 4; ++i) pieces.push_back("piece " + std::to_string(i) + "\n");
  pieces.push_back(std::string(100'000, 'p'));
  for (const auto& piece : pieces) expected += piece;
  // The writer opens the pipe `late` (after the reader has started) or at once.
  auto write_slowly = [&](bool late) {
    if (late) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    int fd = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return;
    for (const auto& piece : pieces) {
      std::size_t done = 0;
      while (done < piece.size()) {
        ssize_t n = ::write(fd, piece.data() + done, piece.size() - done);
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::close(fd);
  };
  write_file(dir / "before", std::string(50'000, 'b'));
  for (LocalEngine e : kEngines) {
    for (bool late : {false, true}) {
      DYNAMIC_SECTION(to_string(e) << (late ? ", writer opens late" : ", writer opens first")) {
        auto fs = make_fs(e);
        // A file read before: the uring engine reads the next file's first 50,000 bytes
        // straight into its result (and the rest into scratch), the pipe's too.
        CHECK(fs->cat_file(dir / "before").size() == 50'000);
        std::thread writer(write_slowly, late);
        Bytes whole = fs->cat_file(fifo);
        writer.join();
        CHECK(whole.size() == expected.size());
        CHECK(whole == expected);
        // A range of a stream: read to its end, then cut.
        writer = std::thread(write_slowly, late);
        Bytes part = fs->cat_file(fifo, 6, 16);
        writer.join();
        CHECK(part == expected.substr(6, 10));
        // Line by line through a file object.
        writer = std::thread(write_slowly, late);
        File f = fs->open(fifo, "r");
        CHECK(f.readline() == "piece 0\n");
        CHECK(f.readline() == "piece 1\n");
        CHECK(f.read(7) == "piece 2");
        CHECK(f.read().size() == expected.size() - 23);
        f.close();
        writer.join();
        // Written through a file object, its reader opening late or first.
        std::string got;
        std::thread reader([&] {
          if (late) std::this_thread::sleep_for(std::chrono::milliseconds(100));
          got = test::read_file(fifo);
        });
        File w = fs->open(fifo, "wb");
        w.write(std::string(70'000, 'w'));
        w.close();
        reader.join();
        CHECK(got == std::string(70'000, 'w'));
        // Plain files still read whole afterwards (every slot came back).
        write_file(dir / "plain", "plain");
        CHECK(fs->cat_file(dir / "plain") == "plain");
      }
    }
  }
}

TEST_CASE("local: a FIFO read that times out leaves nothing open once its writer comes",
          "[local][special]") {
  ::signal(SIGPIPE, SIG_IGN);
  auto open_fds = [] {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
    return n;
  };
  TempDir dir;
  const std::string fifo = dir / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  for (LocalEngine e : kEngines) {
    DYNAMIC_SECTION(to_string(e)) {
      auto fs = make_fs(e);
      const std::size_t before = open_fds();
      auto pending = [] {
        return sync(get_loop(), []() -> Task<std::size_t> {
          co_return cofs::backend::pending_operations(get_loop());
        }());
      };
      const std::size_t pending_before = pending();
      // No writer: the read waits (an open(2) of a FIFO waits for its writer) until the timeout.
      CHECK_THROWS_AS(sync(get_loop(), fs->async_cat_file(fifo), std::chrono::milliseconds(50)),
                      TimeoutError);
      CHECK_THROWS_AS(
          sync(get_loop(), fs->async_cat_file(fifo, 0, 5), std::chrono::milliseconds(50)),
          TimeoutError);
      // Writers now (without waiting for a reader: ENXIO when none is there): the waiting opens
      // complete, and the cancelled reads close what they opened.
      std::size_t now = open_fds();
      for (int i = 0; i < 300 && (now != before || pending() != pending_before); ++i) {
        int w = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (w >= 0) ::close(w);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        now = open_fds();
      }
      CHECK(pending() == pending_before);
      CHECK(now == before);
      // And the FIFO still reads whole.
      std::thread writer([&] {
        int w = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
        if (w >= 0 && ::write(w, "after", 5) == 5) ::close(w);
      });
      Bytes b = fs->cat_file(fifo);
      writer.join();
      CHECK(b == "after");
    }
  }
}

TEST_CASE("local: a blocking call that timed out keeps its filesystem alive until it ends",
          "[local][special][cancel]") {
  // sync() returns at the timeout, before the cancelled operation has unwound on the loop; the
  // caller may drop the filesystem at once, so the operation must hold it until it ends.
  ::signal(SIGPIPE, SIG_IGN);
  TempDir dir;
  const std::string fifo = dir / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  auto pending = [] {
    return sync(get_loop(), []() -> Task<std::size_t> {
      co_return cofs::backend::pending_operations(get_loop());
    }());
  };
  for (LocalEngine e : kEngines) {
    DYNAMIC_SECTION(to_string(e)) {
      const std::size_t pending_before = pending();
      for (int round = 0; round < 20; ++round) {
        auto fs = make_fs(e);
        fs->set_timeout(std::chrono::milliseconds(round % 4 + 1));
        // No writer: the read waits for one until the timeout.
        CHECK_THROWS_AS(fs->cat_file(fifo), TimeoutError);
        fs.reset();  // the last reference the caller holds
      }
      // Writers let any open still waiting complete; the cancelled reads then end.
      for (int i = 0; i < 300 && pending() != pending_before; ++i) {
        int w = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (w >= 0) ::close(w);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      CHECK(pending() == pending_before);
    }
  }
}

TEST_CASE("local: a file the uring engine read whole is closed when every read is done",
          "[local][special][uring]") {
  // The uring engine leaves a file read whole open in its slot, for the next read's open to
  // replace. A FIFO shows whether its reader is still open: a writer's non-blocking open fails
  // with ENXIO only when no reader is left.
  auto fs = make_fs(LocalEngine::uring);
  if (fs->engine() != LocalEngine::uring)
    COFS_SKIP("the uring engine cannot serve here: " << to_string(fs->engine()) << " does");
  ::signal(SIGPIPE, SIG_IGN);
  TempDir dir;
  const std::string fifo = dir / "fifo", waiting = dir / "waiting";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  REQUIRE(::mkfifo(waiting.c_str(), 0600) == 0);
  auto reader_open = [&] {
    int w = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (w < 0) return errno != ENXIO;
    ::close(w);
    return true;
  };
  // A writer that writes and goes: the read ends short, then at the end (the whole-file path).
  auto read_fifo = [&] {
    std::thread writer([&] {
      int w = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
      if (w >= 0 && ::write(w, "hello", 5) == 5) ::close(w);
    });
    Bytes b = fs->cat_file(fifo);
    writer.join();
    return b;
  };
  SECTION("no other read in flight: closed before cat_file returns") {
    for (int i = 0; i < 3; ++i) {
      CHECK(read_fifo() == "hello");
      CHECK_FALSE(reader_open());
    }
  }
  SECTION("another read in flight: closed by the end of the loop's turn") {
    // A read of a FIFO without a writer waits for one, holding its slot.
    Bytes late;
    std::thread other([&] { late = fs->cat_file(waiting); });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    CHECK(read_fifo() == "hello");
    bool open = true;
    // By the end of the turn: bounded by time, generously, as a loaded machine may hold the
    // loop's thread off its CPU for a while.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while ((open = reader_open()) && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    CHECK_FALSE(open);
    int w = ::open(waiting.c_str(), O_WRONLY | O_CLOEXEC);
    REQUIRE(w >= 0);
    CHECK(::write(w, "late", 4) == 4);
    ::close(w);
    other.join();
    CHECK(late == "late");
  }
}

TEST_CASE("local: files of every size read whole, one after another and all at once", "[local]") {
  // The uring engine reads a file's first bytes straight into the result, as many as the last
  // file it read had, and the rest into a 32 KiB scratch buffer: each size here is smaller,
  // equal, a little or much larger than the one before it, or larger than both buffers.
  const std::size_t sizes[] = {0,  5000,    5000,    100,    70'000, 70'000, 1'500'000,
                               10, 33'000,  4096,    4096,   4097,   36'000, 1,
                               0,  300'000, 299'999, 32'768, 32'769, 65'536, 3};
  TempDir dir;
  std::vector<std::string> paths;
  std::vector<std::string> contents;
  for (std::size_t i = 0; i < std::size(sizes); ++i) {
    std::string data(sizes[i], '\0');
    for (std::size_t j = 0; j < data.size(); ++j)
      data[j] = static_cast<char>('a' + (i + j / 7) % 26);
    paths.push_back(dir / ("f" + std::to_string(i)));
    write_file(paths.back(), data);
    contents.push_back(std::move(data));
  }
  for (LocalEngine e : kEngines) {
    DYNAMIC_SECTION(to_string(e)) {
      auto fs = make_fs(e);
      for (int pass = 0; pass < 2; ++pass) {
        for (std::size_t i = 0; i < paths.size(); ++i) {
          Bytes b = fs->cat_file(paths[i]);
          if (b.view() != contents[i]) FAIL("file " << i << " of " << sizes[i] << " B read wrong");
        }
      }
      CatResult all = fs->cat(paths);
      REQUIRE(all.size() == paths.size());
      for (std::size_t i = 0; i < paths.size(); ++i) {
        CHECK(all.at(paths[i]).value().view() == contents[i]);
      }
    }
  }
}

TEST_CASE("local: a file changed between info and read", "[local]") {
  for (LocalEngine e : kEngines) {
    DYNAMIC_SECTION(to_string(e)) {
      TempDir dir;
      auto fs = make_fs(e);
      std::string p = dir / "f";
      write_file(p, std::string(100, 'x'));
      CHECK(fs->info(p).size == 100);
      write_file(p, std::string(40, 'y'));  // shrank
      CHECK(fs->cat_file(p) == std::string(40, 'y'));
      CHECK(fs->cat_file(p, 10, 100) == std::string(30, 'y'));
      write_file(p, std::string(200'000, 'z'));  // grew past the linked read's guess
      CHECK(fs->cat_file(p).size() == 200'000);
      // An open file sees the file as it is when it reads.
      File f = fs->open(p, "rb");
      CHECK(f.read(10) == std::string(10, 'z'));
      REQUIRE(::truncate(p.c_str(), 15) == 0);
      CHECK(f.read() == std::string(5, 'z'));
      CHECK(f.read().empty());
    }
  }
}

TEST_CASE("local: bad input raises the same clear errors under every engine", "[local][errors]") {
  for (LocalEngine e : kEngines) {
    DYNAMIC_SECTION(to_string(e)) {
      TempDir dir;
      auto fs = make_fs(e);
      LocalFileSystem& f = *fs;
      std::string missing = dir / "missing", d = dir / "d", file = dir / "file";
      f.mkdir(d);
      f.pipe_file(file, std::string_view("0123456789"));
      check_throws_naming<FileNotFoundError>([&] { f.cat_file(missing); }, "cat_file " + missing);
      check_throws_naming<FileNotFoundError>([&] { f.cat_file(missing, 1, 2); }, missing);
      check_throws_naming<FileNotFoundError>([&] { f.info(missing); }, "info " + missing);
      check_throws_naming<FileNotFoundError>([&] { f.ls(missing); }, "ls " + missing);
      check_throws_naming<FileNotFoundError>([&] { f.open(missing, "rb"); }, "open " + missing);
      check_throws_naming<FileNotFoundError>([&] { f.rm_file(missing); }, "rm_file " + missing);
      check_throws_naming<FileNotFoundError>(
          [&] { f.pipe_file(missing + "/sub", std::string_view("x")); }, missing + "/sub");
      check_throws_naming<IsADirectoryError>([&] { f.cat_file(d); }, "cat_file " + d);
      check_throws_naming<IsADirectoryError>([&] { f.cat_file(d, 0, 1); }, d);
      check_throws_naming<IsADirectoryError>([&] { f.open(d, "rb"); }, "open " + d);
      check_throws_naming<IsADirectoryError>([&] { f.open(d, "wb"); }, "open " + d);
      check_throws_naming<IsADirectoryError>([&] { f.rm_file(d); }, "rm_file " + d);
      check_throws_naming<IsADirectoryError>([&] { f.pipe_file(d, std::string_view("x")); },
                                             "pipe_file " + d);
      check_throws_naming<NotADirectoryError>([&] { f.rmdir(file); }, "rmdir " + file);
      check_throws_naming<NotADirectoryError>([&] { f.mkdir(file + "/x", false); }, file + "/x");
      check_throws_naming<FileExistsError>([&] { f.mkdir(d); }, "mkdir " + d);
      check_throws_naming<FileExistsError>([&] { f.makedirs(d); }, "makedirs " + d);
      f.pipe_file(d + "/inner", std::string_view("i"));
      check_throws_naming<DirectoryNotEmptyError>([&] { f.rmdir(d); }, "rmdir " + d);
      CHECK_THROWS_AS(f.rm(d), Error);
      CHECK(f.exists(d + "/inner"));
      check_throws_naming<InvalidArgumentError>([&] { f.mv(file, file); }, file);
      check_throws_naming<InvalidArgumentError>([&] { f.cat_file(file, 8, -5); }, file);
      {
        File ro = f.open(file, "rb");
        CHECK_THROWS_AS(ro.write("nope"), Error);
      }
      CHECK(f.cat_file(file) == "0123456789");
      {
        File wo = f.open(file + "2", "wb");
        CHECK_THROWS_AS(wo.read(), Error);
      }
      CHECK_THROWS_AS(f.open(file, "xb"), FileExistsError);
      // None of the failures left a temporary file behind.
      CHECK(count_entries(dir.path()) == 3);
    }
  }
}

TEST_CASE("local: a failed write leaves the old file whole and no partial file",
          "[local][atomic][fork]") {
  for (LocalEngine e : kEngines) {
    DYNAMIC_SECTION(to_string(e)) {
      TempDir dir;
      std::string p = dir / "f";
      write_file(p, "old contents");
      LocalEngine engine = e;
      // RLIMIT_FSIZE makes the write fail part way (EFBIG), in a child that ignores SIGXFSZ.
      int status = in_child([&] {
        ::signal(SIGXFSZ, SIG_IGN);
        rlimit lim{4096, 4096};
        ::setrlimit(RLIMIT_FSIZE, &lim);
        auto fs = make_fs(engine);
        try {
          fs->pipe_file(p, Bytes(std::string(100'000, 'n')));
          return 3;
        } catch (const Error& err) {
          if (std::string(err.what()).find("pipe_file " + p) == std::string::npos) return 4;
        }
        try {
          fs->cp_file(p, dir / "copy");  // small enough: works
          fs->pipe_file(dir / "big", Bytes(std::string(100'000, 'n')));
          return 5;
        } catch (const Error&) {
        }
        return 0;
      });
      CHECK(status == 0);
      CHECK(test::read_file(p) == "old contents");
      CHECK(test::read_file(dir / "copy") == "old contents");
      CHECK_FALSE(std::filesystem::exists(dir / "big"));
      CHECK(count_entries(dir.path()) == 2);
    }
  }
}

TEST_CASE("local: no permission is a PermissionError (in a child that drops root)",
          "[local][errors][fork]") {
  for (LocalEngine e : kEngines) {
    DYNAMIC_SECTION(to_string(e)) {
      TempDir dir;
      std::string secret = dir / "secret", locked = dir / "locked";
      write_file(secret, "s");
      ::chmod(secret.c_str(), 0600);
      std::filesystem::create_directory(locked);
      ::chmod(locked.c_str(), 0700);
      ::chmod(dir.path().c_str(), 0755);
      LocalEngine engine = e;
      int status = in_child([&] {
        if (::setgid(65534) != 0 || ::setuid(65534) != 0) return 9;
        auto fs = make_fs(engine);
        int bad = 0;
        auto expect = [&](auto fn, const std::string& fragment) {
          try {
            fn();
            ++bad;
          } catch (const PermissionError& err) {
            if (std::string(err.what()).find(fragment) == std::string::npos) ++bad;
          } catch (...) {
            ++bad;
          }
        };
        expect([&] { fs->cat_file(secret); }, "cat_file " + secret);
        expect([&] { fs->open(secret, "rb"); }, "open " + secret);
        expect([&] { fs->ls(locked); }, "ls " + locked);
        expect([&] { fs->pipe_file(locked + "/x", std::string_view("x")); }, locked + "/x");
        expect([&] { fs->rm_file(secret); }, "rm_file " + secret);
        expect([&] { fs->mkdir(locked + "/sub", false); }, locked + "/sub");
        return bad;
      });
      CHECK(status == 0);
    }
  }
}

TEST_CASE("local: file objects over descriptors, lines, chunks and appends", "[local][file]") {
  for (LocalEngine e : kEngines) {
    DYNAMIC_SECTION(to_string(e)) {
      TempDir dir;
      auto fs = make_fs(e);
      std::string p = dir / "lines.txt";
      std::string text;
      for (int i = 0; i < 20'000; ++i) text += "line " + std::to_string(i) + "\n";
      text += "tail without newline";
      fs->pipe_file(p, Bytes(text));
      // co_await per line, from the read buffer.
      std::size_t count = sync(get_loop(), [&]() -> Task<std::size_t> {
        auto f = co_await fs->async_open(p, "r");
        auto lines = f->lines();
        std::size_t n = 0;
        std::string last;
        while (auto line = co_await lines.next()) {
          ++n;
          last = line->str();
        }
        co_await f->close();
        CHECK(last == "tail without newline");
        co_return n;
      }());
      CHECK(count == 20'001);
      std::size_t total = 0;
      File f = fs->open(p, "rb");
      while (auto chunk = f.next_chunk(4096)) total += chunk->size();
      CHECK(total == text.size());
      // Appends go to the end whatever the position; "+" reads what was written.
      File a = fs->open(dir / "log", "a+");
      a.write("one ");
      a.seek(0);
      a.write("two");
      a.seek(0);
      CHECK(a.read() == "one two");
      a.close();
      // A descriptor opened elsewhere, and a pipe (a stream without offsets).
      int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
      REQUIRE(fd >= 0);
      {
        File w = fs->open_fd(fd, "rb", true);
        CHECK(w.readline() == "line 0\n");
        w.seek(7);
        CHECK(w.readline() == "line 1\n");
      }
      CHECK(::fcntl(fd, F_GETFD) == -1);  // closed with the file
      int pp[2];
      REQUIRE(::pipe2(pp, O_CLOEXEC) == 0);
      std::atomic<int> short_writes{0};  // checked after join: Catch is not thread-safe
      std::thread writer([&] {
        for (int i = 0; i < 50; ++i) {
          std::string s = "chunk " + std::to_string(i) + "\n";
          if (::write(pp[1], s.data(), s.size()) != static_cast<ssize_t>(s.size())) ++short_writes;
        }
        ::close(pp[1]);
      });
      {
        File r = fs->open_fd(pp[0], "rb", true);
        std::size_t n = 0;
        while (!r.readline().empty()) ++n;
        CHECK(n == 50);
      }
      writer.join();
      CHECK(short_writes == 0);
    }
  }
}

TEST_CASE("local: paths, URLs and the registry", "[local]") {
  TempDir dir;
  auto fs = make_fs(LocalEngine::threads);
  const char* home = std::getenv("HOME");
  REQUIRE(home != nullptr);
  CHECK(fs->strip_protocol("~/x/../y") == std::string(home) + "/y");
  CHECK(fs->strip_protocol("file:///a/b/") == "/a/b");
  CHECK(fs->strip_protocol("local:///a//b") == "/a/b");
  CHECK(fs->unstrip_protocol("/a") == "file:///a");
  CHECK(fs->strip_protocol("rel") == std::filesystem::current_path().string() + "/rel");
  write_file(dir / "u", "url");
  auto [ufs, upath] = url_to_fs("file://" + dir / "u");
  CHECK(upath == dir / "u");
  CHECK(ufs->cat_file(upath) == "url");
  File f = cofs::open("local://" + dir / "u");
  CHECK(f.read() == "url");
  CHECK(url_to_fs(dir / "u").first->protocol() == "file");
}

TEST_CASE("local: pipe_file over a file keeps its mode, over a link writes the target",
          "[local][atomic]") {
  for (LocalEngine e : kEngines) {
    DYNAMIC_SECTION(to_string(e)) {
      auto fs = make_fs(e);
      TempDir dir;
      std::string script = dir / "run.sh";
      write_file(script, "old");
      ::chmod(script.c_str(), 0751);
      fs->pipe_file(script, std::string_view("#!/bin/sh\n"));
      struct stat st {};
      REQUIRE(::stat(script.c_str(), &st) == 0);
      CHECK((st.st_mode & 07777) == 0751);
      CHECK(test::read_file(script) == "#!/bin/sh\n");

      // A link (relative, through a second link) is kept; the file it ends at is replaced.
      std::filesystem::create_directory(dir / "real");
      write_file(dir / "real/data", "old data");
      ::chmod((dir / "real/data").c_str(), 0640);
      std::filesystem::create_symlink("real/data", dir / "hop");
      std::filesystem::create_symlink("hop", dir / "link");
      fs->pipe_file(dir / "link", std::string_view("new data"));
      CHECK(std::filesystem::is_symlink(dir / "link"));
      CHECK(std::filesystem::is_symlink(dir / "hop"));
      CHECK(test::read_file(dir / "real/data") == "new data");
      REQUIRE(::stat((dir / "real/data").c_str(), &st) == 0);
      CHECK((st.st_mode & 07777) == 0640);

      // A dangling link: the file it names is created.
      std::filesystem::create_symlink("made-by-write", dir / "dangling");
      fs->pipe_file(dir / "dangling", std::string_view("made"));
      CHECK(std::filesystem::is_symlink(dir / "dangling"));
      CHECK(test::read_file(dir / "made-by-write") == "made");

      // A new file gets the usual mode; no temporary file is left anywhere.
      fs->pipe_file(dir / "fresh", std::string_view("x"));
      REQUIRE(::stat((dir / "fresh").c_str(), &st) == 0);
      mode_t mask = ::umask(0);
      ::umask(mask);
      CHECK((st.st_mode & 0777) == (0666 & ~mask));
      CHECK(count_entries(dir.path()) == 7);
      CHECK(count_entries(dir / "real") == 1);
    }
  }
}

TEST_CASE("local: ls details, links, times, copy and move", "[local]") {
  for (LocalEngine e : kEngines) {
    DYNAMIC_SECTION(to_string(e)) {
      TempDir dir;
      auto fs = make_fs(e);
      fs->pipe_file(dir / "a", std::string_view("hello"));
      std::filesystem::create_symlink(dir / "a", dir / "l");
      fs->mkdir(dir / "sub");
      auto entries = fs->ls(dir.path());
      REQUIRE(entries.size() == 3);
      const FileInfo& a = entries[0];
      CHECK(a.name == dir / "a");
      CHECK(a.size == 5);
      CHECK(a.is_file());
      CHECK(a.mode.has_value());
      CHECK(a.uid == ::getuid());
      CHECK(a.nlink == 1u);
      CHECK(a.ino.has_value());
      CHECK(a.mtime.has_value());
      const FileInfo& l = entries[1];
      CHECK(l.islink);
      CHECK(l.destination == dir / "a");
      CHECK(l.size == 5);
      CHECK(l.is_file());
      CHECK(entries[2].is_dir());
      FileInfo li = fs->info(dir / "l");
      CHECK(li.islink);
      CHECK(li.size == 5);
      CHECK(li.destination == dir / "a");
      CHECK(fs->created(dir / "a") <= std::chrono::system_clock::now());
      fs->cp_file(dir / "a", dir / "b");
      CHECK(fs->cat_file(dir / "b") == "hello");
      fs->mv(dir / "sub", dir / "moved");
      CHECK(fs->isdir(dir / "moved"));
      fs->get(dir / "a", dir / "got");
      fs->put(dir / "got", dir / "moved/put");
      CHECK(fs->cat_file(dir / "moved/put") == "hello");
      CHECK_FALSE(fs->checksum(dir / "a").empty());
    }
  }
}
