// Registers the local backend with the registry; core calls this when cofs::local is linked
// (src/link_hooks.hpp).
#include "cofs/export.hpp"
#include "cofs/fs/registry.hpp"
#include "cofs/local/local_fs.hpp"

extern "C" COFS_API void cofs_register_local_backend() {
  cofs::register_filesystem("file", &cofs::LocalFileSystem::from_options);
  cofs::register_filesystem("local", &cofs::LocalFileSystem::from_options);
}
