#include "cofs/memory/memory_fs.hpp"

#include <map>
#include <mutex>
#include <set>

#include "cofs/fs/path.hpp"
#include "runtime/fork_locks.hpp"

namespace cofs {

namespace {
// Every live store, so that fork() takes their locks (see fork_locks.hpp): a child may use the
// global store while a parent's thread held its lock.
struct LiveStores {
  std::mutex mutex;
  std::set<MemoryStore*> stores;
};
LiveStores& live_stores();
}  // namespace

class MemoryStore {
 public:
  struct Node {
    FileType type = FileType::file;
    std::shared_ptr<const Bytes> data;  // files: an immutable snapshot
    FileInfo::TimePoint created;
    FileInfo::TimePoint mtime;
    std::set<std::string> children;  // directories: full paths
  };

  MemoryStore() {
    Node root;
    root.type = FileType::directory;
    root.created = root.mtime = std::chrono::system_clock::now();
    nodes_.emplace("/", std::move(root));
    LiveStores& live = live_stores();
    std::lock_guard lock(live.mutex);
    live.stores.insert(this);
  }
  ~MemoryStore() {
    LiveStores& live = live_stores();
    std::lock_guard lock(live.mutex);
    live.stores.erase(this);
  }
  MemoryStore(const MemoryStore&) = delete;
  MemoryStore& operator=(const MemoryStore&) = delete;

  std::mutex mutex;

  Node* find(const std::string& p) {
    auto it = nodes_.find(p);
    return it == nodes_.end() ? nullptr : &it->second;
  }

  FileInfo info_of(const std::string& p, const Node& n) const {
    FileInfo i;
    i.name = p;
    i.type = n.type;
    i.size = n.data ? n.data->size() : 0;
    i.mtime = n.mtime;
    i.created = n.created;
    return i;
  }

  /// Makes the directories above `p` (create_parents) or checks that its parent is one.
  void ensure_parents(const char* op, const std::string& p, bool create) {
    std::string parent = path::parent(p);
    if (parent.empty() || parent == p) return;
    Node* n = find(parent);
    if (n != nullptr) {
      if (n->type != FileType::directory) throw NotADirectoryError(op, p, parent + " is a file");
      return;
    }
    if (!create)
      throw FileNotFoundError(op, p, "the parent directory " + parent + " does not exist");
    ensure_parents(op, parent, true);
    insert(parent, FileType::directory, nullptr);
  }

  Node& insert(const std::string& p, FileType type, std::shared_ptr<const Bytes> data) {
    auto now = std::chrono::system_clock::now();
    Node& n = nodes_[p];
    n.type = type;
    n.data = std::move(data);
    n.created = n.mtime = now;
    if (p != "/") nodes_[path::parent(p)].children.insert(p);
    return n;
  }

  void erase(const std::string& p) {
    nodes_.erase(p);
    if (Node* parent = find(path::parent(p))) parent->children.erase(p);
  }

  /// Moves `src` (and everything below it) to `dst`.
  void rename(const std::string& src, const std::string& dst) {
    Node node = std::move(nodes_.at(src));
    erase(src);
    std::set<std::string> kids = std::move(node.children);
    node.children.clear();
    auto& placed = nodes_[dst];
    placed = std::move(node);
    nodes_[path::parent(dst)].children.insert(dst);
    for (const std::string& k : kids) rename(k, dst + k.substr(src.size()));
  }

