// The local engines: one internal interface over three ways of doing file IO on Linux (io_uring
// on the loop's ring, libaio with an eventfd the reactor watches, blocking syscalls on the loop's
// thread pool). The primitives return what the syscall returns: a value >= 0, or -errno; the
// caller knows the operation and path an error must name. Every pointer or reference argument
// must stay valid until the returned task has finished (callers co_await at once). All tasks run
// on the loop's thread.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cofs/backend/loop.hpp"
#include "cofs/fs/bytes.hpp"
#include "cofs/local/local_engine.hpp"
#include "cofs/runtime/io_loop.hpp"
#include "cofs/runtime/task.hpp"
#include "cofs/runtime/thread_pool.hpp"
#include "local/directory_syncs.hpp"

namespace cofs::local {

/// The offset of a pread/pwrite that reads or writes at the file position, advancing it: how
/// streams (pipes, sockets, character devices), which have no offsets, are read and written.
/// The threads engine (which serves every stream) and the uring engine take it; aio does not.
inline constexpr std::uint64_t kAtFilePosition = ~std::uint64_t{0};

/// A FIFO, socket or character device: bytes are consumed by reading them, and there is no size.
inline bool is_stream(const struct statx& st) noexcept {
  return S_ISFIFO(st.stx_mode) || S_ISSOCK(st.stx_mode) || S_ISCHR(st.stx_mode);
}

struct EngineOptions {
  /// The filesystem's `engine` option; automatic: COFS_LOCAL_ENGINE, then the probe.
  LocalEngine engine = LocalEngine::automatic;
  /// aio: read regular files opened read-only with O_DIRECT (through aligned bounce buffers).
  bool direct_io = false;
  /// Test hooks: make the io_uring probe / io_setup fail as if the kernel refused them. Also
  /// set by COFS_LOCAL_URING_PROBE_FAIL=1 / COFS_LOCAL_AIO_SETUP_FAIL=1.
  bool fail_uring_probe = false;
  bool fail_aio_setup = false;
};

/// What a detailed listing adds to an entry: its lstat and, for a link, the target's stat and
/// path. Kept apart so that a types-only listing of a large tree carries 48 bytes per entry.
struct EntryDetails {
  int stat_error = 0;  // errno of the lstat (the entry vanished meanwhile, ...)
  struct statx st {};
  bool link_target_ok = false;  // a link whose target could be stat'ed
  struct statx target {};
  std::string link_target;
};

/// One directory entry; `details` is set when the listing asked for them.
struct DirEntry {
  std::string name;
  unsigned char d_type = 0;  // DT_* from getdents; a link's target's (DT_LNK when it dangles)
  bool is_link = false;      // a symbolic link (types-only listings)
  std::unique_ptr<EntryDetails> details;
};

struct DirListing {
  int error = 0;  // errno of opening or reading the directory
  std::vector<DirEntry> entries;
};

class Engine {
 public:
  explicit Engine(IoLoop& loop) noexcept : loop_(loop) {}
  virtual ~Engine() = default;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  virtual LocalEngine kind() const noexcept = 0;  // never automatic
  const char* name() const noexcept { return to_string(kind()); }
  /// Whether `open` of a FIFO waits for the other end as open(2) does (io_uring's does not).
  virtual bool open_waits_for_fifo() const noexcept { return true; }
  /// How many whole-file reads this engine runs at once, when it has such a limit (the uring
  /// engine's direct-descriptor slots); bulk calls default to no more than this.
  virtual std::optional<long> concurrency_limit() const noexcept { return std::nullopt; }
  IoLoop& loop() const noexcept { return loop_; }

  // ---- primitives: one syscall each, result or -errno ----------------------------------------
  /// openat(AT_FDCWD, path, flags | O_CLOEXEC, mode) -> fd.
  virtual Task<int> open(const char* path, int flags, mode_t mode) = 0;
  virtual Task<int> close(int fd) = 0;
  /// One pread (a read at the file position for kAtFilePosition): may return fewer bytes than
  /// asked (see read_full).
  virtual Task<long> pread(int fd, void* buf, std::size_t n, std::uint64_t offset) = 0;
  virtual Task<long> pwrite(int fd, const void* buf, std::size_t n, std::uint64_t offset) = 0;
  virtual Task<int> fsync(int fd, bool datasync) = 0;
  /// statx(dirfd, path, flags, STATX_BASIC_STATS | STATX_BTIME, out).
  virtual Task<int> statx(int dirfd, const char* path, int flags, struct statx* out) = 0;
  virtual Task<int> unlink(const char* path) = 0;
  virtual Task<int> rmdir(const char* path) = 0;
  virtual Task<int> rename(const char* from, const char* to) = 0;
  virtual Task<int> mkdir(const char* path, mode_t mode) = 0;

