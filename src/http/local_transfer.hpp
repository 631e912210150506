// The local side of get_file and put_file for the backends on the HTTP client (HTTP, S3): a
// local file read at offsets as an upload's body, and a response body stored to a local file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "cofs/export.hpp"
#include "cofs/fs/callback.hpp"
#include "cofs/fs/file.hpp"
#include "cofs/http/client.hpp"
#include "cofs/http/request.hpp"

namespace cofs::http::detail {

/// A local file that put_file uploads, opened and fstat'ed on the loop's blocking pool (a
/// directory is IsADirectoryError) and read there at offsets. Errors name put_file and the path.
class COFS_API UploadSource {
 public:
  static Task<std::unique_ptr<UploadSource>> open(IoLoop& loop, std::string lpath);
  UploadSource(IoLoop& loop, std::string lpath, int fd, std::uint64_t size) noexcept;
  ~UploadSource();
  UploadSource(const UploadSource&) = delete;
  UploadSource& operator=(const UploadSource&) = delete;

  std::uint64_t size() const noexcept { return size_; }
  /// Fills `buf` from `offset`; short only at the end of the file.
  Task<std::size_t> read_at(std::uint64_t offset, std::span<std::byte> buf);
  /// A request body reading the whole file, reporting new bytes to `cb` (a retried request reads
  /// from 0 again; those bytes are not reported twice). Valid while this object lives.
  BodySource body(Callback* cb);

 private:
  IoLoop& loop_;
  std::string lpath_;
  int fd_;
  std::uint64_t size_;
  std::uint64_t reported_ = 0;
};

/// Stores a response body to `out` (get_file's local target) and closes it, reporting each
/// chunk to `cb`; a failure names get_file and `lpath`.
COFS_API Task<void> store_body(BodyStream& body, AsyncFile& out, const std::string& lpath,
                               Callback* cb);
/// store_body without the close: one of several bodies written to `out` one after another (the
/// ranged parts of S3's get_file).
COFS_API Task<void> append_body(BodyStream& body, AsyncFile& out, const std::string& lpath,
                                Callback* cb);

}  // namespace cofs::http::detail
