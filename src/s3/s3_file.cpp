#include "s3_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace cofs::s3::detail {

// ---- ReadFile -----------------------------------------------------------------------------------

ReadFile::ReadFile(S3Client& client, std::shared_ptr<FileSystem> keep, Location loc, OpenMode mode,
                   std::size_t block_size, std::size_t cache_blocks, std::uint64_t size,
                   std::string etag)
    : RangeCacheFile(client.loop(), s3_url(loc.bucket, loc.key), std::move(mode), block_size,
                     cache_blocks, size),
      client_(client),
      keep_(std::move(keep)),
      loc_(std::move(loc)),
      etag_(std::move(etag)) {}

Task<Bytes> ReadFile::fetch(std::uint64_t start, std::uint64_t end) {
  Call c;
  c.op = "read";
  c.bucket = loc_.bucket;
  c.key = loc_.key;
  c.range = http::ByteRange{static_cast<std::int64_t>(start), static_cast<std::int64_t>(end)};
  if (!etag_.empty()) c.headers.emplace_back("If-Match", etag_);
  if (end - start >= (256 << 10)) c.buffer_size = 256 << 10;
  http::Response r = co_await client_.send(std::move(c));
  if (r.status == 412)
    throw Error({ESTALE, std::generic_category()}, "read", path_,
                "the object changed since it was opened (its ETag is no longer " + etag_ + ")");
  if (r.status >= 300) std::rethrow_exception(client_.error_for(r, "read", loc_.bucket, loc_.key));
  if (r.body.size() != end - start)
    throw Error({EIO, std::generic_category()}, "read", path_,
                "the range answer has " + std::to_string(r.body.size()) + " bytes, not " +
                    std::to_string(end - start));
  co_return std::move(r.body);
}

// ---- WriteFile ----------------------------------------------------------------------------------

WriteFile::WriteFile(S3Client& client, std::shared_ptr<FileSystem> keep, Location loc,
                     OpenMode mode, std::size_t block_size, std::size_t part_size)
    : AsyncFile(client.loop(), s3_url(loc.bucket, loc.key), std::move(mode), block_size),
      client_(client),
      keep_(std::move(keep)),
      loc_(loc),
      part_size_(part_size),
      upload_(client, "write", loc.bucket, loc.key) {}

WriteFile::~WriteFile() {
  upload_.abort_detached();  // nothing when completed or never begun
}

Task<std::size_t> WriteFile::raw_read(std::uint64_t, std::byte*, std::size_t) {
  throw NotSupportedError("read", path_, "the file is open for writing");
  co_return 0;
}

Task<std::optional<std::uint64_t>> WriteFile::raw_size() {
  co_return written_;
}

Task<void> WriteFile::raw_write(std::uint64_t offset, std::span<const std::byte> data) {
  if (failed_)
    throw Error({EIO, std::generic_category()}, "write", path_, "an earlier write failed");
  if (offset != written_)
    throw NotSupportedError("write", path_,
                            "an S3 object is written from start to end (no seek while writing)");
  while (!data.empty()) {
    const std::size_t k = std::min(data.size(), part_size_ - part_.size());
    part_.append(data.first(k));
    data = data.subspan(k);
    written_ += k;
    if (part_.size() == part_size_) co_await send_part();
  }
}

Task<void> WriteFile::send_part() {
  std::exception_ptr failure;
  try {
    // A streamed object's size is not known ahead, so its parts cannot grow: past S3's limit of
    // parts the write fails (and the upload is aborted) rather than store a cut object.
    if (static_cast<std::uint64_t>(next_part_) > s3::detail::kMaxParts)
      throw Error({EFBIG, std::generic_category()}, "write", path_,
                  fmt::format("an object written through open() holds at most {} parts of "
                              "part_size ({} bytes); raise part_size",
                              s3::detail::kMaxParts, part_size_));
    if (!upload_.begun()) co_await upload_.begin();
    co_await upload_.upload(next_part_, part_.span());
    ++next_part_;
    part_.clear();
  } catch (...) {
    failure = std::current_exception();
  }
  if (!failure) co_return;
  failed_ = true;
  co_await upload_.abort_and_rethrow(failure);
}

Task<void> WriteFile::finish() {
  if (!upload_.begun()) {
    // Small enough for one PUT.
    Call put;
    put.op = "write";
    put.method = "PUT";
    put.bucket = loc_.bucket;
    put.key = loc_.key;
    put.body = part_.span();
    co_await client_.send_ok(std::move(put));
    co_return;
  }
  if (!part_.empty()) co_await send_part();
  std::exception_ptr failure;
  try {
    co_await upload_.complete();
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) co_await upload_.abort_and_rethrow(failure);
}

Task<void> WriteFile::raw_close() {
  if (failed_)
    throw Error({EIO, std::generic_category()}, "close", path_, "an earlier write failed");
  co_await finish();
}

}  // namespace cofs::s3::detail
