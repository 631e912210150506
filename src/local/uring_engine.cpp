// The uring engine: each primitive is one SQE on the loop's ring, submitted with the rest of the
// loop turn's work and resumed from its CQE. A whole-file read links openat and two reads on a
// direct descriptor (no fd of the process is used, so RLIMIT_NOFILE does not bound it); the file
// read whole is left for the next openat into its slot to replace (see SlotTable).
#include <liburing.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <system_error>
#include <utility>
#include <vector>

#include "cofs/backend/service.hpp"
#include "cofs/runtime/with_cleanup.hpp"
#include "local/engine.hpp"
#include "runtime/uring_completion.hpp"

namespace cofs::local {
namespace {

// One io_uring op cannot move more than this; read_full/write_full loop over larger requests.
constexpr std::size_t kMaxIo = std::size_t{1} << 30;
// What the linked whole-file read reads into the slot's scratch buffer, after the bytes it reads
// straight into the result (as many as the last file had); scratch memory is at most
// kDirectSlots * kLinkedReadGuess.
constexpr std::size_t kLinkedReadGuess = 32 * 1024;
// The largest last-file size the next read allocates up front.
constexpr std::size_t kMaxSizeHint = std::size_t{1} << 20;
// Linked reads in flight at once; more wait for a slot. Page-cache reads complete inline, so a
// deeper queue only spreads the results, frames and scratch buffers over more cache: 10,000 small
// files read ~8% slower with 128 in flight than with 64, 20% slower with 1024. 64 is the depth
// of the hand-written reference loop in bench/ (cold-disk reads are not measured here).
constexpr unsigned kDirectSlots = 64;

io_uring_sqe* get_sqe(io_uring* ring, unsigned need = 1) {
  if (io_uring_sq_space_left(ring) < need) io_uring_submit(ring);
  io_uring_sqe* s = io_uring_get_sqe(ring);
  while (s == nullptr) {
    io_uring_submit(ring);
    s = io_uring_get_sqe(ring);
  }
  return s;
}

// The direct-descriptor table of one ring, shared by every uring engine on that ring's loop.
// Slots are taken and given back on the loop's thread only. A read that finds none queues, and a
// slot given back goes straight to the longest waiter: first come, first served.
//
// A file read whole is left open in its slot: the next read's openat into that slot replaces
// (closes) it, which saves the close operation and its round trip per file in a bulk read. When
// the last slot in use is given back, every file left open is closed at once (one register call),
// so a caller whose reads are all done finds them closed. While other reads run, what is still
// left open once the turn's reads have taken their slots is closed at the end of that turn.
std::atomic<std::size_t> g_slot_tables_alive{0};

// A service of the loop (cofs/backend/service.hpp): made by the loop's first uring engine, which
// registers the ring's sparse file table, and destroyed with the loop. It never touches the ring
// when it goes: the ring's end unregisters the files and closes those left open, and in a forked
// child the ring is the parent's.
struct SlotTable final : backend::LoopService {
  explicit SlotTable(IoLoop& l) : LoopService(l) {
    g_slot_tables_alive.fetch_add(1, std::memory_order_relaxed);
    io_uring* r = backend::ring(l);
    // Fails on kernels without sparse registration (or under a low RLIMIT_NOFILE): the engine
    // then reads files the plain way.
    usable = r != nullptr && io_uring_register_files_sparse(r, kDirectSlots) == 0;
    if (usable) reset(kDirectSlots, l, r);
  }
  ~SlotTable() override { g_slot_tables_alive.fetch_sub(1, std::memory_order_relaxed); }
  /// The loop is stopping: the sweep timer leaves its heap.
  void shutdown() noexcept override {
    if (usable) backend::cancel_timer(*loop, sweep_timer);
  }
  bool usable = false;
  /// Awaits a slot (at once when one is free and nobody queues before us).
  struct Take {
    SlotTable& table;
    std::coroutine_handle<> waiter;
    unsigned slot = 0;
    bool await_ready() noexcept {
      if (table.free.empty() || !table.waiting.empty()) return false;
      slot = table.free.back();
      table.free.pop_back();
      return true;
    }
    void await_suspend(std::coroutine_handle<> h) {
      waiter = h;
      table.waiting.push_back(this);
    }
    unsigned await_resume() const noexcept { return slot; }
  };
  IoLoop* loop = nullptr;
  io_uring* ring = nullptr;
  std::vector<unsigned> free;
  std::deque<Take*> waiting;
  // Per-slot buffers for what the linked read finds beyond the result's first bytes, reused (and
  // so already faulted in) from one read to the next.
  std::vector<std::unique_ptr<std::byte[]>> scratch;
  std::vector<std::byte> probe;  // per slot: the byte the end-of-file probe reads
  std::vector<char> left_open;   // per slot: a finished read left its file open there
  struct SweepTimer : TimerNode {
    SlotTable* table;
  } sweep_timer;          // due at once: fires at the end of the turn that armed it
  bool skip_cqe = false;  // the ring can drop successful completions
  void reset(unsigned n, IoLoop& l, io_uring* r) {
    loop = &l;
    ring = r;
    free.clear();
    waiting.clear();
    for (unsigned i = n; i > 0; --i) free.push_back(i - 1);
    scratch.resize(n);
    probe.assign(n, std::byte{});
    left_open.assign(n, 0);
    skip_cqe = (r->features & IORING_FEAT_CQE_SKIP) != 0;
    sweep_timer = SweepTimer{};
    sweep_timer.table = this;
    sweep_timer.deadline = Clock::time_point::min();
    sweep_timer.on_fire = [](TimerNode* t) { static_cast<SweepTimer*>(t)->table->sweep(); };
  }
  std::byte* scratch_for(unsigned slot) {
    if (!scratch[slot]) {
      scratch[slot].reset(new std::byte[kLinkedReadGuess]);
      prefault(scratch[slot].get(), kLinkedReadGuess);
    }
    return scratch[slot].get();
  }
  /// Gives `slot` back: to the longest waiter, resumed on the loop's next round, or to the free
  /// list. A file left open in it (`left_open`) is closed by the turn's sweep unless a read
  /// takes the slot first.
  void release(unsigned slot) {
    if (waiting.empty()) {
      free.push_back(slot);
      if (free.size() == left_open.size()) {
        close_left_open_now();
      } else if (left_open[slot] && !sweep_timer.armed()) {
        backend::add_timer(*loop, sweep_timer);
      }
      return;
    }
    Take* next = waiting.front();
    waiting.pop_front();
    next->slot = slot;
    backend::schedule(*loop, next->waiter);
  }
  /// Every slot is free: closes the files left open in them now, in one call.
  void close_left_open_now() noexcept {
    int update[kDirectSlots];
    unsigned first = kDirectSlots, last = 0;
    for (unsigned slot = 0; slot < left_open.size(); ++slot) {
      update[slot] = left_open[slot] ? -1 : IORING_REGISTER_FILES_SKIP;
      if (!left_open[slot]) continue;
      first = std::min(first, slot);
      last = slot;
    }
    if (first == kDirectSlots) return;
    if (io_uring_register_files_update(ring, first, update + first, last - first + 1) >= 0) {
      std::fill(left_open.begin(), left_open.end(), 0);
    } else if (!sweep_timer.armed()) {
      backend::add_timer(*loop, sweep_timer);  // not closed: the sweep's closes will
    }
  }
  /// Closes the files left open in free slots. The closes go with the turn's submission, ahead of
  /// any later openat into those slots; their completions are not posted (success) or ignored.
  void sweep() noexcept {
    for (unsigned slot : free) {
      if (!left_open[slot]) continue;
      left_open[slot] = 0;
      io_uring_sqe* s = get_sqe(ring);
      io_uring_prep_close_direct(s, slot);
      if (skip_cqe) s->flags |= IOSQE_CQE_SKIP_SUCCESS;
      io_uring_sqe_set_data64(s, 0);
    }
  }
};

/// One SQE awaited by the calling coroutine. `prep` fills the SQE.
template <class Prep>
class UringOp final : public detail::LeafOp, public UringCompletion {
 public:
  UringOp(IoLoop& loop, io_uring* ring, const char* what, Prep prep, bool result_is_fd = false,
          bool cancellable = true)
      : LeafOp(loop),
        ring_(ring),
        what_(what),
        prep_(std::move(prep)),
        result_is_fd_(result_is_fd),
        cancellable_(cancellable) {}

  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    if (!begin(h, what_, cancellable_)) return false;
    io_uring_sqe* s = get_sqe(ring_);
    prep_(s);
    io_uring_sqe_set_data64(s, user_data());
    return true;
  }
  int await_resume() {
    // Cancelled after the kernel opened the file: the caller never sees the fd, so close it.
    if (failed() && result_is_fd_ && got_cqe_ && res_ >= 0) ::close(res_);
    end();
    return res_;
  }
  void on_cqe(int res, std::uint32_t) noexcept override {
    res_ = res;
    got_cqe_ = true;
    complete();
  }

