#include "cofs/fs/async_wrapper.hpp"

#include "cofs/runtime/thread_pool.hpp"

// Each awaiter is bound to a local before co_await: GCC 12 destroys a lambda temporary with
// non-trivial captures twice when it is written inside the co_await operand.

namespace cofs {

std::optional<FileInfo> BlockingFileSystem::try_info(const std::string& p) {
  try {
    return info(p);
  } catch (const FileNotFoundError&) {
  } catch (const NotADirectoryError&) {
  }
  return std::nullopt;
}

AsyncFileSystemWrapper::AsyncFileSystemWrapper(std::shared_ptr<BlockingFileSystem> impl,
                                               std::size_t max_concurrency,
                                               std::shared_ptr<IoLoop> loop)
    : FileSystem(std::move(loop)), impl_(std::move(impl)) {
  if (!impl_) throw InvalidArgumentError("AsyncFileSystemWrapper", "", "no implementation given");
  if (max_concurrency == 0)
    throw InvalidArgumentError("AsyncFileSystemWrapper", impl_->protocol(),
                               "max_concurrency must be at least 1");
  protocol_ = impl_->protocol();
  pool_ = std::make_unique<ThreadPool>(static_cast<unsigned>(max_concurrency), "cofs-wrap");
}

AsyncFileSystemWrapper::~AsyncFileSystemWrapper() = default;

Task<std::vector<FileInfo>> AsyncFileSystemWrapper::do_ls(std::string p) {
  auto op = run_blocking(loop(), *pool_, [this, p] { return impl_->ls(p); });
  co_return co_await op;
}

Task<FileInfo> AsyncFileSystemWrapper::do_info(std::string p) {
  auto op = run_blocking(loop(), *pool_, [this, p] { return impl_->info(p); });
  co_return co_await op;
}

Task<std::optional<FileInfo>> AsyncFileSystemWrapper::do_try_info(std::string p) {
  auto op = run_blocking(loop(), *pool_, [this, p] { return impl_->try_info(p); });
  co_return co_await op;
}

Task<Bytes> AsyncFileSystemWrapper::do_cat_file(std::string p, std::optional<std::int64_t> start,
                                                std::optional<std::int64_t> end) {
  auto op = run_blocking(loop(), *pool_,
                         [this, p, start, end] { return impl_->cat_file(p, start, end); });
  co_return co_await op;
}

Task<void> AsyncFileSystemWrapper::do_pipe_file(std::string p, Bytes data) {
  auto shared = std::make_shared<Bytes>(std::move(data));
  auto op = run_blocking(loop(), *pool_, [this, p, shared] { impl_->pipe_file(p, *shared); });
  co_await op;
}

Task<void> AsyncFileSystemWrapper::do_rm_file(std::string p) {
  auto op = run_blocking(loop(), *pool_, [this, p] { impl_->rm_file(p); });
  co_await op;
}

Task<void> AsyncFileSystemWrapper::do_mkdir(std::string p, bool create_parents) {
  auto op =
      run_blocking(loop(), *pool_, [this, p, create_parents] { impl_->mkdir(p, create_parents); });
  co_await op;
}

Task<void> AsyncFileSystemWrapper::do_rmdir(std::string p) {
  auto op = run_blocking(loop(), *pool_, [this, p] { impl_->rmdir(p); });
  co_await op;
}

Task<std::unique_ptr<AsyncFile>> AsyncFileSystemWrapper::do_open(std::string p, OpenMode mode,
                                                                 OpenOptions options) {
  co_return co_await ObjectFile::open(*this, std::move(p), std::move(mode), options, 64 * 1024);
}

}  // namespace cofs
