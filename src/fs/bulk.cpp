// The bulk reads and removals: sizes, cat, cat_ranges, pipe and rm, each running one operation per
// path through gather, and the conversion of BulkOptions that every bulk call shares.
#include <algorithm>
#include <functional>
#include <map>
#include <ranges>

#include "cofs/fs/callback.hpp"
#include "cofs/fs/filesystem.hpp"
#include "cofs/runtime/gather.hpp"
#include "fs/bulk_call.hpp"
#include "fs/expansion.hpp"

namespace cofs {

using detail::Expanded;
using detail::Expansion;

GatherOptions detail::gather_options(const FileSystem& fs, std::string_view op,
                                     const BulkOptions& o, std::size_t count, bool local_files) {
  GatherOptions g{.batch_size = fs.resolve_batch(op, o.batch_size, local_files),
                  .return_exceptions = o.on_error != OnError::raise};
  if (o.callback) {
    o.callback->set_size(count);
    Callback* cb = o.callback;
    g.on_progress = [cb](std::size_t, std::optional<std::size_t>) { cb->relative_update(1); };
  }
  return g;
}

Task<std::vector<PathError>> FileSystem::run_bulk(std::string_view op,
                                                  std::vector<Task<void>> tasks,
                                                  std::vector<std::string> names,
                                                  const BulkOptions& o, bool local_files) {
  GatherOptions g = detail::gather_options(*this, op, o, tasks.size(), local_files);
  VoidOutcomes outcomes = co_await gather(std::move(tasks), std::move(g));
  std::vector<PathError> errors;
  if (o.on_error == OnError::return_) {
    for (const auto& [i, e] : outcomes.errors()) errors.push_back({names[i], e});
  }
  co_return errors;
}

Task<std::vector<Outcome<std::uint64_t>>> FileSystem::async_sizes(std::vector<std::string> paths,
                                                                  BulkOptions o) {
  GatherOptions g = detail::gather_options(*this, "sizes", o, paths.size(), opens_local_files());
  co_return co_await gather(
      paths | std::views::transform([this](const std::string& p) { return async_size(p); }),
      std::move(g));
}

// Not a coroutine: the list form's task is handed back as it is.
Task<CatResult> FileSystem::async_cat(std::string p, BulkOptions o) {
  return async_cat(detail::single(std::move(p)), o);
}

// A directory has no bytes: it is skipped, whether a glob, a walk or a plain name brought it.
// A glob or a walk told its type; a plain name's comes from cat_file itself, not from a lookup
// per path.
Task<CatResult> FileSystem::async_cat(std::vector<std::string> paths, BulkOptions o) {
  Expansion e = co_await detail::expand_with_info(*this, std::move(paths), o.recursive, o.maxdepth,
                                                  FollowLinks::start, o.on_error);
  std::vector<std::string> files;
  std::vector<bool> typed;  // known to be a file
  files.reserve(e.size());
  for (Expanded& x : e) {
    if (x.is_dir.value_or(false)) continue;
    typed.push_back(x.is_dir.has_value());
    files.push_back(std::move(x.path));
  }
  // Parameters, not captures: the coroutine outlives the lambda object that made it.
  auto read = [](FileSystem* self, const std::string* f,
                 bool known_file) -> Task<std::optional<Bytes>> {
    if (known_file) co_return co_await self->async_cat_file(*f);
    try {
      co_return co_await self->async_cat_file(*f);
    } catch (const IsADirectoryError&) {
      co_return std::nullopt;
    }
  };
  GatherOptions g = detail::gather_options(*this, "cat", o, files.size(), opens_local_files());
  auto idx = std::views::iota(std::size_t{0}, files.size());
  auto results = co_await gather(
      idx | std::views::transform([&](std::size_t i) { return read(this, &files[i], typed[i]); }),
      std::move(g));
  CatResult out;
  for (std::size_t i = 0; i < files.size(); ++i) {  // in key order: each goes in at the end
    if (!results[i].ok()) {
      if (o.on_error == OnError::omit) continue;
      out.emplace_hint(out.end(), std::move(files[i]), Outcome<Bytes>(results[i].error()));
    } else if (std::optional<Bytes>& bytes = results[i].value()) {
      out.emplace_hint(out.end(), std::move(files[i]), Outcome<Bytes>(std::move(*bytes)));
    }
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
  GatherOptions g =
      detail::gather_options(*this, "cat_ranges", o, paths.size(), opens_local_files());
  co_return co_await do_cat_ranges(std::move(paths), std::move(starts), std::move(ends), g);
}

Task<std::vector<Outcome<Bytes>>> FileSystem::do_cat_ranges(
    std::vector<std::string> paths, std::vector<std::optional<std::int64_t>> starts,
    std::vector<std::optional<std::int64_t>> ends, const GatherOptions& g) {
  auto idx = std::views::iota(std::size_t{0}, paths.size());
  co_return co_await gather(idx | std::views::transform([&](std::size_t i) {
                              return async_cat_file(paths[i], starts[i], ends[i]);
                            }),
                            g);
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

Task<std::vector<PathError>> FileSystem::do_rm_files(std::vector<std::string> files,
                                                     const BulkOptions& o) {
  std::vector<Task<void>> tasks;
  tasks.reserve(files.size());
  for (const auto& f : files) tasks.push_back(async_rm_file(f));
  co_return co_await run_bulk("rm", std::move(tasks), std::move(files), o, opens_local_files());
}

Task<std::vector<PathError>> FileSystem::async_rm(std::string p, BulkOptions o) {
  return async_rm(detail::single(std::move(p)), o);
}

Task<std::vector<PathError>> FileSystem::async_rm(std::vector<std::string> paths, BulkOptions o) {
  // Recursion never goes through a link, not even one named here: rm -r removes the link.
  Expansion e = co_await detail::expand_with_info(*this, std::move(paths), o.recursive, o.maxdepth,
                                                  FollowLinks::none, o.on_error, o.batch_size);
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
  std::vector<PathError> errors = co_await do_rm_files(std::move(files), o);
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