 private:
  bool withdraw() noexcept override {
    io_uring_sqe* s = get_sqe(ring_);
    io_uring_prep_cancel64(s, user_data(), 0);
    io_uring_sqe_set_data64(s, 0);
    return false;  // the op's own CQE (maybe -ECANCELED) resumes the waiter
  }

  io_uring* ring_;
  const char* what_;
  Prep prep_;
  bool result_is_fd_;
  bool cancellable_;
  bool got_cqe_ = false;
  int res_ = -ECANCELED;
};

/// openat (direct) -> readv(iov) -> read(1), linked; the file stays open in its slot. The second
/// read, at the file position the first left, proves end of file (0) without trusting a short
/// first read; when it finds one more byte, the file is larger than the guess, grew, or is a
/// stream, and the caller reads on (or closes the slot and reads the file by its size).
class LinkedReadFile final : public detail::LeafOp {
 public:
  /// `iov` (one or two buffers) must live until the chain completes.
  LinkedReadFile(IoLoop& loop, io_uring* ring, const char* path, unsigned slot, const iovec* iov,
                 unsigned iov_count, std::byte* probe)
      : LeafOp(loop),
        ring_(ring),
        path_(path),
        slot_(slot),
        iov_(iov),
        iov_count_(iov_count),
        probe_(probe) {
    for (Part& p : parts_) p.chain = this;
  }

  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    if (!begin(h, "read_file")) return false;
    submitted_ = true;
    if (io_uring_sq_space_left(ring_) < kParts) io_uring_submit(ring_);
    io_uring_sqe* s = get_sqe(ring_, kParts);
    io_uring_prep_openat_direct(s, AT_FDCWD, path_, O_RDONLY, 0, slot_);
    s->flags |= IOSQE_IO_LINK;
    io_uring_sqe_set_data64(s, parts_[0].user_data());
    s = get_sqe(ring_);
    io_uring_prep_readv(s, static_cast<int>(slot_), iov_, iov_count_,
                        static_cast<std::uint64_t>(-1));
    s->flags |= IOSQE_FIXED_FILE | IOSQE_IO_HARDLINK;
    io_uring_sqe_set_data64(s, parts_[1].user_data());
    s = get_sqe(ring_);
    io_uring_prep_read(s, static_cast<int>(slot_), probe_, 1, static_cast<std::uint64_t>(-1));
    s->flags |= IOSQE_FIXED_FILE;
    io_uring_sqe_set_data64(s, parts_[2].user_data());
    return true;
  }
  struct Result {
    int open, read1, read2;
    bool slot_open;            // the slot holds an open file: the caller closes it
    std::exception_ptr error;  // cancelled, timed out, or the loop stopped
  };
  /// Never throws: the caller closes the slot first, then rethrows `error`.
  Result await_resume() noexcept {
    Result r{parts_[0].res, parts_[1].res, parts_[2].res, submitted_ && parts_[0].res >= 0, {}};
    try {
      end();
    } catch (...) {
      r.error = std::current_exception();
    }
    return r;
  }

