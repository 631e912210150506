// The tree walks of FileSystem: find, walk, glob, du and expand_path. A walk lists one level at a
// time, every directory of the level at once (gather). Links to directories are entries unless
// followed (FindOptions::follow_links); following, each directory is listed once, known by its
// device and inode. A directory that cannot be listed is left out or fails the walk
// (FindOptions::on_error).
#include <algorithm>
#include <cstdint>
#include <exception>
#include <map>
#include <numeric>
#include <ranges>
#include <set>
#include <type_traits>
#include <utility>

#include "cofs/fs/filesystem.hpp"
#include "cofs/fs/path.hpp"
#include "cofs/runtime/gather.hpp"
#include "fs/expansion.hpp"

namespace cofs {

namespace {

/// Sorts `items` by `name(item)` and keeps the first of each name. Every name starts with its
/// first `skip` bytes in common. Sorting 8-byte keys (the next bytes, big-endian) beside an index
/// settles most comparisons without touching the strings; ties compare the rest.
template <class T, class Name>
void sort_unique_by_name(std::vector<T>& items, Name name, std::size_t skip) {
  struct Key {
    std::uint64_t head;
    std::uint32_t index;
  };
  std::vector<Key> keys(items.size());
  for (std::uint32_t i = 0; i < items.size(); ++i) {
    std::string_view t = std::string_view(name(items[i])).substr(skip);
    std::uint64_t head = 0;
    for (std::size_t j = 0; j < 8; ++j)
      head = head << 8 | (j < t.size() ? static_cast<unsigned char>(t[j]) : 0u);
    keys[i] = {head, i};
  }
  std::sort(keys.begin(), keys.end(), [&](const Key& a, const Key& b) {
    if (a.head != b.head) return a.head < b.head;
    return std::string_view(name(items[a.index])).substr(skip) <
           std::string_view(name(items[b.index])).substr(skip);
  });
  // Move the items into key order in place, one permutation cycle at a time: a second vector
  // of 100,000 items would be fresh memory, which costs more to fault in than the moves.
  constexpr std::uint32_t kPlaced = UINT32_MAX;
  for (std::uint32_t start = 0; start < keys.size(); ++start) {
    if (keys[start].index == kPlaced) continue;
    T held = std::move(items[start]);
    std::uint32_t at = start;
    for (;;) {
      const std::uint32_t from = std::exchange(keys[at].index, kPlaced);
      if (from == start) {
        items[at] = std::move(held);
        break;
      }
      items[at] = std::move(items[from]);
      at = from;
    }
  }
  items.erase(std::unique(items.begin(), items.end(),
                          [&](const T& a, const T& b) { return name(a) == name(b); }),
              items.end());
}

}  // namespace

struct FileSystem::TreeName {
  std::string name;
  bool is_dir;
  explicit TreeName(FileInfo&& i) : name(std::move(i.name)), is_dir(i.is_dir()) {}
};

Task<std::optional<FileId>> FileSystem::do_file_id(std::string /*path*/) {
  co_return std::nullopt;
}

Task<std::optional<std::vector<FileInfo>>> FileSystem::do_find_below(std::string /*path*/) {
  co_return std::nullopt;
}

namespace {

void check_find_options(std::string_view op, const std::string& root, const FindOptions& o) {
  if (o.maxdepth && *o.maxdepth < 1)
    throw InvalidArgumentError(op, root, "maxdepth must be at least 1");
  if (o.on_error == OnError::return_)
    throw InvalidArgumentError(op, root, "on_error: a walk takes omit or raise, not return");
}

/// Whether a walk lists the entries of `e`: a directory, and not a link unless following all.
bool descends(const FileInfo& e, FollowLinks follow) {
  return e.is_dir() && (!e.islink || follow == FollowLinks::all);
}

/// Whether the starting path of a walk is a leaf (a file, or a link not followed).
bool leaf_root(const FileInfo& root, FollowLinks follow) {
  return !root.is_dir() || (root.islink && follow == FollowLinks::none);
}

/// Failures that end the walk whatever on_error says: the call itself was stopped.
bool stops_walk(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const OperationCancelled&) {
    return true;
  } catch (const TimeoutError&) {
    return true;
  } catch (const LoopStoppedError&) {
    return true;
  } catch (const Error&) {
    return false;  // about the directory: no permission, gone, not a directory any more ...
  } catch (...) {
    return true;  // out of memory, a bug: not a property of the tree
  }
}

}  // namespace

