// Bulk transfers: get, put, copy and mv. A plan (which source lands where, which directories
// to make) is worked out from the expansion of the sources, then every file is transferred
// concurrently through gather.
#include <algorithm>
#include <exception>
#include <functional>
#include <ranges>
#include <set>

#include "callback_guard.hpp"
#include "cofs/fs/filesystem.hpp"
#include "cofs/fs/path.hpp"
#include "cofs/fs/registry.hpp"
#include "cofs/runtime/gather.hpp"
#include "fs/bulk_call.hpp"
#include "fs/expansion.hpp"
#include "link_hooks.hpp"

namespace cofs {

using detail::Expanded;
using detail::Expansion;

namespace {

// fsspec's other_paths: where each source lands under `dest`.
std::vector<std::string> other_paths(const std::vector<std::string>& paths, std::string dest,
                                     bool exists, bool flatten) {
  dest = std::string(path::trim_trailing_slash(dest));
  if (dest == "/") dest.clear();
  std::vector<std::string> out;
  out.reserve(paths.size());
  if (flatten) {
    for (const auto& p : paths) out.push_back(dest + "/" + std::string(path::basename(p)));
    return out;
  }
  // the common prefix of whole parts
  std::vector<std::string_view> first;
  std::string_view f = paths.front();
  for (std::size_t i = 0;;) {
    auto j = f.find('/', i);
    first.push_back(f.substr(i, j == std::string_view::npos ? j : j - i));
    if (j == std::string_view::npos) break;
    i = j + 1;
  }
  std::size_t common = first.size();
  for (const auto& p : paths) {
    std::size_t k = 0, i = 0;
    std::string_view s = p;
    while (k < common) {
      auto j = s.find('/', i);
      std::string_view part = s.substr(i, j == std::string_view::npos ? j : j - i);
      if (part != first[k]) break;
      ++k;
      if (j == std::string_view::npos) break;
      i = j + 1;
    }
    common = k;
  }
  std::string cp;
  for (std::size_t k = 0; k < common; ++k) cp += (k ? "/" : "") + std::string(first[k]);
  if (exists) cp = cp.rfind('/') == std::string::npos ? "" : cp.substr(0, cp.rfind('/'));
  for (const auto& p : paths) out.push_back(dest + p.substr(cp.size()));
  return out;
}

struct Plan {
  std::vector<std::string> dirs;          // destinations to create
  std::vector<std::string> sources;       // files to transfer
  std::vector<std::string> destinations;  // where each lands
  std::vector<bool> kind_known;           // false: a plain name taken for a file untried
};

// A plain name of a list, transferred as a file without asking first. Only when that fails is
// it asked whether it is a directory; then its target is made a directory, as a directory
// named in a list is, and otherwise the transfer's own error stands.
Task<void> transfer_plain_name(Task<void> transfer, FileSystem& src_fs, FileSystem& dst_fs,
                               std::string source, std::string target) {
  std::exception_ptr failure;
  try {
    co_await std::move(transfer);
    co_return;
  } catch (const OperationCancelled&) {
    throw;
  } catch (const Error&) {
    failure = std::current_exception();
  }
  if (!co_await src_fs.async_isdir(std::move(source))) std::rethrow_exception(failure);
  if (dst_fs.capabilities().directories) co_await dst_fs.async_makedirs(std::move(target), true);
}

}  // namespace

// The fsspec rules for get/put/copy: expansion, the trailing-slash and existing-directory rules,
// and the flattening of a list of sources.
static Task<Plan> plan_transfer(std::string_view op, FileSystem& src_fs,
                                std::vector<std::string> sources, bool source_is_str,
                                std::string dest, bool dest_is_dir, const BulkOptions& o,
                                bool local_files) {
  const std::string original = sources.front();
  // A pattern, unless it exists as written (then expansion took it as that path, too).
  const bool magic = path::has_magic(original, src_fs.glob_magic()) &&
                     !co_await detail::exists_as_written(src_fs, original);
  Expansion e = co_await detail::expand_with_info(src_fs, sources, o.recursive, o.maxdepth,
                                                  FollowLinks::start, o.on_error, o.batch_size);
  // Plain names come out of the expansion without their kind. Over HTTP or S3 each probe is a
  // request. A list's names land each under its own name whatever its kind, so they are tried
  // as files and only one whose transfer fails is probed (transfer_plain_name). A single
  // source's kind decides its target: it is probed here, with any others, in one gather.
  std::vector<std::size_t> unknown;
  for (std::size_t i = 0; i < e.size(); ++i)
    if (!e[i].is_dir && source_is_str) unknown.push_back(i);
  if (!unknown.empty()) {
    auto probe = [&src_fs, &e](std::size_t i) { return src_fs.async_isdir(e[i].path); };
    // A probe that fails (not a missing path: that is false) fails the call, as it did when
    // the probes ran one by one.
    auto kinds = co_await gather(unknown | std::views::transform(probe),
                                 detail::gather_options(src_fs, op, {.batch_size = o.batch_size},
                                                        unknown.size(), local_files));
    for (std::size_t k = 0; k < unknown.size(); ++k) e[unknown[k]].is_dir = kinds[k].value();
  }
  std::vector<std::string> paths;
  std::vector<bool> is_dir, kind_known;
  for (Expanded& x : e) {
    bool d = x.is_dir.value_or(false);
    if (source_is_str && (!o.recursive || o.maxdepth) && d) continue;  // no directories
    paths.push_back(std::move(x.path));
    is_dir.push_back(d);
    kind_known.push_back(x.is_dir.has_value());
  }
  Plan plan;
  if (paths.empty()) {
    if (source_is_str && !magic && !o.recursive)
      throw IsADirectoryError(op, original, "is a directory: pass recursive to transfer it");
    co_return plan;
  }
  const bool exists =
      source_is_str && ((magic && paths.size() == 1) ||
                        (!magic && dest_is_dir && !path::has_trailing_slash(original)));
  std::vector<std::string> targets = other_paths(paths, dest, exists, !source_is_str);
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (is_dir[i]) {
      plan.dirs.push_back(targets[i]);
    } else {
      plan.sources.push_back(paths[i]);
      plan.destinations.push_back(targets[i]);
      plan.kind_known.push_back(kind_known[i]);
    }
  }
  co_return plan;
}

