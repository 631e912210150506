#include "cofs/local/local_fs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <utility>

#include "cofs/fs/path.hpp"
#include "cofs/runtime/with_cleanup.hpp"
#include "local/engine.hpp"
#include "local/local_file.hpp"
#include "local/replace.hpp"

namespace cofs {
namespace {

using local::Engine;

constexpr std::size_t kDefaultBlock = 64 * 1024;

FileInfo::TimePoint to_time(const struct statx_timestamp& t) {
  using namespace std::chrono;
  return FileInfo::TimePoint(
      duration_cast<system_clock::duration>(seconds(t.tv_sec) + nanoseconds(t.tv_nsec)));
}

FileType type_of(std::uint32_t mode) {
  if (S_ISREG(mode)) return FileType::file;
  if (S_ISDIR(mode)) return FileType::directory;
  return FileType::other;
}

/// FileInfo from an lstat, and for a link its target's stat (the type and size of what it names).
FileInfo make_info(std::string name, const struct statx& st, const struct statx* target,
                   std::optional<std::string> destination) {
  FileInfo i;
  i.name = std::move(name);
  const struct statx& t = target != nullptr ? *target : st;
  i.type = type_of(t.stx_mode);
  i.size = t.stx_size;
  i.mtime = to_time(st.stx_mtime);
  if (st.stx_mask & STATX_BTIME) i.created = to_time(st.stx_btime);
  i.mode = st.stx_mode;
  i.uid = st.stx_uid;
  i.gid = st.stx_gid;
  i.ino = st.stx_ino;
  i.dev = makedev(st.stx_dev_major, st.stx_dev_minor);
  i.nlink = st.stx_nlink;
  i.islink = S_ISLNK(st.stx_mode);
  if (i.islink) i.destination = std::move(destination);
  return i;
}

struct CopyResult {
  int err = 0;
  bool at_source = false;  // the error concerns the source path
};

/// Copies what is left of `in` to `out` (at their file positions): copy_file_range first,
/// read/write where the kernel refuses it (across filesystems, or to a pipe). 0 or errno.
int copy_fd_blocking(int in, int out, std::uint64_t* copied) {
  bool plain = false;
  for (;;) {
    ssize_t n;
    if (!plain) {
      n = ::copy_file_range(in, nullptr, out, nullptr, 1 << 30, 0);
      if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP)) {
        plain = true;
        continue;
      }
    } else {
      static thread_local char buf[1 << 17];
      n = ::read(in, buf, sizeof buf);
      if (n > 0) {
        ssize_t done = 0;
        while (done < n) {
          ssize_t w = ::write(out, buf + done, static_cast<std::size_t>(n - done));
          if (w < 0 && errno == EINTR) continue;
          if (w < 0) return errno;
          done += w;
        }
      }
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return 0;
    if (copied) *copied += static_cast<std::uint64_t>(n);
  }
}

/// Copies src over dst through the atomic writer (a failure leaves dst as it was). A new dst
/// gets src's mode (less the umask), an existing one keeps its own, as cp(1) does.
CopyResult copy_blocking(const std::string& src, const std::string& dst, bool durable,
                         std::uint64_t* copied) {
  int in = ::open(src.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return {errno, true};
  struct stat st {};
  if (::fstat(in, &st) != 0 || S_ISDIR(st.st_mode)) {
    int e = S_ISDIR(st.st_mode) ? EISDIR : errno;
    ::close(in);
    return {e, true};
  }
  local::Replacement out;
  int r = local::begin_replace_blocking(dst, O_WRONLY, st.st_mode & 07777, out);
  if (r < 0) {
    ::close(in);
    return {-r, false};
  }
  int err = copy_fd_blocking(in, out.fd, copied);
  ::close(in);
  if (err != 0) {
    local::discard_replace(out);
    return {err, false};
  }
  r = local::commit_replace_blocking(out, durable);
  return {r < 0 ? -r : 0, false};
}

Task<std::string> read_link(Engine& e, std::string p) {
  const std::string* path = &p;  // the frame outlives the call
  co_return co_await e.blocking([path] {
    char buf[4096];
    ssize_t n = ::readlink(path->c_str(), buf, sizeof buf);
    return n < 0 ? std::string() : std::string(buf, static_cast<std::size_t>(n));
  });
}

/// COFS_LOCAL_FSYNC=0 (or false, no, off) turns the fsync of whole-file writes off.
bool fsync_by_default() {
  const char* v = std::getenv("COFS_LOCAL_FSYNC");
  if (v == nullptr) return true;
  std::string_view s(v);
  return !(s == "0" || s == "false" || s == "no" || s == "off");
}

local::EngineOptions engine_options(const LocalOptions& o) {
  local::EngineOptions e;
  e.engine = o.engine;
  e.direct_io = o.direct_io;
  e.fail_uring_probe = o.fail_uring_probe;
  e.fail_aio_setup = o.fail_aio_setup;
  return e;
}

}  // namespace

LocalFileSystem::LocalFileSystem(std::shared_ptr<IoLoop> loop, LocalOptions options)
    : FileSystem(std::move(loop)) {
  engine_ = local::make_engine(this->loop(), engine_options(options));
  if (options.batch_size) set_batch_size(options.batch_size);
  durable_ = options.fsync ? *options.fsync : fsync_by_default();
}

LocalFileSystem::~LocalFileSystem() = default;

std::shared_ptr<FileSystem> LocalFileSystem::from_options(const Options& options,
                                                          std::shared_ptr<IoLoop> loop) {
  OptionReader r("file", options);
  LocalOptions o;
  if (auto name = r.string("engine")) {
    auto engine = parse_local_engine(*name);
    if (!engine)
      throw InvalidArgumentError(
          "file options", "engine",
          "unknown engine '" + *name + "': use automatic, uring, aio or threads");
    o.engine = *engine;
  }
  o.direct_io = r.boolean("direct_io").value_or(false);
  o.fsync = r.boolean("fsync");
  o.fail_uring_probe = r.boolean("fail_uring_probe").value_or(false);
  o.fail_aio_setup = r.boolean("fail_aio_setup").value_or(false);
  if (auto b = r.integer("batch_size")) o.batch_size = static_cast<BatchSize>(*b);
  r.finish();
  return std::make_shared<LocalFileSystem>(std::move(loop), std::move(o));
}

std::optional<BatchSize> LocalFileSystem::default_batch_cap(bool local_files) const {
  if (!local_files) return std::nullopt;
  return engine_->concurrency_limit();
}

LocalEngine LocalFileSystem::engine() const noexcept {
  return engine_->kind();
}

std::string LocalFileSystem::strip_protocol(std::string_view p) const {
  for (std::string_view proto : {"file://", "local://"}) {
    if (p.starts_with(proto)) {
      p.remove_prefix(proto.size());
      break;
    }
  }
  if (!p.empty() && p[0] == '/') return path::normalize(p);
  std::string s(p);
  if (s == "~" || s.starts_with("~/")) {
    const char* home = std::getenv("HOME");
    s = std::string(home != nullptr ? home : "") + s.substr(1);
  }
  if (s.empty() || s[0] != '/') {
    char cwd[4096];
    std::string base = ::getcwd(cwd, sizeof cwd) != nullptr ? cwd : "/";
    s = s.empty() ? base : base + "/" + s;
  }
  return path::normalize(s);
}

std::string LocalFileSystem::strip_protocol_moved(std::string p) const {
  if (!p.empty() && p[0] == '/' && path::is_normal(p)) return p;
  return strip_protocol(p);
}

std::string LocalFileSystem::unstrip_protocol(std::string_view p) const {
  return "file://" + strip_protocol(p);
}

// ---- reading -------------------------------------------------------------------------------

Task<std::vector<FileInfo>> LocalFileSystem::do_ls(std::string p) {
  co_return co_await list(std::move(p), true);
}

Task<std::vector<FileInfo>> LocalFileSystem::do_ls_types(std::string p) {
  co_return co_await list(std::move(p), false);
}

// One listing for both: with `detail` a statx per entry (sorted, as ls promises); without it,
// what getdents gives (names and types), for find, glob and walk.
Task<std::vector<FileInfo>> LocalFileSystem::list(std::string p, bool detail) {
  local::DirListing l = co_await engine_->list_dir(p, detail);
  if (l.error == ENOTDIR) {
    std::vector<FileInfo> one;
    one.push_back(co_await do_info(p));
    co_return one;
  }
  if (l.error != 0) throw_errno(l.error, "ls", p);
  std::vector<FileInfo> out;
  out.reserve(l.entries.size());
  const std::string prefix = p == "/" ? p : p + "/";
  for (local::DirEntry& e : l.entries) {
    if (!detail) {
      FileInfo& i = out.emplace_back();
      i.name = prefix + e.name;
      i.type = e.d_type == DT_DIR   ? FileType::directory
               : e.d_type == DT_REG ? FileType::file
                                    : FileType::other;
      i.islink = e.is_link;
      continue;
    }
    local::EntryDetails& d = *e.details;
    if (d.stat_error != 0) continue;  // removed while listed
    out.push_back(make_info(prefix + e.name, d.st, d.link_target_ok ? &d.target : nullptr,
                            std::move(d.link_target)));
  }
  if (detail) {
    std::sort(out.begin(), out.end(),
              [](const FileInfo& a, const FileInfo& b) { return a.name < b.name; });
  }
  co_return out;
}

namespace {
// The info of the link `p` (whose own statx is `st`): its target's type and size, and where it
// points.
Task<FileInfo> link_info(Engine& e, std::string p, struct statx st) {
  struct statx target {};
  int t = co_await e.stat(p.c_str(), true, &target);
  std::string dest = co_await read_link(e, p);
  co_return make_info(p, st, t == 0 ? &target : nullptr, std::move(dest));
}
}  // namespace

Task<FileInfo> LocalFileSystem::do_info(std::string p) {
  struct statx st {};
  int r = co_await engine_->stat(p.c_str(), false, &st);
  if (r < 0) throw_errno(-r, "info", p);
  if (!S_ISLNK(st.stx_mode)) co_return make_info(p, st, nullptr, std::nullopt);
  co_return co_await link_info(*engine_, std::move(p), st);
}

Task<std::optional<FileInfo>> LocalFileSystem::do_try_info(std::string p) {
  struct statx st {};
  int r = co_await engine_->stat(p.c_str(), false, &st);
  if (r == -ENOENT || r == -ENOTDIR) co_return std::nullopt;  // absent: an answer, not a failure
  if (r < 0) throw_errno(-r, "info", p);
  if (!S_ISLNK(st.stx_mode)) co_return make_info(p, st, nullptr, std::nullopt);
  co_return co_await link_info(*engine_, std::move(p), st);
}

Task<std::optional<FileId>> LocalFileSystem::do_file_id(std::string p) {
  struct statx st {};
  int r = co_await engine_->stat(p.c_str(), true, &st);
  if (r < 0) throw_errno(-r, "find", p);
  co_return FileId{makedev(st.stx_dev_major, st.stx_dev_minor), st.stx_ino};
}

Task<Bytes> LocalFileSystem::do_cat_file(std::string p, std::optional<std::int64_t> start,
                                         std::optional<std::int64_t> end) {
  Bytes out;
  if (!start && !end) {
    int r = co_await engine_->read_file(p.c_str(), out);
    if (r < 0) throw_errno(-r, "cat_file", p);
    co_return out;
  }
  struct statx st {};
  int fd = co_await engine_->open_and_stat(p.c_str(), O_RDONLY, 0, &st);
  if (fd < 0) throw_errno(-fd, "cat_file", p);
  // The range into `out`: 0 or -errno. Awaited here, so references to this frame hold.
  auto read_range = [&]() -> Task<int> {
    if (S_ISDIR(st.stx_mode)) co_return -EISDIR;
    Engine& io = engine_->for_file(fd, st);
    if (local::is_special_file(fd, st)) {
      // The size is not known up front (procfs says 0): read it all, then cut the range.
      int err = co_await io.read_to_end(fd, st, out);
      if (err == 0) {
        auto [s, e] = resolve_range("cat_file", p, start, end, out.size());
        Bytes cut(out.data() + s, static_cast<std::size_t>(e - s));
        out = std::move(cut);
      }
      co_return err;
    }
    auto [s, e] = resolve_range("cat_file", p, start, end, st.stx_size);
    out.resize_uninitialized(static_cast<std::size_t>(e - s));
    long n = co_await io.read_full(fd, out.data(), out.size(), s);
    if (n < 0) co_return static_cast<int>(n);
    out.truncate(static_cast<std::size_t>(n));  // the file shrank meanwhile
    co_return 0;
  };
  int err = co_await with_cleanup(read_range(), engine_->close(fd));
  if (err < 0) throw_errno(-err, "cat_file", p);
  co_return out;
}

// ---- writing -------------------------------------------------------------------------------

Task<void> LocalFileSystem::do_pipe_file(std::string p, Bytes data) {
  // Through the atomic writer: readers see the old contents or the new, a failed or cancelled
  // write leaves the target as it was, a link is kept and its target replaced.
  local::Replacement r;
  int e = co_await local::begin_replace(*engine_, p, O_WRONLY, 0666, r);
  if (e < 0) throw_errno(-e, "pipe_file", p);
  long err = 0;
  try {
    err = co_await r.io->write_full(r.fd, data.data(), data.size(),
                                    r.stream ? local::kAtFilePosition : 0);
    if (err == 0) err = co_await local::commit_replace(r, durable_);
  } catch (...) {
    local::discard_replace(r);  // nothing to await: a handler may do it
    throw;
  }
  if (err < 0) {
    local::discard_replace(r);
    throw_errno(static_cast<int>(-err), "pipe_file", p);
  }
}

Task<void> LocalFileSystem::do_rm_file(std::string p) {
  int r = co_await engine_->unlink(p.c_str());
  if (r < 0) throw_errno(-r, "rm_file", p);
}

Task<void> LocalFileSystem::do_mkdir(std::string p, bool create_parents) {
  int r = co_await engine_->mkdir(p.c_str(), 0777);
  if (r == -ENOENT && create_parents) {
    co_await do_makedirs(path::parent(p), true);
    r = co_await engine_->mkdir(p.c_str(), 0777);
  }
  if (r < 0) throw_errno(-r, "mkdir", p);
}

Task<void> LocalFileSystem::do_makedirs(std::string p, bool exist_ok) {
  int r = co_await engine_->mkdir(p.c_str(), 0777);
  if (r == -ENOENT) {
    std::string parent = path::parent(p);
    if (!parent.empty() && parent != p) co_await do_makedirs(parent, true);
    r = co_await engine_->mkdir(p.c_str(), 0777);
  }
  if (r == -EEXIST) {
    struct statx st {};
    int s = co_await engine_->stat(p.c_str(), true, &st);
    if (s == 0 && !S_ISDIR(st.stx_mode))
      throw FileExistsError("makedirs", p, "exists and is not a directory");
    if (!exist_ok) throw FileExistsError("makedirs", p, "the directory exists (exist_ok is false)");
    co_return;
  }
  if (r < 0) throw_errno(-r, "makedirs", p);
}

Task<void> LocalFileSystem::do_rmdir(std::string p) {
  int r = co_await engine_->rmdir(p.c_str());
  if (r < 0) throw_errno(-r, "rmdir", p);
}

Task<void> LocalFileSystem::do_touch(std::string p, bool truncate) {
  if (!truncate) {
    const std::string* path = &p;
    int r = co_await engine_->blocking(
        [path] { return ::utimensat(AT_FDCWD, path->c_str(), nullptr, 0) == 0 ? 0 : -errno; });
    if (r == 0) co_return;
    if (r != -ENOENT) throw_errno(-r, "touch", p);
  }
  int fd = co_await engine_->open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0666);
  if (fd < 0) throw_errno(-fd, "touch", p);
  co_await engine_->close(fd);
}

