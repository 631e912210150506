// AsyncFileSystemWrapper: makes a blocking filesystem implementation async by running its calls
// on a thread pool of its own, whose size bounds how many run at once. The loop thread never
// blocks; the wrapped implementation must be safe to call from several threads.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "cofs/export.hpp"
#include "cofs/fs/filesystem.hpp"

namespace cofs {

class ThreadPool;

/// The blocking core a user implements to wrap. Paths arrive stripped of the protocol;
/// errors are thrown as cofs exceptions (throw_errno helps), naming the operation and path.
class COFS_API BlockingFileSystem {
 public:
  virtual ~BlockingFileSystem() = default;
  virtual std::string protocol() const = 0;
  virtual Capabilities capabilities() const { return {}; }
  virtual std::vector<FileInfo> ls(const std::string& path) = 0;
  virtual FileInfo info(const std::string& path) = 0;
  /// info, or nullopt when nothing is at `path`. Default: info with FileNotFoundError and
  /// NotADirectoryError caught; override it to answer a missing path without an exception.
  virtual std::optional<FileInfo> try_info(const std::string& path);
  /// cat_file's semantics; FileSystem::resolve_range applies them to a known size.
  virtual Bytes cat_file(const std::string& path, std::optional<std::int64_t> start,
                         std::optional<std::int64_t> end) = 0;
  virtual void pipe_file(const std::string& path, const Bytes& data) = 0;
  virtual void rm_file(const std::string& path) = 0;
  virtual void mkdir(const std::string& path, bool create_parents) = 0;
  virtual void rmdir(const std::string& path) = 0;
};

class COFS_API AsyncFileSystemWrapper : public FileSystem {
 public:
  /// `max_concurrency`: the pool's threads, so the most blocking calls in flight at once.
  explicit AsyncFileSystemWrapper(std::shared_ptr<BlockingFileSystem> impl,
                                  std::size_t max_concurrency = 8,
                                  std::shared_ptr<IoLoop> loop = nullptr);
  ~AsyncFileSystemWrapper() override;

  std::string_view protocol() const override { return protocol_; }
  Capabilities capabilities() const override {
    Capabilities c = impl_->capabilities();
    c.atomic_mv = false;  // a move is a copy and a delete here
    return c;
  }
  BlockingFileSystem& wrapped() noexcept { return *impl_; }

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

 private:
  std::shared_ptr<BlockingFileSystem> impl_;
  std::string protocol_;
  std::unique_ptr<ThreadPool> pool_;
};

}  // namespace cofs
