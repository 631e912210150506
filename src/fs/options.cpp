#include "cofs/fs/options.hpp"

#include <charconv>

#include "cofs/runtime/error.hpp"

namespace cofs {

std::optional<std::string> OptionReader::string(std::string_view key) {
  auto it = options_.find(key);
  if (it == options_.end()) return std::nullopt;
  used_[std::string(key)] = true;
  return it->second;
}

std::optional<long long> OptionReader::integer(std::string_view key) {
  auto s = string(key);
  if (!s) return std::nullopt;
  long long v = 0;
  auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  if (ec != std::errc() || end != s->data() + s->size())
    throw InvalidArgumentError(std::string(protocol_) + " options", key,
                               "not an integer: '" + *s + "'");
  return v;
}

std::optional<bool> OptionReader::boolean(std::string_view key) {
  auto s = string(key);
  if (!s) return std::nullopt;
  if (*s == "1" || *s == "true" || *s == "yes" || *s == "on") return true;
  if (*s == "0" || *s == "false" || *s == "no" || *s == "off") return false;
  throw InvalidArgumentError(std::string(protocol_) + " options", key,
                             "not a boolean (true/false): '" + *s + "'");
}

std::optional<std::chrono::milliseconds> OptionReader::duration(std::string_view key) {
  auto s = string(key);
  if (!s) return std::nullopt;
  double v = 0;
  auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  std::string_view unit(end, s->data() + s->size() - end);
  double ms = 0;
  if (ec != std::errc() || v < 0) {
    ms = -1;
  } else if (unit.empty() || unit == "s") {
    ms = v * 1000;
  } else if (unit == "ms") {
    ms = v;
  } else {
    ms = -1;
  }
  if (ms < 0)
    throw InvalidArgumentError(std::string(protocol_) + " options", key,
                               "not a duration (e.g. 2.5, 2s, 500ms): '" + *s + "'");
  return std::chrono::milliseconds(static_cast<long long>(ms));
}

void OptionReader::finish() const {
  std::string unknown;
  for (const auto& [k, v] : options_) {
    if (used_.count(k) == 0) unknown += (unknown.empty() ? "" : ", ") + k;
  }
  if (!unknown.empty())
    throw InvalidArgumentError(std::string(protocol_) + " options", unknown,
                               "unknown option(s) for this filesystem");
}

}  // namespace cofs
