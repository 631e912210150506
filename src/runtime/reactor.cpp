// The reactor interface's parts that core must have whichever reactors are linked: the io_uring
// reactor itself is in cofs::uring, found through a weak reference (src/link_hooks.hpp).
#include "reactor.hpp"

#include "link_hooks.hpp"

namespace cofs {

void FdWatch::on_cqe(int res, std::uint32_t) noexcept {
  owner->on_poll_cqe(this, res);
}

bool uring_reactor_linked() noexcept {
  return cofs_make_uring_reactor != nullptr;
}

std::unique_ptr<Reactor> make_uring_reactor(unsigned entries) {
  return std::unique_ptr<Reactor>(cofs_make_uring_reactor(entries));
}

}  // namespace cofs
