// FileSystem: the one interface over every backend, in fsspec's shape. Each method comes as a
// coroutine `async_X` and a blocking `X` (the same call run on the IO loop by sync()). A backend
// implements a small core (the protected do_* methods); everything else is built here on top of
// it and runs its many sub-operations concurrently through gather.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cofs/export.hpp"
#include "cofs/fs/bytes.hpp"
#include "cofs/fs/callback.hpp"
#include "cofs/fs/errors.hpp"
#include "cofs/fs/file.hpp"
#include "cofs/fs/file_info.hpp"
#include "cofs/fs/options.hpp"
#include "cofs/runtime/io_loop.hpp"
#include "cofs/runtime/outcome.hpp"
#include "cofs/runtime/sync.hpp"
#include "cofs/runtime/task.hpp"

namespace cofs {

struct GatherOptions;  // cofs/runtime/gather.hpp

namespace detail {
struct GlobAccess;
}

/// What a backend can do; the conformance suite skips what a backend declares it cannot.
struct COFS_API Capabilities {
  bool write = true;        // pipe_file, rm_file, open for writing
  bool directories = true;  // mkdir makes empty directories that ls shows
  bool rmdir = true;
  bool read_write_modes = true;  // "r+", "w+", "a" on open
  bool mtime = true;             // info gives mtime
  bool created = false;          // info gives created
  bool list = true;              // ls (HTTP: only where the server makes listings)
  bool atomic_mv = false;        // mv of one file is a rename
};

/// pipe_file's mode, as fsspec's: replace what is there, or refuse (FileExistsError) when the
/// file exists. "create" checks, then writes: it is not atomic against a concurrent writer.
enum class PipeMode : unsigned char { overwrite, create };

/// One level of walk(): a directory and the names of its subdirectories and files.
struct COFS_API WalkEntry {
  std::string root;
  std::vector<std::string> dirs;
  std::vector<std::string> files;
};

/// A path whose part of a bulk call failed (on_error = return).
struct COFS_API PathError {
  std::string path;
  std::exception_ptr error;
};

/// cat()'s result: each path with its contents or (on_error = return) its error.
using CatResult = std::map<std::string, Outcome<Bytes>>;

class Transaction;
class TransactionFileSystem;
struct TransactionDiscarded;

class COFS_API FileSystem : public std::enable_shared_from_this<FileSystem> {
 public:
  /// `loop`: the IoLoop that serves this filesystem; nullptr for the default loop (get_loop()).
  explicit FileSystem(std::shared_ptr<IoLoop> loop = nullptr);
  virtual ~FileSystem();
  FileSystem(const FileSystem&) = delete;
  FileSystem& operator=(const FileSystem&) = delete;

  IoLoop& loop() const noexcept { return *loop_; }
  /// The main protocol name ("memory", "file", "http").
  virtual std::string_view protocol() const = 0;
  /// A path as this filesystem keys it ("memory://a/b" -> "/a/b"; URLs stay URLs).
  virtual std::string strip_protocol(std::string_view path) const;
  /// The inverse: a path as a URL of this filesystem.
  virtual std::string unstrip_protocol(std::string_view path) const;
  virtual Capabilities capabilities() const { return {}; }
  /// The characters that make a path a glob pattern: "*?["; HTTP's leave out '?', which starts
  /// a URL's query (as fsspec's HTTPFileSystem).
  virtual std::string_view glob_magic() const { return "*?["; }

  /// The filesystem's own batch size for bulk calls (below a call's batch_size in precedence).
  void set_batch_size(std::optional<BatchSize> value);
  std::optional<BatchSize> batch_size() const noexcept { return batch_size_; }
  /// The batch size a bulk call `operation` (with `call_value` as its batch_size argument) runs
  /// with: the built-in default, the config keys, the filesystem's batch_size, the call's,
  /// lowest first; `local_files`: whether it opens local files.
  BatchSize resolve_batch(std::string_view operation, const std::optional<BatchSize>& call_value,
                          bool local_files) const;
  /// A limit for every blocking call (TimeoutError and the operation cancelled after it).
  void set_timeout(std::optional<Clock::duration> value) noexcept { timeout_ = value; }

