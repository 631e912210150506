// Bulk whole-file reads under every engine: the threads engine reads small files as steps of a
// batch on the pool, the aio engine opens them so and reads them by iocb pairs submitted
// together, the uring engine by linked SQEs. The same files, sizes, special files, errors and
// cancellations must come out the same under each.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include "cofs/backend/loop.hpp"
#include "cofs/cofs.hpp"
#include "cofs/local/local_fs.hpp"
#include "local/pooled_reads.hpp"
#include "support.hpp"

using namespace cofs;
using cofs::test::TempDir;
using cofs::test::write_file;

namespace {

constexpr LocalEngine kEngines[] = {LocalEngine::uring, LocalEngine::aio, LocalEngine::threads};

std::shared_ptr<LocalFileSystem> make_fs(LocalEngine engine) {
  return std::make_shared<LocalFileSystem>(nullptr, LocalOptions{.engine = engine});
}

std::string pattern(std::size_t n, std::size_t seed) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + seed) % 26);
  return s;
}

std::size_t open_fds() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

std::size_t pending_operations() {
  return sync(get_loop(), []() -> Task<std::size_t> {
    co_return cofs::backend::pending_operations(get_loop());
  }());
}

/// Waits (generously: a loaded machine) until the loop has nothing in flight and the process as
/// many descriptors as `fds`; true when it got there.
bool settles_to(std::size_t pending, std::size_t fds) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < give_up) {
    if (pending_operations() == pending && open_fds() == fds) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

}  // namespace

