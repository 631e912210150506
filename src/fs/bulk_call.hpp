// What every bulk method shares: how its BulkOptions become the options of its gather, and the
// one-path overloads that call the list form.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "cofs/fs/filesystem.hpp"
#include "cofs/runtime/gather.hpp"

namespace cofs::detail {

/// The gather of the bulk call `op` over `count` tasks: its batch size resolved by `fs` (see
/// FileSystem::resolve_batch), failures raised or kept by on_error, one progress step of the
/// call's callback per task.
GatherOptions gather_options(const FileSystem& fs, std::string_view op, const BulkOptions& o,
                             std::size_t count, bool local_files);

/// A one-path call as the list its bulk form takes.
inline std::vector<std::string> single(std::string path) {
  std::vector<std::string> one;
  one.push_back(std::move(path));
  return one;
}

}  // namespace cofs::detail
