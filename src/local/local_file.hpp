// LocalFile: the AsyncFile of LocalFileSystem, positional reads and writes on a descriptor through
// the filesystem's engine (the threads engine for special files). Streams (pipes, sockets,
// terminals) are read and written in order, without offsets. A file opened `atomic` or inside a
// transaction's view writes through the atomic writer (replace.hpp): a temporary file beside its
// target, renamed over it at close or when the transaction commits; one destroyed unclosed, or
// whose writes failed, or closed after its transaction ended, leaves the target as it was.
#pragma once

#include <memory>
#include <string>

#include "cofs/fs/file.hpp"
#include "cofs/fs/filesystem.hpp"
#include "local/engine.hpp"
#include "local/replace.hpp"

namespace cofs::local {

class LocalFile final : public AsyncFile {
 public:
  struct Setup {
    Engine* io = nullptr;  // the engine for this descriptor
    int fd = -1;
    bool owns_fd = true;
    bool stream = false;                  // no offsets: a pipe, socket or terminal
    Replacement staged;                   // atomic: the temporary file (its descriptor is fd)
    bool durable = true;                  // atomic: fsync before the rename, the directory after
    TransactionFileSystem* tx = nullptr;  // opened through a transaction: where to defer the commit
    std::shared_ptr<FileSystem> keep;     // keeps the filesystem (or tx) alive while it is open
  };
  LocalFile(IoLoop& loop, std::string path, OpenMode mode, std::size_t block_size, Setup setup);
  ~LocalFile() override;

 protected:
  Task<std::size_t> raw_read(std::uint64_t offset, std::byte* dst, std::size_t n) override;
  Task<void> raw_write(std::uint64_t offset, std::span<const std::byte> data) override;
  Task<std::optional<std::uint64_t>> raw_size() override;
  Task<void> raw_fsync() override;
  Task<void> raw_close() override;

 private:
  bool staged() const noexcept { return !s_.staged.in_place(); }

  Setup s_;
  int write_error_ = 0;  // errno of a failed write: the staged file is not committed
};

/// open(2) flags for `mode` (without O_CLOEXEC, which the engines add).
int open_flags(const OpenMode& mode) noexcept;

}  // namespace cofs::local
