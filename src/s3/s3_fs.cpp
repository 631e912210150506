// S3FileSystem: construction, paths, info and listings, reads, single-object writes, copies and
// buckets. Multipart uploads, get_file and batch deletes are in s3_transfer.cpp.
#include "cofs/s3/s3_fs.hpp"

#include <algorithm>
#include <cerrno>
#include <map>
#include <ranges>
#include <set>

#include "cofs/fs/file.hpp"
#include "cofs/runtime/gather.hpp"
#include "s3_client.hpp"
#include "s3_file.hpp"
#include "s3_util.hpp"
#include "xml.hpp"

namespace cofs {

using s3::detail::Call;
using s3::detail::check_bucket;
using s3::detail::ListPage;
using s3::detail::Location;
using s3::detail::s3_url;
using s3::detail::split;

namespace {

std::string join(const std::string& bucket, std::string_view key) {
  std::string s = bucket;
  s += '/';
  s += key;
  return s;
}

std::string without_slash(std::string_view s) {
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

S3FileSystem::S3FileSystem(std::shared_ptr<IoLoop> loop, S3Options options)
    : FileSystem(std::move(loop)), options_(std::move(options)) {
  if (options_.part_size < (5u << 20)) options_.part_size = 5u << 20;
  // S3 refuses a CopyObject above 5 GiB, and a part below 5 MiB (but the last) or above 5 GiB.
  constexpr std::uint64_t kMiB = 1 << 20;
  constexpr std::uint64_t kGiB = 1ull << 30;
  if (options_.copy_threshold > 5 * kGiB)
    throw InvalidArgumentError("s3", "copy_threshold",
                               "at most 5 GiB: S3 copies no larger object by one CopyObject");
  if (options_.copy_part_size < 5 * kMiB || options_.copy_part_size > 5 * kGiB)
    throw InvalidArgumentError("s3", "copy_part_size",
                               "5 MiB to 5 GiB: S3's limits on the size of a part");
  if (options_.max_concurrent_parts == 0) options_.max_concurrent_parts = 1;
  if (options_.block_size == 0) options_.block_size = 5 << 20;
  if (options_.batch_size) set_batch_size(options_.batch_size);
  client_ = std::make_unique<s3::detail::S3Client>(FileSystem::loop(), options_);
}

S3FileSystem::~S3FileSystem() = default;

std::string S3FileSystem::strip_protocol(std::string_view p) const {
  for (std::string_view scheme : {"s3://", "s3a://"}) {
    if (p.substr(0, scheme.size()) == scheme) {
      p.remove_prefix(scheme.size());
      break;
    }
  }
  while (!p.empty() && p.front() == '/') p.remove_prefix(1);
  return without_slash(p);
}

std::string S3FileSystem::unstrip_protocol(std::string_view p) const {
  return "s3://" + strip_protocol(p);
}

Capabilities S3FileSystem::capabilities() const {
  // Keys are flat: a "directory" is a prefix that exists while something is below it.
  return {.write = true,
          .directories = false,
          .rmdir = false,
          .read_write_modes = false,
          .mtime = true,
          .created = false,
          .list = true,
          .atomic_mv = false};
}

// ---- listings -----------------------------------------------------------------------------------

namespace s3::detail {

/// One page of ListObjectsV2, parsed as it streams in.
Task<ListPage> list_page(S3Client& client, const char* op, std::string bucket, std::string prefix,
                         bool delimited, std::string token, int max_keys) {
  Call c;
  c.op = op;
  c.bucket = bucket;
  c.subject = s3_url(bucket, prefix);
  c.query = {{"list-type", "2"}, {"prefix", prefix}};
  if (delimited) c.query.emplace_back("delimiter", "/");
  if (!token.empty()) c.query.emplace_back("continuation-token", token);
  if (max_keys > 0) c.query.emplace_back("max-keys", std::to_string(max_keys));
  http::BodyStream s = co_await client.stream(std::move(c));
  const std::string path = s3_url(bucket, prefix);
  if (s.response().status >= 300) {
    Bytes body = co_await read_all(s);
    std::rethrow_exception(client.error_for(s.response().status, body.view(), s.response().headers,
                                            op, bucket, prefix));
  }
  ListParser parser;
  try {
    for (;;) {
      std::span<const std::byte> chunk = co_await s.next(64 << 10);
      if (chunk.empty()) break;
      parser.feed(chunk);
    }
    co_return parser.finish();
  } catch (const XmlError& e) {
    throw Error({EPROTO, std::generic_category()}, op, path,
                std::string("malformed ListObjectsV2 answer: ") + e.what());
  }
}

}  // namespace s3::detail

Task<std::vector<FileInfo>> S3FileSystem::list_buckets(const char* op) {
  Call c;
  c.op = op;
  http::Response r = co_await client_->send_ok(std::move(c));
  std::vector<s3::detail::BucketEntry> buckets;
  try {
    buckets = s3::detail::parse_list_buckets(r.body.view());
  } catch (const s3::detail::XmlError& e) {
    throw Error({EPROTO, std::generic_category()}, op, "s3://",
                std::string("malformed ListBuckets answer: ") + e.what());
  }
  std::vector<FileInfo> out;
  for (auto& b : buckets) {
    FileInfo i = s3::detail::directory_info(std::move(b.name));
    if (auto t = s3::detail::parse_iso8601(b.creation_date)) i.created = t;
    out.push_back(std::move(i));
  }
  co_return out;
}

Task<std::vector<FileInfo>> S3FileSystem::do_ls(std::string path) {
  Location loc = split(path);
  if (loc.bucket.empty()) co_return co_await list_buckets("ls");
  check_bucket(loc.bucket, "ls", s3_url(loc.bucket, loc.key));
  const std::string prefix = loc.key.empty() ? std::string() : loc.key + "/";
  std::vector<FileInfo> out;
  std::string token;
  do {
    ListPage page =
        co_await s3::detail::list_page(*client_, "ls", loc.bucket, prefix, true, token, 0);
    for (auto& e : page.contents) {
      if (e.key == prefix) continue;  // a "directory marker" object stands for the prefix itself
      std::string name = join(loc.bucket, e.key);
      out.push_back(s3::detail::object_info(std::move(name), e));
    }
    for (auto& p : page.prefixes)
      out.push_back(s3::detail::directory_info(join(loc.bucket, without_slash(p))));
    token = page.truncated ? std::move(page.next_token) : std::string();
  } while (!token.empty());
  if (out.empty() && !loc.key.empty()) {
    // Nothing below: a file lists itself (as in fsspec), anything else is missing.
    std::optional<FileInfo> self = co_await lookup(path, "ls");
    if (self && self->is_file()) out.push_back(std::move(*self));
    if (!self) throw FileNotFoundError("ls", s3_url(loc.bucket, loc.key), "no such key or prefix");
  }
  std::sort(out.begin(), out.end(),
            [](const FileInfo& a, const FileInfo& b) { return a.name < b.name; });
  co_return out;
}

Task<std::optional<std::vector<FileInfo>>> S3FileSystem::do_find_below(std::string path) {
  Location loc = split(path);
  if (loc.bucket.empty()) co_return std::nullopt;  // the buckets, then each: a level at a time
  check_bucket(loc.bucket, "find", s3_url(loc.bucket, loc.key));
  const std::string prefix = loc.key.empty() ? std::string() : loc.key + "/";
  std::vector<FileInfo> out;
  std::set<std::string> dirs;  // every prefix between `path` and a key below it
  std::string token;
  do {
    ListPage page =
        co_await s3::detail::list_page(*client_, "find", loc.bucket, prefix, false, token, 0);
    for (auto& e : page.contents) {
      for (auto slash = e.key.find('/', prefix.size()); slash != std::string::npos;
           slash = e.key.find('/', slash + 1))
        dirs.insert(e.key.substr(0, slash));
      if (e.key.empty() || e.key.back() == '/')
        continue;  // a "directory marker": its prefix is a directory
      std::string name = join(loc.bucket, e.key);
      out.push_back(s3::detail::object_info(std::move(name), e));
    }
    token = page.truncated ? std::move(page.next_token) : std::string();
  } while (!token.empty());
  for (const std::string& d : dirs) out.push_back(s3::detail::directory_info(join(loc.bucket, d)));
  co_return out;
}

std::uint64_t S3FileSystem::requests_sent() const noexcept {
  return client_->requests();
}

// ---- info ---------------------------------------------------------------------------------------

Task<FileInfo> S3FileSystem::do_info(std::string path) {
  std::optional<FileInfo> i = co_await lookup(path, "info");
  if (!i) {
    Location loc = split(path);
    throw FileNotFoundError("info", s3_url(loc.bucket, loc.key), "no such key, prefix or bucket");
  }
  co_return std::move(*i);
}

Task<std::optional<FileInfo>> S3FileSystem::do_try_info(std::string path) {
  co_return co_await lookup(std::move(path), "info");
}

Task<std::optional<FileInfo>> S3FileSystem::lookup(std::string path, const char* op) {
  Location loc = split(path);
  if (loc.bucket.empty()) co_return s3::detail::directory_info("");
  const std::string url = s3_url(loc.bucket, loc.key);
  check_bucket(loc.bucket, op, url);
  Call head;
  head.op = op;
  head.method = "HEAD";
  head.bucket = loc.bucket;
  head.key = loc.key;
  http::Response r = co_await client_->send(std::move(head));
  if (r.status >= 200 && r.status < 300) {
    if (loc.key.empty()) co_return s3::detail::directory_info(loc.bucket);
    co_return s3::detail::object_info(path, r);
  }
  if (r.status != 404) std::rethrow_exception(client_->error_for(r, op, loc.bucket, loc.key));
  if (loc.key.empty()) co_return std::nullopt;
  // No such object: a directory if any key is below it (one key asked for).
  try {
    ListPage page =
        co_await s3::detail::list_page(*client_, op, loc.bucket, loc.key + "/", false, {}, 1);
    if (!page.contents.empty() || !page.prefixes.empty())
      co_return s3::detail::directory_info(path);
  } catch (const FileNotFoundError&) {
    // NoSuchBucket
  }
  co_return std::nullopt;
}

Task<std::string> S3FileSystem::do_checksum(std::string path) {
  FileInfo i = co_await do_info(path);
  auto it = i.extra.find("etag");
  if (it == i.extra.end()) {
    Location loc = split(path);
    throw IsADirectoryError("checksum", s3_url(loc.bucket, loc.key), "a directory has no ETag");
  }
  co_return it->second;
}

// ---- reading ------------------------------------------------------------------------------------

Task<Bytes> S3FileSystem::do_cat_file(std::string path, std::optional<std::int64_t> start,
                                      std::optional<std::int64_t> end) {
  co_return co_await read_range(std::move(path), start, end, nullptr);
}

Task<std::vector<Outcome<Bytes>>> S3FileSystem::do_cat_ranges(
    std::vector<std::string> paths, std::vector<std::optional<std::int64_t>> starts,
    std::vector<std::optional<std::int64_t>> ends, const GatherOptions& options) {
  std::vector<std::string> names;
  names.reserve(paths.size());
  for (const std::string& p : paths) names.push_back(strip_protocol(p));
  std::vector<std::string> etags(paths.size());  // of the version that answered each range
  auto read = [this, &names, &starts, &ends, &etags](std::size_t i) {
    return read_range(names[i], starts[i], ends[i], &etags[i]);
  };
  auto reads = std::views::iota(std::size_t{0}, names.size()) | std::views::transform(read);
  GatherOptions g = options;
  g.return_exceptions = true;
  std::vector<Outcome<Bytes>> out = co_await gather(reads, std::move(g));
  // Each range is one GET, so one version; the ranges of an object that two versions answered
  // are not returned side by side (none of them is).
  std::map<std::string_view, std::set<std::string_view>> versions;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i].ok() && !etags[i].empty()) versions[names[i]].insert(etags[i]);
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (!out[i].ok() || versions[names[i]].size() < 2) continue;
    Location loc = split(names[i]);
    out[i] = Outcome<Bytes>(std::make_exception_ptr(
        Error({ESTALE, std::generic_category()}, "cat_ranges", s3_url(loc.bucket, loc.key),
              "the object changed while its ranges were read (" +
                  std::to_string(versions[names[i]].size()) + " ETags answered)")));
  }
  if (!options.return_exceptions) {
    for (const Outcome<Bytes>& o : out) {
      if (!o.ok()) std::rethrow_exception(o.error());
    }
  }
  co_return out;
}

