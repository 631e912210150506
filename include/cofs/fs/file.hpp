// File objects. AsyncFile is aiofile's shape over any backend: read(n), write, seek, tell,
// readline, chunk and line iteration, flush, fsync, close; with a read buffer (so that small reads
// and lines cost no IO each) and a write buffer. A backend supplies the raw positional primitives.
// ObjectFile is the AsyncFile of stores without positional writes (memory, HTTP): reads are
// ranges of cat_file, writes are staged and stored whole by pipe_file at close. File is the
// blocking twin, served by the IO loop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "cofs/export.hpp"
#include "cofs/fs/bytes.hpp"
#include "cofs/runtime/io_loop.hpp"
#include "cofs/runtime/task.hpp"

namespace cofs {

class FileSystem;

/// A parsed open mode: "r", "w", "a", "x", each optionally with "+" and "b" or "t".
struct COFS_API OpenMode {
  bool read = false;
  bool write = false;
  bool append = false;     // "a": every write goes to the end
  bool create = false;     // "w", "a", "x"
  bool truncate = false;   // "w"
  bool exclusive = false;  // "x": fails when the file exists
  bool text = false;       // "t": accepted; the bytes are the same (no newline translation)
  std::string spelling;

  /// Throws InvalidArgumentError naming `path` for anything but the modes above.
  static OpenMode parse(std::string_view mode, std::string_view path);
};

enum class Whence { set = 0, cur = 1, end = 2 };

struct COFS_API OpenOptions {
  std::size_t block_size = 0;         // read-ahead and write-buffer size; 0: the backend's default
  std::optional<std::uint64_t> size;  // the file's size when the caller knows it (saves an info)
  /// Writing: the target is replaced whole at close, never seen half written (local files write a
  /// temporary file beside it; stores of whole objects always do). An AsyncFile destroyed without
  /// close(), or whose writes failed, leaves the target as it was (a blocking File closes when
  /// destroyed, so it commits what was written).
  bool atomic = false;
};

class COFS_API AsyncFile {
 public:
  AsyncFile(IoLoop& loop, std::string path, OpenMode mode, std::size_t block_size);
  /// Does not flush: a destructor cannot wait. close() a file that was written to.
  virtual ~AsyncFile() = default;
  AsyncFile(const AsyncFile&) = delete;
  AsyncFile& operator=(const AsyncFile&) = delete;

  const std::string& path() const noexcept { return path_; }
  const OpenMode& mode() const noexcept { return mode_; }
  bool closed() const noexcept { return closed_; }
  bool readable() const noexcept { return mode_.read; }
  bool writable() const noexcept { return mode_.write; }
  IoLoop& loop() const noexcept { return loop_; }

