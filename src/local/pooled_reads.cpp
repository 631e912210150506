#include "local/pooled_reads.hpp"

#include <fcntl.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

namespace cofs::local {
namespace {

// A regular file larger than the scratch is read on by the step up to this size; from it the loop
// reads it by read_to_end (two lanes, faulted in on the pool).
constexpr std::uint64_t kReadOnInStep = std::uint64_t{8} << 20;

int statx_fd(int fd, struct statx* st) noexcept {
  return ::statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS | STATX_BTIME, st) == 0 ? 0 : errno;
}

/// Opens for reading without waiting: 0 (fd set), EWOULDBLOCK for a lease, or the errno.
int open_nonblocking(const char* path, OwnedFd& fd) noexcept {
  int r = ::open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (r < 0) return errno == EAGAIN ? EWOULDBLOCK : errno;
  fd.reset(r);
  return 0;
}

std::byte* scratch() {
  // Per pool thread, reused: already faulted in and in cache for the next file.
  thread_local std::unique_ptr<std::byte[]> buffer;
  if (!buffer) buffer.reset(new std::byte[kSmallReadScratch]);
  return buffer.get();
}

}  // namespace

void clear_nonblock(int fd) noexcept {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0 && (flags & O_NONBLOCK) != 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
}

void WholeFileStep::run_blocking() noexcept {
  PooledRead& r = result_;
  try {
    int err = open_nonblocking(path_, r.fd);
    if (err == EWOULDBLOCK) {
      r.next = PooledRead::Next::reopen;
      return;
    }
    if (err != 0) {
      r.error = err;
      return;
    }
    const int fd = r.fd.get();
    std::byte* buf = scratch();
    std::size_t have = 0;
    // Until the end (a read returns 0: a short read alone proves nothing), the scratch is full,
    // a stream has nothing yet (EAGAIN), or an error (EISDIR for a directory).
    enum { at_end, full, would_block } how = at_end;
    for (;;) {
      ssize_t n = ::read(fd, buf + have, kSmallReadScratch - have);
      if (n > 0) {
        have += static_cast<std::size_t>(n);
        if (have < kSmallReadScratch) continue;
        how = full;
        break;
      }
      if (n == 0) break;
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        how = would_block;
        break;
      }
      r.error = errno;
      r.fd.reset();
      return;
    }
    if (how == at_end && have > 0) {
      r.data = Bytes(buf, have);
      r.fd.reset();
      r.next = PooledRead::Next::done;
      return;
    }
    // Empty, larger than the scratch, or a stream waiting for data: what is it?
    if ((err = statx_fd(fd, &r.st)) != 0) {
      r.error = err;
      r.fd.reset();
      return;
    }
    if (how == at_end) {
      if (S_ISFIFO(r.st.stx_mode)) {
        r.next = PooledRead::Next::fifo;  // opened at once, without a writer: wait for one
      } else {
        r.fd.reset();
        r.next = PooledRead::Next::done;  // empty
      }
      return;
    }
    clear_nonblock(fd);
    if (!S_ISREG(r.st.stx_mode) || how == would_block) {
      // A stream: its bytes are gone once read. The rest follows at the file position.
      r.data = Bytes(buf, have);
      r.next = PooledRead::Next::stream_rest;
      return;
    }
    if (r.st.stx_size >= kReadOnInStep) {
      r.next = PooledRead::Next::read_rest;
      return;
    }
    // Read on here: fstat's size plus one byte to see the end, grown if the file grows.
    Bytes out = Bytes::uninitialized(
        std::max<std::size_t>(static_cast<std::size_t>(r.st.stx_size) + 1, 2 * have));
    std::memcpy(out.data(), buf, have);
    for (;;) {
      if (have == out.size()) out.resize_uninitialized(out.size() * 2);
      ssize_t n = ::read(fd, out.data() + have, out.size() - have);
      if (n > 0) {
        have += static_cast<std::size_t>(n);
        continue;
      }
      if (n == 0) break;
      if (errno == EINTR) continue;
      r.error = errno;
      r.fd.reset();
      return;
    }
    r.fd.reset();
    finish_read(out, have);
    r.data = std::move(out);
    r.next = PooledRead::Next::done;
  } catch (const std::bad_alloc&) {
    r = PooledRead{};
    r.error = ENOMEM;
  }
}

void OpenStep::run_blocking() noexcept {
  PooledOpen& r = result_;
  int err = open_nonblocking(path_, r.fd);
  if (err == EWOULDBLOCK) {
    r.next = PooledRead::Next::reopen;
    return;
  }
  if (err == 0) err = statx_fd(r.fd.get(), &r.st);
  if (err != 0) {
    r.error = err;
    r.fd.reset();
    return;
  }
  r.special = is_special_file(r.fd.get(), r.st);
  r.next = PooledRead::Next::done;
}

Task<int> finish_pooled_read(Engine& engine, const char* path, PooledRead r, Bytes& out) {
  using Next = PooledRead::Next;
  if (r.next == Next::reopen) co_return co_await engine.Engine::read_file(path, out);
  const int fd = r.fd.get();
  if (r.next == Next::read_rest) co_return co_await engine.read_to_end(fd, r.st, out);
  if (r.next == Next::fifo) {
    // Until a writer has opened it since (then data, or its close: the end), as open(2) waits.
    int waited = co_await engine.blocking([fd] {
      pollfd p{fd, POLLIN, 0};
      int n;
      while ((n = ::poll(&p, 1, -1)) < 0 && errno == EINTR) {
      }
      return n < 0 ? -errno : 0;
    });
    if (waited < 0) co_return waited;
    clear_nonblock(fd);
  }
  // A stream: on from its position, after the bytes already read.
  Engine& io = engine.for_file(fd, r.st);
  out = std::move(r.data);
  auto read_some = [&io, fd](std::byte* p, std::size_t n) {
    return io.pread(fd, p, n, kAtFilePosition);
  };
  co_return co_await read_until_end(out, out.size(), read_some);
}

}  // namespace cofs::local