Task<Bytes> S3FileSystem::read_range(std::string path, std::optional<std::int64_t> start,
                                     std::optional<std::int64_t> end, std::string* version) {
  Location loc = split(path);
  const std::string url = s3::detail::check_object(loc, "cat_file");
  std::optional<http::ByteRange> range;
  std::string etag;  // of the version whose size resolved the range
  const bool needs_size = (start && *start < 0 && end) || (end && *end < 0) ||
                          (start && end && *start >= 0 && *end <= *start);
  if (needs_size) {
    FileInfo i = co_await do_info(path);
    if (i.is_dir()) throw IsADirectoryError("cat_file", url, "is a directory");
    auto [s, e] = resolve_range("cat_file", url, start, end, i.size);
    if (s == e) co_return Bytes();
    if (auto it = i.extra.find("etag"); it != i.extra.end()) etag = it->second;
    range = http::ByteRange{static_cast<std::int64_t>(s), static_cast<std::int64_t>(e)};
  } else if ((start && *start != 0) || end) {
    range = http::ByteRange{start.value_or(0), end};
  }
  Call get;
  get.op = "cat_file";
  get.bucket = loc.bucket;
  get.key = loc.key;
  get.range = range;
  get.buffer_size = 64 << 10;
  // The range was measured on the version HEAD saw: only that version may answer it.
  if (!etag.empty()) get.headers.emplace_back("If-Match", etag);
  http::Response r = co_await client_->send(std::move(get));
  if (r.status == 412)
    throw Error({ESTALE, std::generic_category()}, "cat_file", url,
                "the object changed between its size was read and the range (its ETag is no "
                "longer " +
                    etag + ")");
  if (r.status == 416) {
    // Nothing at start (or an empty object asked for a suffix): empty at the size, an error past.
    FileInfo i = co_await do_info(path);
    resolve_range("cat_file", url, start, end, i.size);
    co_return Bytes();
  }
  if (r.status == 404) {
    std::optional<FileInfo> i = co_await lookup(path, "cat_file");
    if (i && i->is_dir()) throw IsADirectoryError("cat_file", url, "is a directory");
  }
  if (r.status >= 300)
    std::rethrow_exception(client_->error_for(r, "cat_file", loc.bucket, loc.key));
  if (version != nullptr) {
    if (const std::string* answered = r.header("ETag")) *version = *answered;
  }
  co_return std::move(r.body);
}

