// The threads engine: every primitive is the blocking syscall on the loop's thread pool. It is the
// portable fallback, the engine of special files under every other engine, and the metadata half
// of the aio engine.
#pragma once

#include "local/engine.hpp"

namespace cofs::local {

class ThreadsEngine : public Engine {
 public:
  explicit ThreadsEngine(IoLoop& loop) noexcept : Engine(loop) {}

  LocalEngine kind() const noexcept override { return LocalEngine::threads; }
  Task<int> open(const char* path, int flags, mode_t mode) override;
  Task<int> close(int fd) override;
  Task<long> pread(int fd, void* buf, std::size_t n, std::uint64_t offset) override;
  Task<long> pwrite(int fd, const void* buf, std::size_t n, std::uint64_t offset) override;
  Task<int> fsync(int fd, bool datasync) override;
  Task<int> statx(int dirfd, const char* path, int flags, struct statx* out) override;
  Task<int> unlink(const char* path) override;
  Task<int> rmdir(const char* path) override;
  Task<int> rename(const char* from, const char* to) override;
  Task<int> mkdir(const char* path, mode_t mode) override;
  /// open, fstat, read and close in one trip to the pool instead of four.
  Task<int> read_file(const char* path, Bytes& out) override;
};

}  // namespace cofs::local
