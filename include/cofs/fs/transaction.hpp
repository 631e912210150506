// Transactions. `fs.transaction()` returns a Transaction: a handle that ends it, and a view of
// `fs` (tx.fs(), or tx->) through which writes are deferred until the transaction commits. Only
// what goes through the view is deferred: the filesystem itself, shared by other threads and
// coroutines (filesystem("memory") hands out one cached instance), writes at once as always. A
// view, not a per-thread or per-task mode of the filesystem, because a coroutine's writes run
// on the IO loop's thread, where every caller's do: no thread, and no task chain that gathers
// or spawns, would tell them apart. Included by filesystem.hpp.
#pragma once

#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cofs/export.hpp"
#include "cofs/fs/filesystem.hpp"

namespace cofs {

/// A view of a filesystem whose writes are deferred into one transaction: pipe_file, pipe,
/// files opened for writing (at their close), put_file and put, cp_file and copy, touch of a
/// missing file or with truncate. Reads, and operations that remove or rename (rm, rmdir, mv,
/// mkdir), go to the filesystem at once, as in fsspec: only file contents are staged. Reads do
/// not see the deferred writes. Once the transaction has ended, a write through the view is an
/// InvalidArgumentError.
class COFS_API TransactionFileSystem final : public FileSystem {
 public:
  /// Made by FileSystem::transaction(); `base` is kept alive (when shared-owned) while the view is.
  explicit TransactionFileSystem(FileSystem& base);
  ~TransactionFileSystem() override;

  FileSystem& base() const noexcept { return *base_; }
  std::string_view protocol() const override { return base_->protocol(); }
  std::string strip_protocol(std::string_view path) const override {
    return base_->strip_protocol(path);
  }
  std::string unstrip_protocol(std::string_view path) const override {
    return base_->unstrip_protocol(path);
  }
  Capabilities capabilities() const override { return base_->capabilities(); }

  /// For backends whose files stage their own writes: runs `action(commit)` when the transaction
  /// ends. `op` and `path` name the write. A later write to the same path supersedes an earlier
  /// one, which is discarded at the end (so the last write wins, as in fsspec). Throws
  /// InvalidArgumentError naming op and path once the transaction has ended (the caller then
  /// drops its staged write itself).
  void defer(std::string_view op, std::string path, std::function<Task<void>(bool commit)> action);
  /// Whether the transaction has ended (committed or discarded, or being so).
  bool ended() const;

  /// Ends the transaction: commits (stores every deferred write, concurrently) or discards.
  /// Throws the first failure; the transaction has ended either way. A transaction already ended
  /// is an InvalidArgumentError naming `op`.
  Task<void> end(std::string op, bool commit);

 protected:
  std::string strip_protocol_moved(std::string path) const override;
  Task<std::vector<FileInfo>> do_ls(std::string path) override;
  Task<std::vector<FileInfo>> do_ls_types(std::string path) override;
  Task<std::optional<std::vector<FileInfo>>> do_find_below(std::string path) override;
  Task<FileInfo> do_info(std::string path) override;
  Task<std::optional<FileInfo>> do_try_info(std::string path) override;
  Task<std::optional<FileId>> do_file_id(std::string path) override;
  Task<Bytes> do_cat_file(std::string path, std::optional<std::int64_t> start,
                          std::optional<std::int64_t> end) override;
  Task<void> do_pipe_file(std::string path, Bytes data) override;
  Task<void> do_rm_file(std::string path) override;
  Task<void> do_mkdir(std::string path, bool create_parents) override;
  Task<void> do_rmdir(std::string path) override;
  Task<std::unique_ptr<AsyncFile>> do_open(std::string path, OpenMode mode,
                                           OpenOptions options) override;
  Task<void> do_cp_file(std::string src, std::string dst) override;
  Task<void> do_mv_file(std::string src, std::string dst) override;
  Task<void> do_makedirs(std::string path, bool exist_ok) override;
  Task<void> do_touch(std::string path, bool truncate) override;
  Task<void> do_get_file(std::string rpath, std::string lpath, Callback* callback) override;
  Task<std::string> do_checksum(std::string path) override;
  bool opens_local_files() const override;
  std::optional<BatchSize> default_batch_cap(bool local_files) const override;
  FileSystem& immediate() noexcept override { return *base_; }

 private:
  friend class cofs::Transaction;
  struct Deferred {
    std::string path;
    std::function<Task<void>(bool)> action;
  };
  struct Taken {
    std::vector<Deferred> live;
    std::vector<Deferred> superseded;
  };
  /// Ends the transaction at once (later writes are refused) and takes its writes; nullopt when
  /// it had ended already.
  std::optional<Taken> take(bool commit);
  /// Commits or discards taken writes, all at once; the superseded ones are always discarded.
  Task<void> run(Taken taken, bool commit);
  std::string subject() const;  // what an error about the transaction itself names

  FileSystem* base_;
  std::shared_ptr<FileSystem> keep_;  // base_, when it is shared-owned
  mutable std::mutex mutex_;
  const char* ended_as_ = nullptr;            // "committed", "discarded"; null while open
  std::vector<Deferred> live_;                // the last write to each path
  std::map<std::string, std::size_t> index_;  // path -> its place in live_
  std::vector<Deferred> superseded_;          // earlier writes to a path: discarded at the end
};

/// What the destructor of an unended transaction reports about the discard it made.
struct COFS_API TransactionDiscarded {
  std::string_view protocol;   // of the filesystem
  bool unwinding;              // the scope was left by an exception
  std::exception_ptr failure;  // the discard's own failure (an action threw), or null
};

/// The handle of a transaction: its view (fs(), ->) and its end. commit() stores the deferred
/// writes together, discard() drops them. One left without either is discarded by its
/// destructor, which never throws: unlike fsspec's `with fs.transaction:`, leaving the scope
/// normally does not commit (see docs/fsspec-differences.md).
class COFS_API Transaction {
 public:
  using Discarded = TransactionDiscarded;
  /// Called by the destructor when it discards. Without one, a discard is reported on stderr
  /// unless it was the expected end of a scope left by an exception and went well.
  using DiscardHook = std::function<void(const Discarded&)>;

  explicit Transaction(FileSystem& fs, DiscardHook on_discard = {});
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  /// Discards an unended transaction; never throws (reports through the hook).
  ~Transaction();

  /// The view through which writes are deferred into this transaction.
  TransactionFileSystem& fs() const noexcept { return *view_; }
  TransactionFileSystem* operator->() const noexcept { return view_.get(); }
  /// The view as a shared filesystem (to hand to code that takes one).
  std::shared_ptr<FileSystem> shared_fs() const noexcept { return view_; }

  /// Stores the deferred writes together. Throws the first failure; the transaction has ended
  /// either way. Blocks: refused on the loop's own thread, where a coroutine co_awaits
  /// async_commit(). A transaction already ended is an InvalidArgumentError naming the call.
  void commit();
  /// Drops the deferred writes (blocks, as commit()).
  void discard();
  Task<void> async_commit() { return view_->end("commit", true); }
  Task<void> async_discard() { return view_->end("discard", false); }
  bool ended() const { return view_->ended(); }

 private:
  /// The discard of a transaction whose destructor ran on the loop's thread.
  static Task<void> discard_in_background(std::shared_ptr<TransactionFileSystem> view,
                                          TransactionFileSystem::Taken taken, Discarded d,
                                          DiscardHook hook);

  std::shared_ptr<TransactionFileSystem> view_;
  DiscardHook on_discard_;
  int uncaught_;
};

}  // namespace cofs
