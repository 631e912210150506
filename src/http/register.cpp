// Registers the HTTP backend with the registry; core calls this when cofs::http is linked
// (src/link_hooks.hpp).
#include "cofs/export.hpp"
#include "cofs/fs/registry.hpp"
#include "cofs/http/http_fs.hpp"

extern "C" COFS_API void cofs_register_http_backend() {
  cofs::register_filesystem("http", &cofs::HTTPFileSystem::from_options);
  cofs::register_filesystem("https", &cofs::HTTPFileSystem::from_options);
}
