// The epoll reactor: for kernels or sandboxes (seccomp) where io_uring cannot be set up.
// Level-triggered, like the io_uring reactor's re-armed polls.
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <vector>

#include "reactor.hpp"

namespace cofs {

class EpollReactor final : public Reactor {
 public:
  EpollReactor() : epfd_(epoll_create1(EPOLL_CLOEXEC)) {
    if (epfd_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
  }
  ~EpollReactor() override {
    for (FdWatch* w : graveyard_) delete w;
    close(epfd_);
  }

  const char* name() const noexcept override { return "epoll"; }

  void add(FdWatch* w) override { ctl(EPOLL_CTL_ADD, w); }
  void modify(FdWatch* w) override { ctl(EPOLL_CTL_MOD, w); }
  void remove(FdWatch* w) noexcept override {
    // on_ready is kept: remove() is often called from inside it, and destroying a callable while
    // it runs frees the captures it is still using. The graveyard frees it after the dispatch.
    w->removed = true;
    epoll_ctl(epfd_, EPOLL_CTL_DEL, w->fd, nullptr);  // fails harmlessly if fd was closed
    graveyard_.push_back(w);                          // events of this batch may still point at it
  }

  void poll(bool block) override {
    // The buffer is taken out for this call: a dispatch that destroys the loop stops it to its
    // end, which polls again inside this poll (it then gets a buffer of its own).
    ++poll_depth_;
    std::vector<epoll_event> events;
    events.swap(events_);
    if (events.empty()) events.resize(256);
    int n;
    do {
      n = epoll_wait(epfd_, events.data(), static_cast<int>(events.size()), block ? -1 : 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      int err = errno;
      events_.swap(events);
      --poll_depth_;
      throw std::system_error(err, std::generic_category(), "epoll_wait");
    }
    for (int i = 0; i < n; ++i) {
      auto* w = static_cast<FdWatch*>(events[i].data.ptr);
      if (!w->removed && w->on_ready) w->on_ready(events[i].events);
      if (abandoned_) return;
    }
    events_.swap(events);
    if (--poll_depth_ > 0) return;
    for (FdWatch* w : graveyard_) delete w;
    graveyard_.clear();
  }

  int pollable_fd() override { return epfd_; }

 private:
  void ctl(int op, FdWatch* w) {
    epoll_event ev{};
    ev.events = w->events;
    ev.data.ptr = w;
    if (epoll_ctl(epfd_, op, w->fd, &ev) < 0)
      throw std::system_error(errno, std::generic_category(), "epoll_ctl");
  }

  int epfd_;
  std::vector<epoll_event> events_;
  std::vector<FdWatch*> graveyard_;
};

std::unique_ptr<Reactor> make_epoll_reactor() {
  return std::make_unique<EpollReactor>();
}

}  // namespace cofs