 private:
  std::map<std::string, Node> nodes_;
};

namespace {
void lock_all_stores() noexcept {
  LiveStores& live = live_stores();
  live.mutex.lock();
  for (MemoryStore* s : live.stores) s->mutex.lock();
}

void unlock_all_stores() noexcept {
  LiveStores& live = live_stores();
  for (MemoryStore* s : live.stores) s->mutex.unlock();
  live.mutex.unlock();
}

LiveStores& live_stores() {
  static LiveStores* live = [] {
    auto* l = new LiveStores;  // never destroyed: stores may end during static destruction
    detail::register_fork_lock(detail::ForkLockRank::memory_stores,
                               {lock_all_stores, unlock_all_stores});
    return l;
  }();
  return *live;
}

FileInfo::TimePoint now() {
  return std::chrono::system_clock::now();
}
}  // namespace

MemoryFileSystem::MemoryFileSystem(std::shared_ptr<IoLoop> loop, MemoryOptions options)
    : FileSystem(std::move(loop)),
      store_(options.store ? std::move(options.store) : std::make_shared<MemoryStore>()) {
  if (options.batch_size) set_batch_size(options.batch_size);
}

MemoryFileSystem::~MemoryFileSystem() = default;

std::shared_ptr<MemoryStore> MemoryFileSystem::global_store() {
  static std::shared_ptr<MemoryStore> store = std::make_shared<MemoryStore>();
  return store;
}

std::shared_ptr<FileSystem> MemoryFileSystem::from_options(const Options& options,
                                                           std::shared_ptr<IoLoop> loop) {
  OptionReader r("memory", options);
  MemoryOptions o{.store = global_store()};
  if (auto b = r.integer("batch_size")) o.batch_size = static_cast<BatchSize>(*b);
  r.finish();
  return std::make_shared<MemoryFileSystem>(std::move(loop), std::move(o));
}

std::string MemoryFileSystem::strip_protocol(std::string_view p) const {
  std::string s = path::strip_protocol(p, {"memory"});
  if (s.empty() || s.front() != '/') s.insert(s.begin(), '/');
  return path::normalize(s);
}

Task<std::vector<FileInfo>> MemoryFileSystem::do_ls(std::string p) {
  std::lock_guard lock(store_->mutex);
  MemoryStore::Node* n = store_->find(p);
  if (n == nullptr) throw FileNotFoundError("ls", p, "no such file or directory");
  std::vector<FileInfo> out;
  if (n->type != FileType::directory) {
    out.push_back(store_->info_of(p, *n));
    co_return out;
  }
  out.reserve(n->children.size());
  for (const std::string& c : n->children) out.push_back(store_->info_of(c, *store_->find(c)));
  co_return out;
}

Task<FileInfo> MemoryFileSystem::do_info(std::string p) {
  std::lock_guard lock(store_->mutex);
  MemoryStore::Node* n = store_->find(p);
  if (n == nullptr) throw FileNotFoundError("info", p, "no such file or directory");
  co_return store_->info_of(p, *n);
}

Task<std::optional<FileInfo>> MemoryFileSystem::do_try_info(std::string p) {
  std::lock_guard lock(store_->mutex);
  MemoryStore::Node* n = store_->find(p);
  if (n == nullptr) co_return std::nullopt;
  co_return store_->info_of(p, *n);
}

Task<Bytes> MemoryFileSystem::do_cat_file(std::string p, std::optional<std::int64_t> start,
                                          std::optional<std::int64_t> end) {
  std::shared_ptr<const Bytes> data;
  {
    std::lock_guard lock(store_->mutex);
    MemoryStore::Node* n = store_->find(p);
    if (n == nullptr) throw FileNotFoundError("cat_file", p, "no such file");
    if (n->type == FileType::directory) throw IsADirectoryError("cat_file", p, "is a directory");
    data = n->data;
  }
  auto [s, e] = resolve_range("cat_file", p, start, end, data->size());
  co_return Bytes(data->data() + s, e - s);
}

Task<void> MemoryFileSystem::do_pipe_file(std::string p, Bytes data) {
  auto snapshot = std::make_shared<const Bytes>(std::move(data));
  std::lock_guard lock(store_->mutex);
  if (MemoryStore::Node* n = store_->find(p)) {
    if (n->type == FileType::directory) throw IsADirectoryError("pipe_file", p, "is a directory");
    n->data = std::move(snapshot);
    n->mtime = now();
    co_return;
  }
  store_->ensure_parents("pipe_file", p, true);
  store_->insert(p, FileType::file, std::move(snapshot));
  co_return;
}

Task<void> MemoryFileSystem::do_rm_file(std::string p) {
  std::lock_guard lock(store_->mutex);
  MemoryStore::Node* n = store_->find(p);
  if (n == nullptr) throw FileNotFoundError("rm_file", p, "no such file");
  if (n->type == FileType::directory)
    throw IsADirectoryError("rm_file", p, "is a directory: use rmdir or rm(recursive)");
  store_->erase(p);
  co_return;
}

Task<void> MemoryFileSystem::do_mkdir(std::string p, bool create_parents) {
  std::lock_guard lock(store_->mutex);
  if (store_->find(p) != nullptr) throw FileExistsError("mkdir", p, "exists");
  store_->ensure_parents("mkdir", p, create_parents);
  store_->insert(p, FileType::directory, nullptr);
  co_return;
}

Task<void> MemoryFileSystem::do_rmdir(std::string p) {
  std::lock_guard lock(store_->mutex);
  MemoryStore::Node* n = store_->find(p);
  if (n == nullptr) throw FileNotFoundError("rmdir", p, "no such directory");
  if (n->type != FileType::directory) throw NotADirectoryError("rmdir", p, "not a directory");
  if (!n->children.empty())
    throw DirectoryNotEmptyError("rmdir", p,
                                 std::to_string(n->children.size()) + " entries below it");
  if (p == "/") throw PermissionError("rmdir", p, "the root cannot be removed");
  store_->erase(p);
  co_return;
}

Task<std::unique_ptr<AsyncFile>> MemoryFileSystem::do_open(std::string p, OpenMode mode,
                                                           OpenOptions options) {
  if (mode.write) {
    std::lock_guard lock(store_->mutex);
    MemoryStore::Node* n = store_->find(p);
    if (n && n->type == FileType::directory) throw IsADirectoryError("open", p, "is a directory");
    if (!n) store_->ensure_parents("open", p, true);
  }
  co_return co_await ObjectFile::open(*this, std::move(p), std::move(mode), options, 64 * 1024);
}

Task<void> MemoryFileSystem::do_cp_file(std::string src, std::string dst) {
  std::lock_guard lock(store_->mutex);
  MemoryStore::Node* n = store_->find(src);
  if (n == nullptr) throw FileNotFoundError("cp_file", src, "no such file");
  if (n->type == FileType::directory)
    throw IsADirectoryError("cp_file", src, "is a directory: use copy(recursive)");
  std::shared_ptr<const Bytes> data = n->data;  // shared, not copied: snapshots are immutable
  if (MemoryStore::Node* d = store_->find(dst)) {
    if (d->type == FileType::directory) throw IsADirectoryError("cp_file", dst, "is a directory");
    d->data = std::move(data);
    d->mtime = now();
    co_return;
  }
  store_->ensure_parents("cp_file", dst, true);
  store_->insert(dst, FileType::file, std::move(data));
  co_return;
}

Task<void> MemoryFileSystem::do_mv_file(std::string src, std::string dst) {
  std::lock_guard lock(store_->mutex);
  MemoryStore::Node* n = store_->find(src);
  if (n == nullptr) throw FileNotFoundError("mv", src, "no such file or directory");
  if (src == "/") throw PermissionError("mv", src, "the root cannot be moved");
  if (dst.compare(0, src.size() + 1, src + "/") == 0)
    throw InvalidArgumentError("mv", src, "cannot move a directory into itself (" + dst + ")");
  if (MemoryStore::Node* d = store_->find(dst)) {
    if (d->type == FileType::directory && n->type != FileType::directory)
      throw IsADirectoryError("mv", dst, "is a directory");
    if (d->type == FileType::directory && !d->children.empty())
      throw DirectoryNotEmptyError("mv", dst, "the destination directory is not empty");
    if (d->type != FileType::directory && n->type == FileType::directory)
      throw NotADirectoryError("mv", dst, "cannot replace a file by a directory");
    store_->erase(dst);
  }
  store_->ensure_parents("mv", dst, true);
  store_->rename(src, dst);
  co_return;
}

Task<void> MemoryFileSystem::do_touch(std::string p, bool truncate) {
  {
    std::lock_guard lock(store_->mutex);
    if (MemoryStore::Node* n = store_->find(p)) {
      if (n->type == FileType::directory) {
        n->mtime = now();
        co_return;
      }
      if (!truncate) {
        n->mtime = now();
        co_return;
      }
    }
  }
  co_await async_pipe_file(p, Bytes());
}

}  // namespace cofs
