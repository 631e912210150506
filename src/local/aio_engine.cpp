// The aio engine: reads and writes are libaio iocbs completed through an eventfd that the loop's
// reactor watches; metadata (open, stat, unlink, ...) runs on the thread pool as in the threads
// engine, since Linux AIO has no such operations. Linux AIO is only truly asynchronous for
// O_DIRECT; the `direct_io` option opens read-only regular files with it and reads through
// aligned bounce buffers.
#include <libaio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <system_error>
#include <unordered_set>

#include "local/threads_engine.hpp"

namespace cofs::local {
namespace {

constexpr int kDepth = 256;
constexpr std::size_t kAlign = 4096;
constexpr std::size_t kMaxIo = std::size_t{1} << 30;
constexpr std::size_t kMaxDirectIo = std::size_t{8} << 20;

class AioEngine;

class AioOp final : public detail::LeafOp {
 public:
  AioOp(AioEngine& engine, int fd, void* buf, std::size_t n, std::uint64_t offset, bool write);
  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    if (!begin(h, write_ ? "aio write" : "aio read")) return false;
    start();
    return true;
  }
  long await_resume() {
    end();
    return res_;
  }
  void finish(long res) noexcept {
    res_ = res;
    complete();
  }
  iocb* cb() noexcept { return &cb_; }
  bool queued = false;  // waiting for room in the context

 private:
  void start() noexcept;
  bool withdraw() noexcept override;

  AioEngine& engine_;
  iocb cb_{};
  bool write_;
  long res_ = -ECANCELED;
};

class AioEngine final : public ThreadsEngine {
 public:
  AioEngine(IoLoop& loop, bool direct) : ThreadsEngine(loop), direct_(direct) {
    int r = io_setup(kDepth, &ctx_);
    if (r < 0) throw std::system_error(-r, std::generic_category(), "io_setup");
    efd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (efd_ < 0) {
      int err = errno;
      io_destroy(ctx_);
      throw std::system_error(err, std::generic_category(), "eventfd");
    }
  }
  ~AioEngine() override {
    if (watch_ == nullptr) {
      ::close(efd_);
      io_destroy(ctx_);
      return;
    }
    auto cleanup = [ctx = ctx_, efd = efd_, watch = watch_, loop = &loop_] {
      backend::unwatch_fd(*loop, watch);
      ::close(efd);
      io_destroy(ctx);
    };
    // The watch belongs to the loop's thread; a stopped loop no longer polls it.
    if (loop_.in_loop_thread()) {
      cleanup();
    } else if (!loop_.try_post(cleanup)) {
      ::close(efd_);
      io_destroy(ctx_);
    }
  }

  LocalEngine kind() const noexcept override { return LocalEngine::aio; }

  Task<int> open(const char* path, int flags, mode_t mode) override {
    if (direct_ && (flags & O_ACCMODE) == O_RDONLY && !(flags & O_DIRECTORY)) {
      int fd = co_await ThreadsEngine::open(path, flags | O_DIRECT, mode);
      if (fd >= 0) {
        direct_fds_.insert(fd);
        co_return fd;
      }
      if (fd != -EINVAL) co_return fd;
      // The filesystem refuses O_DIRECT (tmpfs, ...): buffered it is.
    }
    co_return co_await ThreadsEngine::open(path, flags, mode);
  }
  Task<int> close(int fd) override {
    direct_fds_.erase(fd);
    co_return co_await ThreadsEngine::close(fd);
  }
  Task<long> pread(int fd, void* buf, std::size_t n, std::uint64_t offset) override {
    if (direct_fds_.count(fd) != 0) co_return co_await direct_pread(fd, buf, n, offset);
    co_return co_await AioOp(*this, fd, buf, std::min(n, kMaxIo), offset, false);
  }
  Task<long> pwrite(int fd, const void* buf, std::size_t n, std::uint64_t offset) override {
    co_return co_await AioOp(*this, fd, const_cast<void*>(buf), std::min(n, kMaxIo), offset, true);
  }