  // ---- the core: each backend's do_* behind it -------------------------------------------
  Task<std::vector<FileInfo>> async_ls(std::string path);
  Task<std::vector<std::string>> async_ls_names(std::string path);
  Task<FileInfo> async_info(std::string path);
  /// The info of `path`, or nullopt when nothing is there (no such entry, or a parent that is
  /// not a directory): absence is an answer here, not an exception, as in Arrow's GetFileInfo.
  /// Other failures (no permission, a network error) are thrown.
  Task<std::optional<FileInfo>> async_try_info(std::string path);
  /// Bytes [start, end) of the file. Negative offsets count from the end; a missing end means
  /// the end of the file; what lies past the end is not there, so a start at or past the end
  /// reads nothing (as fsspec, Python slicing and pread). A reversed range (end before start,
  /// once negatives are resolved) is an InvalidArgumentError.
  Task<Bytes> async_cat_file(std::string path, std::optional<std::int64_t> start = {},
                             std::optional<std::int64_t> end = {});
  /// Sets the whole contents of the file (deferred when made through a transaction's view).
  Task<void> async_pipe_file(std::string path, Bytes data, PipeMode mode = PipeMode::overwrite);
  Task<void> async_rm_file(std::string path);
  Task<void> async_mkdir(std::string path, bool create_parents = true);
  Task<void> async_makedirs(std::string path, bool exist_ok = false);
  Task<void> async_rmdir(std::string path);
  Task<void> async_cp_file(std::string src, std::string dst);
  Task<void> async_mv_file(std::string src, std::string dst);
  Task<void> async_touch(std::string path, bool truncate = true);
  Task<void> async_get_file(std::string rpath, std::string lpath, Callback* callback = nullptr);
  Task<void> async_put_file(std::string lpath, std::string rpath, Callback* callback = nullptr);
  Task<std::unique_ptr<AsyncFile>> async_open(std::string path, std::string mode = "rb",
                                              OpenOptions options = {});
  /// fsspec's name for async_open.
  Task<std::unique_ptr<AsyncFile>> open_async(std::string path, std::string mode = "rb",
                                              OpenOptions options = {}) {
    return async_open(std::move(path), std::move(mode), options);
  }
  Task<FileInfo::TimePoint> async_modified(std::string path);
  Task<FileInfo::TimePoint> async_created(std::string path);
  /// A value that changes when the file changes.
  Task<std::string> async_checksum(std::string path);
  Task<std::string> async_ukey(std::string path) { return async_checksum(std::move(path)); }

