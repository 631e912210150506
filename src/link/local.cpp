// Compiled into every program that links cofs::local (the target's INTERFACE_SOURCES): a reference,
// from the program's own object, to the one function of cofs::local that core finds by a weak
// reference (src/link_hooks.hpp). Nothing else in the program references it: without this the
// linker would leave the defining object out of a static libcofs_local.a, and drop a shared
// libcofs_local.so under --as-needed.
extern "C" __attribute__((visibility("default"))) void cofs_register_local_backend();

namespace {
[[gnu::used]] void (*const cofs_local_anchor)() = &cofs_register_local_backend;
}  // namespace
