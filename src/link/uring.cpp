// Compiled into every program that links cofs::uring (the target's INTERFACE_SOURCES): a reference,
// from the program's own object, to the one function of cofs::uring that core finds by a weak
// reference (src/link_hooks.hpp). Nothing else in the program references it: without this the
// linker would leave the defining object out of a static libcofs_uring.a, and drop a shared
// libcofs_uring.so under --as-needed.
namespace cofs {
class Reactor;
}

extern "C" __attribute__((visibility("default"))) cofs::Reactor* cofs_make_uring_reactor(
    unsigned entries);

namespace {
[[gnu::used]] cofs::Reactor* (*const cofs_uring_anchor)(unsigned) = &cofs_make_uring_reactor;
}  // namespace
