// MemoryFileSystem: a complete filesystem held in memory, safe to use from many threads. The
// embedded default for examples and tests. Contents are immutable snapshots shared between
// readers and copies, so cp_file and cat of a large file copy nothing but the result.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cofs/export.hpp"
#include "cofs/fs/filesystem.hpp"

namespace cofs {

class COFS_API MemoryStore;  // the tree of one memory filesystem; opaque

struct COFS_API MemoryOptions {
  /// The tree to serve: shared with the filesystems given the same store; unset: a new one.
  std::shared_ptr<MemoryStore> store;
  std::optional<BatchSize> batch_size;  // of bulk calls; unset: the configured default
};

class COFS_API MemoryFileSystem : public FileSystem {
 public:
  explicit MemoryFileSystem(std::shared_ptr<IoLoop> loop = nullptr, MemoryOptions options = {});
  ~MemoryFileSystem() override;

  /// The store every MemoryFileSystem made by name ("memory://") shares, as in fsspec.
  static std::shared_ptr<MemoryStore> global_store();
  /// Options: batch_size.
  static std::shared_ptr<FileSystem> from_options(const Options& options,
                                                  std::shared_ptr<IoLoop> loop);

  std::string_view protocol() const override { return "memory"; }
  std::string strip_protocol(std::string_view path) const override;
  Capabilities capabilities() const override { return {.created = true, .atomic_mv = true}; }

 protected:
  Task<std::vector<FileInfo>> do_ls(std::string path) override;
  Task<FileInfo> do_info(std::string path) override;
  Task<std::optional<FileInfo>> do_try_info(std::string path) override;
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
  Task<void> do_touch(std::string path, bool truncate) override;

 private:
  std::shared_ptr<MemoryStore> store_;
};

}  // namespace cofs