Task<void> LocalFileSystem::copy_local(std::string_view op, std::string src, std::string dst,
                                       Callback* cb) {
  if (cb) {
    FileInfo i = co_await do_info(src);
    cb->set_size(i.size);
  }
  const std::string* s = &src;
  const std::string* d = &dst;
  std::uint64_t copied = 0;
  std::uint64_t* c = &copied;
  const bool durable = durable_;
  CopyResult r =
      co_await engine_->blocking([s, d, c, durable] { return copy_blocking(*s, *d, durable, c); });
  if (r.err != 0) throw_errno(r.err, op, r.at_source ? src : dst);
  if (cb) cb->relative_update(copied);
}

Task<void> LocalFileSystem::do_cp_file(std::string src, std::string dst) {
  co_await copy_local("cp_file", std::move(src), std::move(dst), nullptr);
}

Task<void> LocalFileSystem::do_mv_file(std::string src, std::string dst) {
  int r = co_await engine_->rename(src.c_str(), dst.c_str());
  if (r == -EXDEV) {
    // Across filesystems: copy, then delete.
    FileInfo i = co_await do_info(src);
    if (i.is_dir()) {
      co_await FileSystem::do_mv_file(src, dst);
      co_return;
    }
    co_await copy_local("mv", src, dst, nullptr);
    co_await do_rm_file(src);
    co_return;
  }
  if (r == -ENOENT) {
    struct statx st {};
    bool src_exists = co_await engine_->stat(src.c_str(), false, &st) == 0;
    throw_errno(ENOENT, "mv", src_exists ? dst : src);
  }
  if (r < 0) throw_errno(-r, "mv", src + " -> " + dst);
}

