// LocalFileSystem: the local disk, for the protocols `file` and `local` (and file:// URLs), with
// absolute POSIX paths ("~" expanded, relative paths taken from the working directory). Its IO
// goes through one of three engines, chosen by the `engine` option, then COFS_LOCAL_ENGINE, then a
// probe: `uring` (io_uring on the loop's ring), `aio` (libaio with an eventfd the loop watches)
// or `threads` (blocking syscalls on the loop's pool). Special files (/proc, /sys, pipes, devices)
// are always served by the threads engine. See docs/local.md.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cofs/export.hpp"
#include "cofs/fs/filesystem.hpp"
#include "cofs/local/local_engine.hpp"

namespace cofs {

namespace local {
class Engine;
}

struct COFS_API LocalOptions {
  /// automatic: COFS_LOCAL_ENGINE, then the first that starts of uring, aio, threads. An engine
  /// asked for that cannot start falls back the same way, with a notice on stderr.
  LocalEngine engine = LocalEngine::automatic;
  /// aio engine: read files opened read-only with O_DIRECT (no page cache).
  bool direct_io = false;
  /// Whole-file writes (pipe_file, cp_file, get_file/put_file to here, atomic and transaction
  /// files) fsync the file before renaming it over its target and the directory after, so that
  /// a crash leaves the old file or the new. Unset: COFS_LOCAL_FSYNC (0 or false: off), else on.
  std::optional<bool> fsync;
  /// Test hooks: the io_uring probe / io_setup fail as if the kernel refused them.
  bool fail_uring_probe = false;
  bool fail_aio_setup = false;
  std::optional<BatchSize> batch_size;
};

class COFS_API LocalFileSystem : public FileSystem {
 public:
  explicit LocalFileSystem(std::shared_ptr<IoLoop> loop = nullptr, LocalOptions options = {});
  ~LocalFileSystem() override;

  /// Options: engine, direct_io, fsync, batch_size, fail_uring_probe, fail_aio_setup.
  static std::shared_ptr<FileSystem> from_options(const Options& options,
                                                  std::shared_ptr<IoLoop> loop);

  std::string_view protocol() const override { return "file"; }
  std::string strip_protocol(std::string_view path) const override;
  std::string unstrip_protocol(std::string_view path) const override;
  Capabilities capabilities() const override { return {.created = true, .atomic_mv = true}; }

  /// The engine that serves this filesystem (never automatic); to_string() names it.
  LocalEngine engine() const noexcept;

  /// A file object over a descriptor opened elsewhere (aiofile's async_open(fp)). `mode` says
  /// what the descriptor allows; with `close_fd` closing the file closes the descriptor.
  std::unique_ptr<AsyncFile> wrap_fd(int fd, std::string_view mode = "rb", bool close_fd = false);
  /// The same, as a blocking File.
  File open_fd(int fd, std::string_view mode = "rb", bool close_fd = false) {
    return File(wrap_fd(fd, mode, close_fd));
  }

 protected:
  std::string strip_protocol_moved(std::string path) const override;
  Task<std::vector<FileInfo>> do_ls(std::string path) override;
  Task<std::vector<FileInfo>> do_ls_types(std::string path) override;
  Task<std::vector<FileInfo>> list(std::string path, bool detail);
  Task<FileInfo> do_info(std::string path) override;
  Task<std::optional<FileInfo>> do_try_info(std::string path) override;
  Task<std::optional<FileId>> do_file_id(std::string path) override;
  Task<Bytes> do_cat_file(std::string path, std::optional<std::int64_t> start,
                          std::optional<std::int64_t> end) override;
  Task<void> do_pipe_file(std::string path, Bytes data) override;
  Task<void> do_rm_file(std::string path) override;
  Task<void> do_mkdir(std::string path, bool create_parents) override;
  Task<void> do_rmdir(std::string path) override;
  Task<std::unique_ptr<AsyncFile>> do_open(std::string path, OpenMode mode,
                                           OpenOptions options) override;
  /// Through the atomic writer, its rename deferred into the transaction.
  Task<std::unique_ptr<AsyncFile>> do_open_in_transaction(std::string path, OpenMode mode,
                                                          OpenOptions options,
                                                          TransactionFileSystem& tx) override;
  Task<void> do_cp_file(std::string src, std::string dst) override;
  Task<void> do_mv_file(std::string src, std::string dst) override;
  Task<void> do_makedirs(std::string path, bool exist_ok) override;
  Task<void> do_touch(std::string path, bool truncate) override;
  Task<void> do_get_file(std::string rpath, std::string lpath, Callback* callback) override;
  Task<void> do_put_file(std::string lpath, std::string rpath, Callback* callback) override;
  bool opens_local_files() const override { return true; }
  std::optional<BatchSize> default_batch_cap(bool local_files) const override;

 private:
  Task<void> copy_local(std::string_view op, std::string src, std::string dst, Callback* cb);
  /// A file written through the atomic writer: a temporary file renamed over `path` at close,
  /// or, with `tx`, when that transaction commits.
  Task<std::unique_ptr<AsyncFile>> open_staged(std::string path, OpenMode mode, std::size_t block,
                                               TransactionFileSystem* tx);
  std::unique_ptr<local::Engine> engine_;
  bool durable_ = true;  // the fsync option
};

}  // namespace cofs
