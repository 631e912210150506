// The io_uring reactor: the loop blocks in io_uring_submit_and_wait, so a turn submits
// everything queued on the ring (file IO of the uring engine, poll re-arms) in one syscall.
// File-descriptor readiness is a one-shot IORING_OP_POLL_ADD per watch, re-armed after each
// event, which gives level-triggered behaviour like epoll's.
#include <liburing.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <vector>

#include "cofs/export.hpp"
#include "reactor.hpp"

namespace cofs {

class UringReactor final : public Reactor {
 public:
  explicit UringReactor(unsigned entries) {
    io_uring_params params{};
    params.flags = IORING_SETUP_CLAMP;
    int r = io_uring_queue_init_params(entries, &ring_, &params);
    if (r < 0) throw std::system_error(-r, std::generic_category(), "io_uring_queue_init");
    // The reactor needs poll add/remove; a kernel that has rings but not these is too old.
    io_uring_probe* probe = io_uring_get_probe_ring(&ring_);
    bool ok = probe != nullptr && io_uring_opcode_supported(probe, IORING_OP_POLL_ADD) &&
              io_uring_opcode_supported(probe, IORING_OP_POLL_REMOVE);
    if (probe != nullptr) io_uring_free_probe(probe);
    if (!ok) {
      io_uring_queue_exit(&ring_);
      throw std::system_error(ENOSYS, std::generic_category(), "io_uring poll opcodes");
    }
  }
  ~UringReactor() override {
    for (FdWatch* w : graveyard_) delete w;
    for (FdWatch* w : cancelling_) delete w;  // their cancellation CQEs will never be reaped
    if (event_fd_ >= 0) close(event_fd_);
    io_uring_queue_exit(&ring_);
  }

  const char* name() const noexcept override { return "io_uring"; }
  io_uring* ring() noexcept override { return &ring_; }

  void add(FdWatch* w) override {
    w->owner = this;
    if (w->events != 0) arm(w);
  }

  void modify(FdWatch* w) override {
    if (w->armed) {
      // The armed poll waits for other bits: withdraw it; its CQE re-arms with the new mask.
      if (w->armed_events != w->events && !w->cancel_pending) cancel(w);
    } else if (w->events != 0) {
      arm(w);
    }
  }

  void remove(FdWatch* w) noexcept override {
    // on_ready is kept until the watch is freed: remove() is often called from inside it.
    w->removed = true;
    if (w->armed) {
      if (!w->cancel_pending) cancel(w);  // freed when its CQE arrives
      cancelling_.push_back(w);           // ...or by the destructor if it never does
    } else {
      graveyard_.push_back(w);
    }
  }

  void poll(bool block) override {
    int r;
    do {
      r = io_uring_submit_and_wait(&ring_, block ? 1 : 0);
    } while (r == -EINTR);
    if (r < 0 && r != -EBUSY && r != -ETIME)
      throw std::system_error(-r, std::generic_category(), "io_uring_submit_and_wait");
    ++poll_depth_;
    // Drain the registered eventfd before reaping, never after: a completion that lands between
    // the reap and a later drain would leave the eventfd quiet with a CQE waiting, and a driver
    // sleeping on pollable_fd() would never wake for it.
    if (event_fd_ >= 0) {
      eventfd_t v;
      (void)eventfd_read(event_fd_, &v);
    }
    // Copy the CQEs out before dispatching: handlers submit new work onto the same ring. The
    // batch is taken out for this call: a handler that destroys the loop stops it to its end,
    // which polls again inside this poll (it then gets a batch of its own).
    std::vector<Cqe> batch;
    batch.swap(batch_);
    batch.clear();
    unsigned head;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      batch.push_back({cqe->user_data, cqe->res, cqe->flags});
    }
    io_uring_cq_advance(&ring_, static_cast<unsigned>(batch.size()));
    for (const Cqe& c : batch) {
      if (c.user_data != 0) reinterpret_cast<UringCompletion*>(c.user_data)->on_cqe(c.res, c.flags);
      if (abandoned_) return;
    }
    batch_.swap(batch);
    if (--poll_depth_ > 0) return;
    for (FdWatch* w : graveyard_) delete w;
    graveyard_.clear();
  }

  void flush() override { io_uring_submit(&ring_); }

  int pollable_fd() override {
    if (event_fd_ < 0) {
      event_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
      if (event_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
      int r = io_uring_register_eventfd(&ring_, event_fd_);
      if (r < 0) throw std::system_error(-r, std::generic_category(), "io_uring_register_eventfd");
    }
    // Work already prepared must reach the kernel before the caller goes to sleep on the fd.
    io_uring_submit(&ring_);
    return event_fd_;
  }

  void on_poll_cqe(FdWatch* w, int res) noexcept override {
    w->armed = false;
    w->cancel_pending = false;
    if (w->removed) {
      std::erase(cancelling_, w);
      graveyard_.push_back(w);
      return;
    }
    std::uint32_t ready = 0;
    if (res > 0) {
      ready = static_cast<std::uint32_t>(res) & (w->events | POLLERR | POLLHUP);
    } else if (res < 0 && res != -ECANCELED) {
      ready = POLLERR;  // e.g. the descriptor was closed under the watch
    }
    if (ready != 0 && w->on_ready) w->on_ready(ready);
    if (!w->removed && !w->armed && w->events != 0) arm(w);
  }

 private:
  struct Cqe {
    std::uint64_t user_data;
    int res;
    std::uint32_t flags;
  };

  io_uring_sqe* sqe() {
    io_uring_sqe* s = io_uring_get_sqe(&ring_);
    while (s == nullptr) {
      io_uring_submit(&ring_);
      s = io_uring_get_sqe(&ring_);
    }
    return s;
  }
  void arm(FdWatch* w) {
    io_uring_sqe* s = sqe();
    io_uring_prep_poll_add(s, w->fd, w->events);
    io_uring_sqe_set_data64(s, w->user_data());
    w->armed = true;
    w->armed_events = w->events;
  }
  void cancel(FdWatch* w) noexcept {
    io_uring_sqe* s = sqe();
    io_uring_prep_poll_remove(s, w->user_data());
    io_uring_sqe_set_data64(s, 0);
    w->cancel_pending = true;
  }

  io_uring ring_{};
  int event_fd_ = -1;
  std::vector<Cqe> batch_;
  std::vector<FdWatch*> graveyard_;
  std::vector<FdWatch*> cancelling_;  // removed while a poll was armed: freed at its CQE
};

}  // namespace cofs

// Found by core through its weak reference (src/link_hooks.hpp), when cofs::uring is linked.
extern "C" COFS_API cofs::Reactor* cofs_make_uring_reactor(unsigned entries) {
  return new cofs::UringReactor(entries);
}
