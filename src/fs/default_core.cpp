// The defaults of the optional core: what a backend gets for cp_file, mv_file, makedirs, touch,
// get_file, put_file, checksum and try_info when it does not do better itself.
#include <cstdio>
#include <functional>
#include <optional>

#include "cofs/fs/filesystem.hpp"
#include "cofs/fs/registry.hpp"
#include "cofs/runtime/with_cleanup.hpp"
#include "fs/copy_stream.hpp"
#include "link_hooks.hpp"

namespace cofs {

Task<std::optional<FileInfo>> FileSystem::do_try_info(std::string p) {
  // For backends that only throw: their absence is learnt the slow way.
  try {
    co_return co_await do_info(std::move(p));
  } catch (const FileNotFoundError&) {
  } catch (const NotADirectoryError&) {
  }
  co_return std::nullopt;
}

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
  if (std::optional<FileInfo> i = co_await do_try_info(p)) {
    if (!i->is_dir()) throw FileExistsError("makedirs", p, "exists and is not a directory");
    if (!exist_ok) throw FileExistsError("makedirs", p, "the directory exists (exist_ok is false)");
    co_return;
  }
  bool exists_now = false;
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
  // Exists: a store without timestamps to update leaves it as it is.
  if (!truncate) {
    std::optional<FileInfo> present = co_await do_try_info(p);
    if (present) co_return;
  }
  co_await async_pipe_file(std::move(p), Bytes());
}

namespace detail {
namespace {
Task<void> copy_chunks(AsyncFile& src, AsyncFile& dst, Callback* cb) {
  while (auto chunk = co_await src.next_chunk(1 << 20)) {
    co_await dst.write(chunk->view());
    if (cb) cb->relative_update(chunk->size());
  }
  co_await dst.close();
}
}  // namespace

Task<void> copy_stream(AsyncFile& src, AsyncFile& dst, Callback* cb) {
  co_await with_cleanup(copy_chunks(src, dst, cb), src.close());
}
}  // namespace detail

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
  co_await detail::copy_stream(*src, *dst, cb);
}

Task<void> FileSystem::do_put_file(std::string lpath, std::string rpath, Callback* cb) {
  auto local = detail::local_files(loop_, "put_file", lpath);
  FileInfo i = co_await local->async_info(lpath);
  if (i.is_dir()) throw IsADirectoryError("put_file", lpath, "is a directory: use put(recursive)");
  if (cb) cb->set_size(i.size);
  std::unique_ptr<AsyncFile> src = co_await local->async_open(lpath, "rb");
  std::unique_ptr<AsyncFile> dst =
      co_await do_open(rpath, OpenMode::parse("wb", rpath), {.atomic = true});
  co_await detail::copy_stream(*src, *dst, cb);
}

Task<std::unique_ptr<AsyncFile>> FileSystem::do_open_in_transaction(std::string p, OpenMode mode,
                                                                    OpenOptions options,
                                                                    TransactionFileSystem& tx) {
  // Staged whole in the file object, stored by tx.pipe_file at close: deferred there.
  co_return co_await ObjectFile::open(tx, std::move(p), std::move(mode), options, 64 * 1024);
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

}  // namespace cofs
