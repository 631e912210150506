// expand_path with what its walks learnt of each path, for the bulk calls built on it (cat, rm,
// get, put, copy), which then need not ask again whether a path is a directory or a link.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cofs/fs/filesystem.hpp"

namespace cofs::detail {

/// One path expand_path found; `is_dir` known when a walk or a lookup found it.
struct Expanded {
  std::string path;
  std::optional<bool> is_dir;
  bool islink = false;  // a symbolic link (its is_dir: its target's)
};
/// What expand_path found: sorted by path, each path once.
using Expansion = std::vector<Expanded>;

/// Whether `p` names something as written (a path with glob characters is then that path);
/// other failures than its absence (a network error) are thrown.
Task<bool> exists_as_written(FileSystem& fs, std::string p);

/// Globs and, with `recursive`, directories expanded. A path that exists as written is that
/// path even when it holds glob characters (only such paths cost a lookup). Walks go through
/// links as `follow` says and treat unlistable directories as `on_error` says. The lookups of
/// several paths run concurrently, `batch` (else the filesystem's batch size) at a time.
Task<Expansion> expand_with_info(FileSystem& fs, std::vector<std::string> paths, bool recursive,
                                 std::optional<int> maxdepth, FollowLinks follow, OnError on_error,
                                 std::optional<BatchSize> batch = std::nullopt);

}  // namespace cofs::detail