  // ---- for AioOp (loop thread) ----
  void submit(AioOp* op) noexcept {
    ensure_watch();
    if (watch_ == nullptr) {
      op->finish(-ENOMEM);
      return;
    }
    io_set_eventfd(op->cb(), efd_);
    op->cb()->data = op;
    if (inflight_ >= kDepth) {
      op->queued = true;
      waiting_.push_back(op);
      return;
    }
    iocb* list[1] = {op->cb()};
    int r;
    do {
      r = io_submit(ctx_, 1, list);
    } while (r == -EINTR);
    if (r == 1) {
      ++inflight_;
    } else if (r == -EAGAIN) {
      op->queued = true;
      waiting_.push_back(op);
    } else {
      op->finish(r < 0 ? r : -EIO);
    }
  }
  bool unqueue(AioOp* op) noexcept {
    if (!op->queued) return false;
    op->queued = false;
    waiting_.erase(std::find(waiting_.begin(), waiting_.end(), op));
    return true;
  }
  void cancel(AioOp* op) noexcept {
    io_event ev{};
    // Rarely possible (buffered IO ignores it); when it works the event does not arrive later.
    if (io_cancel(ctx_, op->cb(), &ev) == 0) {
      --inflight_;
      op->finish(-ECANCELED);
    }
  }

 private:
  void ensure_watch() noexcept {
    if (watch_ != nullptr) return;
    try {
      watch_ = backend::watch_fd(loop_, efd_, EPOLLIN, [this](std::uint32_t) { reap(); });
    } catch (...) {
      watch_ = nullptr;
    }
  }
  void reap() noexcept {
    eventfd_t v;
    (void)eventfd_read(efd_, &v);
    io_event events[64];
    timespec zero{};
    for (;;) {
      int n = io_getevents(ctx_, 0, 64, events, &zero);
      if (n <= 0) break;
      for (int i = 0; i < n; ++i) {
        --inflight_;
        static_cast<AioOp*>(events[i].data)->finish(static_cast<long>(events[i].res));
      }
      if (n < 64) break;
    }
    while (!waiting_.empty() && inflight_ < kDepth) {
      AioOp* op = waiting_.front();
      waiting_.pop_front();
      op->queued = false;
      submit(op);
    }
  }

  Task<long> direct_pread(int fd, void* buf, std::size_t n, std::uint64_t offset) {
    n = std::min(n, kMaxDirectIo);
    std::uint64_t start = offset & ~std::uint64_t{kAlign - 1};
    std::size_t lead = static_cast<std::size_t>(offset - start);
    std::size_t len = (lead + n + kAlign - 1) & ~(kAlign - 1);
    std::unique_ptr<void, decltype(&std::free)> bounce(std::aligned_alloc(kAlign, len), &std::free);
    if (!bounce) co_return -ENOMEM;
    long r = co_await AioOp(*this, fd, bounce.get(), len, start, false);
    if (r == -EINVAL) {
      // The device wants a larger alignment than ours: read this one buffered instead.
      co_return co_await blocking([=] {
        long b = ::pread(fd, buf, n, static_cast<off_t>(offset));
        return b < 0 ? -static_cast<long>(errno) : b;
      });
    }
    if (r < 0) co_return r;
    std::size_t got = static_cast<std::size_t>(r) > lead ? static_cast<std::size_t>(r) - lead : 0;
    got = std::min(got, n);
    std::memcpy(buf, static_cast<std::byte*>(bounce.get()) + lead, got);
    co_return static_cast<long>(got);
  }

  io_context_t ctx_ = nullptr;
  int efd_ = -1;
  FdWatch* watch_ = nullptr;
  bool direct_;
  int inflight_ = 0;
  std::deque<AioOp*> waiting_;
  std::unordered_set<int> direct_fds_;
};

AioOp::AioOp(AioEngine& engine, int fd, void* buf, std::size_t n, std::uint64_t offset, bool write)
    : LeafOp(engine.loop()), engine_(engine), write_(write) {
  if (write) {
    io_prep_pwrite(&cb_, fd, buf, n, static_cast<long long>(offset));
  } else {
    io_prep_pread(&cb_, fd, buf, n, static_cast<long long>(offset));
  }
}

void AioOp::start() noexcept {
  engine_.submit(this);
}

bool AioOp::withdraw() noexcept {
  if (engine_.unqueue(this)) return true;
  engine_.cancel(this);
  return false;  // finish() resumes the waiter (now, if io_cancel worked, or at the event)
}

bool forced(const char* env) {
  const char* v = std::getenv(env);
  return v != nullptr && *v != '\0' && *v != '0';
}

}  // namespace

std::unique_ptr<Engine> make_aio_engine(IoLoop& loop, const EngineOptions& options) {
  if (options.fail_aio_setup || forced("COFS_LOCAL_AIO_SETUP_FAIL")) {
    throw std::system_error(EAGAIN, std::generic_category(),
                            "io_setup failed on purpose (test hook)");
  }
  return std::make_unique<AioEngine>(loop, options.direct_io);
}

}  // namespace cofs::local