template <class Take, class Visited>
Task<void> FileSystem::list_level(const std::vector<std::string>& level, const FindOptions& o,
                                  bool detail, Visited* visited, Take* take) {
  const BatchSize batch = resolve_batch("find", o.batch_size, false);
  std::vector<bool> skip(level.size(), false);
  if (visited) {
    // Identities first, then skip in level order (sorted by the caller): which name of a
    // directory reached by several is listed does not depend on timing. A failed lookup is left
    // to the listing, which reports it.
    auto ids = co_await gather(
        level | std::views::transform([this](const std::string& d) { return do_file_id(d); }),
        GatherOptions{.batch_size = batch, .return_exceptions = true});
    for (std::size_t k = 0; k < level.size(); ++k) {
      if (ids[k].ok() && ids[k].value() && !visited->insert(*ids[k].value()).second) skip[k] = true;
    }
  }
  // Parameters, not captures: the coroutine outlives the lambda object that made it.
  auto list_one = [](FileSystem* self, const std::string* d, std::size_t k, bool details,
                     const FindOptions* o, Take* take) -> Task<void> {
    try {
      if (details) {
        (*take)(k, co_await self->do_ls(*d));
      } else {
        (*take)(k, co_await self->do_ls_types(*d));
      }
    } catch (...) {
      if (o->on_error == OnError::raise || stops_walk(std::current_exception())) throw;
      if (o->on_error_call) o->on_error_call(std::current_exception());
    }
  };
  auto listed = std::views::iota(std::size_t{0}, level.size()) |
                std::views::filter([&skip](std::size_t k) { return !skip[k]; });
  // The first failure that is raised cancels the rest and is rethrown.
  co_await gather(listed | std::views::transform([&](std::size_t k) {
                    return list_one(this, &level[k], k, detail, &o, take);
                  }),
                  GatherOptions{.batch_size = batch});
}

// find's walk. Each listing is folded into the result as it arrives, so that only the listings
// in flight are held besides the result (and their memory is reused from one to the next).
template <class Item>
Task<std::vector<Item>> FileSystem::walk_tree(std::string root, FindOptions o,
                                              std::optional<FileInfo> known_root) {
  check_find_options("find", root, o);
  if (!known_root) known_root = co_await do_info(root);
  FileInfo root_info = std::move(*known_root);
  auto item = [](FileInfo&& i) {
    if constexpr (std::is_same_v<Item, std::string>) {
      return std::move(i.name);
    } else {
      return Item(std::move(i));
    }
  };
  std::vector<Item> out;
  if (leaf_root(root_info, o.follow_links)) {
    out.push_back(item(std::move(root_info)));
    co_return out;
  }
  if (o.withdirs) out.push_back(item(FileInfo(root_info)));
  // A store that lists a whole tree at once (S3) is asked once, not a level at a time. It has
  // no links, so follow_links changes nothing there.
  // A failure is the root listing's, and on_error treats it as a level walk would.
  std::optional<std::vector<FileInfo>> all;
  try {
    all = co_await do_find_below(root);
  } catch (...) {
    if (o.on_error == OnError::raise || stops_walk(std::current_exception())) throw;
    if (o.on_error_call) o.on_error_call(std::current_exception());
    all.emplace();
  }
  if (all) {
    for (FileInfo& e : *all) {
      if (o.maxdepth && path::depth_below(root, e.name) > *o.maxdepth) continue;
      if (e.is_dir() && !o.withdirs) continue;
      out.push_back(item(std::move(e)));
    }
  }
  struct Fold {
    const FindOptions& o;
    std::vector<Item>& out;
    decltype(item) make;
    std::set<std::string> seen;
    std::vector<std::string> next;
    void operator()(std::size_t, std::vector<FileInfo> listing) {
      for (FileInfo& e : listing) {
        if (descends(e, o.follow_links)) {
          if (!seen.insert(e.name).second) continue;  // a listing that names itself or a parent
          next.push_back(e.name);
          if (!o.withdirs) continue;
        }
        out.push_back(make(std::move(e)));  // files, and links not followed, like files
      }
    }
  } fold{o, out, item, {root}, {}};
  std::set<FileId> visited;
  const bool follow_all = o.follow_links == FollowLinks::all;
  std::vector<std::string> level;
  if (!all) level.push_back(root);  // otherwise listed already
  for (int depth = 1; !level.empty() && (!o.maxdepth || depth <= *o.maxdepth); ++depth) {
    fold.next.clear();
    if (follow_all) std::sort(level.begin(), level.end());
    co_await list_level(level, o, std::is_same_v<Item, FileInfo>, follow_all ? &visited : nullptr,
                        &fold);
    level = std::move(fold.next);
  }
  // Sorted by name, each name once (a listing may name an entry twice).
  auto name = [](const Item& i) -> const std::string& {
    if constexpr (std::is_same_v<Item, std::string>) {
      return i;
    } else {
      return i.name;
    }
  };
  std::size_t skip = root.size();
  for (const Item& i : out) {
    if (name(i).compare(0, skip, root) != 0) skip = 0;
  }
  sort_unique_by_name(out, name, skip);
  co_return out;
}