Task<std::unique_ptr<AsyncFile>> S3FileSystem::do_open(std::string path, OpenMode mode,
                                                       OpenOptions options) {
  Location loc = split(path);
  const std::string url = s3::detail::check_object(loc, "open");
  const std::size_t block = options.block_size != 0 ? options.block_size : options_.block_size;
  auto keep = weak_from_this().lock();
  if (mode.read && !mode.write) {
    std::optional<FileInfo> i = co_await lookup(path, "open");
    if (!i) throw FileNotFoundError("open", url, "no such key");
    if (i->is_dir()) throw IsADirectoryError("open", url, "is a directory");
    auto etag = i->extra.find("etag");
    co_return std::make_unique<s3::detail::ReadFile>(
        *client_, std::move(keep), std::move(loc), std::move(mode), block, options_.cache_blocks,
        i->size, etag != i->extra.end() ? etag->second : std::string());
  }
  // Streamed as a multipart upload when written from start to end ("w", "x"); staged whole
  // otherwise (appends and "+" modes need the old contents). A transaction's writes never come
  // here: its view opens them through do_open_in_transaction, deferred to its commit.
  if (!mode.read && !mode.append) {
    if (mode.exclusive && (co_await lookup(path, "open")))
      throw FileExistsError("open", url, "the key exists (mode x)");
    co_return std::make_unique<s3::detail::WriteFile>(*client_, std::move(keep), std::move(loc),
                                                      std::move(mode), block, options_.part_size);
  }
  co_return co_await ObjectFile::open(*this, std::move(path), std::move(mode), options,
                                      options_.block_size);
}

