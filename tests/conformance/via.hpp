// The two APIs behind one conformance body (see conformance.hpp): `via.x(args)` is an awaitable
// of what fs.x(args) returns — the blocking call made when awaited (BlockingVia), or the task of
// fs.async_x(args) (AsyncVia). Files opened through a via answer the same way.
#pragma once

#include <coroutine>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "cofs/cofs.hpp"

namespace cofs::testing {

/// Blocking mode's awaitable: the blocking call, made when awaited (so an error is raised where
/// the body awaits, as in async mode), on the thread that drives the body.
template <class T>
struct BlockingCall {
  std::function<T()> call;
  bool await_ready() const noexcept { return true; }
  void await_suspend(std::coroutine_handle<>) const noexcept {}
  T await_resume() { return call(); }
};

template <class F>
auto blocking_call(F f) {
  return BlockingCall<std::invoke_result_t<F&>>{std::move(f)};
}

/// Fixture files: full path and contents.
using Fixtures = std::vector<std::pair<std::string, std::string>>;

/// The distinct parent directories of `files`, where `seed` has directories to make.
inline std::vector<std::string> parents_of(FileSystem& seed, const Fixtures& files) {
  std::set<std::string> dirs;
  if (seed.capabilities().directories)
    for (const auto& f : files) dirs.insert(path::parent(f.first));
  return {dirs.begin(), dirs.end()};
}

inline std::map<std::string, Bytes> as_bytes(const Fixtures& files) {
  std::map<std::string, Bytes> out;
  for (const auto& [p, data] : files) out.emplace(p, Bytes(std::string_view(data)));
  return out;
}

/// A File of the blocking section: each call made when awaited; tell and closed are plain.
struct BlockingFileVia {
  File f;
  auto read(std::int64_t n = -1) {
    return blocking_call([f = &f, n] { return f->read(n); });
  }
  auto write(std::string data) {
    return blocking_call([f = &f, data] { return f->write(data); });
  }
  auto seek(std::int64_t offset, Whence whence = Whence::set) {
    return blocking_call([f = &f, offset, whence] { return f->seek(offset, whence); });
  }
  auto readline(std::size_t limit = static_cast<std::size_t>(-1)) {
    return blocking_call([f = &f, limit] { return f->readline(limit); });
  }
  auto next_chunk(std::size_t size) {
    return blocking_call([f = &f, size] { return f->next_chunk(size); });
  }
  auto size() {
    return blocking_call([f = &f] { return f->size(); });
  }
  auto close() {
    return blocking_call([f = &f] { f->close(); });
  }
  std::uint64_t tell() const { return f.tell(); }
  bool closed() const { return f.closed(); }
};

/// An AsyncFile of the async section.
struct AsyncFileVia {
  std::unique_ptr<AsyncFile> f;
  Task<Bytes> read(std::int64_t n = -1) { return f->read(n); }
  Task<std::size_t> write(std::string data) { return write_owned(*f, std::move(data)); }
  Task<std::uint64_t> seek(std::int64_t offset, Whence whence = Whence::set) {
    return f->seek(offset, whence);
  }
  Task<Bytes> readline(std::size_t limit = static_cast<std::size_t>(-1)) {
    return f->readline(limit);
  }
  Task<std::optional<Bytes>> next_chunk(std::size_t size) { return f->next_chunk(size); }
  Task<std::uint64_t> size() { return f->size(); }
  Task<void> close() { return f->close(); }
  std::uint64_t tell() const { return f->tell(); }
  bool closed() const { return f->closed(); }