Task<std::vector<FileInfo>> FileSystem::async_find_info(std::string p, FindOptions o) {
  co_return co_await walk_tree<FileInfo>(strip_protocol(p), o);
}

Task<std::vector<std::string>> FileSystem::async_find(std::string p, FindOptions o) {
  co_return co_await walk_tree<std::string>(strip_protocol(p), o);
}

Task<std::vector<WalkEntry>> FileSystem::async_walk(std::string p, std::optional<int> maxdepth) {
  co_return co_await async_walk(std::move(p), WalkOptions{.maxdepth = maxdepth});
}

// The levels are listed as find's are: the whole tree in one listing where the store has one
// (do_find_below), else a level at a time and each level at once; the entries are then put in
// os.walk's depth-first order, which does not depend on when listings arrived.
Task<std::vector<WalkEntry>> FileSystem::async_walk(std::string p, WalkOptions w) {
  std::string root = strip_protocol(p);
  const FindOptions o{.maxdepth = w.maxdepth,
                      .batch_size = w.batch_size,
                      .follow_links = w.follow_links,
                      .on_error = w.on_error,
                      .on_error_call = std::move(w.on_error_call)};
  check_find_options("walk", root, o);
  FileInfo root_info = co_await do_info(root);
  if (!root_info.is_dir()) throw NotADirectoryError("walk", root, "a walk starts at a directory");
  std::vector<WalkEntry> entries;
  std::vector<std::vector<std::size_t>> children;  // each entry's subdirectories' entries
  if (leaf_root(root_info, o.follow_links)) co_return entries;  // a link, not followed
  std::set<std::string> seen{root};
  std::set<FileId> visited;
  const bool follow_all = o.follow_links == FollowLinks::all;
  // A store that lists a whole tree at once (S3) is asked once, as find asks it; its entries
  // are then grouped by parent into the listings a level walk would have made. A failure is
  // the root listing's, and on_error treats it as such.
  std::optional<std::map<std::string, std::vector<FileInfo>>> by_parent;
  try {
    if (std::optional<std::vector<FileInfo>> all = co_await do_find_below(root)) {
      by_parent.emplace();
      for (FileInfo& e : *all) (*by_parent)[path::parent(e.name)].push_back(std::move(e));
    }
  } catch (...) {
    if (o.on_error == OnError::raise || stops_walk(std::current_exception())) throw;
    if (o.on_error_call) o.on_error_call(std::current_exception());
    co_return entries;
  }
  // The directories of the level, with the entry of the parent that named each.
  std::vector<std::string> level{root};
  std::vector<std::optional<std::size_t>> parents{std::nullopt};
  for (int depth = 1; !level.empty() && (!o.maxdepth || depth <= *o.maxdepth); ++depth) {
    // A directory skipped (visited, or not listable and omitted) has no entry of its own.
    std::vector<std::optional<std::vector<FileInfo>>> listings(level.size());
    if (by_parent) {
      for (std::size_t k = 0; k < level.size(); ++k) {
        auto it = by_parent->find(level[k]);
        listings[k] = it != by_parent->end() ? std::move(it->second) : std::vector<FileInfo>();
      }
    } else {
      auto take = [&listings](std::size_t k, std::vector<FileInfo> l) {
        listings[k] = std::move(l);
      };
      co_await list_level(level, o, false, follow_all ? &visited : nullptr, &take);
    }
    std::vector<std::string> next;
    std::vector<std::optional<std::size_t>> next_parents;
    for (std::size_t k = 0; k < level.size(); ++k) {
      if (!listings[k]) continue;
      const std::size_t index = entries.size();
      if (parents[k]) children[*parents[k]].push_back(index);
      WalkEntry e{level[k], {}, {}};
      for (FileInfo& i : *listings[k]) {
        if (descends(i, o.follow_links)) {
          if (!seen.insert(i.name).second) continue;
          e.dirs.emplace_back(path::basename(i.name));
          next.push_back(i.name);
          next_parents.push_back(index);
        } else {
          e.files.emplace_back(path::basename(i.name));
        }
      }
      std::sort(e.dirs.begin(), e.dirs.end());
      std::sort(e.files.begin(), e.files.end());
      entries.push_back(std::move(e));
      children.emplace_back();
    }
    // In name order: following links, the name listed of a directory reached by several is
    // then the first, whatever order the listings came in.
    std::vector<std::size_t> order(next.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(),
              [&next](std::size_t x, std::size_t y) { return next[x] < next[y]; });
    level.clear();
    parents.clear();
    for (std::size_t i : order) {
      level.push_back(std::move(next[i]));
      parents.push_back(next_parents[i]);
    }
  }
  // Depth-first from the root, subdirectories in name order.
  for (auto& c : children) {
    std::sort(c.begin(), c.end(), [&entries](std::size_t x, std::size_t y) {
      return path::basename(entries[x].root) < path::basename(entries[y].root);
    });
  }
  std::vector<WalkEntry> out;
  out.reserve(entries.size());
  if (entries.empty()) co_return out;  // the root itself could not be listed (omitted)
  struct Frame {
    std::size_t entry;
    std::size_t next_child;
  };
  std::vector<Frame> stack{{0, 0}};
  if (w.topdown) out.push_back(std::move(entries[0]));
  while (!stack.empty()) {
    Frame& f = stack.back();
    if (f.next_child < children[f.entry].size()) {
      const std::size_t c = children[f.entry][f.next_child++];
      if (w.topdown) out.push_back(std::move(entries[c]));
      stack.push_back({c, 0});
      continue;
    }
    if (!w.topdown) out.push_back(std::move(entries[f.entry]));
    stack.pop_back();
  }
  co_return out;
}

