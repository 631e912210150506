// The optional libraries of cofs, as core sees them: one function of each, referenced weakly, so
// that in a program that does not link the library the reference is null instead of a link
// error. Every program that links the library compiles src/link/<name>.cpp (the target's
// INTERFACE_SOURCES), a reference to that function from its own object, so that the linker keeps
// it (a static archive's member, or a shared library under --as-needed, that nothing references
// is left out); a shared library resolves core's reference when it is loaded. Nothing runs at
// static initialisation. Default visibility: the reference must reach across shared objects.
#pragma once

#include <memory>
#include <string_view>

namespace cofs {
class FileSystem;
class IoLoop;
class Reactor;

namespace detail {
/// "the local backend (cofs::local)" for "file" when cofs::local is not linked (and the like for
/// the other built-in protocols); null when the protocol is not a built-in one or is linked.
const char* unlinked_builtin(std::string_view protocol) noexcept;

/// filesystem("file") for `operation` on `path` (get, put and the like, which read or write
/// local files from any filesystem): throws NotSupportedError naming them when cofs::local is
/// not linked into the program.
std::shared_ptr<FileSystem> local_files(const std::shared_ptr<IoLoop>& loop,
                                        std::string_view operation, std::string_view path);
}  // namespace detail
}  // namespace cofs

#define COFS_WEAK_HOOK __attribute__((weak, visibility("default")))

extern "C" {
/// cofs::local (src/local/register.cpp): registers "file" and "local".
COFS_WEAK_HOOK void cofs_register_local_backend();
/// cofs::http (src/http/register.cpp): registers "http" and "https".
COFS_WEAK_HOOK void cofs_register_http_backend();
/// cofs::s3 (src/s3/register.cpp): registers "s3" and "s3a".
COFS_WEAK_HOOK void cofs_register_s3_backend();
/// cofs::uring (src/runtime/reactor_uring.cpp): a new io_uring reactor; throws std::system_error
/// when the kernel refuses one.
COFS_WEAK_HOOK cofs::Reactor* cofs_make_uring_reactor(unsigned entries);
}
