#include "cofs/fs/errors.hpp"

#include <cerrno>
#include <iterator>
#include <string>

#include <fmt/format.h>

namespace cofs {
namespace {

// "<operation> <path> (<detail>)", without the parts that are empty.
std::string describe(std::string_view operation, std::string_view path, std::string_view detail) {
  fmt::memory_buffer what;
  fmt::format_to(std::back_inserter(what), "{}", operation);
  if (!path.empty()) fmt::format_to(std::back_inserter(what), " {}", path);
  if (!detail.empty()) fmt::format_to(std::back_inserter(what), " ({})", detail);
  return fmt::to_string(what);
}

std::error_code generic(int err) {
  return {err, std::generic_category()};
}

template <class E>
[[noreturn]] void raise(std::error_code code, std::string_view op, std::string_view path,
                        std::string_view detail) {
  throw E(code, op, path, detail);
}

}  // namespace

Error::Error(std::error_code code, std::string_view operation, std::string_view path,
             std::string_view detail)
    : std::system_error(code, describe(operation, path, detail)),
      operation_(operation),
      path_(path) {}

#define COFS_ERROR_CTOR(Name, err)                                                       \
  Name::Name(std::string_view operation, std::string_view path, std::string_view detail) \
      : Error(generic(err), operation, path, detail) {}

COFS_ERROR_CTOR(TimeoutError, ETIMEDOUT)
COFS_ERROR_CTOR(OperationCancelled, ECANCELED)
COFS_ERROR_CTOR(InvalidArgumentError, EINVAL)
COFS_ERROR_CTOR(NotSupportedError, ENOTSUP)
COFS_ERROR_CTOR(LoopStoppedError, ESHUTDOWN)
COFS_ERROR_CTOR(FileNotFoundError, ENOENT)
COFS_ERROR_CTOR(FileExistsError, EEXIST)
COFS_ERROR_CTOR(IsADirectoryError, EISDIR)
COFS_ERROR_CTOR(NotADirectoryError, ENOTDIR)
COFS_ERROR_CTOR(DirectoryNotEmptyError, ENOTEMPTY)
COFS_ERROR_CTOR(PermissionError, EACCES)
#undef COFS_ERROR_CTOR

namespace {
std::string http_detail(int status, std::string_view detail) {
  if (detail.empty()) return fmt::format("HTTP status {}", status);
  return fmt::format("HTTP status {}: {}", status, detail);
}
}  // namespace

HTTPError::HTTPError(int status, std::string_view operation, std::string_view url,
                     std::string_view detail)
    : Error(generic(EIO), operation, url, http_detail(status, detail)), status_(status) {}

void throw_error(std::error_code code, std::string_view op, std::string_view path,
                 std::string_view detail) {
  if (code.category() == std::generic_category() || code.category() == std::system_category()) {
    switch (code.value()) {
      case ENOENT:
        raise<FileNotFoundError>(code, op, path, detail);
      case EEXIST:
        raise<FileExistsError>(code, op, path, detail);
      case EISDIR:
        raise<IsADirectoryError>(code, op, path, detail);
      case ENOTDIR:
        raise<NotADirectoryError>(code, op, path, detail);
      case ENOTEMPTY:
        raise<DirectoryNotEmptyError>(code, op, path, detail);
      case EACCES:
      case EPERM:
        raise<PermissionError>(code, op, path, detail);
      case ETIMEDOUT:
        raise<TimeoutError>(code, op, path, detail);
      case ECANCELED:
        raise<OperationCancelled>(code, op, path, detail);
      case EINVAL:
        raise<InvalidArgumentError>(code, op, path, detail);
      case ENOTSUP:
        raise<NotSupportedError>(code, op, path, detail);
      case ESHUTDOWN:
        raise<LoopStoppedError>(code, op, path, detail);
      default:
        break;
    }
  }
  throw Error(code, op, path, detail);
}

std::exception_ptr make_error(std::error_code code, std::string_view op, std::string_view path,
                              std::string_view detail) {
  try {
    throw_error(code, op, path, detail);
  } catch (...) {
    return std::current_exception();
  }
}

bool error_is(const std::exception_ptr& e, std::errc condition) noexcept {
  if (!e) return false;
  try {
    std::rethrow_exception(e);
  } catch (const std::system_error& se) {
    return se.code() == condition;
  } catch (...) {
    return false;
  }
}

}  // namespace cofs
