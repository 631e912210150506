#include "local/threads_engine.hpp"

#include "local/pooled_reads.hpp"

#include <unistd.h>

#include <sys/stat.h>
#include <algorithm>
#include <cerrno>
#include <cstdio>

namespace cofs::local {
namespace {

template <class R>
R result(R r) noexcept {
  return r < 0 ? static_cast<R>(-errno) : r;
}

}  // namespace

Task<int> ThreadsEngine::open(const char* path, int flags, mode_t mode) {
  // A stop request that arrives while the open runs (a FIFO's waits for its other end) is
  // reported when it returns: the descriptor it made is then closed here, not lost.
  int fd = -1;
  int* made = &fd;
  auto call = blocking([=] { return *made = result(::open(path, flags | O_CLOEXEC, mode)); });
  try {
    co_return co_await call;
  } catch (...) {
    if (fd >= 0) ::close(fd);
    throw;
  }
}

Task<int> ThreadsEngine::close(int fd) {
  // close() of a regular file is fast and never worth a trip to the pool.
  co_return result(::close(fd));
}

Task<long> ThreadsEngine::pread(int fd, void* buf, std::size_t n, std::uint64_t offset) {
  co_return co_await blocking([=] {
    return result(static_cast<long>(offset == kAtFilePosition
                                        ? ::read(fd, buf, n)
                                        : ::pread(fd, buf, n, static_cast<off_t>(offset))));
  });
}

Task<long> ThreadsEngine::pwrite(int fd, const void* buf, std::size_t n, std::uint64_t offset) {
  co_return co_await blocking([=] {
    return result(static_cast<long>(offset == kAtFilePosition
                                        ? ::write(fd, buf, n)
                                        : ::pwrite(fd, buf, n, static_cast<off_t>(offset))));
  });
}

Task<int> ThreadsEngine::fsync(int fd, bool datasync) {
  co_return co_await blocking([=] { return result(datasync ? ::fdatasync(fd) : ::fsync(fd)); });
}

Task<int> ThreadsEngine::statx(int dirfd, const char* path, int flags, struct statx* out) {
  co_return co_await blocking(
      [=] { return result(::statx(dirfd, path, flags, STATX_BASIC_STATS | STATX_BTIME, out)); });
}

Task<int> ThreadsEngine::unlink(const char* path) {
  co_return co_await blocking([=] { return result(::unlink(path)); });
}

Task<int> ThreadsEngine::rmdir(const char* path) {
  co_return co_await blocking([=] { return result(::rmdir(path)); });
}

Task<int> ThreadsEngine::rename(const char* from, const char* to) {
  co_return co_await blocking([=] { return result(::rename(from, to)); });
}

Task<int> ThreadsEngine::mkdir(const char* path, mode_t mode) {
  co_return co_await blocking([=] { return result(::mkdir(path, mode)); });
}

namespace {

struct WholeFile {
  int err = 0;
  Bytes data;
};

/// A special file (under /proc, /sys, /dev) whole, as one pool job: open(2) as it is (a FIFO or
/// terminal there may block), fstat, read until a read returns 0, close.
WholeFile read_whole_blocking(const char* path) {
  WholeFile w;
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    w.err = errno;
    return w;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
    w.err = S_ISDIR(st.st_mode) ? EISDIR : errno;
    ::close(fd);
    return w;
  }
  // fstat's size plus one byte to see the end; grown when the file is larger (procfs says 0).
  std::size_t cap = static_cast<std::size_t>(st.st_size) + 1;
  w.data.resize_uninitialized(std::max<std::size_t>(cap, 4096));
  std::size_t have = 0;
  for (;;) {
    if (have == w.data.size()) w.data.resize_uninitialized(w.data.size() * 2);
    ssize_t n = ::read(fd, w.data.data() + have, w.data.size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      w.err = errno;
      break;
    }
    if (n == 0) break;
    have += static_cast<std::size_t>(n);
  }
  ::close(fd);
  finish_read(w.data, have);
  return w;
}

}  // namespace

Task<int> ThreadsEngine::read_file(const char* path, Bytes& out) {
  if (is_special_path(path)) {
    WholeFile w = co_await blocking([path] { return read_whole_blocking(path); });
    if (w.err != 0) co_return -w.err;
    out = std::move(w.data);
    co_return 0;
  }
  PooledRead r = co_await WholeFileStep(batch_, path);
  if (r.next == PooledRead::Next::done) {
    out = std::move(r.data);
    co_return 0;
  }
  if (r.next == PooledRead::Next::failed) co_return -r.error;
  // Named first: GCC 12 mishandles a temporary built inside a co_await operand.
  Task<int> rest = finish_pooled_read(*this, path, std::move(r), out);
  co_return co_await std::move(rest);
}

std::unique_ptr<Engine> make_threads_engine(IoLoop& loop) {
  return std::make_unique<ThreadsEngine>(loop);
}

}  // namespace cofs::local
