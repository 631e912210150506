// get_file of an object larger than one part: ranged GETs of part_size, max_concurrent_parts of
// them open at once, written to the local file in order. A single GET runs at what one RGW (or S3)
// request delivers; several ranges in flight keep the server's reads overlapped, as s3transfer
// (boto3, awscli) and rclone's multi-thread download do. Memory stays small: a part waiting for
// its turn holds its stream's buffer (http::detail::kStreamCap) and curl pauses it there.
#pragma once

#include <cstdint>
#include <string>

#include "cofs/fs/callback.hpp"
#include "cofs/fs/file.hpp"
#include "s3_client.hpp"

namespace cofs::s3::detail {

struct PartedGet {
  const char* op = "get_file";
  std::string bucket;
  std::string key;
  std::string lpath;
  std::uint64_t size = 0;  // the object's, from the first part's Content-Range
  std::string etag;        // every later part is If-Match this: never two versions mixed
  std::uint64_t part = 0;
  std::size_t in_flight = 1;
};

/// Writes the object to `out` (and closes it): `first` is the open stream of bytes [0, part).
Task<void> get_in_parts(S3Client& client, PartedGet get, http::BodyStream first, AsyncFile& out,
                        Callback* cb);

/// The object's size from a ranged GET's answer: the total of "Content-Range: bytes a-b/N" (206),
/// else Content-Length (200: the store sent the whole object). Nullopt when neither says.
std::optional<std::uint64_t> object_size(const http::Response& r);

}  // namespace cofs::s3::detail
