// S3FileSystem's transfers: put_file (one PUT, or a multipart upload whose parts go up
// concurrently with bounded memory), get_file (streamed to disk) and rm's batch deletes
// (DeleteObjects, 1,000 keys a request).

#include <cerrno>
#include <map>
#include <ranges>
#include <set>

#include <openssl/evp.h>

#include "cofs/fs/file.hpp"
#include "cofs/runtime/gather.hpp"
#include "cofs/runtime/thread_pool.hpp"
#include "cofs/s3/s3_fs.hpp"
#include "http/local_transfer.hpp"
#include "multipart.hpp"
#include "ranged_get.hpp"
#include "s3_client.hpp"
#include "s3_util.hpp"
#include "xml.hpp"

namespace cofs {

using s3::detail::Call;
using s3::detail::Location;
using s3::detail::s3_url;
using s3::detail::split;

namespace {

constexpr std::size_t kDeleteBatch = 1000;  // S3's limit of keys per DeleteObjects

std::string base64_md5(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_md5(), nullptr);
  unsigned char out[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  int n = EVP_EncodeBlock(out, md, static_cast<int>(len));
  return std::string(reinterpret_cast<char*>(out), static_cast<std::size_t>(n));
}

}  // namespace

Task<void> S3FileSystem::do_put_file(std::string lpath, std::string rpath, Callback* cb) {
  Location loc = split(rpath);
  const std::string url = s3::detail::check_object(loc, "put_file");
  auto in = co_await http::detail::UploadSource::open(FileSystem::loop(), lpath);
  const std::uint64_t size = in->size();
  if (cb) cb->set_size(size);

  if (size <= options_.multipart_threshold) {
    Call put;
    put.op = "put_file";
    put.method = "PUT";
    put.bucket = loc.bucket;
    put.key = loc.key;
    put.source_size = size;
    put.source = in->body(cb);
    co_await client_->send_ok(std::move(put));
    co_return;
  }

  if (size > s3::detail::kMaxObjectSize)
    throw_errno(EFBIG, "put_file", lpath, "larger than 5 TiB, the largest object S3 stores");
  // Parts of part_size (larger when the file would need more than S3's 10,000 parts), at most
  // max_concurrent_parts in flight, each reading its own bytes when it starts: memory is the
  // part size x parts in flight, whatever the file's size.
  s3::detail::Multipart upload(*client_, "put_file", loc.bucket, loc.key);
  co_await upload.begin();
  const std::uint64_t part = s3::detail::part_size_for(options_.part_size, size);
  const std::uint64_t parts = (size + part - 1) / part;
  std::exception_ptr failure;
  try {
    auto send_part = [&](std::uint64_t index) -> Task<void> {
      const std::uint64_t offset = index * part;
      const std::size_t len = static_cast<std::size_t>(std::min(part, size - offset));
      Bytes buf = Bytes::uninitialized(len);
      std::size_t n = co_await in->read_at(offset, buf.mutable_span());
      if (n != len) throw_errno(EIO, "put_file", lpath, "the file shrank while it was uploaded");
      co_await upload.upload(static_cast<int>(index + 1), buf.span());
      if (cb) cb->relative_update(len);
    };
    auto tasks = std::views::iota(std::uint64_t{0}, parts) | std::views::transform(send_part);
    GatherOptions g{.batch_size = static_cast<BatchSize>(options_.max_concurrent_parts)};
    co_await gather(tasks, std::move(g));
    co_await upload.complete();
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) co_await upload.abort_and_rethrow(failure);
}

Task<void> S3FileSystem::do_get_file(std::string rpath, std::string lpath, Callback* cb) {
  Location loc = split(rpath);
  const std::string url = s3::detail::check_object(loc, "get_file");
  // The first part's range: its answer gives the size, and a larger object's other parts follow
  // concurrently (ranged_get.hpp). An empty object has no range to give (416): asked again whole.
  const std::uint64_t part = std::max<std::uint64_t>(options_.part_size, 1);
  auto open_stream = [&](bool ranged) {
    Call get;
    get.op = "get_file";
    get.bucket = loc.bucket;
    get.key = loc.key;
    get.buffer_size = 256 << 10;
    if (ranged) get.range = http::ByteRange{0, static_cast<std::int64_t>(part)};
    return client_->stream(std::move(get));
  };
  http::BodyStream s = co_await open_stream(true);
  if (s.response().status == 416) s = co_await open_stream(false);
  if (s.response().status >= 300) {
    Bytes body = co_await s3::detail::read_all(s);
    if (s.response().status == 404) {
      std::optional<FileInfo> i = co_await lookup(rpath, "get_file");
      if (i && i->is_dir())
        throw IsADirectoryError("get_file", url, "is a directory: use get(recursive)");
    }
    std::rethrow_exception(client_->error_for(
        s.response().status, body.view(), s.response().headers, "get_file", loc.bucket, loc.key));
  }
  const std::optional<std::uint64_t> size = s3::detail::object_size(s.response());
  if (cb) cb->set_size(size);
  // Written whole or not at all (the local backend's atomic writer).
  std::unique_ptr<AsyncFile> out = co_await open_get_target(lpath);
  if (!size || *size <= part) {
    co_await http::detail::store_body(s, *out, lpath, cb);
    co_return;
  }
  s3::detail::PartedGet g;
  g.bucket = loc.bucket;
  g.key = loc.key;
  g.lpath = lpath;
  g.size = *size;
  if (const std::string* etag = s.response().header("ETag")) g.etag = *etag;
  g.part = part;
  g.in_flight = std::max<std::size_t>(options_.max_concurrent_parts, 1);
  co_await s3::detail::get_in_parts(*client_, std::move(g), std::move(s), *out, cb);
}

namespace {

/// One DeleteObjects request: the keys' failures as PathErrors (paths as `names` has them).
Task<std::vector<PathError>> delete_batch(s3::detail::S3Client& client, std::string bucket,
                                          std::vector<std::string> keys,
                                          std::vector<std::string> names) {
  std::string body = "<Delete><Quiet>true</Quiet>";
  for (const std::string& k : keys)
    body += "<Object><Key>" + s3::detail::xml_escape(k) + "</Key></Object>";
  body += "</Delete>";
  Call c;
  c.op = "rm";
  c.method = "POST";
  c.bucket = bucket;
  c.query = {{"delete", ""}};
  c.headers = {{"Content-MD5", base64_md5(body)}, {"Content-Type", "application/xml"}};
  c.body = std::as_bytes(std::span(body.data(), body.size()));
  http::Response r = co_await client.send_ok(std::move(c));
  s3::detail::DeleteResult result;
  try {
    result = s3::detail::parse_delete_result(r.body.view());
  } catch (const s3::detail::XmlError& e) {
    throw Error({EPROTO, std::generic_category()}, "rm", s3_url(bucket),
                std::string("malformed DeleteObjects answer: ") + e.what());
  }
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < keys.size(); ++i) index.emplace(keys[i], i);
  std::vector<PathError> errors;
  for (const auto& f : result.errors) {
    http::Response failed;
    failed.status = f.code == "AccessDenied" ? 403 : 500;
    std::string doc = "<Error><Code>" + s3::detail::xml_escape(f.code) + "</Code><Message>" +
                      s3::detail::xml_escape(f.message) + "</Message></Error>";
    failed.body = Bytes(std::string_view(doc));
    auto it = index.find(f.key);
    std::string name = it != index.end() ? names[it->second] : bucket + "/" + f.key;
    errors.push_back({std::move(name), client.error_for(failed, "rm", bucket, f.key)});
  }
  co_return errors;
}

}  // namespace

