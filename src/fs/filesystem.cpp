// The core of FileSystem: construction and settings, and the public async_X methods in front of
// each backend's do_X (protocol stripped, arguments checked). What is built on the core lives
// beside it: default_core.cpp (the optional core's defaults), probes.cpp (exists, isdir ...),
// ranged_reads.cpp, bulk.cpp, tree_walk.cpp, transfers.cpp, transaction.cpp.
#include "cofs/fs/filesystem.hpp"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>

#include "cofs/fs/path.hpp"

namespace cofs {

namespace {
/// A task that throws `e` when awaited: for the checks of the methods that are not coroutines
/// themselves, whose errors must still come from the task, not from the call.
template <class T>
Task<T> failed(std::exception_ptr e) {
  std::rethrow_exception(e);
  co_return T{};
}
}  // namespace

FileSystem::FileSystem(std::shared_ptr<IoLoop> loop)
    : loop_(loop ? std::move(loop) : default_loop()) {}

FileSystem::~FileSystem() = default;

std::string FileSystem::strip_protocol(std::string_view p) const {
  std::string s = path::strip_protocol(p, {protocol()});
  return path::normalize(s);
}

std::string FileSystem::unstrip_protocol(std::string_view p) const {
  if (path::protocol_of(p)) return std::string(p);
  return std::string(protocol()) + "://" + std::string(p);
}

void FileSystem::set_batch_size(std::optional<BatchSize> value) {
  if (value) resolve_batch_size("set_batch_size", false, value);  // validates
  batch_size_ = value;
}

BatchSize FileSystem::resolve_batch(std::string_view operation,
                                    const std::optional<BatchSize>& call_value,
                                    bool local_files) const {
  return resolve_batch_size(operation, local_files, call_value, batch_size_,
                            default_batch_cap(local_files));
}

std::pair<std::uint64_t, std::uint64_t> FileSystem::resolve_range(std::string_view op,
                                                                  std::string_view p,
                                                                  std::optional<std::int64_t> start,
                                                                  std::optional<std::int64_t> end,
                                                                  std::uint64_t size) {
  // As Python's slicing and pread: negatives count from the end, and what lies past the end is
  // not there (a start at or past it reads nothing). Only a range that ends before it starts,
  // once negatives are resolved, is an error.
  const auto sz = static_cast<std::int64_t>(size);
  std::int64_t s = start.value_or(0);
  if (s < 0) s = std::max<std::int64_t>(0, sz + s);
  std::int64_t e = end.value_or(std::max(s, sz));
  if (e < 0) e = std::max<std::int64_t>(0, sz + e);
  if (e < s)
    throw InvalidArgumentError(
        op, p,
        "reversed range: end " + std::to_string(e) + " is before start " + std::to_string(s));
  s = std::min(s, sz);
  e = std::min(e, sz);
  return {static_cast<std::uint64_t>(s), static_cast<std::uint64_t>(e)};
}

// ---- core --------------------------------------------------------------------------------------

Task<std::vector<FileInfo>> FileSystem::async_ls(std::string p) {
  co_return co_await do_ls(strip_protocol_moved(std::move(p)));
}

Task<std::vector<std::string>> FileSystem::async_ls_names(std::string p) {
  std::vector<FileInfo> infos = co_await do_ls(strip_protocol(p));
  std::vector<std::string> names;
  names.reserve(infos.size());
  for (auto& i : infos) names.push_back(std::move(i.name));
  co_return names;
}

Task<FileInfo> FileSystem::async_info(std::string p) {
  co_return co_await do_info(strip_protocol_moved(std::move(p)));
}

Task<std::optional<FileInfo>> FileSystem::async_try_info(std::string p) {
  co_return co_await do_try_info(strip_protocol_moved(std::move(p)));
}

// Not a coroutine: the backend's task is returned as it is, one frame fewer per file of a bulk cat.
Task<Bytes> FileSystem::async_cat_file(std::string p, std::optional<std::int64_t> start,
                                       std::optional<std::int64_t> end) {
  try {
    std::string s = strip_protocol_moved(std::move(p));
    if (start && end && *start >= 0 && *end >= 0 && *end < *start)
      throw InvalidArgumentError("cat_file", s,
                                 "reversed range: end " + std::to_string(*end) +
                                     " is before start " + std::to_string(*start));
    return do_cat_file(std::move(s), start, end);
  } catch (...) {
    return failed<Bytes>(std::current_exception());
  }
}

Task<void> FileSystem::async_pipe_file(std::string p, Bytes data, PipeMode mode) {
  std::string s = strip_protocol_moved(std::move(p));
  if (!capabilities().write)
    throw NotSupportedError("pipe_file", s, "this filesystem is read-only");
  if (mode == PipeMode::create) {
    // (Not in a && operand: GCC 12 mis-compiles a co_await there.)
    std::optional<FileInfo> present = co_await do_try_info(s);
    if (present) throw FileExistsError("pipe_file", s, "mode create: the file exists");
  }
  co_await do_pipe_file(std::move(s), std::move(data));
}

Task<void> FileSystem::async_rm_file(std::string p) {
  co_await do_rm_file(strip_protocol_moved(std::move(p)));
}

Task<void> FileSystem::async_mkdir(std::string p, bool create_parents) {
  co_await do_mkdir(strip_protocol(p), create_parents);
}

Task<void> FileSystem::async_makedirs(std::string p, bool exist_ok) {
  co_await do_makedirs(strip_protocol(p), exist_ok);
}

Task<void> FileSystem::async_rmdir(std::string p) {
  co_await do_rmdir(strip_protocol(p));
}

Task<void> FileSystem::async_cp_file(std::string src, std::string dst) {
  co_await do_cp_file(strip_protocol(src), strip_protocol(dst));
}

Task<void> FileSystem::async_mv_file(std::string src, std::string dst) {
  std::string s = strip_protocol(src), d = strip_protocol(dst);
  if (s == d) throw InvalidArgumentError("mv", s, "source and destination are the same path");
  co_await do_mv_file(std::move(s), std::move(d));
}

Task<void> FileSystem::async_touch(std::string p, bool truncate) {
  co_await do_touch(strip_protocol(p), truncate);
}

Task<void> FileSystem::async_get_file(std::string rpath, std::string lpath, Callback* cb) {
  co_await do_get_file(strip_protocol(rpath), std::move(lpath), cb);
}

Task<void> FileSystem::async_put_file(std::string lpath, std::string rpath, Callback* cb) {
  co_await do_put_file(std::move(lpath), strip_protocol(rpath), cb);
}

Task<std::unique_ptr<AsyncFile>> FileSystem::async_open(std::string p, std::string mode,
                                                        OpenOptions options) {
  std::string s = strip_protocol_moved(std::move(p));
  OpenMode m = OpenMode::parse(mode, s);
  if (m.write && !capabilities().write)
    throw NotSupportedError("open", s, "this filesystem is read-only (mode '" + mode + "')");
  if (m.write && m.read && !capabilities().read_write_modes)
    throw NotSupportedError("open", s, "mode '" + mode + "' is not supported by this filesystem");
  co_return co_await do_open(std::move(s), std::move(m), options);
}

Task<FileInfo::TimePoint> FileSystem::async_modified(std::string p) {
  FileInfo i = co_await async_info(std::move(p));
  if (!i.mtime) throw NotSupportedError("modified", i.name, "no modification time is known");
  co_return *i.mtime;
}

Task<FileInfo::TimePoint> FileSystem::async_created(std::string p) {
  FileInfo i = co_await async_info(std::move(p));
  if (!i.created) throw NotSupportedError("created", i.name, "no creation time is known");
  co_return *i.created;
}

Task<std::string> FileSystem::async_checksum(std::string p) {
  co_return co_await do_checksum(strip_protocol_moved(std::move(p)));
}

std::string FileSystem::subject_of(std::string_view first, std::size_t count) {
  if (count == 0) return "(no paths)";
  std::string s(first);
  if (count > 1) s += " (and " + std::to_string(count - 1) + " more)";
  return s;
}

}  // namespace cofs
