// Core's access to the io_uring reactor, which is in cofs::uring, found through a weak reference
// (src/link_hooks.hpp).
#include "reactor.hpp"

#include "link_hooks.hpp"

namespace cofs {

bool uring_reactor_linked() noexcept {
  return cofs_make_uring_reactor != nullptr;
}

std::unique_ptr<Reactor> make_uring_reactor(unsigned entries) {
  return std::unique_ptr<Reactor>(cofs_make_uring_reactor(entries));
}

}  // namespace cofs