namespace {
// The directories to make for a transfer: only the deepest, as makedirs makes their parents.
std::vector<std::string> parents_of(const std::vector<std::string>& dests,
                                    const std::vector<std::string>& dirs) {
  std::set<std::string> all(dirs.begin(), dirs.end());
  for (const auto& d : dests) {
    std::string p = path::parent(d);
    if (!p.empty() && p != "/") all.insert(p);
  }
  std::vector<std::string> out;
  for (auto it = all.begin(); it != all.end(); ++it) {
    auto next = std::next(it);
    if (next != all.end() && next->size() > it->size() && next->compare(0, it->size(), *it) == 0 &&
        (*next)[it->size()] == '/')
      continue;  // a deeper one follows in sorted order
    out.push_back(*it);
  }
  return out;
}

}  // namespace

enum class FileSystem::TransferKind : unsigned char { get, put, copy };

Task<std::vector<PathError>> FileSystem::async_get(std::string rpath, std::string lpath,
                                                   BulkOptions o) {
  return transfer(TransferKind::get, detail::single(std::move(rpath)), true, std::move(lpath), o);
}
Task<std::vector<PathError>> FileSystem::async_get(std::vector<std::string> rpaths,
                                                   std::string lpath, BulkOptions o) {
  return transfer(TransferKind::get, std::move(rpaths), false, std::move(lpath), o);
}
Task<std::vector<PathError>> FileSystem::async_put(std::string lpath, std::string rpath,
                                                   BulkOptions o) {
  return transfer(TransferKind::put, detail::single(std::move(lpath)), true, std::move(rpath), o);
}
Task<std::vector<PathError>> FileSystem::async_put(std::vector<std::string> lpaths,
                                                   std::string rpath, BulkOptions o) {
  return transfer(TransferKind::put, std::move(lpaths), false, std::move(rpath), o);
}
Task<std::vector<PathError>> FileSystem::async_copy(std::string p1, std::string p2, BulkOptions o) {
  return transfer(TransferKind::copy, detail::single(std::move(p1)), true, std::move(p2), o);
}
Task<std::vector<PathError>> FileSystem::async_copy(std::vector<std::string> p1, std::string p2,
                                                    BulkOptions o) {
  return transfer(TransferKind::copy, std::move(p1), false, std::move(p2), o);
}

