// S3FileSystem::cp_file: a copy on the server, by one CopyObject up to copy_threshold (S3 refuses
// one above 5 GiB), else by a multipart upload whose parts are ranges of the source
// (UploadPartCopy), copied concurrently and aborted when the copy fails or is cancelled.
#include <algorithm>
#include <cerrno>
#include <ranges>

#include "cofs/runtime/gather.hpp"
#include "cofs/s3/s3_fs.hpp"
#include "multipart.hpp"
#include "s3_client.hpp"
#include "s3_util.hpp"

namespace cofs {

using s3::detail::Call;
using s3::detail::Location;
using s3::detail::s3_url;
using s3::detail::split;

Task<void> S3FileSystem::do_cp_file(std::string src, std::string dst) {
  Location from = split(src);
  Location to = split(dst);
  const std::string from_url = s3::detail::check_object(from, "cp_file");
  s3::detail::check_object(to, "cp_file");
  // The source's size says how it is copied (as s3fs asks it first too).
  std::optional<FileInfo> source = co_await lookup(src, "cp_file");
  if (!source) throw FileNotFoundError("cp_file", from_url, "no such key");
  if (source->is_dir()) throw IsADirectoryError("cp_file", from_url, "is a directory");
  if (source->size > options_.copy_threshold) {
    // Named first: GCC 12 frees a temporary string of a co_await operand twice.
    std::string etag;
    if (auto it = source->extra.find("etag"); it != source->extra.end()) etag = it->second;
    const std::uint64_t size = source->size;
    co_await copy_in_parts(std::move(src), std::move(dst), size, std::move(etag));
    co_return;
  }
  Call copy;
  copy.op = "cp_file";
  copy.method = "PUT";
  copy.bucket = to.bucket;
  copy.key = to.key;
  copy.headers.emplace_back("x-amz-copy-source", s3::detail::copy_source(from));
  http::Response r = co_await client_->send(std::move(copy));
  if (r.status == 404) {
    // Name the source when it is what went missing meanwhile (not the target's bucket).
    if (!co_await lookup(src, "cp_file"))
      throw FileNotFoundError("cp_file", from_url, "no such key");
  }
  if (r.status >= 300) std::rethrow_exception(client_->error_for(r, "cp_file", to.bucket, to.key));
  s3::detail::completed(*client_, r, "cp_file", to.bucket, to.key, "CopyObject");
}

Task<void> S3FileSystem::copy_in_parts(std::string src, std::string dst, std::uint64_t size,
                                       std::string etag) {
  Location from = split(src);
  Location to = split(dst);
  // copy_part_size, or larger when the object would need more parts than S3 takes.
  const std::uint64_t part = s3::detail::part_size_for(options_.copy_part_size, size);
  const std::uint64_t parts = (size + part - 1) / part;
  s3::detail::Multipart upload(*client_, "cp_file", to.bucket, to.key);
  co_await upload.begin();
  std::exception_ptr failure;
  try {
    // Each part If-Match the ETag seen first: a source replaced meanwhile fails the copy rather
    // than mixing two versions in one object.
    auto copy_part = [&](std::uint64_t index) -> Task<void> {
      const std::uint64_t first = index * part;
      const std::uint64_t last = std::min(size, first + part) - 1;
      co_await upload.copy(static_cast<int>(index + 1), from, first, last, etag);
    };
    auto tasks = std::views::iota(std::uint64_t{0}, parts) | std::views::transform(copy_part);
    GatherOptions g{.batch_size = static_cast<BatchSize>(options_.max_concurrent_parts)};
    co_await gather(tasks, std::move(g));
    // Stores that ignore x-amz-copy-source-if-match on a part (Ceph RGW 16 does) are asked
    // once more before the parts become the object.
    std::optional<FileInfo> now = co_await lookup(src, "cp_file");
    const std::string* now_etag = nullptr;
    if (now) {
      if (auto it = now->extra.find("etag"); it != now->extra.end()) now_etag = &it->second;
    }
    if (now_etag == nullptr || *now_etag != etag) {
      throw Error({ESTALE, std::generic_category()}, "cp_file", s3_url(from.bucket, from.key),
                  "the source changed during the copy (its ETag is no longer " + etag +
                      "): its parts would mix versions");
    }
    co_await upload.complete();
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) co_await upload.abort_and_rethrow(failure);
}

}  // namespace cofs
