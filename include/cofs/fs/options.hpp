// Options of the bulk methods and of filesystems. A filesystem made by name (filesystem(),
// url_to_fs()) takes its options as strings; each backend parses the keys it knows and refuses the
// others, naming them.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "cofs/export.hpp"
#include "cofs/runtime/config.hpp"

namespace cofs {

class Callback;

/// What a bulk method does with a path that fails: raise the first error, omit the path from the
/// result, or return the error in the path's entry.
enum class OnError { raise, omit, return_ };

/// Options shared by the bulk methods (cat, cat_ranges, pipe, get, put, copy, mv, rm, sizes).
struct COFS_API BulkOptions {
  bool recursive = false;
  std::optional<int> maxdepth;  // with recursive: how deep to descend (1: the path's children)
  OnError on_error = OnError::raise;
  std::optional<BatchSize> batch_size;  // overrides the filesystem's and the configured default
  Callback* callback = nullptr;         // progress, with a child per file for transfers
};

/// Which symbolic links to directories a walk goes through (find(1)'s -P, -H and -L).
enum class FollowLinks {
  none,   // none, not even the starting path: every link is an entry (rm's recursion)
  start,  // the starting path when it is a link, none below it (fsspec's find; find -H)
  all,    // every link; each directory is listed once, known by its device and inode
};

/// Options of find, walk, glob and du.
struct COFS_API FindOptions {
  std::optional<int> maxdepth;
  bool withdirs = false;  // include directories in the result
  std::optional<BatchSize> batch_size;
  /// A link that is not followed is listed as an entry, like a file (its FileInfo says islink,
  /// and its target's type).
  FollowLinks follow_links = FollowLinks::start;
  /// A directory below the starting path that cannot be listed (no permission, removed
  /// meanwhile): omit leaves its contents out, as fsspec's walk does (the directory is still
  /// an entry of its parent); raise fails the call with its error. return_ is refused: a walk
  /// has no per-path results to return errors in.
  OnError on_error = OnError::omit;
  /// With omit: called with each failure left out (fsspec's callable on_error), on the
  /// filesystem's loop thread, before the call returns.
  std::function<void(std::exception_ptr)> on_error_call;
};

/// Options of walk: find's, and the order of the levels.
struct COFS_API WalkOptions {
  std::optional<int> maxdepth;  // 1: the starting directory only
  /// Each directory before its subdirectories (os.walk's and fsspec's topdown=True); false:
  /// after them (bottom-up).
  bool topdown = true;
  std::optional<BatchSize> batch_size;
  FollowLinks follow_links = FollowLinks::start;
  OnError on_error = OnError::omit;  // as FindOptions::on_error
  std::function<void(std::exception_ptr)> on_error_call;
};

/// String options of a filesystem made by name, e.g. {{"engine", "uring"}, {"batch_size", "64"}}.
using Options = std::map<std::string, std::string, std::less<>>;

/// Reads typed values out of Options, remembering which keys were used, so that a backend can
/// refuse the keys nobody read (a misspelt option is an error, not silently ignored).
class COFS_API OptionReader {
 public:
  OptionReader(std::string_view protocol, const Options& options)
      : protocol_(protocol), options_(options) {}

  std::optional<std::string> string(std::string_view key);
  std::optional<long long> integer(std::string_view key);
  std::optional<bool> boolean(std::string_view key);
  std::optional<std::chrono::milliseconds> duration(std::string_view key);  // "1500ms", "2s", "3"
  /// Throws InvalidArgumentError naming every key that was not read.
  void finish() const;

 private:
  std::string_view protocol_;
  const Options& options_;
  std::map<std::string, bool, std::less<>> used_;
};

}  // namespace cofs
