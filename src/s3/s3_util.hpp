// Small helpers of the S3 filesystem: dates as S3 writes them, a response body read whole, and
// the FileInfo of an object or a directory.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cofs/fs/file_info.hpp"
#include "cofs/http/client.hpp"
#include "cofs/runtime/task.hpp"
#include "s3_client.hpp"
#include "xml.hpp"

namespace cofs::s3::detail {

/// "2013-09-17T18:07:53.000Z" (listings).
std::optional<FileInfo::TimePoint> parse_iso8601(std::string_view s);
/// "Wed, 12 Oct 2009 17:50:00 GMT" (Last-Modified).
std::optional<FileInfo::TimePoint> parse_http_date(std::string_view s);

/// The rest of a streamed body.
Task<Bytes> read_all(http::BodyStream& s);

FileInfo directory_info(std::string name);
FileInfo object_info(std::string name, const ObjectEntry& e);
FileInfo object_info(std::string name, const http::Response& head);

/// A path that names an object: throws InvalidArgumentError for an empty key.
void check_key(std::string_view key, const char* op, std::string_view path);
/// A location that must name an object: checks its bucket and key for `op` and returns its
/// "s3://bucket/key" (what errors name).
std::string check_object(const Location& loc, const char* op);

}  // namespace cofs::s3::detail