  // ---- built on the core ------------------------------------------------------------------
  /// False only for a missing path: other failures (a network error) are thrown.
  Task<bool> async_exists(std::string path);
  Task<bool> async_isdir(std::string path);
  Task<bool> async_isfile(std::string path);
  Task<std::uint64_t> async_size(std::string path);
  Task<std::vector<Outcome<std::uint64_t>>> async_sizes(std::vector<std::string> paths,
                                                        BulkOptions options = {});
  Task<Bytes> async_head(std::string path, std::uint64_t size = 1024);
  Task<Bytes> async_tail(std::string path, std::uint64_t size = 1024);
  /// `length` bytes from `offset`; with a delimiter, the block starts after the first delimiter
  /// at or after offset (or at 0) and ends after the first delimiter at or after offset+length.
  Task<Bytes> async_read_block(std::string path, std::uint64_t offset,
                               std::optional<std::uint64_t> length,
                               std::optional<std::string> delimiter = {});
  /// The contents of many paths (globs and, with recursive, directories expanded), concurrently.
  Task<CatResult> async_cat(std::vector<std::string> paths, BulkOptions options = {});
  Task<CatResult> async_cat(std::string path, BulkOptions options = {});
  /// Byte ranges of many files, concurrently, in input order.
  Task<std::vector<Outcome<Bytes>>> async_cat_ranges(
      std::vector<std::string> paths, std::vector<std::optional<std::int64_t>> starts,
      std::vector<std::optional<std::int64_t>> ends, BulkOptions options = {});
  Task<std::vector<PathError>> async_pipe(std::map<std::string, Bytes> files,
                                          BulkOptions options = {});
  /// Every file below `path` (and directories with withdirs), sorted; a file gives itself.
  Task<std::vector<std::string>> async_find(std::string path, FindOptions options = {});
  Task<std::vector<FileInfo>> async_find_info(std::string path, FindOptions options = {});
  /// Each directory below `path` with the names of its subdirectories and of its other entries
  /// (files, and links not followed), sorted, in os.walk's order: depth-first, a directory
  /// before (topdown) or after its subdirectories. A `path` that is a file is a
  /// NotADirectoryError.
  Task<std::vector<WalkEntry>> async_walk(std::string path, WalkOptions options);
  Task<std::vector<WalkEntry>> async_walk(std::string path, std::optional<int> maxdepth = {});
  /// The paths matching `pattern`, sorted. A pattern is always a pattern here (glob("a[1]")
  /// never names "a[1]"); expand_path and the bulk calls take a path that exists as written.
  /// The part before the first glob character is resolved as any path is, links included.
  Task<std::vector<std::string>> async_glob(std::string pattern, FindOptions options);
  Task<std::vector<std::string>> async_glob(std::string pattern, std::optional<int> maxdepth = {});
  /// Total bytes of the files below `path` (directories, and links to them, count nothing).
  Task<std::uint64_t> async_du(std::string path, FindOptions options);
  Task<std::uint64_t> async_du(std::string path, std::optional<int> maxdepth = {});
  /// fsspec's du(total=False): each path find lists (with the same options) and its size;
  /// directories and links to them 0. Its values sum to du's total.
  Task<std::map<std::string, std::uint64_t>> async_du_per_path(std::string path,
                                                               FindOptions options = {});
  /// Globs and (with recursive) directories turned into the sorted list of paths they name. A
  /// path that exists as written is itself, even when it holds glob characters.
  Task<std::vector<std::string>> async_expand_path(std::vector<std::string> paths,
                                                   bool recursive = false,
                                                   std::optional<int> maxdepth = {});
  Task<std::vector<PathError>> async_get(std::vector<std::string> rpaths, std::string lpath,
                                         BulkOptions options = {});
  Task<std::vector<PathError>> async_get(std::string rpath, std::string lpath,
                                         BulkOptions options = {});
  Task<std::vector<PathError>> async_put(std::vector<std::string> lpaths, std::string rpath,
                                         BulkOptions options = {});
  Task<std::vector<PathError>> async_put(std::string lpath, std::string rpath,
                                         BulkOptions options = {});
  Task<std::vector<PathError>> async_copy(std::vector<std::string> paths1, std::string path2,
                                          BulkOptions options = {});
  Task<std::vector<PathError>> async_copy(std::string path1, std::string path2,
                                          BulkOptions options = {});
  Task<std::vector<PathError>> async_mv(std::string path1, std::string path2,
                                        BulkOptions options = {});
  Task<std::vector<PathError>> async_rm(std::vector<std::string> paths, BulkOptions options = {});
  Task<std::vector<PathError>> async_rm(std::string path, BulkOptions options = {});