TEST_CASE("bulk reads: many small files, empty ones and the sizes around the read buffers",
          "[local][bulk]") {
  TempDir dir;
  const std::size_t block = local::kSmallReadScratch;
  // Most small and distinct; every 97th empty; and the sizes where the engines change ways: the
  // pool step's scratch (exactly, one less, one more), 4 KiB, and larger files.
  std::vector<std::size_t> sizes;
  for (std::size_t i = 0; i < 1500; ++i) sizes.push_back(i % 97 == 0 ? 0 : 1 + (i * 131) % 6000);
  for (std::size_t s : {std::size_t{4096}, block - 1, block, block + 1, 2 * block,
                        std::size_t{700'001}, std::size_t{9} << 20}) {
    sizes.push_back(s);
  }
  std::vector<std::string> paths;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    paths.push_back(dir / ("f" + std::to_string(i)));
    write_file(paths.back(), pattern(sizes[i], i));
  }
  for (LocalEngine e : kEngines) {
    DYNAMIC_SECTION(to_string(e)) {
      auto fs = make_fs(e);
      const std::size_t fds = open_fds();
      const std::size_t pending = pending_operations();
      CatResult r = fs->cat(paths);
      REQUIRE(r.size() == paths.size());
      std::size_t wrong = 0;
      for (std::size_t i = 0; i < paths.size(); ++i) {
        const Outcome<Bytes>& got = r.at(paths[i]);
        if (!got.ok() || got.value().view() != pattern(sizes[i], i)) {
          ++wrong;
          UNSCOPED_INFO("file " << i << " of " << sizes[i] << " bytes");
        }
      }
      CHECK(wrong == 0);
      // One at a time too (a batch of one), for the sizes at the edges.
      for (std::size_t i = sizes.size() - 7; i < sizes.size(); ++i) {
        INFO("size " << sizes[i]);
        CHECK(fs->cat_file(paths[i]).view() == pattern(sizes[i], i));
      }
      // Nothing left open once every read is done (the uring engine's files left in their slots
      // are closed within the turn).
      CHECK(settles_to(pending, fds));
    }
  }
}

TEST_CASE("bulk reads: files whose size says 0 are read to their end", "[local][bulk][special]") {
  // procfs reports st_size 0 for files with contents. Reached through links outside /proc, they
  // take the same way as the other files of a batch (the path alone does not tell).
  TempDir dir;
  std::filesystem::create_symlink("/proc/cpuinfo", dir / "cpuinfo");
  std::filesystem::create_symlink("/proc/sys/kernel/ostype", dir / "ostype");
  std::filesystem::create_symlink("/proc/self/mountinfo", dir / "mountinfo");
  const std::string cpuinfo = test::read_file("/proc/cpuinfo");
  REQUIRE(cpuinfo.size() > 0);
  std::vector<std::string> paths;
  for (int i = 0; i < 200; ++i) {
    paths.push_back(dir / ("f" + std::to_string(i)));
    write_file(paths.back(), pattern(100 + i, i));
  }
  paths.push_back(dir / "cpuinfo");
  paths.push_back(dir / "ostype");
  paths.push_back(dir / "mountinfo");
  paths.push_back("/proc/cpuinfo");
  for (LocalEngine e : kEngines) {
    DYNAMIC_SECTION(to_string(e)) {
      auto fs = make_fs(e);
      CatResult r = fs->cat(paths);
      CHECK(r.at(dir / "cpuinfo").value().view() == cpuinfo);
      CHECK(r.at("/proc/cpuinfo").value().view() == cpuinfo);
      CHECK(r.at(dir / "ostype").value().view() == "Linux\n");
      const Bytes& mounts = r.at(dir / "mountinfo").value();
      CHECK(mounts.size() > 0);
      CHECK(mounts.view().back() == '\n');
      for (int i = 0; i < 200; ++i) CHECK(r.at(paths[i]).value().view() == pattern(100 + i, i));
    }
  }
}

TEST_CASE("bulk reads: a missing file in a batch fails alone, named", "[local][bulk][errors]") {
  TempDir dir;
  std::vector<std::string> paths;
  for (int i = 0; i < 600; ++i) {
    paths.push_back(dir / ("f" + std::to_string(i)));
    if (i != 250) write_file(paths.back(), pattern(50 + i, i));
  }
  const std::string missing = paths[250], directory = dir / "sub";
  std::filesystem::create_directory(directory);
  for (LocalEngine e : kEngines) {
    DYNAMIC_SECTION(to_string(e)) {
      auto fs = make_fs(e);
      CatResult r = fs->cat(paths, {.on_error = OnError::return_});
      REQUIRE(r.size() == paths.size());
      int failed = 0;
      for (int i = 0; i < 600; ++i) {
        if (i != 250 && !r.at(paths[i]).ok()) ++failed;
        if (i != 250 && r.at(paths[i]).ok())
          CHECK(r.at(paths[i]).value().view() == pattern(50 + i, i));
      }
      CHECK(failed == 0);
      try {
        std::rethrow_exception(r.at(missing).error());
      } catch (const FileNotFoundError& x) {
        CHECK_THAT(x.what(), Catch::Contains("cat_file") && Catch::Contains(missing));
      }
      // Raised: the failure, named.
      try {
        fs->cat(paths);
        FAIL("cat of a missing file did not raise");
      } catch (const FileNotFoundError& x) {
        CHECK_THAT(x.what(), Catch::Contains("cat_file") && Catch::Contains(missing));
      }
      // A directory read whole (cat leaves directories out; cat_file says what it is).
      try {
        fs->cat_file(directory);
        FAIL("cat_file of a directory did not raise");
      } catch (const IsADirectoryError& x) {
        CHECK_THAT(x.what(), Catch::Contains("cat_file") && Catch::Contains(directory));
      }
    }
  }
}

TEST_CASE("bulk reads: a batch cancelled midway leaves no descriptor open",
          "[local][bulk][cancel]") {
  TempDir dir;
  std::vector<std::string> paths;
  for (int i = 0; i < 4000; ++i) {
    paths.push_back(dir / ("f" + std::to_string(i)));
    write_file(paths.back(), pattern(1 + (i * 37) % 9000, i));
  }
  for (LocalEngine e : kEngines) {
    DYNAMIC_SECTION(to_string(e)) {
      auto fs = make_fs(e);
      const std::size_t fds = open_fds();
      const std::size_t pending = pending_operations();
      int timed_out = 0;
      // Timeouts from 1 ms up: the cancellation finds reads queued, being read on the pool, in
      // the kernel, and done.
      for (int ms = 1; ms <= 12; ++ms) {
        try {
          sync(get_loop(), fs->async_cat(paths), std::chrono::milliseconds(ms));
        } catch (const TimeoutError&) {
          ++timed_out;
        }
        CHECK(settles_to(pending, fds));
      }
      CHECK(timed_out > 0);
      // And the engine still reads everything afterwards.
      CatResult r = fs->cat(paths);
      CHECK(r.size() == paths.size());
      CHECK(r.at(paths[1234]).value().view() == pattern(1 + (1234 * 37) % 9000, 1234));
      CHECK(settles_to(pending, fds));
    }
  }
}

TEST_CASE("bulk reads: a FIFO waiting for its writer holds up no other read",
          "[local][bulk][special]") {
  ::signal(SIGPIPE, SIG_IGN);
  TempDir dir;
  const std::string fifo = dir / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::vector<std::string> paths;
  for (int i = 0; i < 300; ++i) {
    paths.push_back(dir / ("f" + std::to_string(i)));
    write_file(paths.back(), pattern(10 + i, i));
  }
  for (LocalEngine e : kEngines) {
    DYNAMIC_SECTION(to_string(e)) {
      auto fs = make_fs(e);
      // Two reads of the FIFO wait for a writer (as many as the pool steps of a 2-CPU machine
      // run at once, and fewer than the pool's threads), then a batch of plain files is read in
      // full while they still wait.
      constexpr int kWaiting = 2;
      std::atomic<int> fifo_reads{0};
      std::vector<std::string> got(kWaiting);
      for (int i = 0; i < kWaiting; ++i) {
        auto read_fifo = [](std::shared_ptr<LocalFileSystem> fs, std::string p, std::string* out,
                            std::atomic<int>* done) -> Task<void> {
          Bytes b = co_await fs->async_cat_file(p);
          *out = b.str();
          ++*done;
        };
        spawn(get_loop(), read_fifo(fs, fifo, &got[i], &fifo_reads));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      CatResult r = fs->cat(paths);
      CHECK(r.at(paths[299]).value().view() == pattern(309, 299));
      CHECK(fifo_reads.load() == 0);
      // A writer for each waiting reader: each gets what its writer wrote, then the end.
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (fifo_reads.load() < kWaiting && std::chrono::steady_clock::now() < give_up) {
        int w = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (w >= 0) {
          CHECK(::write(w, "x", 1) == 1);
          ::close(w);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      REQUIRE(fifo_reads.load() == kWaiting);
      for (const std::string& g : got) CHECK(g.find_first_not_of('x') == std::string::npos);
    }
  }
}

TEST_CASE("bulk reads: a file growing while read is never cut short", "[local][bulk]") {
  TempDir dir;
  const std::string p = dir / "growing";
  const std::string whole = pattern(3 << 20, 5);
  write_file(p, whole.substr(0, 1000));
  std::vector<std::string> others;
  for (int i = 0; i < 50; ++i) {
    others.push_back(dir / ("f" + std::to_string(i)));
    write_file(others.back(), pattern(2000, i));
  }
  for (LocalEngine e : kEngines) {
    DYNAMIC_SECTION(to_string(e)) {
      auto fs = make_fs(e);
      write_file(p, whole.substr(0, 1000));
      std::atomic<std::size_t> written{1000};
      std::atomic<bool> stop{false};
      std::thread writer([&] {
        int fd = ::open(p.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
        while (!stop.load() && written.load() < whole.size()) {
          std::size_t at = written.load();
          std::size_t n = std::min<std::size_t>(777, whole.size() - at);
          if (::write(fd, whole.data() + at, n) != static_cast<ssize_t>(n)) break;
          written += n;
        }
        ::close(fd);
      });
      int bad = 0;
      for (int round = 0; round < 60; ++round) {
        const std::size_t before = written.load();
        std::vector<std::string> batch = others;
        batch.push_back(p);
        CatResult r = fs->cat(batch);
        const Bytes& b = r.at(p).value();
        // All it had when the read began, and only what was written.
        if (b.size() < before || whole.compare(0, b.size(), b.view()) != 0) ++bad;
      }
      stop = true;
      writer.join();
      CHECK(bad == 0);
    }
  }
}
