// The threads engine: every primitive is the blocking syscall on the loop's thread pool. It is the
// portable fallback, the engine of special files under every other engine, and the metadata half
// of the aio engine.
#pragma once

#include "local/engine.hpp"
#include "local/pool_batch.hpp"

namespace cofs::local {

class ThreadsEngine : public Engine {
 public:
  explicit ThreadsEngine(IoLoop& loop) : Engine(loop), batch_(loop) {}

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
  /// open, read to the end and close as one step of a PoolBatch: one hop to the pool instead of
  /// four, and the completions of many reads posted back together. Paths under /proc, /sys and
  /// /dev are read as one pool job each (they may block: a terminal, a FIFO).
  Task<int> read_file(const char* path, Bytes& out) override;

 protected:
  /// The whole-file steps of this engine's reads (the aio engine's open steps).
  PoolBatch batch_;
};

}  // namespace cofs::local
