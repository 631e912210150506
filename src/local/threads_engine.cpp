#include "local/threads_engine.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace cofs::local {
namespace {

template <class R>
R result(R r) noexcept {
  return r < 0 ? static_cast<R>(-errno) : r;
}

}  // namespace

Task<int> ThreadsEngine::open(const char* path, int flags, mode_t mode) {
  co_return co_await blocking([=] { return result(::open(path, flags | O_CLOEXEC, mode)); });
}

Task<int> ThreadsEngine::close(int fd) {
  // close() of a regular file is fast and never worth a trip to the pool.
  co_return result(::close(fd));
}

Task<long> ThreadsEngine::pread(int fd, void* buf, std::size_t n, std::uint64_t offset) {
  co_return co_await blocking(
      [=] { return result(static_cast<long>(::pread(fd, buf, n, static_cast<off_t>(offset)))); });
}

Task<long> ThreadsEngine::pwrite(int fd, const void* buf, std::size_t n, std::uint64_t offset) {
  co_return co_await blocking(
      [=] { return result(static_cast<long>(::pwrite(fd, buf, n, static_cast<off_t>(offset)))); });
}

Task<int> ThreadsEngine::fsync(int fd, bool datasync) {
  co_return co_await blocking([=] { return result(datasync ? ::fdatasync(fd) : ::fsync(fd)); });
}

Task<int> ThreadsEngine::statx(int dirfd, const char* path, int flags, struct statx* out) {
  co_return co_await blocking(
      [=] { return result(::statx(dirfd, path, flags, STATX_BASIC_STATS | STATX_BTIME, out)); });
}

Task<int> ThreadsEngine::unlink(const char* path) {
  co_return co_await blocking([=] { return result(::unlink(path)); });
}

Task<int> ThreadsEngine::rmdir(const char* path) {
  co_return co_await blocking([=] { return result(::rmdir(path)); });
}

Task<int> ThreadsEngine::rename(const char* from, const char* to) {
  co_return co_await blocking([=] { return result(::rename(from, to)); });
}

Task<int> ThreadsEngine::mkdir(const char* path, mode_t mode) {
  co_return co_await blocking([=] { return result(::mkdir(path, mode)); });
}

std::unique_ptr<Engine> make_threads_engine(IoLoop& loop) {
  return std::make_unique<ThreadsEngine>(loop);
}

}  // namespace cofs::local