 private:
  static constexpr unsigned kParts = 3;
  struct Part final : UringCompletion {
    LinkedReadFile* chain = nullptr;
    int res = -ECANCELED;
    bool done = false;
    void on_cqe(int r, std::uint32_t) noexcept override {
      res = r;
      done = true;
      if (++chain->done_ == kParts) chain->complete();
    }
  };
  bool withdraw() noexcept override {
    for (Part& p : parts_) {
      if (p.done) continue;
      io_uring_sqe* s = get_sqe(ring_);
      io_uring_prep_cancel64(s, p.user_data(), 0);
      io_uring_sqe_set_data64(s, 0);
    }
    return false;
  }

  io_uring* ring_;
  const char* path_;
  unsigned slot_;
  const iovec* iov_;
  unsigned iov_count_;
  std::byte* probe_;
  Part parts_[kParts];
  unsigned done_ = 0;
  bool submitted_ = false;
};

class UringEngine final : public Engine {
 public:
  UringEngine(IoLoop& loop, io_uring* ring) : Engine(loop), ring_(ring) {
    try {
      SlotTable& table = backend::use_service<SlotTable>(loop_);
      if (table.usable) slots_ = &table;
    } catch (const LoopStoppedError&) {
      // A stopped loop has no services: every operation of this engine fails there anyway.
    }
  }

