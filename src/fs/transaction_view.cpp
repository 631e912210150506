// A transaction's view of a filesystem: writes of file contents are deferred into the
// transaction (transaction.cpp ends it); everything else goes to the filesystem viewed.
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "cofs/fs/filesystem.hpp"
#include "fs/copy_stream.hpp"

namespace cofs {

namespace {
Task<void> nothing() {
  co_return;
}
}  // namespace

TransactionFileSystem::TransactionFileSystem(FileSystem& base)
    : FileSystem(base.loop_), base_(&base), keep_(base.weak_from_this().lock()) {
  batch_size_ = base.batch_size_;
  timeout_ = base.timeout_;
}

TransactionFileSystem::~TransactionFileSystem() = default;

std::string TransactionFileSystem::strip_protocol_moved(std::string p) const {
  return base_->strip_protocol_moved(std::move(p));
}

// ---- reads, and what is not deferred: the filesystem's own
// ---------------------------------------

Task<std::vector<FileInfo>> TransactionFileSystem::do_ls(std::string p) {
  return base_->do_ls(std::move(p));
}
Task<std::vector<FileInfo>> TransactionFileSystem::do_ls_types(std::string p) {
  return base_->do_ls_types(std::move(p));
}
Task<FileInfo> TransactionFileSystem::do_info(std::string p) {
  return base_->do_info(std::move(p));
}
Task<std::optional<FileInfo>> TransactionFileSystem::do_try_info(std::string p) {
  return base_->do_try_info(std::move(p));
}
Task<std::optional<std::vector<FileInfo>>> TransactionFileSystem::do_find_below(std::string p) {
  return base_->do_find_below(std::move(p));
}

Task<std::optional<FileId>> TransactionFileSystem::do_file_id(std::string p) {
  return base_->do_file_id(std::move(p));
}
Task<Bytes> TransactionFileSystem::do_cat_file(std::string p, std::optional<std::int64_t> start,
                                               std::optional<std::int64_t> end) {
  return base_->do_cat_file(std::move(p), start, end);
}
Task<std::string> TransactionFileSystem::do_checksum(std::string p) {
  return base_->do_checksum(std::move(p));
}
// Removing, renaming and making directories act at once, as in fsspec: only contents are staged.
Task<void> TransactionFileSystem::do_rm_file(std::string p) {
  return base_->do_rm_file(std::move(p));
}
Task<void> TransactionFileSystem::do_mkdir(std::string p, bool create_parents) {
  return base_->do_mkdir(std::move(p), create_parents);
}
Task<void> TransactionFileSystem::do_makedirs(std::string p, bool exist_ok) {
  return base_->do_makedirs(std::move(p), exist_ok);
}
Task<void> TransactionFileSystem::do_rmdir(std::string p) {
  return base_->do_rmdir(std::move(p));
}
Task<void> TransactionFileSystem::do_mv_file(std::string src, std::string dst) {
  return base_->do_mv_file(std::move(src), std::move(dst));
}
// get writes local files, not this filesystem's.
Task<void> TransactionFileSystem::do_get_file(std::string rpath, std::string lpath, Callback* cb) {
  return base_->do_get_file(std::move(rpath), std::move(lpath), cb);
}
bool TransactionFileSystem::opens_local_files() const {
  return base_->opens_local_files();
}
std::optional<BatchSize> TransactionFileSystem::default_batch_cap(bool local_files) const {
  return base_->default_batch_cap(local_files);
}

// ---- writes: deferred
// ----------------------------------------------------------------------------

Task<void> TransactionFileSystem::do_pipe_file(std::string p, Bytes data) {
  auto contents = std::make_shared<Bytes>(std::move(data));
  FileSystem* base = base_;
  std::string target = p;
  defer("pipe_file", std::move(p), [base, target, contents](bool commit) -> Task<void> {
    return commit ? base->do_pipe_file(target, std::move(*contents)) : nothing();
  });
  co_return;
}

Task<std::unique_ptr<AsyncFile>> TransactionFileSystem::do_open(std::string p, OpenMode mode,
                                                                OpenOptions options) {
  if (!mode.write) co_return co_await base_->do_open(std::move(p), std::move(mode), options);
  {
    std::lock_guard lock(mutex_);
    if (ended_as_ != nullptr)
      throw InvalidArgumentError(
          "open", p,
          std::string("for writing through a transaction that has ended (") + ended_as_ + ")");
  }
  co_return co_await base_->do_open_in_transaction(std::move(p), std::move(mode), options, *this);
}

Task<void> TransactionFileSystem::do_cp_file(std::string src, std::string dst) {
  // Streamed into a file opened through the view: staged as any write is (on disk, beside its
  // target, for local files), not held in memory whole.
  FileInfo i = co_await base_->do_info(src);
  if (i.is_dir()) throw IsADirectoryError("cp_file", src, "is a directory: use copy(recursive)");
  std::unique_ptr<AsyncFile> in =
      co_await base_->do_open(src, OpenMode::parse("rb", src), {.size = i.size});
  std::unique_ptr<AsyncFile> out = co_await do_open(dst, OpenMode::parse("wb", dst), {});
  co_await detail::copy_stream(*in, *out, nullptr);
}

Task<void> TransactionFileSystem::do_touch(std::string p, bool truncate) {
  // A file made or emptied is a write, deferred; the times of one that stays are set at once.
  if (!truncate) {
    // (Not in a && operand: GCC 12 mis-compiles a co_await there.)
    std::optional<FileInfo> present = co_await base_->do_try_info(p);
    if (present) {
      co_await base_->do_touch(std::move(p), false);
      co_return;
    }
  }
  co_await do_pipe_file(std::move(p), Bytes());
}

}  // namespace cofs