Task<std::vector<std::string>> FileSystem::async_glob(std::string pattern,
                                                      std::optional<int> maxdepth) {
  co_return co_await async_glob(std::move(pattern), FindOptions{.maxdepth = maxdepth});
}

Task<std::vector<std::string>> FileSystem::async_glob(std::string pattern, FindOptions o) {
  std::vector<TreeName> found = co_await glob_names(std::move(pattern), std::move(o));
  std::vector<std::string> out;
  out.reserve(found.size());
  for (TreeName& i : found) out.push_back(std::move(i.name));
  co_return out;
}

Task<std::vector<FileSystem::TreeName>> FileSystem::glob_names(std::string pattern, FindOptions o) {
  std::string s = strip_protocol(pattern);
  check_find_options("glob", pattern, o);
  const bool dirs_only = path::has_trailing_slash(pattern);
  const std::string_view magic = glob_magic();
  std::vector<TreeName> out;
  if (!path::has_magic(s, magic)) {
    if (std::optional<FileInfo> i = co_await async_try_info(s)) {
      i->name = std::move(s);
      out.emplace_back(std::move(*i));
    }
    co_return out;
  }
  path::Glob g(s, magic);
  std::string root = g.root().empty() ? strip_protocol("/") : g.root();
  FindOptions walk = o;
  // maxdepth bounds what `**` spans, counted from where it stands (fsspec's rule).
  walk.maxdepth = g.depth(o.maxdepth);
  walk.withdirs = true;
  // The part before the first glob character is a path the caller wrote, resolved as any path
  // is: only links found below it are subject to follow_links.
  if (walk.follow_links == FollowLinks::none) walk.follow_links = FollowLinks::start;
  // A root that is not there matches nothing.
  std::optional<FileInfo> root_info = co_await do_try_info(root);
  if (!root_info) co_return out;
  std::vector<TreeName> all = co_await walk_tree<TreeName>(root, walk, std::move(root_info));
  for (TreeName& i : all) {
    if (dirs_only && !i.is_dir) continue;
    if (g.matches(i.name)) out.push_back(std::move(i));
  }
  co_return out;
}