  LocalEngine kind() const noexcept override { return LocalEngine::uring; }
  bool open_waits_for_fifo() const noexcept override { return false; }
  std::optional<long> concurrency_limit() const noexcept override {
    if (slots_ == nullptr) return std::nullopt;
    return long{kDirectSlots};
  }

  template <class Prep>
  UringOp<Prep> op(const char* what, Prep prep, bool result_is_fd = false,
                   bool cancellable = true) {
    return UringOp<Prep>(loop_, ring_, what, std::move(prep), result_is_fd, cancellable);
  }

  Task<int> open(const char* path, int flags, mode_t mode) override {
    co_return co_await op(
        "openat",
        [=](io_uring_sqe* s) { io_uring_prep_openat(s, AT_FDCWD, path, flags | O_CLOEXEC, mode); },
        true);
  }
  Task<int> close(int fd) override {
    // Not cancellable: a caller cleaning up after a cancellation must still close.
    co_return co_await op(
        "close", [=](io_uring_sqe* s) { io_uring_prep_close(s, fd); }, false, false);
  }
  Task<long> pread(int fd, void* buf, std::size_t n, std::uint64_t offset) override {
    unsigned len = static_cast<unsigned>(std::min(n, kMaxIo));
    co_return co_await op("read",
                          [=](io_uring_sqe* s) { io_uring_prep_read(s, fd, buf, len, offset); });
  }
  Task<long> pwrite(int fd, const void* buf, std::size_t n, std::uint64_t offset) override {
    unsigned len = static_cast<unsigned>(std::min(n, kMaxIo));
    co_return co_await op("write",
                          [=](io_uring_sqe* s) { io_uring_prep_write(s, fd, buf, len, offset); });
  }
  Task<int> fsync(int fd, bool datasync) override {
    co_return co_await op("fsync", [=](io_uring_sqe* s) {
      io_uring_prep_fsync(s, fd, datasync ? IORING_FSYNC_DATASYNC : 0);
    });
  }
  Task<int> statx(int dirfd, const char* path, int flags, struct statx* out) override {
    co_return co_await op("statx", [=](io_uring_sqe* s) {
      io_uring_prep_statx(s, dirfd, path, flags, STATX_BASIC_STATS | STATX_BTIME, out);
    });
  }
  Task<int> unlink(const char* path) override {
    co_return co_await op("unlinkat",
                          [=](io_uring_sqe* s) { io_uring_prep_unlinkat(s, AT_FDCWD, path, 0); });
  }
  Task<int> rmdir(const char* path) override {
    co_return co_await op("unlinkat", [=](io_uring_sqe* s) {
      io_uring_prep_unlinkat(s, AT_FDCWD, path, AT_REMOVEDIR);
    });
  }
  Task<int> rename(const char* from, const char* to) override {
    co_return co_await op("renameat", [=](io_uring_sqe* s) {
      io_uring_prep_renameat(s, AT_FDCWD, from, AT_FDCWD, to, 0);
    });
  }
  Task<int> mkdir(const char* path, mode_t mode) override {
    co_return co_await op("mkdirat",
                          [=](io_uring_sqe* s) { io_uring_prep_mkdirat(s, AT_FDCWD, path, mode); });
  }

