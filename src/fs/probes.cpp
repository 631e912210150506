// The questions about one path built on try_info: exists, isdir, isfile, and size. A missing
// path is an answer to them, so none learns it from an exception.
#include <optional>

#include "cofs/fs/filesystem.hpp"

namespace cofs {

Task<bool> FileSystem::async_exists(std::string p) {
  co_return (co_await async_try_info(std::move(p))).has_value();
}

Task<bool> FileSystem::async_isdir(std::string p) {
  auto i = co_await async_try_info(std::move(p));
  co_return i && i->is_dir();
}

Task<bool> FileSystem::async_isfile(std::string p) {
  auto i = co_await async_try_info(std::move(p));
  co_return i && i->is_file();
}

Task<std::uint64_t> FileSystem::async_size(std::string p) {
  co_return (co_await async_info(std::move(p))).size;
}

}  // namespace cofs
