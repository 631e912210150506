#include "cofs/fs/file.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "cofs/fs/errors.hpp"
#include "cofs/fs/filesystem.hpp"
#include "cofs/runtime/sync.hpp"

namespace cofs {

OpenMode OpenMode::parse(std::string_view mode, std::string_view path) {
  OpenMode m;
  m.spelling = std::string(mode);
  int kinds = 0;
  bool plus = false, b = false, t = false;
  for (char c : mode) {
    switch (c) {
      case 'r':
        m.read = true;
        ++kinds;
        break;
      case 'w':
        m.write = m.create = m.truncate = true;
        ++kinds;
        break;
      case 'a':
        m.write = m.create = m.append = true;
        ++kinds;
        break;
      case 'x':
        m.write = m.create = m.exclusive = true;
        ++kinds;
        break;
      case '+':
        if (plus) kinds = 99;
        plus = true;
        break;
      case 'b':
        if (b) kinds = 99;
        b = true;
        break;
      case 't':
        if (t) kinds = 99;
        t = true;
        break;
      default:
        kinds = 99;
    }
  }
  if (kinds != 1 || (b && t))
    throw InvalidArgumentError(
        "open", path,
        "invalid mode '" + std::string(mode) + "': use r, w, a or x, optionally with + and b or t");
  if (plus) m.read = m.write = true;
  m.text = t;
  return m;
}

AsyncFile::AsyncFile(IoLoop& loop, std::string path, OpenMode mode, std::size_t block_size)
    : loop_(loop),
      path_(std::move(path)),
      mode_(std::move(mode)),
      block_size_(block_size == 0 ? 64 * 1024 : block_size) {}

void AsyncFile::check_open(const char* op) const {
  if (closed_) throw InvalidArgumentError(op, path_, "I/O operation on a closed file");
}
void AsyncFile::check_readable(const char* op) const {
  check_open(op);
  if (!mode_.read)
    throw Error(std::make_error_code(std::errc::bad_file_descriptor), op, path_,
                "the file was opened for writing only (mode '" + mode_.spelling + "')");
}
void AsyncFile::check_writable(const char* op) const {
  check_open(op);
  if (!mode_.write)
    throw Error(std::make_error_code(std::errc::bad_file_descriptor), op, path_,
                "the file was opened read-only (mode '" + mode_.spelling + "')");
}

Task<void> AsyncFile::flush_writes() {
  if (wbuf_.empty()) co_return;
  Bytes pending = std::move(wbuf_);
  wbuf_ = Bytes();
  co_await raw_write(wbuf_off_, pending.span());
}

Task<void> AsyncFile::fill(std::size_t want) {
  const std::uint64_t end = rbuf_off_ + rbuf_.size();
  if (pos_ >= rbuf_off_ && pos_ <= end && !rbuf_.empty()) {
    std::size_t have = static_cast<std::size_t>(end - pos_);
    if (have >= want || rbuf_eof_) co_return;
  }
  std::size_t cap = std::max(want, block_size_);
  Bytes next = Bytes::uninitialized(cap);
  std::size_t kept = 0;
  if (pos_ >= rbuf_off_ && pos_ < end) {
    kept = static_cast<std::size_t>(end - pos_);
    std::memcpy(next.data(), rbuf_.data() + (pos_ - rbuf_off_), kept);
  }
  std::size_t got = co_await raw_read(pos_ + kept, next.data() + kept, cap - kept);
  next.truncate(kept + got);
  rbuf_eof_ = kept + got < cap;
  rbuf_ = std::move(next);
  rbuf_off_ = pos_;
}

namespace {
// The most a read allocates before any byte has arrived.
constexpr std::size_t kMaxUpfrontRead = std::size_t{64} << 20;
}  // namespace

Task<Bytes> AsyncFile::read(std::int64_t n) {
  check_readable("read");
  co_await flush_writes();
  if (n < 0) {
    auto stored = co_await raw_size();
    if (stored) {
      n = *stored > pos_ ? static_cast<std::int64_t>(*stored - pos_) : 0;
    } else {
      // A stream of unknown length: gather chunks until the end.
      Bytes all;
      for (;;) {
        Bytes chunk = co_await read(static_cast<std::int64_t>(block_size_));
        if (chunk.empty()) break;
        all.append(chunk.span());
      }
      co_return all;
    }
  }
  const std::size_t want = static_cast<std::size_t>(n);
  // A size the store claims (an HTTP Content-Length) or the caller asks for is not allocated at
  // once beyond a bound: the result grows as bytes arrive, and ends short at the real end.
  Bytes out = Bytes::uninitialized(std::min(want, kMaxUpfrontRead));
  std::size_t done = 0;
  const std::uint64_t end = rbuf_off_ + rbuf_.size();
  if (pos_ >= rbuf_off_ && pos_ < end) {
    done = std::min<std::size_t>(out.size(), static_cast<std::size_t>(end - pos_));
    if (done > 0) std::memcpy(out.data(), rbuf_.data() + (pos_ - rbuf_off_), done);
    pos_ += done;
  }
  while (done < want) {
    if (done == out.size()) out.resize_uninitialized(std::min(want, out.size() * 2));
    std::size_t left = out.size() - done;
    if (left >= block_size_) {
      // Large reads go straight into the result: no copy through the buffer.
      std::size_t got = co_await raw_read(pos_, out.data() + done, left);
      done += got;
      pos_ += got;
      if (got < left) break;  // the end of the file
    } else {
      co_await fill(left);
      std::size_t avail = rbuf_off_ + rbuf_.size() > pos_
                              ? static_cast<std::size_t>(rbuf_off_ + rbuf_.size() - pos_)
                              : 0;
      std::size_t take = std::min(left, avail);
      std::memcpy(out.data() + done, rbuf_.data() + (pos_ - rbuf_off_), take);
      done += take;
      pos_ += take;
      break;
    }
  }
  out.truncate(done);
  co_return out;
}

Task<Bytes> AsyncFile::readline(std::size_t limit) {
  check_readable("readline");
  co_await flush_writes();
  Bytes line;
  while (line.size() < limit) {
    co_await fill(1);
    const std::uint64_t end = rbuf_off_ + rbuf_.size();
    if (pos_ < rbuf_off_ || pos_ >= end) break;  // end of file
    const char* start = rbuf_.chars() + (pos_ - rbuf_off_);
    std::size_t avail =
        std::min<std::size_t>(static_cast<std::size_t>(end - pos_), limit - line.size());
    const void* nl = std::memchr(start, '\n', avail);
    std::size_t take = nl ? static_cast<const char*>(nl) - start + 1 : avail;
    line.append(start, take);
    pos_ += take;
    if (nl) break;
  }
  co_return line;
}

Task<std::optional<Bytes>> AsyncFile::Lines::next() {
  Bytes line = co_await f_.readline();
  if (line.empty()) co_return std::nullopt;
  co_return line;
}

Task<std::optional<Bytes>> AsyncFile::next_chunk(std::size_t size) {
  if (size == 0) throw InvalidArgumentError("iter_chunked", path_, "chunk size must be positive");
  Bytes chunk = co_await read(static_cast<std::int64_t>(size));
  if (chunk.empty()) co_return std::nullopt;
  co_return chunk;
}

Task<std::size_t> AsyncFile::write(std::string_view data) {
  check_writable("write");
  if (mode_.append) pos_ = co_await size();
  if (!wbuf_.empty() && pos_ != wbuf_off_ + wbuf_.size()) co_await flush_writes();
  if (wbuf_.empty()) wbuf_off_ = pos_;
  rbuf_.clear();  // the read buffer may hold the bytes being replaced
  rbuf_eof_ = false;
  if (data.size() >= block_size_ && wbuf_.empty()) {
    co_await raw_write(pos_, std::as_bytes(std::span(data.data(), data.size())));
  } else {
    wbuf_.append(data);
    if (wbuf_.size() >= block_size_) {
      pos_ += data.size();
      co_await flush_writes();
      co_return data.size();
    }
  }
  pos_ += data.size();
  co_return data.size();
}

Task<std::uint64_t> AsyncFile::size() {
  check_open("size");
  auto stored = co_await raw_size();
  if (!stored) throw NotSupportedError("size", path_, "the size of a streamed file is not known");
  std::uint64_t s = *stored;
  if (!wbuf_.empty()) s = std::max<std::uint64_t>(s, wbuf_off_ + wbuf_.size());
  co_return s;
}

Task<std::uint64_t> AsyncFile::seek(std::int64_t offset, Whence whence) {
  check_open("seek");
  std::int64_t base = 0;
  if (whence == Whence::cur) base = static_cast<std::int64_t>(pos_);
  if (whence == Whence::end) base = static_cast<std::int64_t>(co_await size());
  std::int64_t target = base + offset;
  if (target < 0)
    throw InvalidArgumentError("seek", path_,
                               "position " + std::to_string(target) + " is before the start");
  pos_ = static_cast<std::uint64_t>(target);
  co_return pos_;
}

Task<void> AsyncFile::flush() {
  check_open("flush");
  co_await flush_writes();
}

Task<void> AsyncFile::fsync() {
  check_open("fsync");
  co_await flush_writes();
  co_await raw_fsync();
}

Task<void> AsyncFile::close() {
  if (closed_) co_return;
  std::exception_ptr failure;
  try {
    co_await flush_writes();
  } catch (...) {
    failure = std::current_exception();
  }
  closed_ = true;
  co_await raw_close();
  if (failure) std::rethrow_exception(failure);
}

// ---- ObjectFile -------------------------------------------------------------------------------

ObjectFile::ObjectFile(FileSystem& fs, std::string path, OpenMode mode, std::size_t block_size)
    : AsyncFile(fs.loop(), std::move(path), std::move(mode), block_size),
      fs_(fs),
      keep_(fs.weak_from_this().lock()) {}

Task<std::unique_ptr<AsyncFile>> ObjectFile::open(FileSystem& fs, std::string path, OpenMode mode,
                                                  OpenOptions options, std::size_t default_block) {
  std::size_t block = options.block_size != 0 ? options.block_size : default_block;
  std::unique_ptr<ObjectFile> f(new ObjectFile(fs, path, mode, block));
  std::optional<FileInfo> existing;
  if (!mode.truncate || mode.exclusive) {
    try {
      existing = co_await fs.async_info(path);
    } catch (const FileNotFoundError&) {
      // The error is open's, not the info call's that found it out.
      if (!mode.create) throw FileNotFoundError("open", path, "no such file");
    }
  }
  if (existing && existing->is_dir()) throw IsADirectoryError("open", path, "is a directory");
  if (mode.exclusive && existing) throw FileExistsError("open", path, "mode 'x': the file exists");
  if (!mode.write) {
    f->size_ = options.size ? options.size : std::optional<std::uint64_t>(existing->size);
  } else {
    f->dirty_ = true;
    if (existing && !mode.truncate) f->staged_ = co_await fs.async_cat_file(path);
    if (mode.append) f->pos_ = f->staged_.size();
  }
  co_return f;
}

Task<std::size_t> ObjectFile::raw_read(std::uint64_t offset, std::byte* dst, std::size_t n) {
  if (mode_.write) {
    if (offset >= staged_.size()) co_return 0;
    std::size_t take = std::min<std::size_t>(n, staged_.size() - offset);
    if (take > 0) std::memcpy(dst, staged_.data() + offset, take);
    co_return take;
  }
  if (offset >= *size_ || n == 0) co_return 0;
  std::uint64_t end = std::min<std::uint64_t>(*size_, offset + n);
  Bytes got = co_await fs_.async_cat_file(path_, static_cast<std::int64_t>(offset),
                                          static_cast<std::int64_t>(end));
  if (!got.empty()) std::memcpy(dst, got.data(), got.size());
  co_return got.size();
}

Task<void> ObjectFile::raw_write(std::uint64_t offset, std::span<const std::byte> data) {
  if (offset > staged_.size()) {
    std::size_t old = staged_.size();
    staged_.resize_uninitialized(offset);
    std::memset(staged_.data() + old, 0, offset - old);  // a hole reads as zeros
  }
  std::size_t overlap = std::min<std::size_t>(data.size(), staged_.size() - offset);
  if (overlap > 0) std::memcpy(staged_.data() + offset, data.data(), overlap);
  staged_.append(data.data() + overlap, data.size() - overlap);
  co_return;
}

Task<std::optional<std::uint64_t>> ObjectFile::raw_size() {
  if (mode_.write) co_return staged_.size();
  co_return size_;
}

Task<void> ObjectFile::raw_close() {
  if (!dirty_) co_return;
  dirty_ = false;
  co_await fs_.async_pipe_file(path_, std::move(staged_));
}

// ---- File -------------------------------------------------------------------------------------

File::File(std::unique_ptr<AsyncFile> f) : f_(std::move(f)) {}

File& File::operator=(File&& other) noexcept {
  if (this != &other) {
    close_quietly();
    f_ = std::move(other.f_);
  }
  return *this;
}

File::~File() {
  close_quietly();
}

void File::close_quietly() noexcept {
  if (!f_ || f_->closed()) return;
  try {
    close();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cofs: closing %s failed: %s\n", f_->path().c_str(), e.what());
  }
}

namespace {
template <class T>
T run(AsyncFile& f, std::string_view what, Task<T> t) {
  return sync(f.loop(), std::move(t), std::nullopt, what);
}
}  // namespace

Bytes File::read(std::int64_t n) {
  return run(*f_, "read", f_->read(n));
}
std::size_t File::write(std::string_view data) {
  return run(*f_, "write", f_->write(data));
}
std::uint64_t File::seek(std::int64_t offset, Whence whence) {
  return run(*f_, "seek", f_->seek(offset, whence));
}
std::uint64_t File::tell() const {
  return f_->tell();
}
Bytes File::readline(std::size_t limit) {
  return run(*f_, "readline", f_->readline(limit));
}
std::optional<Bytes> File::next_chunk(std::size_t size) {
  return run(*f_, "read", f_->next_chunk(size));
}
std::uint64_t File::size() {
  return run(*f_, "size", f_->size());
}
void File::flush() {
  run(*f_, "flush", f_->flush());
}
void File::fsync() {
  run(*f_, "fsync", f_->fsync());
}
void File::close() {
  if (f_) run(*f_, "close", f_->close());
}
bool File::closed() const {
  return !f_ || f_->closed();
}
const std::string& File::path() const {
  return f_->path();
}

}  // namespace cofs