  Task<int> read_file(const char* path, Bytes& out) override {
    if (slots_ != nullptr && !is_special_path(path)) {
      SlotTable* table = slots_;
      unsigned slot = co_await SlotTable::Take{*table, {}};
      // The result's first bytes are read straight into it, as many as the last file had (the
      // files of a bulk read are often alike); the rest into the slot's scratch buffer.
      const std::size_t hint = size_hint_;
      std::byte* scratch = table->scratch_for(slot);
      iovec iov[2];
      unsigned iov_count = 0;
      if (hint > 0) {
        out = Bytes::uninitialized(hint);
        iov[iov_count++] = {out.data(), hint};
      }
      iov[iov_count++] = {scratch, kLinkedReadGuess};
      LinkedReadFile::Result r =
          co_await LinkedReadFile(loop_, ring_, path, slot, iov, iov_count, &table->probe[slot]);
      // The bytes read, in order: out[0, hint) then scratch; `out` sized to hold `capacity`.
      auto gather_read = [&](std::size_t n, std::size_t capacity) {
        if (n <= hint) {
          out.truncate(n);
        } else {
          out.resize_uninitialized(capacity);
          std::memcpy(out.data() + hint, scratch, n - hint);
        }
      };
      if (!r.slot_open) {
        table->release(slot);
        if (r.error) std::rethrow_exception(r.error);
        if (r.open == -EINVAL || r.open == -EBADF) {
          slots_ = nullptr;  // the ring cannot open into its table after all: stop trying
          co_return co_await Engine::read_file(path, out);
        }
        co_return r.open;
      }
      if (!r.error && r.read1 == 0 && r.read2 == 0) {
        // Empty, or a FIFO that io_uring opened at once, without waiting for a writer: read
        // that as open(2) would, the slot's reader kept open meanwhile for a writer to find.
        struct statx st {};
        if (co_await stat_path(path, &st) == 0 && S_ISFIFO(st.stx_mode)) {
          co_return co_await then_close_slot(table, slot, Engine::read_file(path, out));
        }
      }
      if (!r.error && r.read1 >= 0 && r.read2 == 0) {
        // Whole: the file ended within the buffers.
        std::size_t n = static_cast<std::size_t>(r.read1);
        gather_read(n, n);
        finish_read(out, n);
        size_hint_ = std::min(n, kMaxSizeHint);
        // Left open for the next read into the slot to replace, or the turn's sweep to close.
        // A FIFO whose writer has closed may be among these: it is closed within the turn, as
        // close_slot's close would be (with the turn's submission).
        table->left_open[slot] = 1;
        table->release(slot);
        co_return 0;
      }
      if (!r.error && r.read1 >= 0 && r.read2 == 1) {
        // One more byte: larger than the buffers, grown meanwhile, or a stream. The path names
        // the file open in the slot (unless it was replaced meanwhile: then the new file is read
        // whole, a snapshot as good). A regular file is read again by its size; a stream's bytes
        // are gone once read: it is read on here, after those read and the probe's one.
        std::size_t n = static_cast<std::size_t>(r.read1);
        struct statx st {};
        int s = co_await stat_path(path, &st);
        if (s < 0 || !is_stream(st)) {
          co_await close_slot(table, slot);
          int rr = co_await Engine::read_file(path, out);
          if (rr == 0) size_hint_ = std::min(out.size(), kMaxSizeHint);
          co_return rr;
        }
        gather_read(n, std::max<std::size_t>(2 * (n + 1), 64 * 1024));
        out.resize_uninitialized(std::max<std::size_t>(out.size(), n + 1));
        out.data()[n] = table->probe[slot];
        co_return co_await read_stream_on(table, slot, n + 1, out);
      }
      co_await close_slot(table, slot);
      if (r.error) std::rethrow_exception(r.error);
      if (r.read1 < 0 && r.read1 != -EAGAIN && r.read1 != -ECANCELED) co_return r.read1;
      if (r.read1 >= 0) co_return r.read2;  // the probe failed after a good read
      // Not read for a reason of the ring's: the plain way may still work.
      out.clear();
    }
    co_return co_await Engine::read_file(path, out);
  }