  // ---- blocking twins: the same calls, run on the loop by sync() --------------------------
  std::vector<FileInfo> ls(std::string path) { return call("ls", path, async_ls(path)); }
  std::vector<std::string> ls_names(std::string p) { return call("ls", p, async_ls_names(p)); }
  FileInfo info(std::string path) { return call("info", path, async_info(path)); }
  std::optional<FileInfo> try_info(std::string path) {
    return call("info", path, async_try_info(path));
  }
  Bytes cat_file(std::string path, std::optional<std::int64_t> start = {},
                 std::optional<std::int64_t> end = {}) {
    return call("cat_file", path, async_cat_file(path, start, end));
  }
  void pipe_file(std::string path, Bytes data, PipeMode mode = PipeMode::overwrite) {
    call("pipe_file", path, async_pipe_file(path, std::move(data), mode));
  }
  void pipe_file(std::string path, std::string_view data, PipeMode mode = PipeMode::overwrite) {
    pipe_file(std::move(path), Bytes(data), mode);
  }
  void rm_file(std::string path) { call("rm_file", path, async_rm_file(path)); }
  void mkdir(std::string path, bool create_parents = true) {
    call("mkdir", path, async_mkdir(path, create_parents));
  }
  void makedirs(std::string path, bool exist_ok = false) {
    call("makedirs", path, async_makedirs(path, exist_ok));
  }
  void rmdir(std::string path) { call("rmdir", path, async_rmdir(path)); }
  void cp_file(std::string src, std::string dst) {
    call("cp_file", src, async_cp_file(src, std::move(dst)));
  }
  void mv_file(std::string src, std::string dst) {
    call("mv_file", src, async_mv_file(src, std::move(dst)));
  }
  void touch(std::string path, bool truncate = true) {
    call("touch", path, async_touch(path, truncate));
  }
  void get_file(std::string rpath, std::string lpath, Callback* callback = nullptr) {
    call("get_file", rpath, async_get_file(rpath, std::move(lpath), callback));
  }
  void put_file(std::string lpath, std::string rpath, Callback* callback = nullptr) {
    call("put_file", lpath, async_put_file(lpath, std::move(rpath), callback));
  }
  File open(std::string path, std::string mode = "rb", OpenOptions options = {}) {
    return File(call("open", path, async_open(path, std::move(mode), options)));
  }
  FileInfo::TimePoint modified(std::string p) { return call("modified", p, async_modified(p)); }
  FileInfo::TimePoint created(std::string p) { return call("created", p, async_created(p)); }
  std::string checksum(std::string p) { return call("checksum", p, async_checksum(p)); }
  std::string ukey(std::string p) { return call("ukey", p, async_ukey(p)); }
  bool exists(std::string path) { return call("exists", path, async_exists(path)); }
  bool isdir(std::string path) { return call("isdir", path, async_isdir(path)); }
  bool isfile(std::string path) { return call("isfile", path, async_isfile(path)); }
  std::uint64_t size(std::string path) { return call("size", path, async_size(path)); }
  std::vector<Outcome<std::uint64_t>> sizes(std::vector<std::string> paths, BulkOptions o = {}) {
    std::string subject = subject_of(paths);
    return call("sizes", subject, async_sizes(std::move(paths), o));
  }
  Bytes head(std::string path, std::uint64_t size = 1024) {
    return call("head", path, async_head(path, size));
  }
  Bytes tail(std::string path, std::uint64_t size = 1024) {
    return call("tail", path, async_tail(path, size));
  }
  Bytes read_block(std::string path, std::uint64_t offset, std::optional<std::uint64_t> length,
                   std::optional<std::string> delimiter = {}) {
    return call("read_block", path, async_read_block(path, offset, length, std::move(delimiter)));
  }
  CatResult cat(std::vector<std::string> paths, BulkOptions o = {}) {
    std::string subject = subject_of(paths);
    return call("cat", subject, async_cat(std::move(paths), o));
  }
  CatResult cat(std::string path, BulkOptions o = {}) {
    return call("cat", path, async_cat(path, o));
  }
  std::vector<Outcome<Bytes>> cat_ranges(std::vector<std::string> paths,
                                         std::vector<std::optional<std::int64_t>> starts,
                                         std::vector<std::optional<std::int64_t>> ends,
                                         BulkOptions o = {}) {
    std::string subject = subject_of(paths);
    return call("cat_ranges", subject,
                async_cat_ranges(std::move(paths), std::move(starts), std::move(ends), o));
  }
  std::vector<PathError> pipe(std::map<std::string, Bytes> files, BulkOptions o = {}) {
    std::string subject =
        subject_of(files.empty() ? std::string_view() : files.begin()->first, files.size());
    return call("pipe", subject, async_pipe(std::move(files), o));
  }
  std::vector<std::string> find(std::string path, FindOptions o = {}) {
    return call("find", path, async_find(path, o));
  }
  std::vector<FileInfo> find_info(std::string path, FindOptions o = {}) {
    return call("find", path, async_find_info(path, o));
  }
  std::vector<WalkEntry> walk(std::string path, std::optional<int> maxdepth = {}) {
    return call("walk", path, async_walk(path, maxdepth));
  }
  std::vector<WalkEntry> walk(std::string path, WalkOptions o) {
    return call("walk", path, async_walk(path, o));
  }
  std::vector<std::string> glob(std::string pattern, std::optional<int> maxdepth = {}) {
    return call("glob", pattern, async_glob(pattern, maxdepth));
  }
  std::vector<std::string> glob(std::string pattern, FindOptions o) {
    return call("glob", pattern, async_glob(pattern, o));
  }
  std::uint64_t du(std::string path, std::optional<int> maxdepth = {}) {
    return call("du", path, async_du(path, maxdepth));
  }
  std::uint64_t du(std::string path, FindOptions o) { return call("du", path, async_du(path, o)); }
  std::map<std::string, std::uint64_t> du_per_path(std::string path, FindOptions o = {}) {
    return call("du", path, async_du_per_path(path, std::move(o)));
  }
  std::vector<std::string> expand_path(std::vector<std::string> paths, bool recursive = false,
                                       std::optional<int> maxdepth = {}) {
    std::string subject = subject_of(paths);
    return call("expand_path", subject, async_expand_path(std::move(paths), recursive, maxdepth));
  }
  std::vector<PathError> get(std::vector<std::string> rpaths, std::string lpath,
                             BulkOptions o = {}) {
    std::string subject = subject_of(rpaths);
    return call("get", subject, async_get(std::move(rpaths), std::move(lpath), o));
  }
  std::vector<PathError> get(std::string rpath, std::string lpath, BulkOptions o = {}) {
    return call("get", rpath, async_get(rpath, std::move(lpath), o));
  }
  std::vector<PathError> put(std::vector<std::string> lpaths, std::string rpath,
                             BulkOptions o = {}) {
    std::string subject = subject_of(lpaths);
    return call("put", subject, async_put(std::move(lpaths), std::move(rpath), o));
  }
  std::vector<PathError> put(std::string lpath, std::string rpath, BulkOptions o = {}) {
    return call("put", lpath, async_put(lpath, std::move(rpath), o));
  }
  std::vector<PathError> copy(std::vector<std::string> p1, std::string p2, BulkOptions o = {}) {
    std::string subject = subject_of(p1);
    return call("copy", subject, async_copy(std::move(p1), std::move(p2), o));
  }
  std::vector<PathError> copy(std::string p1, std::string p2, BulkOptions o = {}) {
    return call("copy", p1, async_copy(p1, std::move(p2), o));
  }
  std::vector<PathError> mv(std::string p1, std::string p2, BulkOptions o = {}) {
    return call("mv", p1, async_mv(p1, std::move(p2), o));
  }
  std::vector<PathError> rm(std::vector<std::string> paths, BulkOptions o = {}) {
    std::string subject = subject_of(paths);
    return call("rm", subject, async_rm(std::move(paths), o));
  }
  std::vector<PathError> rm(std::string path, BulkOptions o = {}) {
    return call("rm", path, async_rm(path, o));
  }

