#include "local/engine.hpp"

#include "cofs/runtime/gather.hpp"
#include "cofs/runtime/with_cleanup.hpp"
#include "runtime/fork_locks.hpp"

#include <dirent.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <system_error>

#include <fmt/format.h>

namespace cofs {

const char* to_string(LocalEngine engine) noexcept {
  switch (engine) {
    case LocalEngine::automatic:
      return "automatic";
    case LocalEngine::uring:
      return "uring";
    case LocalEngine::aio:
      return "aio";
    case LocalEngine::threads:
      return "threads";
  }
  return "?";
}

std::optional<LocalEngine> parse_local_engine(std::string_view name) noexcept {
  if (name == "automatic" || name == "auto") return LocalEngine::automatic;
  if (name == "uring" || name == "io_uring") return LocalEngine::uring;
  if (name == "aio" || name == "libaio") return LocalEngine::aio;
  if (name == "threads" || name == "thread") return LocalEngine::threads;
  return std::nullopt;
}

}  // namespace cofs

namespace cofs::local {

// ---- helpers on the primitives ---------------------------------------------------------------

Task<long> Engine::read_full(int fd, void* buf, std::size_t n, std::uint64_t offset) {
  std::size_t done = 0;
  auto* p = static_cast<std::byte*>(buf);
  while (done < n) {
    const bool at_position = offset == kAtFilePosition;
    long r = co_await pread(fd, p + done, n - done, at_position ? offset : offset + done);
    // EAGAIN from a non-blocking stream means no data yet: say so rather than spin.
    if (r == -EINTR || (r == -EAGAIN && !at_position)) continue;
    if (r < 0) co_return r;
    if (r == 0) break;  // end of file
    done += static_cast<std::size_t>(r);
  }
  co_return static_cast<long>(done);
}

Task<long> Engine::write_full(int fd, const void* buf, std::size_t n, std::uint64_t offset) {
  std::size_t done = 0;
  const auto* p = static_cast<const std::byte*>(buf);
  while (done < n) {
    const bool at_position = offset == kAtFilePosition;
    long r = co_await pwrite(fd, p + done, n - done, at_position ? offset : offset + done);
    if (r == -EINTR || (r == -EAGAIN && !at_position)) continue;
    if (r < 0) co_return r;
    if (r == 0) co_return -EIO;  // no progress: would loop forever
    done += static_cast<std::size_t>(r);
  }
  co_return 0;
}

Task<int> Engine::stat(const char* path, bool follow_links, struct statx* out) {
  co_return co_await statx(AT_FDCWD, path, follow_links ? 0 : AT_SYMLINK_NOFOLLOW, out);
}

Task<int> Engine::fstat(int fd, struct statx* out) {
  co_return co_await statx(fd, "", AT_EMPTY_PATH, out);
}

namespace {

constexpr std::size_t kChunk = std::size_t{16} << 20;
constexpr std::uint64_t kParallelFrom = std::uint64_t{8} << 20;

/// One of two lanes that read a large range chunk by chunk, each chunk populated on the pool
/// first: the two lanes overlap one chunk's page population with the other's copy.
Task<long> read_lane(Engine& io, int fd, std::byte* base, std::size_t size, std::uint64_t offset,
                     std::size_t first, std::size_t step, std::size_t* short_at) {
  long total = 0;
  for (std::size_t at = first * kChunk; at < size; at += step * kChunk) {
    std::size_t len = std::min(kChunk, size - at);
    std::byte* p = base + at;
    co_await io.blocking([p, len] { prefault(p, len); });
    long n = co_await io.read_full(fd, p, len, offset + at);
    if (n < 0) co_return n;
    total += n;
    if (static_cast<std::size_t>(n) < len) {
      *short_at = std::min(*short_at, at + static_cast<std::size_t>(n));
      break;
    }
  }
  co_return total;
}

}  // namespace

Task<int> Engine::open_and_stat(const char* path, int flags, mode_t mode, struct statx* st) {
  int fd = co_await open(path, flags, mode);
  if (fd == -ENXIO && !open_waits_for_fifo())
    fd = co_await threads_engine().open(path, flags, mode);
  if (fd < 0) co_return fd;
  // What the caller gets: `fd`, or an error, or the FIFO opened again. Until the body says, a
  // failure (or a cancellation): `fd` is then closed.
  int result = -ECANCELED;
  auto check = [](Engine* self, int fd, const char* path, int flags, mode_t mode, struct statx* st,
                  int* result) -> Task<void> {
    int r = co_await self->fstat(fd, st);
    if (r < 0) {
      *result = r;
    } else if (S_ISFIFO(st->stx_mode) && !self->open_waits_for_fifo()) {
      *result = co_await self->threads_engine().open(path, flags, mode);
    } else {
      *result = fd;
    }
  };
  auto close_unless_kept = [](Engine* self, int fd, const int* result) -> Task<void> {
    if (*result != fd) co_await self->close(fd);  // failed, cancelled, or opened again
  };
  co_await with_cleanup(check(this, fd, path, flags, mode, st, &result),
                        close_unless_kept(this, fd, &result));
  co_return result;
}

Task<int> Engine::read_to_end(int fd, const struct statx& st, Bytes& out) {
  // Engines disagree on reading a directory (EISDIR, EINVAL): say it the same way for all.
  if (S_ISDIR(st.stx_mode)) co_return -EISDIR;
  Engine& io = for_file(fd, st);
  out.clear();
  if (is_stream(st)) {
    auto read_some = [&io, fd](std::byte* p, std::size_t n) {
      return io.pread(fd, p, n, kAtFilePosition);
    };
    co_return co_await read_until_end(out, 0, read_some);
  }
  const auto want = static_cast<std::size_t>(st.stx_size);
  // Size from fstat, plus one byte to notice a file that grew since.
  out.resize_uninitialized(want + 1);
  std::size_t have = 0;
  if (want >= kParallelFrom && &io == this) {
    std::size_t short_at = want;
    std::vector<Task<long>> lanes;
    for (std::size_t lane = 0; lane < 2; ++lane) {
      lanes.push_back(read_lane(io, fd, out.data(), want, 0, lane, 2, &short_at));
    }
    auto results = co_await gather(std::move(lanes), GatherOptions{.batch_size = -1});
    for (auto& res : results) {
      if (res.value() < 0) co_return static_cast<int>(res.value());
    }
    have = short_at;
    if (have < want) {
      out.truncate(have);  // the file shrank meanwhile
      co_return 0;
    }
  }
  long n = co_await io.read_full(fd, out.data() + have, out.size() - have, have);
  if (n < 0) co_return static_cast<int>(n);
  have += static_cast<std::size_t>(n);
  if (have < out.size()) {
    finish_read(out, have);
    co_return 0;
  }
  // The file grew (or reports a wrong size, as procfs does): read on to its end.
  auto read_some = [&io, &out, fd](std::byte* p, std::size_t len) {
    return io.pread(fd, p, len, static_cast<std::uint64_t>(p - out.data()));
  };
  co_return co_await read_until_end(out, have, read_some);
}

Task<int> Engine::read_file(const char* path, Bytes& out) {
  struct statx st {};
  int fd = co_await open_and_stat(path, O_RDONLY, 0, &st);
  if (fd < 0) co_return fd;
  int r = co_await read_to_end(fd, st, out);
  co_await close(fd);
  co_return r;
}

Engine& Engine::for_file(int fd, const struct statx& st) {
  if (kind() == LocalEngine::threads || !is_special_file(fd, st)) return *this;
  return threads_engine();
}

Engine& Engine::threads_engine() {
  if (kind() == LocalEngine::threads) return *this;
  if (!threads_) threads_ = make_threads_engine(loop_);
  return *threads_;
}

// ---- directory listing -----------------------------------------------------------------------

namespace {

struct linux_dirent64 {
  ino64_t d_ino;
  off64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

DirListing list_blocking(const std::string& path, bool details) {
  DirListing out;
  int dfd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) {
    out.error = errno;
    return out;
  }
  alignas(8) static thread_local char buf[64 * 1024];
  for (;;) {
    long n = syscall(SYS_getdents64, dfd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      out.error = errno;
      break;
    }
    if (n == 0) break;
    for (long pos = 0; pos < n;) {
      auto* d = reinterpret_cast<linux_dirent64*>(buf + pos);
      pos += d->d_reclen;
      const char* nm = d->d_name;
      if (nm[0] == '.' && (nm[1] == '\0' || (nm[1] == '.' && nm[2] == '\0'))) continue;
      DirEntry& e = out.entries.emplace_back();
      e.name = nm;
      e.d_type = d->d_type;
    }
  }
  if (!details && out.error == 0) {
    // Types only: getdents gives them, except for links (the target's type matters, and that
    // it is a link: walks do not go through links by default) and filesystems that do not fill
    // d_type.
    for (DirEntry& e : out.entries) {
      if (e.d_type != DT_UNKNOWN && e.d_type != DT_LNK) continue;
      struct statx st {};
      if (e.d_type == DT_UNKNOWN) {
        if (::statx(dfd, e.name.c_str(), AT_SYMLINK_NOFOLLOW, STATX_TYPE, &st) != 0) continue;
        e.d_type = IFTODT(st.stx_mode);
      }
      if (e.d_type != DT_LNK) continue;
      e.is_link = true;
      if (::statx(dfd, e.name.c_str(), 0, STATX_TYPE, &st) == 0) e.d_type = IFTODT(st.stx_mode);
    }
  }
  if (details && out.error == 0) {
    for (DirEntry& e : out.entries) {
      e.details = std::make_unique<EntryDetails>();
      EntryDetails& d = *e.details;
      if (::statx(dfd, e.name.c_str(), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS | STATX_BTIME,
                  &d.st) < 0) {
        d.stat_error = errno;
        continue;
      }
      if (S_ISLNK(d.st.stx_mode)) {
        char target[4096];
        ssize_t len = ::readlinkat(dfd, e.name.c_str(), target, sizeof target);
        if (len >= 0) d.link_target.assign(target, static_cast<std::size_t>(len));
        d.link_target_ok =
            ::statx(dfd, e.name.c_str(), 0, STATX_BASIC_STATS | STATX_BTIME, &d.target) == 0;
      }
    }
  }
  ::close(dfd);
  return out;
}

}  // namespace

Task<DirListing> Engine::list_dir(std::string path, bool details) {
  // The frame outlives the call: capture a pointer (GCC 12 destroys non-trivial captures of a
  // temporary inside co_await twice).
  const std::string* p = &path;
  co_return co_await blocking([p, details] { return list_blocking(*p, details); });
}

void finish_read(Bytes& out, std::size_t have) {
  out.truncate(have);
  if (out.capacity() > have + have / 16 + 4096) out.shrink_to_fit();
}

void prefault(void* p, std::size_t n) noexcept {
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
  const std::uintptr_t page = 4096;
  auto start = reinterpret_cast<std::uintptr_t>(p) & ~(page - 1);
  auto end = (reinterpret_cast<std::uintptr_t>(p) + n + page - 1) & ~(page - 1);
  if (end > start) ::madvise(reinterpret_cast<void*>(start), end - start, MADV_POPULATE_WRITE);
}

// ---- special files -----------------------------------------------------------------------------

bool is_special_path(std::string_view path) noexcept {
  if (path.size() < 4 || (path[1] != 'p' && path[1] != 's' && path[1] != 'd')) return false;
  for (std::string_view prefix : {"/proc", "/sys", "/dev"}) {
    if (path.starts_with(prefix) && (path.size() == prefix.size() || path[prefix.size()] == '/')) {
      return true;
    }
  }
  return false;
}

bool is_special_file(int fd, const struct statx& st) noexcept {
  if (!S_ISREG(st.stx_mode)) return true;
  if (st.stx_size == 0) return true;
  // Virtual filesystems have anonymous devices (major 0); only those need the statfs check.
  if (st.stx_dev_major != 0) return false;
  struct statfs sfs {};
  if (::fstatfs(fd, &sfs) != 0) return false;
  switch (static_cast<unsigned long>(sfs.f_type)) {
    case PROC_SUPER_MAGIC:
    case SYSFS_MAGIC:
    case DEBUGFS_MAGIC:
    case TRACEFS_MAGIC:
    case CGROUP_SUPER_MAGIC:
    case CGROUP2_SUPER_MAGIC:
    case SECURITYFS_MAGIC:
      return true;
    default:
      return false;
  }
}

// ---- choosing an engine ------------------------------------------------------------------------

namespace {

std::mutex g_notice_mutex;
// fork() takes it (see fork_locks.hpp): a child choosing its engine may have a notice to give.
const bool g_notice_fork_safe = [] {
  cofs::detail::register_fork_lock(
      cofs::detail::ForkLockRank::engine_notices,
      {+[]() noexcept { g_notice_mutex.lock(); }, +[]() noexcept { g_notice_mutex.unlock(); }});
  return true;
}();
std::vector<std::string> g_notices;
std::set<std::string> g_printed;

void notice(std::string line) {
  std::lock_guard lock(g_notice_mutex);
  // Once per distinct message: a program that makes many filesystems says it once.
  if (g_printed.insert(line).second) fmt::print(stderr, "cofs: {}\n", line);
  g_notices.push_back(std::move(line));
}

/// COFS_LOCAL_ENGINE; a name that is not an engine is said once, and the probe decides.
LocalEngine engine_from_env() {
  const char* env = std::getenv("COFS_LOCAL_ENGINE");
  if (env == nullptr || *env == '\0') return LocalEngine::automatic;
  auto engine = parse_local_engine(env);
  if (!engine) {
    notice(std::string("COFS_LOCAL_ENGINE='") + env +
           "' is not an engine (automatic, uring, aio, threads); probing instead");
  }
  return engine.value_or(LocalEngine::automatic);
}

}  // namespace

std::vector<std::string> engine_notices() {
  std::lock_guard lock(g_notice_mutex);
  return g_notices;
}

std::unique_ptr<Engine> make_engine(IoLoop& loop, const EngineOptions& options) {
  LocalEngine want = options.engine;
  if (want == LocalEngine::automatic) want = engine_from_env();
  const LocalEngine first = want == LocalEngine::automatic ? LocalEngine::uring : want;
  static constexpr LocalEngine kOrder[] = {LocalEngine::uring, LocalEngine::aio,
                                           LocalEngine::threads};
  std::size_t i = 0;
  while (kOrder[i] != first) ++i;
  for (; i < 2; ++i) {
    try {
      if (kOrder[i] == LocalEngine::uring) return make_uring_engine(loop, options);
      return make_aio_engine(loop, options);
    } catch (const std::exception& e) {
      LocalEngine next = kOrder[i + 1];
      notice(fmt::format("local engine '{}' cannot start ({}); falling back to '{}'",
                         to_string(kOrder[i]), e.what(), to_string(next)));
    }
  }
  return make_threads_engine(loop);
}

}  // namespace cofs::local
