// The aio engine: reads and writes are libaio iocbs completed through an eventfd that the loop's
// reactor watches; metadata (open, stat, unlink, ...) runs on the thread pool as in the threads
// engine, since Linux AIO has no such operations. Linux AIO is only truly asynchronous for
// O_DIRECT; the `direct_io` option opens read-only regular files with it and reads through
// aligned bounce buffers.
//
// The iocbs of a loop turn are submitted together, by one io_submit at the end of the turn, and
// reaped many per io_getevents. A whole-file read of a small file opens and fstats it as one step
// of the engine's PoolBatch (many files per pool job), then reads it and proves its end with one
// pair of iocbs: the file by its size, and one byte at that size, which must find the end.
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

#include "local/pooled_reads.hpp"
#include "local/threads_engine.hpp"

namespace cofs::local {
namespace {

constexpr int kDepth = 256;
constexpr std::size_t kAlign = 4096;
constexpr std::size_t kMaxIo = std::size_t{1} << 30;
constexpr std::size_t kMaxDirectIo = std::size_t{8} << 20;
// Whole-file reads up to this size are one iocb pair; larger files take read_to_end's path.
constexpr std::uint64_t kPairReadUpTo = std::uint64_t{8} << 20;
constexpr int kReapAtOnce = 256;

class AioEngine;

/// One or two iocbs awaited together (a whole-file read and its end-of-file probe).
class AioOp final : public detail::LeafOp {
 public:
  struct Io {
    int fd;
    void* buf;
    std::size_t n;
    std::uint64_t offset;
  };
  AioOp(AioEngine& engine, Io io, bool write);
  AioOp(AioEngine& engine, Io first, Io second);  // two reads
  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    if (!begin(h, write_ ? "aio write" : "aio read")) return false;
    start();
    return true;
  }
  long await_resume() {
    end();
    return res_[0];
  }
  /// The second read's result (two reads).
  long second() const noexcept { return res_[1]; }

  // ---- for the engine (loop thread) ----
  /// An event for cb(i): its result. The operation completes with its last event.
  void event(iocb* cb, long res) noexcept;
  iocb* cb(int i) noexcept { return &cb_[i]; }
  int count() const noexcept { return count_; }
  int submitted = 0;    // iocbs handed to the kernel, in order
  bool queued = false;  // in the engine's queue with iocbs still to submit

 private:
  void start() noexcept;
  bool withdraw() noexcept override;
  void settle(int i, long res) noexcept;

  AioEngine& engine_;
  iocb cb_[2]{};
  long res_[2] = {-ECANCELED, -ECANCELED};
  bool done_[2] = {false, false};
  int count_;
  int outstanding_;
  bool write_;
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
    // Armed only while iocbs wait for submission, which their operations' filesystem outlives.
    if (flush_timer_.armed() && loop_.in_loop_thread()) backend::cancel_timer(loop_, flush_timer_);
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
    co_return co_await AioOp(*this, {fd, buf, std::min(n, kMaxIo), offset}, false);
  }
  Task<long> pwrite(int fd, const void* buf, std::size_t n, std::uint64_t offset) override {
    co_return co_await AioOp(*this, {fd, const_cast<void*>(buf), std::min(n, kMaxIo), offset},
                             true);
  }
  Task<int> read_file(const char* path, Bytes& out) override;

  // ---- for AioOp (loop thread) ----
  /// Queues the operation's iocbs for the end of the turn's io_submit.
  void submit(AioOp* op) noexcept {
    ensure_watch();
    if (watch_ == nullptr) {
      for (int i = 0; i < op->count(); ++i) op->event(op->cb(i), -ENOMEM);
      return;
    }
    for (int i = 0; i < op->count(); ++i) {
      io_set_eventfd(op->cb(i), efd_);
      op->cb(i)->data = op;
    }
    op->queued = true;
    waiting_.push_back(op);
    if (!flush_timer_.armed()) backend::add_timer(loop_, flush_timer_);
  }
  /// Takes back what the operation has not submitted yet: true when nothing of it was.
  bool unqueue(AioOp* op) noexcept {
    if (!op->queued) return false;
    op->queued = false;
    waiting_.erase(std::find(waiting_.begin(), waiting_.end(), op));
    if (waiting_.empty() && flush_timer_.armed()) backend::cancel_timer(loop_, flush_timer_);
    return op->submitted == 0;
  }
  /// io_cancel of a submitted iocb: true when it worked (its event then never arrives).
  bool cancel(iocb* cb) noexcept {
    io_event ev{};
    // Rarely possible (buffered IO ignores it).
    if (io_cancel(ctx_, cb, &ev) != 0) return false;
    --inflight_;
    return true;
  }

