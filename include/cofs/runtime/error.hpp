// Exceptions of cofs. All derive from std::system_error (through cofs::Error), so callers may
// test `e.code() == std::errc::no_such_file_or_directory` or catch a named type. Every message
// names the operation and its subject (a path, a URL, a loop): "cat_file /a/b: No such file ...".
#pragma once

#include <exception>
#include <string>
#include <string_view>
#include <system_error>

#include "cofs/export.hpp"

namespace cofs {

class COFS_API Error : public std::system_error {
 public:
  Error(std::error_code code, std::string_view operation, std::string_view path,
        std::string_view detail = {});

  const std::string& operation() const noexcept { return operation_; }
  const std::string& path() const noexcept { return path_; }

 private:
  std::string operation_;
  std::string path_;
};

#define COFS_DEFINE_ERROR(Name)                                                            \
  class COFS_API Name : public Error {                                                     \
   public:                                                                                 \
    using Error::Error;                                                                    \
    Name(std::string_view operation, std::string_view path, std::string_view detail = {}); \
  };

COFS_DEFINE_ERROR(TimeoutError)          // ETIMEDOUT
COFS_DEFINE_ERROR(OperationCancelled)    // ECANCELED: a stop was requested
COFS_DEFINE_ERROR(InvalidArgumentError)  // EINVAL: bad input from the caller
COFS_DEFINE_ERROR(NotSupportedError)     // ENOTSUP: the backend cannot do this
COFS_DEFINE_ERROR(LoopStoppedError)      // ESHUTDOWN: the IoLoop is stopped or stopping

/// Throws the named exception type matching `code` (FileNotFoundError for ENOENT, ...), or a
/// plain cofs::Error for codes without a named type.
[[noreturn]] COFS_API void throw_error(std::error_code code, std::string_view operation,
                                       std::string_view path, std::string_view detail = {});
[[noreturn]] inline void throw_errno(int err, std::string_view operation, std::string_view path,
                                     std::string_view detail = {}) {
  throw_error(std::error_code(err, std::generic_category()), operation, path, detail);
}
[[noreturn]] inline void throw_error(std::errc code, std::string_view operation,
                                     std::string_view path, std::string_view detail = {}) {
  throw_error(std::make_error_code(code), operation, path, detail);
}

/// The exception `throw_error` would throw, as an exception_ptr (for on_error = return).
COFS_API std::exception_ptr make_error(std::error_code code, std::string_view operation,
                                       std::string_view path, std::string_view detail = {});

/// True when `e` holds a std::system_error whose code equals `condition`.
COFS_API bool error_is(const std::exception_ptr& e, std::errc condition) noexcept;

}  // namespace cofs
