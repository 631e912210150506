// Whole-file writes of the local backend: pipe_file, cp_file, get_file from another backend and
// file objects opened with `atomic` replace their target only when complete (a full disk leaves
// the old file), keep a symbolic link and write its target, fit temporary names into NAME_MAX,
// write special files in place, and report each failure with its own errno.
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <climits>
#include <filesystem>
#include <thread>

#include "cofs/cofs.hpp"
#include "cofs/local/local_fs.hpp"
#include "cofs/memory/memory_fs.hpp"
#include "support.hpp"
#include "support/tmpfs.hpp"

using namespace cofs;
using cofs::test::TempDir;
using cofs::test::Tmpfs;
using cofs::test::write_file;
namespace stdfs = std::filesystem;

namespace {

constexpr LocalEngine kEngines[] = {LocalEngine::uring, LocalEngine::aio, LocalEngine::threads};

std::shared_ptr<LocalFileSystem> make_fs(LocalEngine engine, bool fsync = true) {
  return std::make_shared<LocalFileSystem>(nullptr, LocalOptions{.engine = engine, .fsync = fsync});
}

std::size_t count_entries(const std::string& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] auto& e : stdfs::directory_iterator(dir)) ++n;
  return n;
}

/// The errno an Error carries, or -1 for anything else.
template <class F>
int error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code().value();
  }
  return -1;
}

}  // namespace

TEST_CASE("local write: names of 240 and 255 bytes are written, copied and fetched",
          "[local][write][names]") {
  for (LocalEngine e : kEngines) {
    DYNAMIC_SECTION(to_string(e)) {
      auto fs = make_fs(e);
      TempDir dir;
      for (std::size_t len : {std::size_t{240}, std::size_t{NAME_MAX}}) {
        const std::string name(len, 'n');
        const std::string p = dir / name;
        fs->pipe_file(p, std::string_view("piped"));
        CHECK(test::read_file(p) == "piped");
        fs->pipe_file(p, std::string_view("again"));  // over an existing file too
        CHECK(test::read_file(p) == "again");
        const std::string copy = dir / std::string(len, 'c');
        fs->cp_file(p, copy);
        CHECK(test::read_file(copy) == "again");
        const std::string put = dir / std::string(len, 'p');
        fs->put_file(p, put);
        CHECK(test::read_file(put) == "again");
        File f = fs->open(dir / std::string(len, 'f'), "wb", {.atomic = true});
        f.write("atomic");
        f.close();
        CHECK(test::read_file(dir / std::string(len, 'f')) == "atomic");
        {
          auto t = fs->transaction();
          File w = t->open(dir / std::string(len, 't'), "wb");
          w.write("staged");
          w.close();
          t.commit();
        }
        CHECK(test::read_file(dir / std::string(len, 't')) == "staged");
      }
      // Multi-byte characters are not cut in half in the temporary name (it is not seen here,
      // but a name that is not UTF-8 would be): a name of 84 three-byte characters (252 bytes).
      std::string wide;
      for (int i = 0; i < 84; ++i) wide += "\xe2\x82\xac";  // the euro sign
      fs->pipe_file(dir / wide, std::string_view("euro"));
      CHECK(test::read_file(dir / wide) == "euro");
      CHECK(count_entries(dir.path()) == 2 * 5 + 1);  // nothing temporary left
      // One byte more than NAME_MAX is the kernel's ENAMETOOLONG, named as such.
      CHECK(error_of([&] { fs->pipe_file(dir / std::string(NAME_MAX + 1, 'x'), Bytes()); }) ==
            ENAMETOOLONG);
    }
  }
}

