#include "local/replace.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <random>
#include <utility>

#include "cofs/fs/path.hpp"

namespace cofs::local {
namespace {

std::string directory_of(std::string_view target) {
  std::string parent = path::parent(target);
  return parent.empty() ? std::string(".") : parent;
}

/// Where a write to `p` lands when `p` is a symbolic link: the end of its chain of links (which
/// need not exist yet). Blocking: readlink has no asynchronous form.
std::string link_destination(std::string p) {
  for (int hops = 0; hops < 40; ++hops) {
    char buf[PATH_MAX];
    ssize_t n = ::readlink(p.c_str(), buf, sizeof buf);
    if (n < 0) return p;  // not a link (any more), or missing: p itself
    std::string t(buf, static_cast<std::size_t>(n));
    if (t.empty() || t[0] != '/') {
      std::string parent = directory_of(p);
      t = parent + (parent == "/" ? "" : "/") + t;
    }
    p = std::move(t);
  }
  return p;  // a loop: the open fails with ELOOP
}

/// What begin_replace does with the target it found (after following links).
enum class Found { nothing, regular, special, directory };

Found found(int stat_result, mode_t mode) {
  if (stat_result != 0) return Found::nothing;  // missing, or the open will say why
  if (S_ISDIR(mode)) return Found::directory;
  return S_ISREG(mode) ? Found::regular : Found::special;
}

bool is_stream_mode(mode_t m) {
  return S_ISFIFO(m) || S_ISSOCK(m) || S_ISCHR(m);
}

int sync_directory_blocking(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -errno;
  int r = ::fsync(fd) == 0 || errno == EINVAL ? 0 : -errno;
  ::close(fd);
  return r;
}

}  // namespace

std::string temp_name_beside(std::string_view target) {
  static std::atomic<std::uint64_t> counter{0};
  static const std::uint64_t salt = std::random_device{}();
  char suffix[64];
  int n =
      std::snprintf(suffix, sizeof suffix, ".cofs-%x-%llx-%llx", static_cast<unsigned>(::getpid()),
                    static_cast<unsigned long long>(salt & 0xffffff),
                    static_cast<unsigned long long>(counter.fetch_add(1)));
  // A leading dot (hidden from listings and globs), a prefix of the target's name, the suffix:
  // at most NAME_MAX bytes however long the target's name is.
  std::string_view base = path::basename(target);
  const std::size_t room = NAME_MAX - 1 - static_cast<std::size_t>(n);
  if (base.size() > room) {
    std::size_t cut = room;
    while (cut > 0 && (static_cast<unsigned char>(base[cut]) & 0xC0) == 0x80) --cut;
    base = base.substr(0, cut);
  }
  std::string dir = directory_of(target);
  std::string out = dir;
  if (dir != "/") out += '/';
  out += '.';
  out += base;
  out += suffix;
  return out;
}

Task<int> begin_replace(Engine& e, const std::string& path, int access, mode_t create_mode,
                        Replacement& out) {
  out = Replacement{};
  out.target = path;
  out.io = &e;
  struct statx st {};
  int s = co_await e.stat(path.c_str(), false, &st);
  if (s == 0 && S_ISLNK(st.stx_mode)) {
    const std::string* link = &path;  // the caller's, alive until this returns
    out.target = co_await e.blocking([link] { return link_destination(*link); });
    s = co_await e.stat(out.target.c_str(), true, &st);
  }
  switch (found(s, st.stx_mode)) {
    case Found::directory:
      co_return -EISDIR;
    case Found::special: {
      // A FIFO or device: written in place, as open(2) would (O_TRUNC in case it has just become
      // a regular file).
      struct statx opened {};
      int fd = co_await e.open_and_stat(out.target.c_str(), access | O_TRUNC, 0666, &opened);
      if (fd < 0) co_return fd;
      out.fd = fd;
      out.io = &e.for_file(fd, opened);
      out.stream = is_stream(opened);
      co_return 0;
    }
    case Found::regular:
    case Found::nothing:
      break;
  }
  out.temp = temp_name_beside(out.target);
  int fd = -1;
  try {
    fd = co_await e.open(out.temp.c_str(), access | O_CREAT | O_EXCL, create_mode);
  } catch (...) {
    // Cancelled: the open may have run (its descriptor closed by the engine), the file made.
    discard_replace(out);
    throw;
  }
  if (fd < 0) {
    out.temp.clear();
    co_return fd;
  }
  out.fd = fd;
  // The replaced file's mode exactly (open's is masked by the umask); fchmod does not wait on IO.
  if (s == 0 && ::fchmod(fd, st.stx_mode & 07777) != 0) {
    int err = errno;
    discard_replace(out);
    co_return -err;
  }
  co_return 0;
}

Task<int> close_replace(Replacement& r, bool durable) {
  if (r.fd < 0) co_return 0;
  int err = 0;
  if (durable && !r.in_place()) err = co_await r.io->fsync(r.fd, false);
  int c = co_await r.io->close(std::exchange(r.fd, -1));
  if (err == 0 && c < 0 && c != -EINTR) err = c;
  co_return err;
}

Task<int> commit_replace(Replacement& r, bool durable) {
  int err = co_await close_replace(r, durable);
  if (err == 0 && !r.in_place()) {
    err = co_await r.io->rename(r.temp.c_str(), r.target.c_str());
    if (err == 0) {
      r.temp.clear();
      // The rename is done; a failure to make it durable is still reported. The directory's
      // sync is shared with the commits into it that run at the same time.
      if (durable) err = co_await r.io->directory_syncs().sync(*r.io, directory_of(r.target));
    }
  }
  if (err < 0) discard_replace(r);
  co_return err;
}

void discard_replace(Replacement& r) noexcept {
  if (r.fd >= 0) ::close(std::exchange(r.fd, -1));
  if (!r.temp.empty()) ::unlink(r.temp.c_str());
  r.temp.clear();
}

int begin_replace_blocking(const std::string& path, int access, mode_t create_mode,
                           Replacement& out) {
  out = Replacement{};
  out.target = link_destination(path);
  struct stat st {};
  int s = ::stat(out.target.c_str(), &st);
  switch (found(s, st.st_mode)) {
    case Found::directory:
      return -EISDIR;
    case Found::special: {
      int fd = ::open(out.target.c_str(), access | O_TRUNC | O_CLOEXEC);
      if (fd < 0) return -errno;
      out.fd = fd;
      out.stream = is_stream_mode(st.st_mode);
      return 0;
    }
    case Found::regular:
    case Found::nothing:
      break;
  }
  out.temp = temp_name_beside(out.target);
  int fd = ::open(out.temp.c_str(), access | O_CREAT | O_EXCL | O_CLOEXEC, create_mode);
  if (fd < 0) {
    int err = errno;
    out.temp.clear();
    return -err;
  }
  out.fd = fd;
  if (s == 0 && ::fchmod(fd, st.st_mode & 07777) != 0) {
    int err = errno;
    discard_replace(out);
    return -err;
  }
  return 0;
}

int commit_replace_blocking(Replacement& r, bool durable) {
  int err = 0;
  if (r.fd >= 0) {
    if (durable && !r.in_place() && ::fsync(r.fd) != 0) err = -errno;
    if (::close(std::exchange(r.fd, -1)) != 0 && err == 0 && errno != EINTR) err = -errno;
  }
  if (err == 0 && !r.in_place()) {
    if (::rename(r.temp.c_str(), r.target.c_str()) != 0) {
      err = -errno;
    } else {
      r.temp.clear();
      if (durable) err = sync_directory_blocking(directory_of(r.target));
    }
  }
  if (err < 0) discard_replace(r);
  return err;
}

}  // namespace cofs::local