 private:
  /// Submits the queued iocbs, as many as the context has room for, in one io_submit (more
  /// when the kernel takes fewer than offered).
  void flush() noexcept {
    iocb* list[kDepth];
    while (!waiting_.empty() && inflight_ < kDepth) {
      int n = 0;
      for (AioOp* op : waiting_) {
        for (int i = op->submitted; i < op->count() && inflight_ + n < kDepth; ++i) {
          list[n++] = op->cb(i);
        }
        if (inflight_ + n >= kDepth) break;
      }
      int r;
      do {
        r = io_submit(ctx_, n, list);
      } while (r == -EINTR);
      if (r == -EAGAIN || r == 0) break;  // no room in the kernel: again after the next reap
      if (r < 0) {
        // The first iocb was refused (EBADF, EINVAL, ...): that is its result.
        AioOp* op = waiting_.front();
        iocb* refused = op->cb(op->submitted);
        advance(1);
        op->event(refused, r);
        continue;
      }
      inflight_ += r;
      advance(r);
    }
    if (!waiting_.empty() && inflight_ == 0 && !flush_timer_.armed()) {
      backend::add_timer(loop_, flush_timer_);  // nothing to reap: try again next turn
    }
  }
  /// The first `n` queued iocbs were submitted (or refused).
  void advance(int n) noexcept {
    while (n > 0) {
      AioOp* op = waiting_.front();
      int take = std::min(n, op->count() - op->submitted);
      op->submitted += take;
      n -= take;
      if (op->submitted == op->count()) {
        op->queued = false;
        waiting_.pop_front();
      }
    }
  }

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
    io_event events[kReapAtOnce];
    timespec zero{};
    for (;;) {
      int n = io_getevents(ctx_, 0, kReapAtOnce, events, &zero);
      if (n <= 0) break;
      for (int i = 0; i < n; ++i) {
        --inflight_;
        static_cast<AioOp*>(events[i].data)->event(events[i].obj, static_cast<long>(events[i].res));
      }
      if (n < kReapAtOnce) break;
    }
    if (!waiting_.empty()) flush();
  }

  Task<long> direct_pread(int fd, void* buf, std::size_t n, std::uint64_t offset) {
    n = std::min(n, kMaxDirectIo);
    std::uint64_t start = offset & ~std::uint64_t{kAlign - 1};
    std::size_t lead = static_cast<std::size_t>(offset - start);
    std::size_t len = (lead + n + kAlign - 1) & ~(kAlign - 1);
    std::unique_ptr<void, decltype(&std::free)> bounce(std::aligned_alloc(kAlign, len), &std::free);
    if (!bounce) co_return -ENOMEM;
    long r = co_await AioOp(*this, {fd, bounce.get(), len, start}, false);
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
  std::deque<AioOp*> waiting_;  // with iocbs to submit at the end of the turn, or when room
  struct FlushTimer : TimerNode {
    AioEngine* engine;
  } flush_timer_ = make_flush_timer();
  std::unordered_set<int> direct_fds_;

  FlushTimer make_flush_timer() noexcept {
    FlushTimer t;
    t.engine = this;
    t.deadline = Clock::time_point::min();  // due at once: fires at the end of the turn
    t.on_fire = [](TimerNode* n) { static_cast<FlushTimer*>(n)->engine->flush(); };
    return t;
  }
};

