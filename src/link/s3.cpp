// Compiled into every program that links cofs::s3 (the target's INTERFACE_SOURCES): a reference,
// from the program's own object, to the one function of cofs::s3 that core finds by a weak
// reference (src/link_hooks.hpp), so that the linker keeps the library (see src/link/http.cpp).
extern "C" __attribute__((visibility("default"))) void cofs_register_s3_backend();

namespace {
[[gnu::used]] void (*const cofs_s3_anchor)() = &cofs_register_s3_backend;
}  // namespace