// ---- writing ------------------------------------------------------------------------------------

Task<void> S3FileSystem::do_pipe_file(std::string path, Bytes data) {
  Location loc = split(path);
  const std::string url = s3::detail::check_object(loc, "pipe_file");
  Call put;
  put.op = "pipe_file";
  put.method = "PUT";
  put.bucket = loc.bucket;
  put.key = loc.key;
  put.body = data.span();
  co_await client_->send_ok(std::move(put));
}

Task<void> S3FileSystem::do_rm_file(std::string path) {
  Location loc = split(path);
  const std::string url = s3::detail::check_object(loc, "rm_file");
  // S3 deletes a missing key without a word; the look first makes it an error, as elsewhere.
  std::optional<FileInfo> i = co_await lookup(path, "rm_file");
  if (!i) throw FileNotFoundError("rm_file", url, "no such key");
  if (i->is_dir()) throw IsADirectoryError("rm_file", url, "is a directory: use rm(recursive)");
  Call del;
  del.op = "rm_file";
  del.method = "DELETE";
  del.bucket = loc.bucket;
  del.key = loc.key;
  co_await client_->send_ok(std::move(del));
}

// ---- buckets ------------------------------------------------------------------------------------

namespace {

Task<bool> bucket_exists(s3::detail::S3Client& client, const std::string& bucket, const char* op) {
  Call head;
  head.op = op;
  head.method = "HEAD";
  head.bucket = bucket;
  http::Response r = co_await client.send(std::move(head));
  if (r.status == 404) co_return false;
  if (r.status >= 300) std::rethrow_exception(client.error_for(r, op, bucket, ""));
  co_return true;
}

Task<void> create_bucket(s3::detail::S3Client& client, const std::string& bucket, const char* op) {
  check_bucket(bucket, op, s3_url(bucket));
  Call mk;
  mk.op = op;
  mk.method = "PUT";
  mk.bucket = bucket;
  std::string body;
  if (client.region() != "us-east-1") {
    body =
        "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<LocationConstraint>" +
        s3::detail::xml_escape(client.region()) +
        "</LocationConstraint></CreateBucketConfiguration>";
  }
  mk.body = std::as_bytes(std::span(body.data(), body.size()));
  co_await client.send_ok(std::move(mk));
}

}  // namespace

