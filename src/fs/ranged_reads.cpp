// Reads of part of one file built on cat_file: head, tail and read_block (with its delimiter
// search).
#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "cofs/fs/filesystem.hpp"

namespace cofs {

Task<Bytes> FileSystem::async_head(std::string p, std::uint64_t size) {
  co_return co_await async_cat_file(std::move(p), 0, static_cast<std::int64_t>(size));
}

Task<Bytes> FileSystem::async_tail(std::string p, std::uint64_t size) {
  if (size == 0) co_return Bytes();
  co_return co_await async_cat_file(std::move(p), -static_cast<std::int64_t>(size));
}

namespace {

/// Position just past the first `delim` at or after `from` (or the file size when none).
Task<std::pair<std::uint64_t, bool>> seek_delimiter(FileSystem& fs, const std::string& p,
                                                    std::uint64_t from, std::uint64_t size,
                                                    const std::string& delim) {
  constexpr std::uint64_t kBlock = 1 << 16;
  if (from == 0) co_return std::pair{std::uint64_t{0}, false};
  std::string carry;
  std::uint64_t pos = from;
  while (pos < size) {
    std::uint64_t end = std::min(size, pos + kBlock);
    Bytes b = co_await fs.async_cat_file(p, static_cast<std::int64_t>(pos),
                                         static_cast<std::int64_t>(end));
    std::string window = carry + b.str();
    auto hit = window.find(delim);
    if (hit != std::string::npos) {
      co_return std::pair{pos - carry.size() + hit + delim.size(), true};
    }
    carry =
        window.size() >= delim.size() ? window.substr(window.size() - delim.size() + 1) : window;
    pos = end;
  }
  co_return std::pair{size, false};
}

}  // namespace

Task<Bytes> FileSystem::async_read_block(std::string p, std::uint64_t offset,
                                         std::optional<std::uint64_t> length,
                                         std::optional<std::string> delimiter) {
  std::string s = strip_protocol(p);
  if (delimiter && delimiter->empty())
    throw InvalidArgumentError("read_block", s, "the delimiter is empty");
  std::uint64_t start = offset;
  std::optional<std::uint64_t> end = length ? std::optional(offset + *length) : std::nullopt;
  if (delimiter) {
    std::uint64_t size = (co_await do_info(s)).size;
    // An offset past the end finds no delimiter: the block is empty, as everywhere past the end.
    start = (co_await seek_delimiter(*this, s, offset, size, *delimiter)).first;
    if (end) {
      // As fsspec: the end is the delimiter after offset+length, whatever the start was, so
      // that blocks tiling a file give each record exactly once.
      end = std::max(start, (co_await seek_delimiter(*this, s, *end, size, *delimiter)).first);
    }
  }
  co_return co_await do_cat_file(
      s, static_cast<std::int64_t>(start),
      end ? std::optional(static_cast<std::int64_t>(*end)) : std::nullopt);
}

}  // namespace cofs
