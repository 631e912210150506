#include "cofs/runtime/config.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <mutex>
#include <string>

#include "cofs/runtime/error.hpp"
#include "runtime/fork_locks.hpp"

namespace cofs {
namespace {

struct Settings {
  std::mutex mutex;
  std::optional<BatchSize> gather;
  std::optional<BatchSize> nofiles;
};
Settings& settings() {
  static Settings s;
  static const bool fork_safe = [] {
    detail::register_fork_lock(detail::ForkLockRank::config,
                               {+[]() noexcept { settings().mutex.lock(); },
                                +[]() noexcept { settings().mutex.unlock(); }});
    return true;
  }();
  (void)fork_safe;
  return s;
}

std::optional<BatchSize>& slot(Settings& s, std::string_view key) {
  if (key == "gather_batch_size") return s.gather;
  if (key == "nofiles_gather_batch_size") return s.nofiles;
  throw InvalidArgumentError("config", key,
                             "unknown key: use gather_batch_size or nofiles_gather_batch_size");
}

void validate(std::string_view operation, std::string_view source, BatchSize v) {
  if (v == 0 || v < -1) {
    throw InvalidArgumentError(
        operation, source,
        "batch_size must be a positive number or -1 for no limit, not " + std::to_string(v));
  }
}

std::optional<BatchSize> from_env(std::string_view operation, const char* name) {
  const char* env = std::getenv(name);
  if (env == nullptr || *env == '\0') return std::nullopt;
  std::string_view s(env);
  BatchSize v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) {
    throw InvalidArgumentError(operation, name, "not an integer: '" + std::string(s) + "'");
  }
  validate(operation, name, v);
  return v;
}

}  // namespace

namespace config {

void set(std::string_view key, std::optional<BatchSize> value) {
  if (value) validate("config::set", key, *value);
  Settings& s = settings();
  std::lock_guard lock(s.mutex);
  slot(s, key) = value;
}

std::optional<BatchSize> get(std::string_view key) {
  Settings& s = settings();
  std::lock_guard lock(s.mutex);
  return slot(s, key);
}

BatchSize default_batch_size(bool opens_local_files) {
  constexpr BatchSize kNoFiles = 1280;
  constexpr BatchSize kFilesCap = 1024;
  if (!opens_local_files) return kNoFiles;
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return kFilesCap;
  return std::clamp<BatchSize>(static_cast<BatchSize>(rl.rlim_cur / 8), 1, kFilesCap);
}

}  // namespace config

BatchSize resolve_batch_size(std::string_view operation, bool opens_local_files,
                             std::optional<BatchSize> call_value,
                             std::optional<BatchSize> filesystem_value,
                             std::optional<BatchSize> default_cap) {
  if (call_value) {
    validate(operation, "batch_size", *call_value);
    return *call_value;
  }
  if (filesystem_value) {
    validate(operation, "batch_size option", *filesystem_value);
    return *filesystem_value;
  }
  const char* key = opens_local_files ? "gather_batch_size" : "nofiles_gather_batch_size";
  if (auto v = config::get(key)) return *v;
  const char* env = opens_local_files ? "COFS_GATHER_BATCH_SIZE" : "COFS_NOFILES_GATHER_BATCH_SIZE";
  if (auto v = from_env(operation, env)) return *v;
  BatchSize builtin = config::default_batch_size(opens_local_files);
  return default_cap && *default_cap > 0 ? std::min(builtin, *default_cap) : builtin;
}

}  // namespace cofs
