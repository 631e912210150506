// The reactor behind an IoLoop: waits for file-descriptor readiness (and, on io_uring, for the
// completions of anything submitted on the ring) and dispatches them. Internal to the library.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "cofs/backend/loop.hpp"
#include "cofs/runtime/io_loop.hpp"
#include "uring_completion.hpp"

namespace cofs {

class FdWatch final : public UringCompletion {
 public:
  FdWatch(int fd_, std::uint32_t events_, std::function<void(std::uint32_t)> cb)
      : fd(fd_), events(events_), on_ready(std::move(cb)) {}

  int fd;
  std::uint32_t events;  // wanted: EPOLLIN / EPOLLOUT bits (same values as POLLIN / POLLOUT)
  std::function<void(std::uint32_t)> on_ready;

  // io_uring reactor state: a one-shot POLL_ADD is in flight while `armed`.
  bool removed = false;
  bool armed = false;
  bool cancel_pending = false;
  std::uint32_t armed_events = 0;
  class Reactor* owner = nullptr;

  inline void on_cqe(int res, std::uint32_t flags) noexcept override;  // below Reactor
};

class Reactor {
 public:
  virtual ~Reactor() = default;
  virtual const char* name() const noexcept = 0;
  virtual void add(FdWatch* w) = 0;
  virtual void modify(FdWatch* w) = 0;
  /// Stops dispatching to `w` and takes ownership of it (it may be freed later, once the kernel
  /// has let go of it).
  virtual void remove(FdWatch* w) noexcept = 0;
  /// Waits for readiness / completions (not at all when !block) and dispatches them.
  virtual void poll(bool block) = 0;
  /// A descriptor that polls readable when poll(false) would find something.
  virtual int pollable_fd() = 0;
  /// Hands queued work to the kernel without waiting (before a driver sleeps on pollable_fd()).
  virtual void flush() {}
  virtual io_uring* ring() noexcept { return nullptr; }
  /// The io_uring reactor's poll of `w` completed with `res` (FdWatch::on_cqe).
  virtual void on_poll_cqe(FdWatch* w, int res) noexcept {
    (void)w;
    (void)res;
  }
  /// The loop was destroyed by what a dispatch ran: a poll() in progress returns after that
  /// dispatch without touching anything else (the loop keeps the reactor alive until then).
  void abandon() noexcept { abandoned_ = true; }

 protected:
  bool abandoned_ = false;
  // Polls on the stack: a dispatch that destroys the loop polls again inside the poll (see
  // IoLoop::~IoLoop). Removed watches are freed only by the outermost, as an outer dispatch
  // may still be running one's callback.
  unsigned poll_depth_ = 0;
};

// Inline, so that FdWatch has no key function: its vtable is emitted wherever it is used, in core
// and in cofs::uring alike, and is no symbol a shared libcofs_core must export.
inline void FdWatch::on_cqe(int res, std::uint32_t) noexcept {
  owner->on_poll_cqe(this, res);
}

/// Whether cofs::uring, which has the io_uring reactor, is linked (src/link_hooks.hpp).
bool uring_reactor_linked() noexcept;
/// Needs uring_reactor_linked(). Throws std::system_error when io_uring cannot be set up (ENOSYS,
/// EPERM under seccomp, ...).
std::unique_ptr<Reactor> make_uring_reactor(unsigned entries);
std::unique_ptr<Reactor> make_epoll_reactor();

}  // namespace cofs
