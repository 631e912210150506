// The backends built into libcofs, registered the first time the registry is used. Each backend
// adds its line here.
#include "cofs/fs/registry.hpp"
#include "cofs/http/http_fs.hpp"
#include "cofs/local/local_fs.hpp"
#include "cofs/memory/memory_fs.hpp"

namespace cofs::detail {

void register_builtin_filesystems() {
  register_filesystem("memory", &MemoryFileSystem::from_options);
  register_filesystem("file", &LocalFileSystem::from_options);
  register_filesystem("local", &LocalFileSystem::from_options);
  register_filesystem("http", &HTTPFileSystem::from_options);
  register_filesystem("https", &HTTPFileSystem::from_options);
}

}  // namespace cofs::detail