namespace {

/// The keys directly below `parent` (a prefix ending in '/', or empty): one delimited listing.
Task<std::set<std::string>> keys_below(s3::detail::S3Client& client, std::string bucket,
                                       std::string parent) {
  std::set<std::string> out;
  std::string token;
  do {
    s3::detail::ListPage page =
        co_await s3::detail::list_page(client, "rm", bucket, parent, true, token, 0);
    for (auto& e : page.contents) out.insert(std::move(e.key));
    token = page.truncated ? std::move(page.next_token) : std::string();
  } while (!token.empty());
  co_return out;
}

std::string parent_of(const std::string& key) {
  std::size_t slash = key.rfind('/');
  return slash == std::string::npos ? std::string() : key.substr(0, slash + 1);
}

}  // namespace

Task<std::vector<PathError>> S3FileSystem::do_rm_files(std::vector<std::string> paths,
                                                       const BulkOptions& o) {
  struct Target {
    std::string bucket;
    std::string key;
    std::string name;  // as rm was given it
  };
  std::vector<Target> targets;
  for (std::string& p : paths) {
    Location loc = split(strip_protocol(p));
    const std::string url = s3::detail::check_object(loc, "rm");
    targets.push_back({std::move(loc.bucket), std::move(loc.key), std::move(p)});
  }
  // DeleteObjects reports a missing key as deleted. To report it as every backend does
  // (FileNotFoundError), the keys present are read from one listing of each parent prefix,
  // not from a HEAD per key.
  std::set<std::pair<std::string, std::string>> parents;
  for (const Target& t : targets) parents.emplace(t.bucket, parent_of(t.key));
  std::vector<std::pair<std::string, std::string>> dirs(parents.begin(), parents.end());
  auto list_dir = [this](const std::pair<std::string, std::string>& d) {
    return keys_below(*client_, d.first, d.second);
  };
  GatherOptions lg{.batch_size = o.batch_size ? o.batch_size : std::optional<BatchSize>(16)};
  auto listings = co_await gather(dirs | std::views::transform(list_dir), std::move(lg));
  std::map<std::pair<std::string, std::string>, const std::set<std::string>*> present;
  for (std::size_t i = 0; i < dirs.size(); ++i) present[dirs[i]] = &listings[i].value();

  std::vector<PathError> errors;
  std::map<std::string, std::vector<const Target*>> by_bucket;
  for (const Target& t : targets) {
    if (present[{t.bucket, parent_of(t.key)}]->count(t.key) == 0) {
      errors.push_back(
          {t.name, make_error(std::make_error_code(std::errc::no_such_file_or_directory), "rm",
                              s3_url(t.bucket, t.key), "no such key")});
    } else {
      by_bucket[t.bucket].push_back(&t);
    }
  }
  if (o.on_error == OnError::raise && !errors.empty()) std::rethrow_exception(errors.front().error);
  // 1,000 keys a request (S3's limit); the requests run concurrently.
  std::vector<Task<std::vector<PathError>>> batches;
  for (auto& [bucket, entries] : by_bucket) {
    for (std::size_t at = 0; at < entries.size(); at += kDeleteBatch) {
      std::vector<std::string> keys;
      std::vector<std::string> names;
      for (std::size_t i = at; i < std::min(entries.size(), at + kDeleteBatch); ++i) {
        keys.push_back(entries[i]->key);
        names.push_back(entries[i]->name);
      }
      batches.push_back(delete_batch(*client_, bucket, std::move(keys), std::move(names)));
    }
  }
  GatherOptions g{.batch_size = o.batch_size ? o.batch_size : std::optional<BatchSize>(16)};
  std::vector<Outcome<std::vector<PathError>>> results =
      co_await gather(std::move(batches), std::move(g));
  for (auto& r : results) {
    for (auto& e : r.value()) errors.push_back(std::move(e));
  }
  if (o.on_error == OnError::raise && !errors.empty()) std::rethrow_exception(errors.front().error);
  if (o.on_error == OnError::omit) errors.clear();
  co_return errors;
}

}  // namespace cofs
