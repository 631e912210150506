// The FileSystem methods every backend gets: validation and path stripping in front of the core,
// and the bulk methods built on it, each running its sub-operations through gather.
#include "cofs/fs/filesystem.hpp"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <ranges>

#include "cofs/fs/path.hpp"
#include "cofs/fs/registry.hpp"
#include "cofs/runtime/gather.hpp"
#include "fs/expansion.hpp"
#include "fs/transaction_state.hpp"
#include "link_hooks.hpp"

namespace cofs {

using detail::Expanded;
using detail::Expansion;

namespace {
Task<void> done() {
  co_return;
}

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
  const auto sz = static_cast<std::int64_t>(size);
  std::int64_t s = start.value_or(0);
  std::int64_t e = end.value_or(sz);
  if (s < 0) s = std::max<std::int64_t>(0, sz + s);
  if (e < 0) e = std::max<std::int64_t>(0, sz + e);
  if (s > sz)
    throw InvalidArgumentError(op, p,
                               "range starts at " + std::to_string(s) + ", past the end (size " +
                                   std::to_string(size) + ")");
  e = std::min(e, sz);
  if (e < s)
    throw InvalidArgumentError(
        op, p,
        "reversed range: end " + std::to_string(e) + " is before start " + std::to_string(s));
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

Task<void> FileSystem::async_pipe_file(std::string p, Bytes data) {
  std::string s = strip_protocol_moved(std::move(p));
  if (!capabilities().write)
    throw NotSupportedError("pipe_file", s, "this filesystem is read-only");
  auto shared = std::make_shared<Bytes>(std::move(data));
  if (defer([this, s, shared](bool commit) -> Task<void> {
        return commit ? do_pipe_file(s, std::move(*shared)) : done();
      })) {
    co_return;
  }
  co_await do_pipe_file(std::move(s), std::move(*shared));
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

// ---- default implementations of the optional core ---------------------------------------------

Task<void> FileSystem::do_cp_file(std::string src, std::string dst) {
  FileInfo i = co_await do_info(src);
  if (i.is_dir()) throw IsADirectoryError("cp_file", src, "is a directory: use copy(recursive)");
  co_await async_pipe_file(std::move(dst), co_await do_cat_file(src, {}, {}));
}

Task<void> FileSystem::do_mv_file(std::string src, std::string dst) {
  co_await do_cp_file(src, std::move(dst));
  co_await do_rm_file(std::move(src));
}

Task<void> FileSystem::do_makedirs(std::string p, bool exist_ok) {
  bool exists_now = false;
  try {
    FileInfo i = co_await do_info(p);
    if (!i.is_dir()) throw FileExistsError("makedirs", p, "exists and is not a directory");
    if (!exist_ok) throw FileExistsError("makedirs", p, "the directory exists (exist_ok is false)");
    co_return;
  } catch (const FileNotFoundError&) {
  }
  try {
    co_await do_mkdir(p, true);
  } catch (const FileExistsError&) {
    if (!exist_ok) throw;
    exists_now = true;  // made meanwhile by a concurrent call
  }
  if (exists_now && !(co_await do_info(p)).is_dir())
    throw FileExistsError("makedirs", p, "exists and is not a directory");
}

Task<void> FileSystem::do_touch(std::string p, bool truncate) {
  if (!truncate) {
    try {
      co_await do_info(p);
      co_return;  // exists: a store without timestamps to update leaves it as it is
    } catch (const FileNotFoundError&) {
    }
  }
  co_await async_pipe_file(std::move(p), Bytes());
}

namespace {
// Copies src to dst in 1 MiB chunks and closes both; the failure, if any, is returned.
Task<std::exception_ptr> copy_stream(AsyncFile& src, AsyncFile& dst, Callback* cb) {
  std::exception_ptr failure;
  try {
    while (auto chunk = co_await src.next_chunk(1 << 20)) {
      co_await dst.write(chunk->view());
      if (cb) cb->relative_update(chunk->size());
    }
    co_await dst.close();
  } catch (...) {
    failure = std::current_exception();
  }
  co_await src.close();
  co_return failure;
}
}  // namespace

Task<std::unique_ptr<AsyncFile>> FileSystem::open_get_target(std::string lpath) {
  auto local = detail::local_files(loop_, "get_file", lpath);
  try {
    co_return co_await local->async_open(lpath, "wb", {.atomic = true});
  } catch (const Error& e) {
    throw_error(e.code(), "get_file", lpath);
  }
}

Task<void> FileSystem::do_get_file(std::string rpath, std::string lpath, Callback* cb) {
  FileInfo i = co_await do_info(rpath);
  if (i.is_dir()) throw IsADirectoryError("get_file", rpath, "is a directory: use get(recursive)");
  if (cb) cb->set_size(i.size);
  std::unique_ptr<AsyncFile> src =
      co_await do_open(rpath, OpenMode::parse("rb", rpath), {.size = i.size});
  // Written whole or not at all: the old file stays until the new one is complete.
  std::unique_ptr<AsyncFile> dst = co_await open_get_target(lpath);
  std::exception_ptr failure = co_await copy_stream(*src, *dst, cb);
  // After a failure the file was not closed: dropping it leaves the old file as it was.
  dst.reset();
  if (failure) std::rethrow_exception(failure);
}

Task<void> FileSystem::do_put_file(std::string lpath, std::string rpath, Callback* cb) {
  auto local = detail::local_files(loop_, "put_file", lpath);
  FileInfo i = co_await local->async_info(lpath);
  if (i.is_dir()) throw IsADirectoryError("put_file", lpath, "is a directory: use put(recursive)");
  if (cb) cb->set_size(i.size);
  std::unique_ptr<AsyncFile> src = co_await local->async_open(lpath, "rb");
  std::unique_ptr<AsyncFile> dst =
      co_await do_open(rpath, OpenMode::parse("wb", rpath), {.atomic = true});
  std::exception_ptr failure = co_await copy_stream(*src, *dst, cb);
  dst.reset();  // unclosed after a failure: nothing is stored
  if (failure) std::rethrow_exception(failure);
}

Task<std::string> FileSystem::do_checksum(std::string p) {
  FileInfo i = co_await do_info(p);
  std::size_t h = std::hash<std::string>{}(i.name);
  auto mix = [&h](std::size_t v) { h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2); };
  mix(i.size);
  mix(static_cast<std::size_t>(i.type));
  if (i.mtime) mix(static_cast<std::size_t>(i.mtime->time_since_epoch().count()));
  if (i.ino) mix(*i.ino);
  for (const auto& [k, v] : i.extra) mix(std::hash<std::string>{}(k + "=" + v));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016zx", h);
  co_return std::string(buf);
}

// ---- derived single-path methods ---------------------------------------------------------------

namespace {
// The info of `p`, or nullopt when nothing is there; other failures (a network error) are thrown.
Task<std::optional<FileInfo>> info_if_exists(FileSystem& fs, std::string p) {
  try {
    co_return co_await fs.async_info(std::move(p));
  } catch (const FileNotFoundError&) {
  } catch (const NotADirectoryError&) {
  }
  co_return std::nullopt;
}
}  // namespace

Task<bool> FileSystem::async_exists(std::string p) {
  co_return (co_await info_if_exists(*this, std::move(p))).has_value();
}

Task<bool> FileSystem::async_isdir(std::string p) {
  auto i = co_await info_if_exists(*this, std::move(p));
  co_return i && i->is_dir();
}

Task<bool> FileSystem::async_isfile(std::string p) {
  auto i = co_await info_if_exists(*this, std::move(p));
  co_return i && i->is_file();
}

Task<std::uint64_t> FileSystem::async_size(std::string p) {
  co_return (co_await async_info(std::move(p))).size;
}

Task<Bytes> FileSystem::async_head(std::string p, std::uint64_t size) {
  co_return co_await async_cat_file(std::move(p), 0, static_cast<std::int64_t>(size));
}

Task<Bytes> FileSystem::async_tail(std::string p, std::uint64_t size) {
  if (size == 0) co_return Bytes();
  co_return co_await async_cat_file(std::move(p), -static_cast<std::int64_t>(size));
}

namespace {

/// Position just past the first `delim` at or after `from` (or the file size when none).
Task<std::pair<std::uint64_t, bool>> seek_delimiter(FileSystem& fs, const std::string& p,
                                                    std::uint64_t from, std::uint64_t size,
                                                    const std::string& delim) {
  constexpr std::uint64_t kBlock = 1 << 16;
  if (from == 0) co_return std::pair{std::uint64_t{0}, false};
  std::string carry;
  std::uint64_t pos = from;
  while (pos < size) {
    std::uint64_t end = std::min(size, pos + kBlock);
    Bytes b = co_await fs.async_cat_file(p, static_cast<std::int64_t>(pos),
                                         static_cast<std::int64_t>(end));
    std::string window = carry + b.str();
    auto hit = window.find(delim);
    if (hit != std::string::npos) {
      co_return std::pair{pos - carry.size() + hit + delim.size(), true};
    }
    carry =
        window.size() >= delim.size() ? window.substr(window.size() - delim.size() + 1) : window;
    pos = end;
  }
  co_return std::pair{size, false};
}

}  // namespace

Task<Bytes> FileSystem::async_read_block(std::string p, std::uint64_t offset,
                                         std::optional<std::uint64_t> length,
                                         std::optional<std::string> delimiter) {
  std::string s = strip_protocol(p);
  if (delimiter && delimiter->empty())
    throw InvalidArgumentError("read_block", s, "the delimiter is empty");
  std::uint64_t start = offset;
  std::optional<std::uint64_t> end = length ? std::optional(offset + *length) : std::nullopt;
  if (delimiter) {
    std::uint64_t size = (co_await do_info(s)).size;
    if (offset > size)
      throw InvalidArgumentError("read_block", s,
                                 "offset " + std::to_string(offset) + " is past the end (size " +
                                     std::to_string(size) + ")");
    start = (co_await seek_delimiter(*this, s, offset, size, *delimiter)).first;
    if (end) {
      // As fsspec: the end is the delimiter after offset+length, whatever the start was, so
      // that blocks tiling a file give each record exactly once.
      end = std::max(start, (co_await seek_delimiter(*this, s, *end, size, *delimiter)).first);
    }
  }
  co_return co_await do_cat_file(
      s, static_cast<std::int64_t>(start),
      end ? std::optional(static_cast<std::int64_t>(*end)) : std::nullopt);
}

std::string FileSystem::subject_of(std::string_view first, std::size_t count) {
  if (count == 0) return "(no paths)";
  std::string s(first);
  if (count > 1) s += " (and " + std::to_string(count - 1) + " more)";
  return s;
}

// ---- bulk methods
// ---------------------------------------------------------------------------------

Task<std::vector<PathError>> FileSystem::run_bulk(std::string_view op,
                                                  std::vector<Task<void>> tasks,
                                                  std::vector<std::string> names,
                                                  const BulkOptions& o, bool local_files) {
  GatherOptions g{.batch_size = resolve_batch(op, o.batch_size, local_files),
                  .return_exceptions = o.on_error != OnError::raise};
  if (o.callback) {
    o.callback->set_size(tasks.size());
    Callback* cb = o.callback;
    g.on_progress = [cb](std::size_t, std::optional<std::size_t>) { cb->relative_update(1); };
  }
  VoidOutcomes outcomes = co_await gather(std::move(tasks), std::move(g));
  std::vector<PathError> errors;
  if (o.on_error == OnError::return_) {
    for (const auto& [i, e] : outcomes.errors()) errors.push_back({names[i], e});
  }
  co_return errors;
}

Task<std::vector<Outcome<std::uint64_t>>> FileSystem::async_sizes(std::vector<std::string> paths,
                                                                  BulkOptions o) {
  auto results = co_await gather(
      paths | std::views::transform([this](const std::string& p) { return async_size(p); }),
      GatherOptions{.batch_size = resolve_batch("sizes", o.batch_size, opens_local_files()),
                    .return_exceptions = o.on_error != OnError::raise});
  co_return results;
}

Task<CatResult> FileSystem::async_cat(std::string p, BulkOptions o) {
  std::vector<std::string> one;
  one.push_back(std::move(p));
  co_return co_await async_cat(std::move(one), o);
}

Task<CatResult> FileSystem::async_cat(std::vector<std::string> paths, BulkOptions o) {
  Expansion e = co_await detail::expand_with_info(*this, std::move(paths), o.recursive, o.maxdepth,
                                                  FollowLinks::start, o.on_error);
  std::vector<std::string> files;
  files.reserve(e.size());
  for (Expanded& x : e) {
    if (!x.is_dir.value_or(false)) files.push_back(std::move(x.path));  // directories: no bytes
  }
  GatherOptions g{.batch_size = resolve_batch("cat", o.batch_size, opens_local_files()),
                  .return_exceptions = o.on_error != OnError::raise};
  if (o.callback) {
    o.callback->set_size(files.size());
    Callback* cb = o.callback;
    g.on_progress = [cb](std::size_t, std::optional<std::size_t>) { cb->relative_update(1); };
  }
  auto results = co_await gather(
      files | std::views::transform([this](const std::string& f) { return async_cat_file(f); }),
      std::move(g));
  CatResult out;
  for (std::size_t i = 0; i < files.size(); ++i) {  // in key order: each goes in at the end
    if (!results[i].ok() && o.on_error == OnError::omit) continue;
    out.emplace_hint(out.end(), std::move(files[i]), std::move(results[i]));
  }
  co_return out;
}

Task<std::vector<Outcome<Bytes>>> FileSystem::async_cat_ranges(
    std::vector<std::string> paths, std::vector<std::optional<std::int64_t>> starts,
    std::vector<std::optional<std::int64_t>> ends, BulkOptions o) {
  if (starts.size() != paths.size() || ends.size() != paths.size())
    throw InvalidArgumentError(
        "cat_ranges", paths.empty() ? "" : paths.front(),
        "paths, starts and ends must have the same length (" + std::to_string(paths.size()) + ", " +
            std::to_string(starts.size()) + ", " + std::to_string(ends.size()) + ")");
  auto idx = std::views::iota(std::size_t{0}, paths.size());
  co_return co_await gather(
      idx | std::views::transform(
                [&](std::size_t i) { return async_cat_file(paths[i], starts[i], ends[i]); }),
      GatherOptions{.batch_size = resolve_batch("cat_ranges", o.batch_size, opens_local_files()),
                    .return_exceptions = o.on_error != OnError::raise});
}

Task<std::vector<PathError>> FileSystem::async_pipe(std::map<std::string, Bytes> files,
                                                    BulkOptions o) {
  std::vector<Task<void>> tasks;
  std::vector<std::string> names;
  for (auto& [k, v] : files) {
    tasks.push_back(async_pipe_file(k, std::move(v)));
    names.push_back(k);
  }
  co_return co_await run_bulk("pipe", std::move(tasks), std::move(names), o, opens_local_files());
}

Task<std::vector<PathError>> FileSystem::async_rm(std::string p, BulkOptions o) {
  std::vector<std::string> one;
  one.push_back(std::move(p));
  co_return co_await async_rm(std::move(one), o);
}

Task<std::vector<PathError>> FileSystem::async_rm(std::vector<std::string> paths, BulkOptions o) {
  // Recursion never goes through a link, not even one named here: rm -r removes the link.
  Expansion e = co_await detail::expand_with_info(*this, std::move(paths), o.recursive, o.maxdepth,
                                                  FollowLinks::none, o.on_error);
  std::vector<std::string> files;
  std::map<int, std::vector<std::string>, std::greater<>> dirs_by_depth;
  for (Expanded& x : e) {
    if (x.is_dir.value_or(false) && !x.islink) {
      const auto depth = static_cast<int>(std::count(x.path.begin(), x.path.end(), '/'));
      dirs_by_depth[depth].push_back(std::move(x.path));
    } else {
      files.push_back(std::move(x.path));
    }
  }
  std::vector<Task<void>> tasks;
  for (const auto& f : files) tasks.push_back(async_rm_file(f));
  std::vector<PathError> errors =
      co_await run_bulk("rm", std::move(tasks), files, o, opens_local_files());
  // Directories after their contents, the deepest first.
  for (auto& [depth, dirs] : dirs_by_depth) {
    std::vector<Task<void>> level;
    for (const auto& d : dirs) level.push_back(async_rmdir(d));
    for (auto& err : co_await run_bulk("rm", std::move(level), dirs, o, opens_local_files()))
      errors.push_back(std::move(err));
  }
  co_return errors;
}

}  // namespace cofs