  /// For backends: Resolves [start, end) against `size` by cat_file's rules (throws naming op and
  /// path).
  static std::pair<std::uint64_t, std::uint64_t> resolve_range(std::string_view op,
                                                               std::string_view path,
                                                               std::optional<std::int64_t> start,
                                                               std::optional<std::int64_t> end,
                                                               std::uint64_t size);

  // ---- transactions -------------------------------------------------------------------------
  /// Writes made through this filesystem happen at once. A transaction is a view of it whose
  /// writes are deferred until the transaction ends (cofs/fs/transaction.hpp):
  ///   auto tx = fs.transaction();
  ///   tx->pipe_file(p, data);   // deferred; fs.pipe_file(p, data) would write at once
  ///   tx.commit();
  /// Other callers of this filesystem are never part of it.
  using Transaction = cofs::Transaction;
  Transaction transaction(std::function<void(const TransactionDiscarded&)> on_discard = {});

 protected:
  /// strip_protocol of a path its caller gives up: a backend may hand it back as it is when it
  /// needs no change, without a copy (the per-file calls of a bulk operation come this way).
  virtual std::string strip_protocol_moved(std::string path) const { return strip_protocol(path); }

  // The core a backend implements. Paths arrive stripped (strip_protocol).
  virtual Task<std::vector<FileInfo>> do_ls(std::string path) = 0;
  /// A listing where only each entry's name and type matter (find, glob, walk, expand_path):
  /// a backend may skip what costs more (a local stat per entry). Default: do_ls.
  virtual Task<std::vector<FileInfo>> do_ls_types(std::string path) {
    return do_ls(std::move(path));
  }
  /// Everything below the directory `path` (files and directories, each once, `path` itself
  /// left out) in one listing, where the store has one (an object store's prefix listing
  /// without a delimiter), or nullopt: find then lists a level at a time. Default: nullopt.
  virtual Task<std::optional<std::vector<FileInfo>>> do_find_below(std::string path);
  virtual Task<FileInfo> do_info(std::string path) = 0;
  /// do_info of a path that may be missing: nullopt where do_info would throw
  /// FileNotFoundError or NotADirectoryError. exists, isdir, glob, makedirs, touch and the
  /// transfer planner ask this, where a missing path is a common answer. Default: do_info with
  /// those errors caught; a backend overrides it to answer without an exception.
  virtual Task<std::optional<FileInfo>> do_try_info(std::string path);
  /// The identity of what `path` names, links followed: how a walk that follows links knows a
  /// directory it has listed under another name. Default: none (stores without links).
  virtual Task<std::optional<FileId>> do_file_id(std::string path);
  /// cat_ranges' reads (paths as the caller gave them), concurrently as `options` says, in
  /// input order. Default: async_cat_file of each. A store overrides it to keep the ranges of
  /// one object to one version (S3 compares the ETags its answers carry).
  virtual Task<std::vector<Outcome<Bytes>>> do_cat_ranges(
      std::vector<std::string> paths, std::vector<std::optional<std::int64_t>> starts,
      std::vector<std::optional<std::int64_t>> ends, const GatherOptions& options);
  virtual Task<Bytes> do_cat_file(std::string path, std::optional<std::int64_t> start,
                                  std::optional<std::int64_t> end) = 0;
  virtual Task<void> do_pipe_file(std::string path, Bytes data) = 0;
  virtual Task<void> do_rm_file(std::string path) = 0;
  virtual Task<void> do_mkdir(std::string path, bool create_parents) = 0;
  virtual Task<void> do_rmdir(std::string path) = 0;
  virtual Task<std::unique_ptr<AsyncFile>> do_open(std::string path, OpenMode mode,
                                                   OpenOptions options) = 0;
  // Defaults built on the above; backends override where they can do better.
  virtual Task<void> do_cp_file(std::string src, std::string dst);  // cat_file + pipe_file
  virtual Task<void> do_mv_file(std::string src, std::string dst);  // cp_file + rm_file
  virtual Task<void> do_makedirs(std::string path, bool exist_ok);
  virtual Task<void> do_touch(std::string path, bool truncate);
  virtual Task<void> do_get_file(std::string rpath, std::string lpath, Callback* callback);
  virtual Task<void> do_put_file(std::string lpath, std::string rpath, Callback* callback);
  virtual Task<std::string> do_checksum(std::string path);
  /// rm's files (directories are removed after them, by do_rmdir), as `options.on_error` says:
  /// the first failure thrown (raise), or each as a PathError (return_), or none (omit).
  /// Default: do_rm_file of each, concurrently. A store that deletes many at once overrides it.
  virtual Task<std::vector<PathError>> do_rm_files(std::vector<std::string> paths,
                                                   const BulkOptions& options);
  /// get_file's destination: `lpath` opened for writing by the local filesystem on this loop,
  /// atomic (the old file stays until close; dropped unclosed, the file is left as it was).
  /// Errors name get_file and `lpath`.
  Task<std::unique_ptr<AsyncFile>> open_get_target(std::string lpath);
  /// A file opened for writing through a transaction's view `tx`: its contents are staged, and
  /// at close handed to tx.defer() as the action that stores them when the transaction commits
  /// (or drops them when it is discarded). Default: an ObjectFile over `tx`, whose close is
  /// tx.pipe_file (itself deferred). A backend that stages in place (the local atomic writer)
  /// overrides it.
  virtual Task<std::unique_ptr<AsyncFile>> do_open_in_transaction(std::string path, OpenMode mode,
                                                                  OpenOptions options,
                                                                  TransactionFileSystem& tx);
  /// The filesystem that acts at once: this one, or a transaction view's base (mv, which fsspec
  /// performs at once inside a transaction, is made whole there, never half deferred).
  virtual FileSystem& immediate() noexcept { return *this; }
  /// Whether bulk calls of this filesystem open local files (picks the default batch size).
  virtual bool opens_local_files() const { return false; }
  /// How many of its operations this filesystem's IO can run at once, when fewer than the
  /// built-in default batch size: more would only wait in a queue, holding memory meanwhile.
  virtual std::optional<BatchSize> default_batch_cap(bool /*local_files*/) const {
    return std::nullopt;
  }

