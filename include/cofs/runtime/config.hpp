// Process-wide configuration of cofs. The gather batch sizes resolve, lowest precedence first:
// built-in defaults, the environment (COFS_GATHER_BATCH_SIZE, COFS_NOFILES_GATHER_BATCH_SIZE),
// values set here in code, a filesystem's own batch_size option, a call's batch_size argument.
#pragma once

#include <optional>
#include <string_view>

#include "cofs/export.hpp"

namespace cofs {

/// -1 means "no limit". 0 and values below -1 are refused.
using BatchSize = long;

namespace config {

/// Keys: "gather_batch_size" (operations that open local files) and
/// "nofiles_gather_batch_size" (operations that do not). std::nullopt clears a value set in code.
COFS_API void set(std::string_view key, std::optional<BatchSize> value);
COFS_API std::optional<BatchSize> get(std::string_view key);

/// The built-in default: 1280 without local files; with them, RLIMIT_NOFILE's soft limit / 8,
/// at least 1 and at most 1024 (an unlimited soft limit gives 1024).
COFS_API BatchSize default_batch_size(bool opens_local_files);

}  // namespace config

/// Resolves the batch size of one bulk call by the precedence above. `default_cap` lowers the
/// built-in default to what the filesystem's IO can use at once (no other level). Throws
/// InvalidArgumentError (naming `operation`) for 0, values below -1, and unparsable environment
/// values.
COFS_API BatchSize resolve_batch_size(std::string_view operation, bool opens_local_files,
                                      std::optional<BatchSize> call_value,
                                      std::optional<BatchSize> filesystem_value = std::nullopt,
                                      std::optional<BatchSize> default_cap = std::nullopt);

}  // namespace cofs
