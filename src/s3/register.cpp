// Registers the S3 backend with the registry; core calls this when cofs::s3 is linked
// (src/link_hooks.hpp).
#include "cofs/export.hpp"
#include "cofs/fs/registry.hpp"
#include "cofs/s3/s3_fs.hpp"

extern "C" COFS_API void cofs_register_s3_backend() {
  cofs::register_filesystem("s3", &cofs::S3FileSystem::from_options);
  cofs::register_filesystem("s3a", &cofs::S3FileSystem::from_options);
}
