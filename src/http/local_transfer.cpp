#include "http/local_transfer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "cofs/fs/errors.hpp"
#include "cofs/runtime/thread_pool.hpp"

namespace cofs::http::detail {
namespace {

constexpr std::size_t kChunk = 1 << 20;  // get_file's chunk

}  // namespace

Task<std::unique_ptr<UploadSource>> UploadSource::open(IoLoop& loop, std::string lpath) {
  struct Opened {
    int fd = -1;
    int err = 0;
    struct stat st {};
  };
  Opened o = co_await run_blocking(loop, [&lpath] {
    Opened r;
    r.fd = ::open(lpath.c_str(), O_RDONLY | O_CLOEXEC);
    if (r.fd >= 0 && ::fstat(r.fd, &r.st) != 0) r.err = errno;
    if (r.fd < 0) r.err = errno;
    return r;
  });
  // Owned from here, so that every exit below closes it.
  auto src =
      std::make_unique<UploadSource>(loop, lpath, o.fd, static_cast<std::uint64_t>(o.st.st_size));
  if (o.err != 0) throw_errno(o.err, "put_file", lpath);
  if (S_ISDIR(o.st.st_mode))
    throw IsADirectoryError("put_file", lpath, "is a directory: use put(recursive)");
  co_return src;
}

UploadSource::UploadSource(IoLoop& loop, std::string lpath, int fd, std::uint64_t size) noexcept
    : loop_(loop), lpath_(std::move(lpath)), fd_(fd), size_(size) {}

UploadSource::~UploadSource() {
  if (fd_ >= 0) ::close(fd_);
}

Task<std::size_t> UploadSource::read_at(std::uint64_t offset, std::span<std::byte> buf) {
  auto [n, err] = co_await run_blocking(loop_, [fd = fd_, offset, buf] {
    std::size_t done = 0;
    while (done < buf.size()) {
      ssize_t k =
          ::pread(fd, buf.data() + done, buf.size() - done, static_cast<off_t>(offset + done));
      if (k < 0 && errno == EINTR) continue;
      if (k < 0) return std::pair<std::size_t, int>{done, errno};
      if (k == 0) break;
      done += static_cast<std::size_t>(k);
    }
    return std::pair<std::size_t, int>{done, 0};
  });
  if (err != 0) throw_errno(err, "put_file", lpath_);
  co_return n;
}

BodySource UploadSource::body(Callback* cb) {
  return [this, cb](std::uint64_t offset, std::span<std::byte> buf) -> Task<std::size_t> {
    std::size_t n = co_await read_at(offset, buf);
    if (cb && offset + n > reported_) {
      cb->relative_update(offset + n - reported_);
      reported_ = offset + n;
    }
    co_return n;
  };
}

namespace {

/// Writes a chunk to get_file's local file, or with an empty chunk closes (commits) it; a
/// failure is reported as get_file's, naming the local path.
Task<void> store_chunk(AsyncFile& out, std::span<const std::byte> chunk, const std::string& lpath) {
  try {
    if (chunk.empty()) {
      co_await out.close();
    } else {
      co_await out.write(chunk);
    }
  } catch (const Error& e) {
    throw_error(e.code(), "get_file", lpath);
  }
}

}  // namespace

Task<void> append_body(BodyStream& body, AsyncFile& out, const std::string& lpath, Callback* cb) {
  for (;;) {
    std::span<const std::byte> chunk = co_await body.next(kChunk);
    if (chunk.empty()) break;
    co_await store_chunk(out, chunk, lpath);
    if (cb) cb->relative_update(chunk.size());
  }
}

Task<void> store_body(BodyStream& body, AsyncFile& out, const std::string& lpath, Callback* cb) {
  co_await append_body(body, out, lpath, cb);
  co_await store_chunk(out, {}, lpath);
}

}  // namespace cofs::http::detail