Task<std::vector<PathError>> FileSystem::transfer(TransferKind kind,
                                                  std::vector<std::string> sources,
                                                  bool source_is_str, std::string dest,
                                                  BulkOptions o) {
  if (sources.empty()) co_return std::vector<PathError>{};
  const std::string_view op = kind == TransferKind::get   ? "get"
                              : kind == TransferKind::put ? "put"
                                                          : "copy";
  // get: from here to local files; put: from local files to here; copy: within this filesystem.
  std::shared_ptr<FileSystem> local;
  if (kind != TransferKind::copy)
    local = detail::local_files(loop_, op, kind == TransferKind::get ? dest : sources.front());
  FileSystem& src_fs = kind == TransferKind::put ? *local : *this;
  FileSystem& dst_fs = kind == TransferKind::get ? *local : *this;
  std::string d = path::has_trailing_slash(dest) ? dst_fs.strip_protocol(dest) + "/"
                                                 : dst_fs.strip_protocol(dest);
  const bool dest_is_dir = path::has_trailing_slash(d) || co_await dst_fs.async_isdir(d);
  const bool local_files = kind != TransferKind::copy || opens_local_files();
  Plan plan = co_await plan_transfer(op, src_fs, std::move(sources), source_is_str, d, dest_is_dir,
                                     o, local_files);
  if (dst_fs.capabilities().directories) {
    std::vector<Task<void>> mk;
    std::vector<std::string> names = parents_of(plan.destinations, plan.dirs);
    for (const auto& dir : names) mk.push_back(dst_fs.async_makedirs(dir, true));
    co_await run_bulk(op, std::move(mk), names, {.batch_size = o.batch_size}, local_files);
  }
  std::vector<Task<void>> tasks;
  std::vector<std::unique_ptr<Callback>> children;
  std::exception_ptr callback_failure;  // the first a per-file callback threw: fails the call
  for (std::size_t i = 0; i < plan.sources.size(); ++i) {
    const std::string& s = plan.sources[i];
    const std::string& t = plan.destinations[i];
    std::unique_ptr<Callback> child = o.callback ? o.callback->branch(s, t) : nullptr;
    detail::FileCallbackGuard* guard = nullptr;
    if (child) {
      auto g = std::make_unique<detail::FileCallbackGuard>(std::move(child));
      guard = g.get();
      child = std::move(g);
    }
    Callback* c = child.get();
    Task<void> task = kind == TransferKind::get   ? async_get_file(s, t, c)
                      : kind == TransferKind::put ? async_put_file(s, t, c)
                                                  : async_cp_file(s, t);
    if (!plan.kind_known[i]) task = transfer_plain_name(std::move(task), src_fs, dst_fs, s, t);
    if (guard != nullptr)
      task = detail::report_callback_failure(std::move(task), *guard, callback_failure);
    tasks.push_back(std::move(task));
    children.push_back(std::move(child));
  }
  std::optional<detail::BulkCallbackGuard> guarded;
  if (o.callback) {
    guarded.emplace(*o.callback, callback_failure);
    o.callback = &*guarded;
  }
  co_return co_await run_bulk(op, std::move(tasks), std::move(plan.sources), o, local_files);
}

Task<std::vector<PathError>> FileSystem::async_mv(std::string p1, std::string p2, BulkOptions o) {
  // Through a transaction's view, the move is made at once and whole (as fsspec's): a deferred
  // copy with an immediate removal would lose the sources on a discard.
  if (FileSystem& now = immediate(); &now != this)
    co_return co_await now.async_mv(std::move(p1), std::move(p2), o);
  std::string s = strip_protocol(p1);
  std::string d = path::has_trailing_slash(p2) ? strip_protocol(p2) + "/" : strip_protocol(p2);
  if (std::string(path::trim_trailing_slash(d)) == s)
    throw InvalidArgumentError("mv", s, "source and destination are the same path");
  if (!path::has_magic(s) || co_await detail::exists_as_written(*this, s)) {
    FileInfo i = co_await do_info(s);
    if (i.is_dir() && !o.recursive && !capabilities().atomic_mv)
      throw IsADirectoryError("mv", s, "is a directory: pass recursive to move it");
    if (i.is_file() || capabilities().atomic_mv) {
      std::string target = std::string(path::trim_trailing_slash(d));
      if (path::has_trailing_slash(d) || co_await async_isdir(target))
        target = path::join(target, path::basename(s));
      if (target == s)
        throw InvalidArgumentError("mv", s, "source and destination are the same path");
      if (capabilities().directories) {
        std::string parent = path::parent(target);
        if (!parent.empty() && parent != "/") co_await do_makedirs(parent, true);
      }
      co_await do_mv_file(s, target);
      co_return std::vector<PathError>{};
    }
  }
  std::vector<PathError> errors = co_await async_copy(s, d, o);
  if (!errors.empty()) co_return errors;  // keep the sources of a move that failed in part
  co_return co_await async_rm(s, o);
}

}  // namespace cofs