AioOp::AioOp(AioEngine& engine, Io io, bool write)
    : LeafOp(engine.loop()), engine_(engine), count_(1), outstanding_(1), write_(write) {
  if (write) {
    io_prep_pwrite(&cb_[0], io.fd, io.buf, io.n, static_cast<long long>(io.offset));
  } else {
    io_prep_pread(&cb_[0], io.fd, io.buf, io.n, static_cast<long long>(io.offset));
  }
}

AioOp::AioOp(AioEngine& engine, Io first, Io second)
    : LeafOp(engine.loop()), engine_(engine), count_(2), outstanding_(2), write_(false) {
  io_prep_pread(&cb_[0], first.fd, first.buf, first.n, static_cast<long long>(first.offset));
  io_prep_pread(&cb_[1], second.fd, second.buf, second.n, static_cast<long long>(second.offset));
}

void AioOp::start() noexcept {
  engine_.submit(this);
}

void AioOp::settle(int i, long res) noexcept {
  if (done_[i]) return;
  done_[i] = true;
  res_[i] = res;
  if (--outstanding_ == 0) complete();
}

void AioOp::event(iocb* cb, long res) noexcept {
  settle(cb == &cb_[0] ? 0 : 1, res);
}

bool AioOp::withdraw() noexcept {
  // What was not submitted is dropped; what was is io_cancel'ed where possible, else its event
  // completes the operation.
  const bool none_submitted = engine_.unqueue(this);
  for (int i = submitted; i < count_; ++i) {
    done_[i] = true;
    --outstanding_;
  }
  if (none_submitted) return true;
  for (int i = 0; i < submitted; ++i) {
    if (!done_[i] && engine_.cancel(&cb_[i])) {
      done_[i] = true;
      --outstanding_;
    }
  }
  return outstanding_ == 0;  // else the last event resumes the waiter
}

Task<int> AioEngine::read_file(const char* path, Bytes& out) {
  // Special paths as the threads engine reads them; O_DIRECT through open/read_to_end, whose
  // reads go through the bounce buffers.
  if (direct_ || is_special_path(path)) {
    if (!direct_) co_return co_await ThreadsEngine::read_file(path, out);
    co_return co_await Engine::read_file(path, out);
  }
  PooledOpen o = co_await OpenStep(batch_, path);
  if (o.next == PooledRead::Next::reopen) co_return co_await Engine::read_file(path, out);
  if (o.next == PooledRead::Next::failed) co_return -o.error;
  const int fd = o.fd.get();
  const struct statx& st = o.st;
  if (S_ISDIR(st.stx_mode)) co_return -EISDIR;
  if (S_ISFIFO(st.stx_mode)) {
    // Opened at once, without waiting for a writer: wait for one, then read it as a stream.
    PooledRead fifo;
    fifo.next = PooledRead::Next::fifo;
    fifo.fd = std::move(o.fd);
    fifo.st = st;
    Task<int> rest = finish_pooled_read(*this, path, std::move(fifo), out);
    co_return co_await std::move(rest);
  }
  if (!S_ISREG(st.stx_mode) || o.special || st.stx_size > kPairReadUpTo) {
    clear_nonblock(fd);
    co_return co_await read_to_end(fd, st, out);  // special files through the threads engine
  }
  // The file by its size, and one byte at that size: the end must be there.
  const auto size = static_cast<std::size_t>(st.stx_size);
  out.resize_uninitialized(size);
  std::byte probe{};
  AioOp pair(*this, {fd, out.data(), size, 0}, {fd, &probe, 1, size});
  long n = co_await pair;
  long more = pair.second();
  if (n == static_cast<long>(size) && more == 0) {
    batch_.close_later(o.fd.release());  // off the loop's thread, with the next reads' steps
    co_return 0;
  }
  if (n < 0) co_return static_cast<int>(n);
  if (more < 0) co_return static_cast<int>(more);
  // It shrank or grew since the fstat: read it by its size now, as the general path does.
  struct statx now {};
  int r = co_await fstat(fd, &now);
  if (r < 0) co_return r;
  co_return co_await read_to_end(fd, now, out);
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