Task<void> LocalFileSystem::do_get_file(std::string rpath, std::string lpath, Callback* cb) {
  co_await copy_local("get_file", std::move(rpath), strip_protocol(lpath), cb);
}

Task<void> LocalFileSystem::do_put_file(std::string lpath, std::string rpath, Callback* cb) {
  co_await copy_local("put_file", strip_protocol(lpath), std::move(rpath), cb);
}

// ---- file objects --------------------------------------------------------------------------

Task<std::unique_ptr<AsyncFile>> LocalFileSystem::open_staged(std::string p, OpenMode mode,
                                                              std::size_t block,
                                                              TransactionFileSystem* tx) {
  // The target is replaced at close, or when the transaction commits; until then it is as it
  // was.
  local::LocalFile::Setup s;
  struct statx st {};
  int e = co_await engine_->stat(p.c_str(), true, &st);
  if (e == 0 && S_ISDIR(st.stx_mode)) throw IsADirectoryError("open", p, "is a directory");
  if (e == 0 && mode.exclusive) throw FileExistsError("open", p, "mode 'x': the file exists");
  if (e < 0 && !mode.create) throw_errno(-e, "open", p);
  local::Replacement r;
  int b = co_await local::begin_replace(*engine_, p, mode.read ? O_RDWR : O_WRONLY, 0666, r);
  if (b < 0) throw_errno(-b, "open", p);
  if (!r.in_place() && e == 0 && !mode.truncate) {
    // "a" and "r+" change the file: the replacement starts as a copy of it.
    int out = r.fd;
    const std::string* from = &r.target;
    auto copy = engine_->blocking([out, from] {
      int in = ::open(from->c_str(), O_RDONLY | O_CLOEXEC);
      if (in < 0) return errno;
      int err = copy_fd_blocking(in, out, nullptr);
      ::close(in);
      return err;
    });
    int c = 0;
    try {
      c = co_await copy;
    } catch (...) {
      local::discard_replace(r);
      throw;
    }
    if (c != 0) {
      local::discard_replace(r);
      throw_errno(c, "open", p);
    }
  }
  s.fd = std::exchange(r.fd, -1);
  s.io = r.io;
  s.stream = r.stream;
  s.keep = tx != nullptr ? tx->weak_from_this().lock() : weak_from_this().lock();
  if (!r.in_place()) {  // a FIFO or device is written in place, as any open would
    s.staged = std::move(r);
    s.durable = durable_;
    s.tx = tx;
  }
  co_return std::make_unique<local::LocalFile>(loop(), p, std::move(mode), block, std::move(s));
}

