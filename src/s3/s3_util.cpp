#include "s3_util.hpp"

#include <ctime>

#include "cofs/fs/errors.hpp"

namespace cofs::s3::detail {
namespace {

std::optional<FileInfo::TimePoint> parse_with(std::string_view s, const char* format) {
  std::string text(s);
  std::tm tm{};
  const char* end = strptime(text.c_str(), format, &tm);
  if (end == nullptr) return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

}  // namespace

std::optional<FileInfo::TimePoint> parse_iso8601(std::string_view s) {
  return parse_with(s, "%Y-%m-%dT%H:%M:%S");
}

std::optional<FileInfo::TimePoint> parse_http_date(std::string_view s) {
  return parse_with(s, "%a, %d %b %Y %H:%M:%S");
}

Task<Bytes> read_all(http::BodyStream& s) {
  Bytes out;
  for (;;) {
    std::span<const std::byte> chunk = co_await s.next(64 << 10);
    if (chunk.empty()) break;
    out.append(chunk);
  }
  co_return out;
}

FileInfo directory_info(std::string name) {
  FileInfo i;
  i.name = std::move(name);
  i.type = FileType::directory;
  i.size = 0;
  return i;
}

FileInfo object_info(std::string name, const ObjectEntry& e) {
  FileInfo i;
  i.name = std::move(name);
  i.type = FileType::file;
  i.size = e.size;
  i.mtime = parse_iso8601(e.last_modified);
  i.extra["etag"] = e.etag;
  return i;
}

FileInfo object_info(std::string name, const http::Response& head) {
  FileInfo i;
  i.name = std::move(name);
  i.type = FileType::file;
  if (const std::string* cl = head.header("Content-Length")) {
    try {
      i.size = std::stoull(*cl);
    } catch (...) {
      i.size_known = false;
    }
  } else {
    i.size_known = false;
  }
  if (const std::string* lm = head.header("Last-Modified")) i.mtime = parse_http_date(*lm);
  if (const std::string* etag = head.header("ETag")) i.extra["etag"] = *etag;
  if (const std::string* ct = head.header("Content-Type")) i.extra["mimetype"] = *ct;
  return i;
}

void check_key(std::string_view key, const char* op, std::string_view path) {
  if (key.empty())
    throw InvalidArgumentError(op, path, "names a bucket, not an object (empty key)");
}

std::string check_object(const Location& loc, const char* op) {
  std::string url = s3_url(loc.bucket, loc.key);
  check_bucket(loc.bucket, op, url);
  check_key(loc.key, op, url);
  return url;
}

}  // namespace cofs::s3::detail
