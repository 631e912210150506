// The backends that come with cofs, registered the first time the registry is used: memory
// always (it is part of core), the others when their library is linked (src/link_hooks.hpp).
#include <fmt/format.h>

#include "cofs/fs/errors.hpp"
#include "cofs/fs/registry.hpp"
#include "cofs/memory/memory_fs.hpp"
#include "link_hooks.hpp"

namespace cofs::detail {

void register_builtin_filesystems() {
  register_filesystem("memory", &MemoryFileSystem::from_options);
  if (cofs_register_local_backend != nullptr) cofs_register_local_backend();
  if (cofs_register_http_backend != nullptr) cofs_register_http_backend();
  if (cofs_register_s3_backend != nullptr) cofs_register_s3_backend();
}

const char* unlinked_builtin(std::string_view protocol) noexcept {
  if ((protocol == "file" || protocol == "local") && cofs_register_local_backend == nullptr)
    return "the local backend (cofs::local)";
  if ((protocol == "http" || protocol == "https") && cofs_register_http_backend == nullptr)
    return "the HTTP backend (cofs::http)";
  if ((protocol == "s3" || protocol == "s3a") && cofs_register_s3_backend == nullptr)
    return "the S3 backend (cofs::s3)";
  return nullptr;
}

std::shared_ptr<FileSystem> local_files(const std::shared_ptr<IoLoop>& loop,
                                        std::string_view operation, std::string_view path) {
  if (const char* library = unlinked_builtin("file"))
    throw NotSupportedError(operation, path,
                            fmt::format("{} is not linked into this program", library));
  return filesystem("file", {}, loop);
}

}  // namespace cofs::detail