  /// Up to `n` bytes from the position (n < 0: to the end). Empty at the end of the file.
  Task<Bytes> read(std::int64_t n = -1);
  /// Buffers `data` (copied before this returns) at the position; returns its length.
  Task<std::size_t> write(std::string_view data);
  Task<std::size_t> write(std::span<const std::byte> data) {
    return write(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
  }
  /// Moves the position; returns the new one. Seeking past the end is allowed (a later write
  /// leaves a hole, as POSIX says); before the start is an error.
  Task<std::uint64_t> seek(std::int64_t offset, Whence whence = Whence::set);
  std::uint64_t tell() const noexcept { return pos_; }
  /// The next line, its '\n' included (the last may lack it); empty at the end of the file.
  /// Served from the read buffer: a small line costs no IO.
  Task<Bytes> readline(std::size_t limit = static_cast<std::size_t>(-1));
  /// The next chunk of at most `size` bytes, or nullopt at the end: for iter_chunked loops.
  Task<std::optional<Bytes>> next_chunk(std::size_t size = 32768);
  /// The file's current size (written but unflushed bytes included).
  Task<std::uint64_t> size();
  Task<void> flush();
  Task<void> fsync();
  /// Flushes and releases the file. Closing twice is harmless.
  Task<void> close();

  /// `co_await lines.next()` gives each line (nullopt at the end): aiofile's `async for line`.
  class Lines {
   public:
    explicit Lines(AsyncFile& f) : f_(f) {}
    Task<std::optional<Bytes>> next();

   private:
    AsyncFile& f_;
  };
  Lines lines() { return Lines(*this); }

  /// `co_await chunks.next()` gives chunks of `size` bytes (nullopt at the end).
  class Chunks {
   public:
    Chunks(AsyncFile& f, std::size_t size) : f_(f), size_(size) {}
    Task<std::optional<Bytes>> next() { return f_.next_chunk(size_); }

   private:
    AsyncFile& f_;
    std::size_t size_;
  };
  Chunks iter_chunked(std::size_t size = 32768) { return Chunks(*this, size); }

 protected:
  /// Reads up to `n` bytes at `offset` into `dst`; fewer only at the end of the file.
  virtual Task<std::size_t> raw_read(std::uint64_t offset, std::byte* dst, std::size_t n) = 0;
  /// Writes all of `data` at `offset`.
  virtual Task<void> raw_write(std::uint64_t offset, std::span<const std::byte> data) = 0;
  /// The size of the file as stored (not counting the write buffer); nullopt for a stream.
  virtual Task<std::optional<std::uint64_t>> raw_size() = 0;
  virtual Task<void> raw_fsync() { co_return; }
  /// Releases the backend's resources (after the final flush).
  virtual Task<void> raw_close() { co_return; }

  /// Throws the error of an operation on a closed file, or one the mode does not allow.
  void check_open(const char* op) const;
  void check_readable(const char* op) const;
  void check_writable(const char* op) const;

  IoLoop& loop_;
  std::string path_;
  OpenMode mode_;
  std::size_t block_size_;
  std::uint64_t pos_ = 0;

 private:
  Task<void> flush_writes();
  Task<void> fill(std::size_t want);  // makes the read buffer hold `want` bytes at pos_ if it can

  Bytes rbuf_;  // file bytes [rbuf_off_, rbuf_off_ + rbuf_.size())
  std::uint64_t rbuf_off_ = 0;
  bool rbuf_eof_ = false;  // the read buffer reaches the end of the file
  Bytes wbuf_;             // bytes to write at wbuf_off_
  std::uint64_t wbuf_off_ = 0;
  bool closed_ = false;
};

/// The file object of a store that writes whole files (memory, HTTP, a wrapped blocking store):
/// reads are ranges of fs.cat_file; a writable file stages its bytes (loading the old contents
/// for "r+" and "a") and stores them with fs.pipe_file at close, so opened through a
/// transaction's view its write is deferred like any other.
class COFS_API ObjectFile : public AsyncFile {
 public:
  /// Opens (checks existence, loads contents for "+"/append modes) and returns the file.
  static Task<std::unique_ptr<AsyncFile>> open(FileSystem& fs, std::string path, OpenMode mode,
                                               OpenOptions options, std::size_t default_block);

 protected:
  ObjectFile(FileSystem& fs, std::string path, OpenMode mode, std::size_t block_size);
  Task<std::size_t> raw_read(std::uint64_t offset, std::byte* dst, std::size_t n) override;
  Task<void> raw_write(std::uint64_t offset, std::span<const std::byte> data) override;
  Task<std::optional<std::uint64_t>> raw_size() override;
  Task<void> raw_close() override;

 private:
  FileSystem& fs_;
  std::shared_ptr<FileSystem> keep_;   // keeps fs_ alive when it is shared-owned
  std::optional<std::uint64_t> size_;  // of the stored object (read modes)
  Bytes staged_;                       // the whole new contents (write modes)
  bool dirty_ = false;
};

/// The blocking file object: each call runs on the IO loop and waits. Closes on destruction
/// (reporting a failure to stderr; call close() to see it as an exception). One thread at a time.
class COFS_API File {
 public:
  File() = default;
  explicit File(std::unique_ptr<AsyncFile> f);
  File(File&&) noexcept = default;
  File& operator=(File&& other) noexcept;
  ~File();

  Bytes read(std::int64_t n = -1);
  std::size_t write(std::string_view data);
  std::uint64_t seek(std::int64_t offset, Whence whence = Whence::set);
  std::uint64_t tell() const;
  Bytes readline(std::size_t limit = static_cast<std::size_t>(-1));
  std::optional<Bytes> next_chunk(std::size_t size = 32768);
  std::uint64_t size();
  void flush();
  void fsync();
  void close();
  bool closed() const;
  const std::string& path() const;
  AsyncFile& async() { return *f_; }

 private:
  void close_quietly() noexcept;
  std::unique_ptr<AsyncFile> f_;
};

}  // namespace cofs
