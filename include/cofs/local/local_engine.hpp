// LocalEngine: which engine does a LocalFileSystem's IO (see docs/local.md), and its names in
// string options ("engine=uring") and in COFS_LOCAL_ENGINE.
#pragma once

#include <optional>
#include <string_view>

#include "cofs/export.hpp"

namespace cofs {

enum class LocalEngine {
  automatic,  // COFS_LOCAL_ENGINE if set, else the first of uring, aio, threads that starts
  uring,      // io_uring, on the loop's own ring
  aio,        // libaio, its eventfd watched by the loop
  threads,    // blocking syscalls on the loop's thread pool
};

/// "automatic", "uring", "aio" or "threads".
COFS_API const char* to_string(LocalEngine engine) noexcept;
/// The names to_string gives, and "auto", "io_uring", "libaio", "thread"; nullopt otherwise.
COFS_API std::optional<LocalEngine> parse_local_engine(std::string_view name) noexcept;

}  // namespace cofs