 private:
  // AsyncFile::write takes a view: the text lives in this frame until the write is done.
  static Task<std::size_t> write_owned(AsyncFile& f, std::string data) {
    co_return co_await f.write(std::string_view(data));
  }
};

// The calls a body makes through `via`: fs.x(args) in blocking mode, fs.async_x(args) in async.
// Arguments are taken by value (designated initializers need their type named: BulkOptions{...}).
// (clang-format 14 does not settle on a layout of this list.)
// clang-format off
#define COFS_VIA_CALLS(X) \
  X(ls) X(ls_names) X(info) X(cat_file) X(rm_file) X(mkdir) X(makedirs) X(rmdir) \
  X(cp_file) X(mv_file) X(touch) X(get_file) X(put_file) X(modified) X(checksum) \
  X(ukey) X(exists) X(isdir) X(isfile) X(size) X(sizes) X(head) X(tail) \
  X(read_block) X(cat) X(cat_ranges) X(pipe) X(find) X(find_info) X(walk) X(glob) \
  X(du) X(expand_path) X(get) X(put) X(copy) X(mv) X(rm) \
  X(du_per_path)
// clang-format on

#define COFS_VIA_BLOCKING(name)                                                              \
  template <class... A>                                                                      \
  auto name(A&&... a) {                                                                      \
    return blocking_call([fs = &fs, ... a = std::decay_t<A>(std::forward<A>(a))]() mutable { \
      return fs->name(a...);                                                                 \
    });                                                                                      \
  }
#define COFS_VIA_ASYNC(name)                       \
  template <class... A>                            \
  auto name(A&&... a) {                            \
    return fs.async_##name(std::forward<A>(a)...); \
  }

/// `via` of the blocking section.
struct BlockingVia {
  static constexpr const char* api = "blocking";
  FileSystem& fs;
  FileSystem& seed;
  COFS_VIA_CALLS(COFS_VIA_BLOCKING)
  auto open(std::string p, std::string mode = "rb", OpenOptions options = {}) {
    return blocking_call(
        [fs = &fs, p, mode, options] { return BlockingFileVia{fs->open(p, mode, options)}; });
  }
  BlockingCall<void> pipe_file(std::string p, std::string_view data,
                               PipeMode mode = PipeMode::overwrite) {
    return pipe_file(p, Bytes(data), mode);
  }
  BlockingCall<void> pipe_file(std::string p, Bytes data, PipeMode mode = PipeMode::overwrite) {
    return blocking_call(
        [fs = &fs, p, data, mode]() mutable { fs->pipe_file(p, std::move(data), mode); });
  }
  /// Fixtures, written concurrently (one bulk pipe) through the seed filesystem.
  auto write_all(Fixtures files) {
    return blocking_call([seed = &seed, files = std::move(files)] {
      for (const std::string& d : parents_of(*seed, files)) seed->makedirs(d, true);
      std::vector<PathError> failed = seed->pipe(as_bytes(files));
      if (!failed.empty()) std::rethrow_exception(failed.front().error);
    });
  }
  /// A fixture, written through the seed filesystem (parents made where it has directories).
  auto write(std::string p, std::string_view data) {
    return blocking_call([seed = &seed, p, d = std::string(data)] {
      std::string parent = path::parent(p);
      if (seed->capabilities().directories) seed->makedirs(parent, true);
      seed->pipe_file(p, std::string_view(d));
    });
  }
};

/// `via` of the async section.
struct AsyncVia {
  static constexpr const char* api = "async";
  FileSystem& fs;
  FileSystem& seed;
  COFS_VIA_CALLS(COFS_VIA_ASYNC)
  Task<AsyncFileVia> open(std::string p, std::string mode = "rb", OpenOptions options = {}) {
    return open_on(fs, std::move(p), std::move(mode), options);
  }
  static Task<AsyncFileVia> open_on(FileSystem& fs, std::string p, std::string mode,
                                    OpenOptions options) {
    std::unique_ptr<AsyncFile> f = co_await fs.async_open(std::move(p), std::move(mode), options);
    co_return AsyncFileVia{std::move(f)};
  }
  Task<void> pipe_file(std::string p, std::string_view data, PipeMode mode = PipeMode::overwrite) {
    return fs.async_pipe_file(std::move(p), Bytes(data), mode);
  }
  Task<void> pipe_file(std::string p, Bytes data, PipeMode mode = PipeMode::overwrite) {
    return fs.async_pipe_file(std::move(p), std::move(data), mode);
  }
  Task<void> write(std::string p, std::string_view data) {
    return write_on(seed, std::move(p), std::string(data));
  }
  Task<void> write_all(Fixtures files) { return write_all_on(seed, std::move(files)); }
  static Task<void> write_all_on(FileSystem& seed, Fixtures files) {
    for (const std::string& d : parents_of(seed, files)) co_await seed.async_makedirs(d, true);
    std::vector<PathError> failed = co_await seed.async_pipe(as_bytes(files));
    if (!failed.empty()) std::rethrow_exception(failed.front().error);
  }
  static Task<void> write_on(FileSystem& seed, std::string p, std::string data) {
    if (seed.capabilities().directories) co_await seed.async_makedirs(path::parent(p), true);
    co_await seed.async_pipe_file(std::move(p), Bytes(std::string_view(data)));
  }
};

#undef COFS_VIA_BLOCKING
#undef COFS_VIA_ASYNC

}  // namespace cofs::testing
