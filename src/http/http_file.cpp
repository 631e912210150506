#include "http_file.hpp"

#include <algorithm>
#include <cstring>

#include "cofs/http/errors.hpp"

namespace cofs::http::detail {
namespace {

constexpr std::size_t kFileBuffer = 64 << 10;  // the AsyncFile's own read-ahead
constexpr std::size_t kBigBuffer = 256 << 10;  // curl's receive buffer for large bodies

}  // namespace

// ---- RangeFile ----------------------------------------------------------------------------------

RangeFile::RangeFile(Client& client, std::shared_ptr<FileSystem> keep, std::string url,
                     OpenMode mode, std::size_t block_size, std::size_t cache_blocks,
                     std::uint64_t size)
    : RangeCacheFile(client.loop(), std::move(url), std::move(mode), block_size, cache_blocks,
                     size),
      client_(client),
      keep_(std::move(keep)) {}

Task<Bytes> RangeFile::fetch(std::uint64_t start, std::uint64_t end) {
  Request r;
  r.url = path_;
  r.operation = "read";
  r.range = ByteRange{static_cast<std::int64_t>(start), static_cast<std::int64_t>(end)};
  if (end - start >= kBigBuffer) r.buffer_size = kBigBuffer;
  Response resp = co_await client_.fetch(std::move(r));
  co_return std::move(resp.body);
}

// ---- StreamFile ---------------------------------------------------------------------------------

StreamFile::StreamFile(Client& client, std::shared_ptr<FileSystem> keep, std::string url,
                       OpenMode mode, std::size_t block_size, std::optional<std::uint64_t> size)
    : AsyncFile(client.loop(), std::move(url), std::move(mode),
                std::min(kFileBuffer, block_size == 0 ? kFileBuffer : block_size)),
      client_(client),
      keep_(std::move(keep)),
      size_(size) {}

StreamFile::~StreamFile() = default;

Task<void> StreamFile::restart() {
  stream_.reset();
  Request r;
  r.url = path_;
  r.operation = "read";
  r.buffer_size = kBigBuffer;
  // A file read whole holds the body in memory: the client's limit for held bodies applies.
  r.max_body_size = client_.options().max_body_size;
  stream_ = std::make_unique<BodyStream>(co_await client_.stream(std::move(r)));
  cur_ = {};
  pos_ = 0;
  eof_ = false;
}

Task<bool> StreamFile::refill(std::size_t want) {
  if (!cur_.empty()) co_return true;
  if (eof_) co_return false;
  cur_ = co_await stream_->next(std::min<std::size_t>(want, 1 << 20));
  if (cur_.empty()) eof_ = true;
  co_return !eof_;
}

Task<std::size_t> StreamFile::raw_read(std::uint64_t offset, std::byte* dst, std::size_t n) {
  if (size_ && offset >= *size_) co_return 0;
  if (!stream_ || offset < pos_) co_await restart();  // backwards: read the body again
  while (pos_ < offset) {                             // forwards: skip
    if (!co_await refill(static_cast<std::size_t>(std::min<std::uint64_t>(offset - pos_, 1 << 20))))
      co_return 0;
    std::size_t k = static_cast<std::size_t>(std::min<std::uint64_t>(cur_.size(), offset - pos_));
    cur_ = cur_.subspan(k);
    pos_ += k;
  }
  std::size_t copied = 0;
  while (copied < n) {
    if (!co_await refill(n - copied)) break;
    std::size_t k = std::min(cur_.size(), n - copied);
    std::memcpy(dst + copied, cur_.data(), k);
    cur_ = cur_.subspan(k);
    pos_ += k;
    copied += k;
  }
  co_return copied;
}

Task<void> StreamFile::raw_write(std::uint64_t, std::span<const std::byte>) {
  throw NotSupportedError("write", path_, "an HTTP file opened for reading");
  co_return;
}

Task<std::optional<std::uint64_t>> StreamFile::raw_size() {
  co_return size_;
}

Task<void> StreamFile::raw_close() {
  stream_.reset();
  cur_ = {};
  co_return;
}

}  // namespace cofs::http::detail
