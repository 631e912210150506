// Filesystem exceptions: the named types for the errno values a filesystem reports, and
// HTTPError for statuses without one. The base class and the runtime's errors are in
// runtime/error.hpp; throw_error() picks the named type from the code.
#pragma once

#include "cofs/export.hpp"
#include "cofs/runtime/error.hpp"

namespace cofs {

COFS_DEFINE_ERROR(FileNotFoundError)       // ENOENT
COFS_DEFINE_ERROR(FileExistsError)         // EEXIST
COFS_DEFINE_ERROR(IsADirectoryError)       // EISDIR
COFS_DEFINE_ERROR(NotADirectoryError)      // ENOTDIR
COFS_DEFINE_ERROR(DirectoryNotEmptyError)  // ENOTEMPTY
COFS_DEFINE_ERROR(PermissionError)         // EACCES / EPERM

/// An HTTP status the caller did not expect; 404/410 and 401/403 map to the named types instead.
class COFS_API HTTPError : public Error {
 public:
  HTTPError(int status, std::string_view operation, std::string_view url,
            std::string_view detail = {});
  int status() const noexcept { return status_; }

 private:
  int status_;
};

}  // namespace cofs