Task<void> S3FileSystem::do_mkdir(std::string path, bool create_parents) {
  Location loc = split(path);
  const std::string url = s3_url(loc.bucket, loc.key);
  if (loc.bucket.empty()) throw FileExistsError("mkdir", "s3://", "the root exists");
  if (loc.key.empty()) {
    // Asked first: S3 (in us-east-1) and RGW answer 200 to creating a bucket one already owns.
    check_bucket(loc.bucket, "mkdir", url);
    if (co_await bucket_exists(*client_, loc.bucket, "mkdir"))
      throw FileExistsError("mkdir", url, "the bucket exists");
    co_await create_bucket(*client_, loc.bucket, "mkdir");
    co_return;
  }
  // Below a bucket there are no directories to make: the prefix exists once a key is below it.
  check_bucket(loc.bucket, "mkdir", url);
  if (co_await bucket_exists(*client_, loc.bucket, "mkdir")) co_return;
  if (!create_parents) throw FileNotFoundError("mkdir", url, "the bucket does not exist");
  co_await create_bucket(*client_, loc.bucket, "mkdir");
}

Task<void> S3FileSystem::do_makedirs(std::string path, bool exist_ok) {
  Location loc = split(path);
  const std::string url = s3_url(loc.bucket, loc.key);
  if (loc.bucket.empty()) co_return;
  check_bucket(loc.bucket, "makedirs", url);
  if (!loc.key.empty()) {
    std::optional<FileInfo> i = co_await lookup(path, "makedirs");
    if (i && i->is_file()) throw FileExistsError("makedirs", url, "exists and is not a directory");
    if (i && !exist_ok)
      throw FileExistsError("makedirs", url, "the directory exists (exist_ok is false)");
  }
  if (co_await bucket_exists(*client_, loc.bucket, "makedirs")) {
    if (loc.key.empty() && !exist_ok)
      throw FileExistsError("makedirs", url, "the bucket exists (exist_ok is false)");
    co_return;
  }
  try {
    co_await create_bucket(*client_, loc.bucket, "makedirs");
  } catch (const FileExistsError&) {
    if (!exist_ok && loc.key.empty()) throw;
  }
}