  // ---- built on the primitives --------------------------------------------------------------
  /// Reads until `n` bytes or end of file, resubmitting short reads. Bytes read, or -errno.
  /// With kAtFilePosition every read is at the file position.
  Task<long> read_full(int fd, void* buf, std::size_t n, std::uint64_t offset);
  /// Writes all of `n` bytes, resubmitting short writes. 0, or -errno.
  Task<long> write_full(int fd, const void* buf, std::size_t n, std::uint64_t offset);
  Task<int> stat(const char* path, bool follow_links, struct statx* out);
  Task<int> fstat(int fd, struct statx* out);
  /// open, then fstat into `st`: the descriptor, or -errno with nothing left open. A FIFO is
  /// opened as open(2) opens it, waiting for its other end, under every engine (io_uring tries
  /// each open without blocking first, so a FIFO opens at once for reading and fails with ENXIO
  /// for writing; such a FIFO is opened again through the threads engine, before the first
  /// descriptor is closed, so that a writer arriving meanwhile always finds a reader).
  Task<int> open_and_stat(const char* path, int flags, mode_t mode, struct statx* st);
  /// Reads the whole file into `out`: its size taken from `st` (its fstat) and grown if the file
  /// grows meanwhile, or, for a stream, everything until its writer closes. 0 or -errno.
  Task<int> read_to_end(int fd, const struct statx& st, Bytes& out);
  /// The whole file at `path`: open, read to the end, close. 0 or -errno. The uring engine links
  /// open and reads in one submission.
  virtual Task<int> read_file(const char* path, Bytes& out);

  /// Lists a directory on the thread pool (no engine has an async getdents). With `details`,
  /// each entry carries its lstat (and a link's target), taken relative to the directory.
  Task<DirListing> list_dir(std::string path, bool details);

  /// The engine that does IO on the open file `fd`: this one, or the threads engine for special
  /// files (procfs, sysfs, pipes, devices), which libaio refuses and io_uring only emulates.
  Engine& for_file(int fd, const struct statx& st);

  /// Runs `fn` on the loop's blocking pool (syscalls that no engine does asynchronously).
  template <class F>
  auto blocking(F fn) {
    return run_blocking(loop_, std::move(fn));
  }

  /// The directory fsyncs of the atomic writer's commits through this engine, shared by
  /// concurrent commits (see directory_syncs.hpp).
  DirectorySyncs& directory_syncs() noexcept { return directory_syncs_; }

 protected:
  IoLoop& loop_;

 private:
  Engine& threads_engine();
  std::unique_ptr<Engine> threads_;  // for special files, made on first use
  DirectorySyncs directory_syncs_;
};

/// Ends a whole-file read of `have` bytes into `out`: its size, and the spare capacity (the
/// size was a guess, or the file shrank) given back when it is worth a reallocation.
void finish_read(Bytes& out, std::size_t have);

/// Reads on until end of file, appending to the `have` bytes `out` holds already and growing it:
/// `read_some(buf, n)` is one read at the file position (bytes, 0 at the end, or -errno).
/// 0 or -errno; `out` ends with exactly the bytes read.
template <class ReadSome>
Task<int> read_until_end(Bytes& out, std::size_t have, ReadSome read_some) {
  for (;;) {
    if (have == out.size())
      out.resize_uninitialized(std::max<std::size_t>(out.size() * 2, 64 * 1024));
    long n = co_await read_some(out.data() + have, out.size() - have);
    if (n == -EINTR || n == -EAGAIN) continue;
    if (n < 0) co_return static_cast<int>(n);
    if (n == 0) break;
    have += static_cast<std::size_t>(n);
  }
  finish_read(out, have);
  co_return 0;
}

/// Faults in the pages of [p, p + n) in one syscall (MADV_POPULATE_WRITE): for large reads into
/// fresh memory, where a trap per page costs more than the copy (notably in virtual machines).
/// Errors are ignored: it is only an optimisation.
void prefault(void* p, std::size_t n) noexcept;

/// True when `path` or the open file must be served by the threads engine: not a regular file
/// (pipes, character devices, sockets), or on procfs/sysfs/devtmpfs/debugfs, or an empty regular
/// file (procfs reports size 0 for files with contents).
bool is_special_path(std::string_view path) noexcept;
bool is_special_file(int fd, const struct statx& st) noexcept;

/// The engine serving `options` on `loop`: the option, then COFS_LOCAL_ENGINE, then the probe;
/// one that cannot start falls back to the next (uring -> aio -> threads) with a one-line notice
/// on stderr. Never fails for the threads engine.
std::unique_ptr<Engine> make_engine(IoLoop& loop, const EngineOptions& options);

/// The fallback notices printed by make_engine in this process, most recent last (for tests).
std::vector<std::string> engine_notices();

// Engines made directly (tests). These throw std::system_error when the engine cannot start.
std::unique_ptr<Engine> make_uring_engine(IoLoop& loop, const EngineOptions& options);
std::unique_ptr<Engine> make_aio_engine(IoLoop& loop, const EngineOptions& options);
std::unique_ptr<Engine> make_threads_engine(IoLoop& loop);
/// How many uring descriptor-slot tables exist in the process (one per loop that made a uring
/// engine, freed with the loop; for tests).
std::size_t uring_slot_tables_alive() noexcept;

}  // namespace cofs::local