Task<std::unique_ptr<AsyncFile>> LocalFileSystem::do_open_in_transaction(
    std::string p, OpenMode mode, OpenOptions options, TransactionFileSystem& tx) {
  std::size_t block = options.block_size != 0 ? options.block_size : kDefaultBlock;
  co_return co_await open_staged(std::move(p), std::move(mode), block, &tx);
}

Task<std::unique_ptr<AsyncFile>> LocalFileSystem::do_open(std::string p, OpenMode mode,
                                                          OpenOptions options) {
  std::size_t block = options.block_size != 0 ? options.block_size : kDefaultBlock;
  local::LocalFile::Setup s;
  s.io = engine_.get();
  int flags = local::open_flags(mode);
  if (mode.write && options.atomic)
    co_return co_await open_staged(std::move(p), std::move(mode), block, nullptr);
  struct statx st {};
  int fd = co_await engine_->open_and_stat(p.c_str(), flags, 0666, &st);
  if (fd < 0) throw_errno(-fd, "open", p);
  if (S_ISDIR(st.stx_mode)) {
    co_await engine_->close(fd);
    throw_errno(EISDIR, "open", p);
  }
  s.fd = fd;
  s.io = &engine_->for_file(fd, st);
  s.stream = local::is_stream(st);
  s.keep = weak_from_this().lock();
  co_return std::make_unique<local::LocalFile>(loop(), p, std::move(mode), block, std::move(s));
}

std::unique_ptr<AsyncFile> LocalFileSystem::wrap_fd(int fd, std::string_view mode, bool close_fd) {
  std::string name = "fd " + std::to_string(fd);
  OpenMode m = OpenMode::parse(mode, name);
  struct statx st {};
  if (::statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &st) != 0) throw_errno(errno, "open", name);
  if (S_ISDIR(st.stx_mode)) throw IsADirectoryError("open", name, "is a directory");
  local::LocalFile::Setup s;
  s.fd = fd;
  s.owns_fd = close_fd;
  s.io = &engine_->for_file(fd, st);
  s.stream = local::is_stream(st);
  s.keep = weak_from_this().lock();
  auto f =
      std::make_unique<local::LocalFile>(loop(), name, std::move(m), kDefaultBlock, std::move(s));
  return f;
}

}  // namespace cofs
