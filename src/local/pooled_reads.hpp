// The pool steps of whole-file reads, batched through a PoolBatch: the threads engine reads a
// small file whole in one step (open, read to the end, close: one hop to the pool, and a share of
// one loop wake-up); the aio engine opens and fstats in one step and reads through the kernel.
//
// The steps open with O_NONBLOCK (a FIFO without a writer opens at once, and a file under a lease
// whose break open(2) would wait for says EWOULDBLOCK), so that no step waits indefinitely behind
// which other reads' completions sit. What needs waiting for goes back to the loop, which waits
// on the pool one wait at a time: for a FIFO's writer by poll() on the descriptor already open
// (which, unlike a second, blocking open, also sees a writer that came, wrote and went in
// between: poll reports a FIFO's hang-up only once a writer has been there since the open), for
// a lease by open(2) as it is.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <utility>

#include "cofs/fs/bytes.hpp"
#include "cofs/runtime/task.hpp"
#include "local/engine.hpp"
#include "local/pool_batch.hpp"

namespace cofs::local {

/// What one step reads into its pool thread's scratch buffer before deciding: a file that ends
/// within it is read whole by the step (one copy into its result).
inline constexpr std::size_t kSmallReadScratch = 64 * 1024;

/// A descriptor closed when this goes, however the coroutine holding it ends (for engines whose
/// close is the plain syscall: threads, aio).
class OwnedFd {
 public:
  OwnedFd() noexcept = default;
  explicit OwnedFd(int fd) noexcept : fd_(fd) {}
  OwnedFd(OwnedFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  OwnedFd& operator=(OwnedFd&& o) noexcept {
    reset(std::exchange(o.fd_, -1));
    return *this;
  }
  ~OwnedFd() { reset(); }
  int get() const noexcept { return fd_; }
  int release() noexcept { return std::exchange(fd_, -1); }
  void reset(int fd = -1) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

/// What a whole-file step found.
struct PooledRead {
  enum class Next {
    done,         // `data` is the whole file
    failed,       // `error` (an errno)
    reopen,       // open it as open(2) would, and read it so (a lease: no `fd`)
    fifo,         // a FIFO that opened without a writer: wait at `fd` for one, then read on
    read_rest,    // a large regular file: read_to_end from `fd` by `st`
    stream_rest,  // a stream: `data` is what was read, the rest follows at `fd`'s position
  };
  Next next = Next::failed;
  int error = 0;
  OwnedFd fd;
  struct statx st {};
  Bytes data;
};

/// The threads engine's step: the whole file, or what remains to do.
class WholeFileStep final : public PoolBatch::Op {
 public:
  WholeFileStep(PoolBatch& batch, const char* path) noexcept
      : Op(batch, "read_file"), path_(path) {}
  PooledRead await_resume() {
    end();
    return std::move(result_);
  }

 private:
  void run_blocking() noexcept override;
  const char* path_;
  PooledRead result_;  // a descriptor left in it when cancelled is closed with it
};

/// The aio engine's step: open (O_NONBLOCK) and fstat. `fd` set and `next` done, or failed, or
/// reopen (a lease). `special` says whether is_special_file holds for it.
struct PooledOpen {
  PooledRead::Next next = PooledRead::Next::failed;
  int error = 0;
  OwnedFd fd;
  struct statx st {};
  bool special = false;
};

class OpenStep final : public PoolBatch::Op {
 public:
  OpenStep(PoolBatch& batch, const char* path) noexcept : Op(batch, "open"), path_(path) {}
  PooledOpen await_resume() {
    end();
    return std::move(result_);
  }

 private:
  void run_blocking() noexcept override;
  const char* path_;
  PooledOpen result_;
};

/// Finishes on the loop what a step left (next is reopen, fifo, read_rest or stream_rest): 0 or
/// -errno, the whole file in `out`. The descriptor is closed however it ends.
Task<int> finish_pooled_read(Engine& engine, const char* path, PooledRead r, Bytes& out);

/// Clears O_NONBLOCK (the steps open with it only so as not to wait in open).
void clear_nonblock(int fd) noexcept;

}  // namespace cofs::local