TEST_CASE("local write: a full disk leaves the old file whole (tmpfs of 1 MiB)",
          "[local][write][tmpfs][enospc]") {
  Tmpfs disk("1m");
  COFS_REQUIRE_TMPFS(disk);
  const std::string two_mib(2 << 20, 'N');
  for (LocalEngine e : kEngines) {
    DYNAMIC_SECTION(to_string(e)) {
      auto fs = make_fs(e);
      const std::string good = disk / "good";
      write_file(good, "good old contents");
      // pipe_file, and a file object opened atomic, of 2 MiB onto it.
      CHECK(error_of([&] { fs->pipe_file(good, Bytes(two_mib)); }) == ENOSPC);
      CHECK(test::read_file(good) == "good old contents");
      File f = fs->open(good, "wb", {.atomic = true});
      CHECK(error_of([&] { f.write(two_mib); }) == ENOSPC);
      CHECK(error_of([&] { f.close(); }) == ENOSPC);  // a write failed: nothing to commit
      CHECK(test::read_file(good) == "good old contents");
      // cp_file from a large file elsewhere.
      TempDir src;
      write_file(src / "big", two_mib);
      CHECK(error_of([&] { fs->cp_file(src / "big", good); }) == ENOSPC);
      CHECK(test::read_file(good) == "good old contents");
      CHECK(count_entries(disk.path()) == 1);  // no temporary file left behind
      stdfs::remove(good);
    }
  }
}

TEST_CASE("local write: get_file from memory onto a file of a full disk keeps the old file",
          "[local][write][tmpfs][enospc][get_file]") {
  Tmpfs disk("1m");
  COFS_REQUIRE_TMPFS(disk);
  auto mem = std::make_shared<MemoryFileSystem>();
  mem->pipe_file("/big", Bytes(std::string(2 << 20, 'M')));
  mem->pipe_file("/small", std::string_view("small new contents"));
  const std::string good = disk / "good";
  write_file(good, "good old contents");
  int err = error_of([&] { mem->get_file("/big", good); });
  CHECK(err == ENOSPC);
  CHECK(test::read_file(good) == "good old contents");
  CHECK(count_entries(disk.path()) == 1);

  // Through a symbolic link (on another disk) to the file: the link stays, the target is
  // untouched by the failure and replaced whole by a success.
  TempDir links;
  const std::string link = links / "link";
  stdfs::create_symlink(good, link);
  CHECK(error_of([&] { mem->get_file("/big", link); }) == ENOSPC);
  CHECK(stdfs::is_symlink(link));
  CHECK(test::read_file(good) == "good old contents");
  mem->get_file("/small", link);
  CHECK(stdfs::is_symlink(link));
  CHECK(test::read_file(good) == "small new contents");
  CHECK(count_entries(disk.path()) == 1);
  CHECK(count_entries(links.path()) == 1);
}

TEST_CASE("local write: get_file from memory reports each failure with its own errno",
          "[local][write][errors][get_file]") {
  auto mem = std::make_shared<MemoryFileSystem>();
  mem->pipe_file("/f", std::string_view("data"));
  TempDir dir;
  stdfs::create_directory(dir / "d");
  write_file(dir / "plain", "x");
  auto names = [](auto&& f, const std::string& path) {
    try {
      f();
    } catch (const Error& e) {
      CHECK_THAT(std::string(e.what()), Catch::Contains("get_file") && Catch::Contains(path));
      throw;
    }
  };
  const std::string missing = dir / "missing/f";
  CHECK_THROWS_AS(names([&] { mem->get_file("/f", missing); }, missing), FileNotFoundError);
  CHECK_THROWS_AS(names([&] { mem->get_file("/f", dir / "d"); }, dir / "d"), IsADirectoryError);
  const std::string under_file = dir / "plain/f";
  CHECK_THROWS_AS(names([&] { mem->get_file("/f", under_file); }, under_file), NotADirectoryError);
  CHECK(count_entries(dir.path()) == 2);
  CHECK(count_entries(dir / "d") == 0);
  mem->get_file("/f", dir / "got");
  CHECK(test::read_file(dir / "got") == "data");
}