Task<void> S3FileSystem::do_rmdir(std::string path) {
  Location loc = split(path);
  const std::string url = s3_url(loc.bucket, loc.key);
  if (loc.bucket.empty()) throw PermissionError("rmdir", "s3://", "the root cannot be removed");
  check_bucket(loc.bucket, "rmdir", url);
  if (loc.key.empty()) {
    Call del;
    del.op = "rmdir";
    del.method = "DELETE";
    del.bucket = loc.bucket;
    co_await client_->send_ok(std::move(del));
    co_return;
  }
  // A prefix is gone once nothing is below it: rmdir checks that it is so, and removes its
  // "directory marker" (an empty object named "prefix/", as other tools make them) if any.
  const std::string marker = loc.key + "/";
  ListPage page =
      co_await s3::detail::list_page(*client_, "rmdir", loc.bucket, marker, false, {}, 2);
  const bool only_marker = page.contents.size() == 1 && page.contents[0].key == marker;
  if (!page.contents.empty() && !only_marker)
    throw DirectoryNotEmptyError("rmdir", url, "keys remain below it");
  if (only_marker) {
    Call del;
    del.op = "rmdir";
    del.method = "DELETE";
    del.bucket = loc.bucket;
    del.key = marker;
    co_await client_->send_ok(std::move(del));
    co_return;
  }
  std::optional<FileInfo> i = co_await lookup(path, "rmdir");
  if (i && i->is_file()) throw NotADirectoryError("rmdir", url, "is an object, not a directory");
}

// ---- signing ------------------------------------------------------------------------------------

Task<std::string> S3FileSystem::async_sign(std::string path, std::chrono::seconds expiration) {
  co_await loop().resume_here();
  Location loc = split(strip_protocol(path));
  check_bucket(loc.bucket, "sign", s3_url(loc.bucket, loc.key));
  co_return co_await client_->presign(loc.bucket, loc.key, expiration);
}

Task<std::vector<MultipartUpload>> S3FileSystem::async_multipart_uploads(std::string bucket) {
  co_await loop().resume_here();
  bucket = strip_protocol(bucket);
  check_bucket(bucket, "multipart_uploads", s3_url(bucket));
  Call c;
  c.op = "multipart_uploads";
  c.bucket = bucket;
  c.query = {{"uploads", ""}};
  http::Response r = co_await client_->send_ok(std::move(c));
  std::vector<MultipartUpload> out;
  try {
    for (auto& u : s3::detail::parse_list_uploads(r.body.view()))
      out.push_back({std::move(u.key), std::move(u.upload_id)});
  } catch (const s3::detail::XmlError& e) {
    throw Error({EPROTO, std::generic_category()}, "multipart_uploads", s3_url(bucket),
                std::string("malformed ListMultipartUploads answer: ") + e.what());
  }
  co_return out;
}

}  // namespace cofs
