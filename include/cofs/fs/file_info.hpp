// FileInfo: what `ls` and `info` say of one entry, the same fields for every backend; what a
// backend knows beyond them (an HTTP ETag, a mimetype) goes in `extra`.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "cofs/export.hpp"

namespace cofs {

enum class FileType { file, directory, other };

COFS_API const char* to_string(FileType t) noexcept;

struct COFS_API FileInfo {
  using TimePoint = std::chrono::system_clock::time_point;

  std::string name;  // the full path (or URL) of the entry, without a trailing slash
  FileType type = FileType::file;
  std::uint64_t size = 0;  // for links: the target's size; 0 when not size_known
  /// False where the backend could not learn the size: an HTTP server that sends neither a
  /// Content-Length nor a Content-Range, a listed URL not asked (ls_sizes off) or that would not
  /// answer. A plain flag beside `size`, not an optional size, because every other backend always
  /// knows it and `size` stays a number for them (du, sizes, sorting).
  bool size_known = true;
  std::optional<TimePoint> mtime;
  std::optional<TimePoint> created;
  std::optional<std::uint32_t> mode;  // st_mode, type bits included
  std::optional<std::uint32_t> uid;
  std::optional<std::uint32_t> gid;
  std::optional<std::uint64_t> ino;
  std::optional<std::uint64_t> dev;  // the device holding the entry (local files)
  std::optional<std::uint64_t> nlink;
  /// A symbolic link: `type` and `size` are its target's (other when the link dangles), the
  /// other fields the link's own.
  bool islink = false;
  std::optional<std::string> destination;  // a link's target
  std::map<std::string, std::string> extra;

  bool is_file() const noexcept { return type == FileType::file; }
  bool is_dir() const noexcept { return type == FileType::directory; }
};

/// A file whatever it is called: its device and inode.
struct COFS_API FileId {
  std::uint64_t dev = 0;
  std::uint64_t ino = 0;
  auto operator<=>(const FileId&) const = default;
};

}  // namespace cofs
