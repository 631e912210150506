// HTTPFileSystem::from_options: the filesystem made by name, from string options.
#include <string>
#include <string_view>

#include "cofs/fs/options.hpp"
#include "cofs/http/http_fs.hpp"
#include "http_util.hpp"

namespace cofs {

using http::detail::trim;

std::shared_ptr<FileSystem> HTTPFileSystem::from_options(const Options& options,
                                                         std::shared_ptr<IoLoop> loop) {
  OptionReader r("http", options);
  HTTPOptions o;
  http::ClientOptions& c = o.client;
  if (auto v = r.string("headers")) {
    std::string_view rest = *v;
    while (!rest.empty()) {
      std::size_t nl = rest.find('\n');
      std::string_view line = trim(rest.substr(0, nl));
      rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
      if (line.empty()) continue;
      std::size_t colon = line.find(':');
      if (colon == std::string_view::npos)
        throw InvalidArgumentError("http", "headers", "expected 'Name: value' lines");
      c.headers.emplace_back(std::string(trim(line.substr(0, colon))),
                             std::string(trim(line.substr(colon + 1))));
    }
  }
  if (auto v = r.string("basic_auth")) {
    std::size_t colon = v->find(':');
    if (colon == std::string::npos)
      throw InvalidArgumentError("http", "basic_auth", "expected 'user:password'");
    c.basic_auth = {{v->substr(0, colon), v->substr(colon + 1)}};
  }
  if (auto v = r.string("bearer_token")) c.bearer_token = *v;
  if (auto v = r.duration("connect_timeout")) c.connect_timeout = *v;
  if (auto v = r.duration("timeout")) c.total_timeout = *v;
  if (auto v = r.integer("low_speed_limit")) c.low_speed_limit = static_cast<long>(*v);
  if (auto v = r.duration("low_speed_time"))
    c.low_speed_time = std::chrono::duration_cast<std::chrono::seconds>(*v);
  if (auto v = r.integer("retries")) c.retries = static_cast<int>(*v);
  if (auto v = r.duration("retry_backoff")) c.retry_backoff = *v;
  if (auto v = r.duration("retry_backoff_max")) c.retry_backoff_max = *v;
  if (auto v = r.duration("retry_after_max")) c.retry_after_max = *v;
  if (auto v = r.duration("retry_deadline")) c.retry_deadline = *v;
  if (auto v = r.integer("max_body_size")) {
    if (*v < 0) throw InvalidArgumentError("http", "max_body_size", "a byte count, 0 or more");
    c.max_body_size = static_cast<std::uint64_t>(*v);
  }
  if (auto v = r.integer("max_host_connections")) c.max_host_connections = static_cast<long>(*v);
  if (auto v = r.string("http_version")) {
    if (*v == "1.1") {
      c.http_version = http::HttpVersion::http1_1;
    } else if (*v == "2") {
      c.http_version = http::HttpVersion::http2;
    } else if (*v == "2tls") {
      c.http_version = http::HttpVersion::http2_tls;
    } else if (*v == "auto") {
      c.http_version = http::HttpVersion::automatic;
    } else {
      throw InvalidArgumentError("http", "http_version", "one of 1.1, 2, 2tls, auto");
    }
  }
  if (auto v = r.boolean("verify_tls")) c.verify_tls = *v;
  if (auto v = r.string("ca_file")) c.ca_file = *v;
  if (auto v = r.integer("max_redirects")) c.max_redirects = static_cast<long>(*v);
  if (auto v = r.boolean("follow_redirects")) c.follow_redirects = *v;
  if (auto v = r.string("proxy")) c.proxy = *v;
  if (auto v = r.string("user_agent")) c.user_agent = *v;
  if (auto v = r.boolean("simple_links")) o.simple_links = *v;
  if (auto v = r.boolean("ls_sizes")) o.ls_sizes = *v;
  if (auto v = r.integer("block_size")) o.block_size = static_cast<std::size_t>(*v);
  if (auto v = r.integer("cache_blocks")) o.cache_blocks = static_cast<std::size_t>(*v);
  if (auto v = r.string("method")) {
    if (*v == "put" || *v == "PUT") {
      o.upload_method = http::UploadMethod::put;
    } else if (*v == "post" || *v == "POST") {
      o.upload_method = http::UploadMethod::post;
    } else {
      throw InvalidArgumentError("http options", "method",
                                 "unknown upload method '" + *v + "': use put or post");
    }
  }
  if (auto v = r.boolean("webdav")) o.webdav = *v;
  if (auto v = r.integer("batch_size")) o.batch_size = static_cast<BatchSize>(*v);
  r.finish();
  return std::make_shared<HTTPFileSystem>(std::move(loop), std::move(o));
}

}  // namespace cofs
