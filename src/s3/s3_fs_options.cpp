// S3FileSystem::from_options: the filesystem made by name, from string options.
#include <string>

#include "cofs/fs/options.hpp"
#include "cofs/s3/s3_fs.hpp"

namespace cofs {

namespace {
std::uint64_t byte_count(OptionReader& r, std::string_view key, std::uint64_t fallback) {
  std::optional<long long> v = r.integer(key);
  if (!v) return fallback;
  if (*v < 0) throw InvalidArgumentError("s3", key, "a byte count, 0 or more");
  return static_cast<std::uint64_t>(*v);
}
}  // namespace

std::shared_ptr<FileSystem> S3FileSystem::from_options(const Options& options,
                                                       std::shared_ptr<IoLoop> loop) {
  OptionReader r("s3", options);
  S3Options o;
  if (auto v = r.string("endpoint_url")) o.endpoint_url = *v;
  if (auto v = r.string("region")) o.region = *v;
  if (auto v = r.boolean("path_style")) o.path_style = *v;
  if (auto v = r.string("profile")) o.profile = *v;
  auto key = r.string("key");
  auto secret = r.string("secret");
  auto token = r.string("token");
  if (key.has_value() != secret.has_value())
    throw InvalidArgumentError("s3", key ? "secret" : "key", "key and secret go together");
  if (key) {
    s3::Credentials c;
    c.access_key = *key;
    c.secret_key = *secret;
    c.session_token = token.value_or("");
    c.source = "options";
    o.credentials = std::move(c);
  }
  if (auto v = r.boolean("anonymous")) o.anonymous = *v;
  o.multipart_threshold = byte_count(r, "multipart_threshold", o.multipart_threshold);
  o.part_size = static_cast<std::size_t>(byte_count(r, "part_size", o.part_size));
  o.max_concurrent_parts =
      static_cast<std::size_t>(byte_count(r, "max_concurrent_parts", o.max_concurrent_parts));
  o.copy_threshold = byte_count(r, "copy_threshold", o.copy_threshold);
  o.copy_part_size = byte_count(r, "copy_part_size", o.copy_part_size);
  o.block_size = static_cast<std::size_t>(byte_count(r, "block_size", o.block_size));
  o.cache_blocks = static_cast<std::size_t>(byte_count(r, "cache_blocks", o.cache_blocks));
  if (auto v = r.integer("batch_size")) o.batch_size = static_cast<BatchSize>(*v);
  http::ClientOptions& c = o.client;
  if (auto v = r.duration("connect_timeout")) c.connect_timeout = *v;
  if (auto v = r.duration("timeout")) c.total_timeout = *v;
  if (auto v = r.integer("retries")) c.retries = static_cast<int>(*v);
  if (auto v = r.duration("retry_backoff")) c.retry_backoff = *v;
  if (auto v = r.duration("retry_backoff_max")) c.retry_backoff_max = *v;
  if (auto v = r.duration("retry_after_max")) c.retry_after_max = *v;
  if (auto v = r.duration("retry_deadline")) c.retry_deadline = *v;
  if (auto v = r.integer("max_host_connections")) c.max_host_connections = static_cast<long>(*v);
  if (auto v = r.boolean("verify_tls")) c.verify_tls = *v;
  if (auto v = r.string("ca_file")) c.ca_file = *v;
  if (auto v = r.string("proxy")) c.proxy = *v;
  r.finish();
  return std::make_shared<S3FileSystem>(std::move(loop), std::move(o));
}

}  // namespace cofs