Task<std::uint64_t> FileSystem::async_du(std::string p, std::optional<int> maxdepth) {
  co_return co_await async_du(std::move(p), FindOptions{.maxdepth = maxdepth});
}

Task<std::uint64_t> FileSystem::async_du(std::string p, FindOptions o) {
  o.withdirs = false;
  std::uint64_t total = 0;
  for (const FileInfo& i : co_await async_find_info(std::move(p), std::move(o))) {
    if (!i.is_dir()) total += i.size;  // a link to a directory not followed
  }
  co_return total;
}

Task<std::map<std::string, std::uint64_t>> FileSystem::async_du_per_path(std::string p,
                                                                         FindOptions o) {
  std::map<std::string, std::uint64_t> out;
  for (FileInfo& i : co_await async_find_info(std::move(p), std::move(o))) {
    const std::uint64_t size = i.is_dir() ? 0 : i.size;
    out.emplace_hint(out.end(), std::move(i.name), size);  // find's order is sorted
  }
  co_return out;
}

namespace detail {

/// glob with the type of each match, for expand_path: its callers then ask nothing again.
struct GlobAccess {
  static Task<Expansion> glob(FileSystem& fs, std::string pattern, FindOptions o) {
    Expansion out;
    for (FileSystem::TreeName& i : co_await fs.glob_names(std::move(pattern), std::move(o)))
      out.push_back({std::move(i.name), i.is_dir});
    co_return out;
  }
  /// The gather options of expand_path's lookups: the filesystem's batch size.
  static GatherOptions lookups(const FileSystem& fs, const std::optional<BatchSize>& batch) {
    return {.batch_size = fs.resolve_batch("expand_path", batch, fs.opens_local_files())};
  }
};

namespace {

void sort_unique(Expansion& e) {
  auto by_path = [](const Expanded& a, const Expanded& b) { return a.path < b.path; };
  if (!std::is_sorted(e.begin(), e.end(), by_path)) std::sort(e.begin(), e.end(), by_path);
  std::size_t kept = 0;
  for (Expanded& x : e) {
    if (kept > 0 && e[kept - 1].path == x.path) {
      Expanded& k = e[kept - 1];
      if (x.is_dir) k.is_dir = *x.is_dir || k.is_dir.value_or(false);
      k.islink = k.islink || x.islink;
    } else {
      if (&e[kept] != &x) e[kept] = std::move(x);
      ++kept;
    }
  }
  e.resize(kept);
}

}  // namespace

Task<bool> exists_as_written(FileSystem& fs, std::string p) {
  co_return co_await fs.async_exists(std::move(p));
}

namespace {

/// What one path of expand_path stands for: the matches of a glob, or with `recursive` the
/// tree below it, with the path itself (its kind unknown unless the walk found it).
Task<Expansion> expand_one(FileSystem& fs, std::string raw, bool recursive,
                           std::optional<int> maxdepth, FollowLinks follow, OnError walk_errors) {
  Expansion out;
  auto add_walk = [&out](std::vector<FileInfo> found) {
    for (FileInfo& i : found) out.push_back({std::move(i.name), i.is_dir(), i.islink});
  };
  std::string p = fs.strip_protocol(raw);
  // Unlike fsspec's expand_path, which always globs a path with glob characters, a path that
  // exists as written is that path: rm("a[1].txt") removes "a[1].txt", not "a1.txt".
  if (path::has_magic(p, fs.glob_magic()) && !co_await exists_as_written(fs, p)) {
    out = co_await GlobAccess::glob(
        fs, raw,
        FindOptions{.maxdepth = maxdepth, .follow_links = follow, .on_error = walk_errors});
    // The glob took maxdepth's first level; a walk below each directory it matched takes the
    // rest (fsspec's expand_path).
    if (recursive && !(maxdepth && *maxdepth <= 1)) {
      std::optional<int> deeper = maxdepth ? std::optional(*maxdepth - 1) : std::nullopt;
      std::vector<std::string> dirs;
      for (const Expanded& hit : out)
        if (hit.is_dir.value_or(true)) dirs.push_back(hit.path);
      for (const std::string& h : dirs) {
        add_walk(co_await fs.async_find_info(h, {.maxdepth = deeper,
                                                 .withdirs = true,
                                                 .follow_links = follow,
                                                 .on_error = walk_errors}));
      }
    }
    co_return out;
  }
  if (recursive) {
    add_walk(co_await fs.async_find_info(
        p,
        {.maxdepth = maxdepth, .withdirs = true, .follow_links = follow, .on_error = walk_errors}));
  }
  out.push_back({std::move(p)});
  co_return out;
}

}  // namespace

// A vector sorted once, not a map of infos: cat and rm of many plain paths spend little here.
// Paths that need a lookup (a glob, a walk) are looked up concurrently, in one gather: over
// HTTP or S3 each is one request or more.
Task<Expansion> expand_with_info(FileSystem& fs, std::vector<std::string> paths, bool recursive,
                                 std::optional<int> maxdepth, FollowLinks follow, OnError on_error,
                                 std::optional<BatchSize> batch) {
  if (maxdepth && *maxdepth < 1)
    throw InvalidArgumentError("expand_path", paths.empty() ? "" : paths.front(),
                               "maxdepth must be at least 1");
  const OnError walk_errors = on_error == OnError::raise ? OnError::raise : OnError::omit;
  Expansion out;
  out.reserve(paths.size());
  std::vector<std::size_t> looked_up;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (recursive || path::has_magic(fs.strip_protocol(paths[i]), fs.glob_magic())) {
      looked_up.push_back(i);
    } else {
      out.push_back({fs.strip_protocol(paths[i])});  // a plain name: nothing to ask
    }
  }
  if (!looked_up.empty()) {
    auto lookup = [&](std::size_t i) {
      return expand_one(fs, paths[i], recursive, maxdepth, follow, walk_errors);
    };
    GatherOptions g = GlobAccess::lookups(fs, batch);
    for (Outcome<Expansion>& found : co_await gather(looked_up | std::views::transform(lookup), g))
      for (Expanded& x : found.value()) out.push_back(std::move(x));
  }
  if (out.empty()) {
    std::string all;
    for (const auto& p : paths) all += (all.empty() ? "" : ", ") + p;
    throw FileNotFoundError("expand_path", all, "nothing matches");
  }
  sort_unique(out);
  co_return out;
}

}  // namespace detail

Task<std::vector<std::string>> FileSystem::async_expand_path(std::vector<std::string> paths,
                                                             bool recursive,
                                                             std::optional<int> maxdepth) {
  detail::Expansion e = co_await detail::expand_with_info(
      *this, std::move(paths), recursive, maxdepth, FollowLinks::start, OnError::raise);
  std::vector<std::string> out;
  out.reserve(e.size());
  for (detail::Expanded& x : e) out.push_back(std::move(x.path));
  co_return out;
}

}  // namespace cofs