  /// A blocking method: its async twin run by sync. `subject` (the path) names what a timeout or
  /// a call from the loop's own thread was about.
  template <class T>
  T call(std::string_view what, std::string_view subject, Task<T> task) {
    // A timeout returns before the cancelled operation has unwound on the loop, and the caller
    // may then drop the filesystem: the operation holds it until it ends.
    if (timeout_) {
      if (std::shared_ptr<FileSystem> self = weak_from_this().lock())
        return sync(*loop_, holding(std::move(self), std::move(task)), timeout_, what, subject);
    }
    return sync(*loop_, std::move(task), timeout_, what, subject);
  }
  template <class T>
  static Task<T> holding(std::shared_ptr<FileSystem> /*self*/, Task<T> task) {
    co_return co_await std::move(task);
  }
  /// The subject of a bulk call: its first path, and how many more.
  static std::string subject_of(std::string_view first, std::size_t count);
  static std::string subject_of(const std::vector<std::string>& paths) {
    return subject_of(paths.empty() ? std::string_view() : paths.front(), paths.size());
  }

 private:
  friend class TransactionFileSystem;  // forwards to the core of the filesystem it views

  Task<std::vector<PathError>> run_bulk(std::string_view op, std::vector<Task<void>> tasks,
                                        std::vector<std::string> names, const BulkOptions& o,
                                        bool local_files);
  /// find's walk. Item is FileInfo (every entry's details, through do_ls), or TreeName (names and
  /// types, for glob) or std::string (names, for find) through do_ls_types: a fraction of the
  /// memory and time of details.
  struct TreeName;
  friend struct detail::GlobAccess;
  /// glob's matches with their types (what expand_path's callers need to know of each).
  Task<std::vector<TreeName>> glob_names(std::string pattern, FindOptions o);
  /// `root_info`: the root's info when the caller has it.
  template <class Item>
  Task<std::vector<Item>> walk_tree(std::string root, FindOptions o,
                                    std::optional<FileInfo> root_info = std::nullopt);
  /// One level of a walk: every directory of `level` listed at once, each listing given to
  /// `take(index, listing)` as it arrives; those already `visited` (following links) skipped.
  /// (Visited is the walk's std::set<FileId>, a parameter so that this header needs no <set>.)
  template <class Take, class Visited>
  Task<void> list_level(const std::vector<std::string>& level, const FindOptions& o, bool detail,
                        Visited* visited, Take* take);
  /// get (here to local files), put (local files to here), copy (within this filesystem).
  enum class TransferKind : unsigned char;
  Task<std::vector<PathError>> transfer(TransferKind kind, std::vector<std::string> sources,
                                        bool source_is_str, std::string dest, BulkOptions options);

  std::shared_ptr<IoLoop> loop_;
  std::optional<BatchSize> batch_size_;
  std::optional<Clock::duration> timeout_;
};

}  // namespace cofs

#include "cofs/fs/transaction.hpp"  // FileSystem::Transaction, its view
