#include "local/local_file.hpp"

#include <unistd.h>

#include <cerrno>
#include <utility>

#include "cofs/fs/errors.hpp"

namespace cofs::local {

int open_flags(const OpenMode& m) noexcept {
  int flags = m.read && m.write ? O_RDWR : m.write ? O_WRONLY : O_RDONLY;
  if (m.create) flags |= O_CREAT;
  if (m.truncate) flags |= O_TRUNC;
  if (m.exclusive) flags |= O_EXCL;
  // "a" is not O_APPEND: AsyncFile puts each write at the end itself, and with O_APPEND Linux's
  // pwrite would ignore every offset it is given.
  return flags;
}

namespace {

// A plain function, not a lambda coroutine: its frame owns copies of everything it uses.
// `op` and `name` say what a failure is reported as ("close" of the file, "commit" of the
// transaction).
Task<void> finish_staged(Replacement staged, std::shared_ptr<FileSystem> keep, bool durable,
                         bool commit, std::string op, std::string name) {
  (void)keep;
  if (!commit) {
    discard_replace(staged);
    co_return;
  }
  int r = 0;
  try {
    r = co_await commit_replace(staged, durable);
  } catch (...) {
    discard_replace(staged);  // nothing to await: a handler may do it
    throw;
  }
  if (r < 0) throw_errno(-r, op, name);
}

}  // namespace

LocalFile::LocalFile(IoLoop& loop, std::string path, OpenMode mode, std::size_t block_size,
                     Setup setup)
    : AsyncFile(loop, std::move(path), std::move(mode), block_size), s_(std::move(setup)) {}

LocalFile::~LocalFile() {
  // Not closed (a destructor cannot wait): release the descriptor, drop a staged file, which
  // leaves the target as it was.
  if (s_.fd < 0) return;
  if (staged()) {
    s_.staged.fd = s_.fd;
    discard_replace(s_.staged);
  } else if (s_.owns_fd) {
    ::close(s_.fd);
  }
}

Task<std::size_t> LocalFile::raw_read(std::uint64_t offset, std::byte* dst, std::size_t n) {
  // A stream (served by the threads engine) is read where it is; raw_read's contract, fewer than
  // n bytes only at the end, holds for it too: read_full gathers a pipe's partial reads.
  long r = co_await s_.io->read_full(s_.fd, dst, n, s_.stream ? kAtFilePosition : offset);
  if (r < 0) throw_errno(static_cast<int>(-r), "read", path_);
  co_return static_cast<std::size_t>(r);
}

Task<void> LocalFile::raw_write(std::uint64_t offset, std::span<const std::byte> data) {
  long r = co_await s_.io->write_full(s_.fd, data.data(), data.size(),
                                      s_.stream ? kAtFilePosition : offset);
  if (r < 0) {
    write_error_ = static_cast<int>(-r);
    throw_errno(write_error_, "write", path_);
  }
}

Task<std::optional<std::uint64_t>> LocalFile::raw_size() {
  if (s_.stream) co_return std::nullopt;
  struct statx st {};
  int r = co_await s_.io->fstat(s_.fd, &st);
  if (r < 0) throw_errno(-r, "size", path_);
  co_return st.stx_size;
}

Task<void> LocalFile::raw_fsync() {
  int r = co_await s_.io->fsync(s_.fd, false);
  // Pipes and terminals have nothing to sync.
  if (r < 0 && r != -EINVAL && r != -EROFS) throw_errno(-r, "fsync", path_);
}

Task<void> LocalFile::raw_close() {
  int fd = std::exchange(s_.fd, -1);
  if (fd < 0) co_return;
  if (!staged()) {
    if (s_.owns_fd) {
      int r = co_await s_.io->close(fd);
      if (r < 0 && r != -EINTR) throw_errno(-r, "close", path_);
    }
    co_return;
  }
  Replacement& staged = s_.staged;
  staged.fd = fd;
  if (write_error_ != 0) {
    discard_replace(staged);
    throw_errno(write_error_, "close", path_, "a write failed: the file was left as it was");
  }
  int r = 0;
  try {
    r = co_await close_replace(staged, s_.durable);
  } catch (...) {
    discard_replace(staged);
    throw;
  }
  if (r < 0) {
    discard_replace(staged);
    throw_errno(-r, "close", path_);
  }
  Replacement ready = std::exchange(staged, Replacement{});
  auto keep = s_.keep;
  bool durable = s_.durable;
  if (s_.tx != nullptr) {
    // Opened through a transaction: the staged file replaces the target when it commits. One
    // that has ended refuses the write (the staged file is dropped): it never lands outside.
    std::string target = path_;
    try {
      s_.tx->defer("close", target, [ready, keep, durable, target](bool commit) {
        return finish_staged(ready, keep, durable, commit, "commit", target);
      });
    } catch (...) {
      discard_replace(ready);
      throw;
    }
    co_return;
  }
  co_await finish_staged(std::move(ready), std::move(keep), durable, true, "close", path_);
}

}  // namespace cofs::local