TEST_CASE("local write: a link to a file is kept and its target replaced whole",
          "[local][write][links]") {
  for (LocalEngine e : kEngines) {
    DYNAMIC_SECTION(to_string(e)) {
      auto fs = make_fs(e);
      TempDir dir;
      write_file(dir / "target", "old");
      ::chmod((dir / "target").c_str(), 0640);
      stdfs::create_symlink("target", dir / "link");
      // cp_file, put_file and an atomic file object write through the link as cp(1) does.
      write_file(dir / "src", "copied");
      fs->cp_file(dir / "src", dir / "link");
      CHECK(stdfs::is_symlink(dir / "link"));
      CHECK(test::read_file(dir / "target") == "copied");
      fs->put_file(dir / "src", dir / "link");
      CHECK(stdfs::is_symlink(dir / "link"));
      {
        File f = fs->open(dir / "link", "wb", {.atomic = true});
        f.write("through");
        f.close();
      }
      CHECK(stdfs::is_symlink(dir / "link"));
      CHECK(test::read_file(dir / "target") == "through");
      struct stat st {};
      REQUIRE(::stat((dir / "target").c_str(), &st) == 0);
      CHECK((st.st_mode & 07777) == 0640);
      // An atomic file object dropped unclosed (its writer failed) leaves the target as it was.
      {
        auto f = sync(fs->loop(), fs->async_open(dir / "link", "wb", {.atomic = true}));
        sync(fs->loop(), f->write(std::string(200'000, 'z')));
      }
      CHECK(test::read_file(dir / "target") == "through");
      CHECK(count_entries(dir.path()) == 3);
    }
  }
}

TEST_CASE("local write: a device or FIFO as destination is written in place, never replaced",
          "[local][write][special][mknod]") {
  TempDir dir;
  const std::string null = dir / "null";
  if (::mknod(null.c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0)
    COFS_SKIP("cannot make a character device here: " << std::strerror(errno));
  {
    int fd = ::open(null.c_str(), O_WRONLY);
    if (fd < 0) COFS_SKIP("devices cannot be opened on " << dir.path() << " (nodev?)");
    ::close(fd);
  }
  auto mem = std::make_shared<MemoryFileSystem>();
  mem->pipe_file("/f", std::string_view("discarded"));
  for (LocalEngine e : kEngines) {
    DYNAMIC_SECTION(to_string(e)) {
      auto fs = make_fs(e);
      fs->pipe_file(null, std::string_view("into the void"));
      write_file(dir / "src", "copied");
      fs->cp_file(dir / "src", null);
      mem->get_file("/f", null);
      struct stat st {};
      REQUIRE(::lstat(null.c_str(), &st) == 0);
      CHECK(S_ISCHR(st.st_mode));
      CHECK(count_entries(dir.path()) == 2);
    }
  }
}

TEST_CASE("local write: the fsync option, as a field and as a string", "[local][write][fsync]") {
  TempDir dir;
  for (LocalEngine e : kEngines) {
    for (bool durable : {true, false}) {
      DYNAMIC_SECTION(to_string(e) << (durable ? ", fsync" : ", no fsync")) {
        auto fs = make_fs(e, durable);
        fs->pipe_file(dir / "p", std::string_view("durable?"));
        CHECK(test::read_file(dir / "p") == "durable?");
        fs->cp_file(dir / "p", dir / "c");
        CHECK(test::read_file(dir / "c") == "durable?");
        auto t = fs->transaction();
        File f = t->open(dir / "t", "wb");
        f.write("in a transaction");
        f.close();
        t.commit();
      }
    }
  }
  CHECK(test::read_file(dir / "t") == "in a transaction");
  auto by_name = filesystem("file", {{"fsync", "false"}});
  by_name->pipe_file(dir / "s", std::string_view("string option"));
  CHECK(test::read_file(dir / "s") == "string option");
  CHECK_THROWS_AS(filesystem("file", {{"fsync", "sometimes"}}), InvalidArgumentError);
}

TEST_CASE("local write: a cancelled write leaves the old file and no temporary file",
          "[local][write][cancel]") {
  // Timeouts from "before anything ran" to "after it finished": whichever point each one stops
  // the write at, the target holds the old contents or the new, and nothing else is left. A
  // gather's per-task timeout cancels the write and waits for it to end.
  const std::string big(8 << 20, 'B');
  for (LocalEngine e : kEngines) {
    DYNAMIC_SECTION(to_string(e)) {
      auto fs = make_fs(e);
      TempDir dir;
      const std::string p = dir / "f";
      int cancelled = 0;
      for (auto timeout : {std::chrono::microseconds(1), std::chrono::microseconds(100),
                           std::chrono::microseconds(300), std::chrono::microseconds(1000),
                           std::chrono::microseconds(3000), std::chrono::microseconds(30000)}) {
        write_file(p, "old");
        std::vector<Task<void>> one;
        one.push_back(fs->async_pipe_file(p, Bytes(big)));
        auto outcomes = sync(
            fs->loop(), gather(std::move(one), {.return_exceptions = true, .timeout = timeout}));
        if (!outcomes.all_ok()) {
          ++cancelled;
          CHECK(error_is(outcomes.errors().at(0).second, std::errc::timed_out));
        }
        CHECK(count_entries(dir.path()) == 1);
        std::string now = test::read_file(p);
        CHECK((now == "old" || now == big));
      }
      CHECK(cancelled >= 1);  // 1 us is always too short for 8 MiB
    }
  }
}

TEST_CASE("local write: atomic append and update start from the old contents; racing writers",
          "[local][write]") {
  for (LocalEngine e : kEngines) {
    DYNAMIC_SECTION(to_string(e)) {
      auto fs = make_fs(e);
      TempDir dir;
      write_file(dir / "target", "0123456789");
      stdfs::create_symlink("target", dir / "link");
      {
        File f = fs->open(dir / "link", "ab", {.atomic = true});
        f.write("+tail");
        CHECK(test::read_file(dir / "target") == "0123456789");  // not before close
        f.close();
      }
      CHECK(test::read_file(dir / "target") == "0123456789+tail");
      {
        File f = fs->open(dir / "link", "r+b", {.atomic = true});
        f.seek(2);
        f.write("AB");
        f.seek(0);
        CHECK(f.read(4) == "01AB");
        f.close();
      }
      CHECK(test::read_file(dir / "target") == "01AB456789+tail");
      CHECK(stdfs::is_symlink(dir / "link"));
      // "x" refuses an existing file before writing anything.
      CHECK_THROWS_AS(fs->open(dir / "target", "xb", {.atomic = true}), FileExistsError);

      // Writers racing on one name: the survivor is one of them, whole; nothing else is left.
      std::vector<std::thread> writers;
      for (int i = 0; i < 8; ++i) {
        writers.emplace_back([&, i] {
          for (int k = 0; k < 10; ++k)
            fs->pipe_file(dir / "raced", Bytes(std::string(50'000 + i, char('a' + i))));
        });
      }
      for (auto& w : writers) w.join();
      std::string got = test::read_file(dir / "raced");
      REQUIRE(got.size() >= 50'000);
      CHECK(got == std::string(got.size(), char('a' + (got.size() - 50'000))));
      CHECK(count_entries(dir.path()) == 3);
    }
  }
}

// fsspec/tests/abstract/mv.py, test_move_raises_error_with_tmpdir_permission: a move into a
// directory the process may not write raises PermissionError and creates nothing there, with
// recursive or without.
TEST_CASE("local mv into a read-only directory raises PermissionError and creates nothing",
          "[local][write][mv]") {
  if (::geteuid() == 0) COFS_SKIP("root writes into a read-only directory: nothing to refuse");
  TempDir dir;
  const std::string protected_dir = dir / "protected_directory";
  stdfs::create_directory(protected_dir);
  stdfs::permissions(protected_dir, stdfs::perms::owner_read | stdfs::perms::owner_exec |
                                        stdfs::perms::group_read | stdfs::perms::group_exec |
                                        stdfs::perms::others_read | stdfs::perms::others_exec);
  for (LocalEngine e : kEngines) {
    for (bool recursive : {false, true}) {
      DYNAMIC_SECTION(to_string(e) << (recursive ? ", recursive" : "")) {
        auto fs = make_fs(e);
        write_file(dir / "source_file.txt", "content");
        const std::string destination = protected_dir + "/destination_file.txt";
        CHECK_THROWS_AS(fs->mv(dir / "source_file.txt", destination, {.recursive = recursive}),
                        PermissionError);
        CHECK_FALSE(stdfs::exists(destination));
        CHECK(test::read_file(dir / "source_file.txt") == "content");
      }
    }
  }
  stdfs::permissions(protected_dir, stdfs::perms::owner_all);
}