 private:
  /// Reads a stream on from `slot` until its writer closes, after the `have` bytes `out` holds,
  /// then closes the slot.
  Task<int> read_stream_on(SlotTable* table, unsigned slot, std::size_t have, Bytes& out) {
    auto read_some = [this, slot](std::byte* p, std::size_t len) -> Task<long> {
      unsigned l = static_cast<unsigned>(std::min(len, kMaxIo));
      co_return co_await op("read", [=](io_uring_sqe* s) {
        io_uring_prep_read(s, static_cast<int>(slot), p, l, static_cast<std::uint64_t>(-1));
        s->flags |= IOSQE_FIXED_FILE;
      });
    };
    co_return co_await then_close_slot(table, slot, read_until_end(out, have, read_some));
  }

  /// Runs `body`, then closes the slot however it ended (no co_await is allowed in a handler).
  Task<int> then_close_slot(SlotTable* table, unsigned slot, Task<int> body) {
    co_return co_await with_cleanup(std::move(body), close_slot(table, slot));
  }

  /// statx of what is open in a slot, by its path: not cancellable (the slot must be closed
  /// after it, and it is quick).
  Task<int> stat_path(const char* path, struct statx* st) {
    co_return co_await op(
        "statx",
        [=](io_uring_sqe* s) {
          io_uring_prep_statx(s, AT_FDCWD, path, 0, STATX_BASIC_STATS | STATX_BTIME, st);
        },
        false, false);
  }

  /// Closes the file open in `slot` and gives the slot back. Not cancellable: a cancelled read
  /// must still close what it opened (a pipe's writer sees its reader gone only then).
  Task<void> close_slot(SlotTable* table, unsigned slot) {
    co_await op(
        "close", [=](io_uring_sqe* s) { io_uring_prep_close_direct(s, slot); }, false, false);
    table->left_open[slot] = 0;
    table->release(slot);
  }

  io_uring* ring_;
  SlotTable* slots_ = nullptr;
  std::size_t size_hint_ = 0;  // the size of the last file read whole (at most kMaxSizeHint)
};

bool forced(const char* env) {
  const char* v = std::getenv(env);
  return v != nullptr && *v != '\0' && *v != '0';
}

}  // namespace

std::size_t uring_slot_tables_alive() noexcept {
  return g_slot_tables_alive.load(std::memory_order_relaxed);
}

std::unique_ptr<Engine> make_uring_engine(IoLoop& loop, const EngineOptions& options) {
  io_uring* ring = backend::ring(loop);
  if (ring == nullptr) {
    throw std::system_error(ENOTSUP, std::generic_category(),
                            "the IO loop runs the epoll reactor, which has no io_uring ring");
  }
  if (options.fail_uring_probe || forced("COFS_LOCAL_URING_PROBE_FAIL")) {
    throw std::system_error(ENOSYS, std::generic_category(),
                            "io_uring opcode probe failed on purpose (test hook)");
  }
  io_uring_probe* probe = io_uring_get_probe_ring(ring);
  if (probe == nullptr) {
    throw std::system_error(ENOSYS, std::generic_category(), "io_uring opcode probe failed");
  }
  static constexpr int kNeeded[] = {IORING_OP_OPENAT,      IORING_OP_CLOSE,    IORING_OP_READ,
                                    IORING_OP_WRITE,       IORING_OP_FSYNC,    IORING_OP_STATX,
                                    IORING_OP_UNLINKAT,    IORING_OP_RENAMEAT, IORING_OP_MKDIRAT,
                                    IORING_OP_ASYNC_CANCEL};
  for (int opcode : kNeeded) {
    if (!io_uring_opcode_supported(probe, opcode)) {
      io_uring_free_probe(probe);
      throw std::system_error(ENOSYS, std::generic_category(),
                              "io_uring lacks opcode " + std::to_string(opcode));
    }
  }
  io_uring_free_probe(probe);
  return std::make_unique<UringEngine>(loop, ring);
}

}  // namespace cofs::local
