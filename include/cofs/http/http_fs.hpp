// HTTPFileSystem: the filesystem of http and https URLs, in the shape of fsspec's HTTPFileSystem.
// Paths are full URLs. Listings come from the links of HTML pages (a URL ending in '/' after
// redirects is a directory); info is HEAD, then GET when HEAD fails or gives no size; reads are
// byte ranges where the server honours them (detected, never trusted); writes use PUT (or POST),
// DELETE and MKCOL where the server allows them (WebDAV). See docs/http.md.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cofs/export.hpp"
#include "cofs/fs/filesystem.hpp"
#include "cofs/http/client.hpp"
#include "cofs/http/client_options.hpp"

namespace cofs {

namespace http {
/// The request that stores a whole file (pipe_file, put_file, written files).
enum class UploadMethod { put, post };
}  // namespace http

struct COFS_API HTTPOptions {
  http::ClientOptions client;
  bool simple_links = true;          // ls also takes bare http(s) URLs in a page's text
  bool ls_sizes = true;              // ls asks each listed file for its size (HEAD, concurrently)
  std::size_t block_size = 5 << 20;  // read block of random-access files
  std::size_t cache_blocks = 4;      // blocks a random-access file keeps (LRU)
  http::UploadMethod upload_method = http::UploadMethod::put;
  bool webdav = true;  // the server takes PUT/DELETE/MKCOL (what capabilities() reports)
  std::optional<BatchSize> batch_size;  // of bulk calls; unset: the configured default
};

class COFS_API HTTPFileSystem : public FileSystem {
 public:
  explicit HTTPFileSystem(std::shared_ptr<IoLoop> loop = nullptr, HTTPOptions options = {});
  ~HTTPFileSystem() override;

  /// String options: headers ("Name: value" lines), basic_auth ("user:password"), bearer_token,
  /// connect_timeout, timeout, low_speed_limit, low_speed_time, retries, retry_backoff,
  /// retry_backoff_max, retry_after_max, retry_deadline, max_body_size, max_host_connections,
  /// http_version (1.1, 2, 2tls, auto), verify_tls, ca_file, max_redirects, follow_redirects,
  /// proxy, user_agent, simple_links, ls_sizes, block_size, cache_blocks, method (put, post),
  /// webdav, batch_size.
  static std::shared_ptr<FileSystem> from_options(const Options& options,
                                                  std::shared_ptr<IoLoop> loop);

  std::string_view protocol() const override { return "http"; }
  /// URLs stay as they are (no path normalisation: it would change what the server sees).
  std::string strip_protocol(std::string_view path) const override;
  std::string unstrip_protocol(std::string_view path) const override;
  Capabilities capabilities() const override;
  /// '?' starts a URL's query, so only '*' and '[' make a pattern (fsspec's HTTPFileSystem).
  std::string_view glob_magic() const override { return "*["; }

  const HTTPOptions& options() const noexcept { return options_; }
  http::Client& client() noexcept { return client_; }

 protected:
  Task<std::vector<FileInfo>> do_ls(std::string path) override;
  /// find, glob and walk need no sizes: no HEAD per listed file.
  Task<std::vector<FileInfo>> do_ls_types(std::string path) override;
  Task<FileInfo> do_info(std::string path) override;
  /// A 404 or 410 is an answer: nullopt, no exception.
  Task<std::optional<FileInfo>> do_try_info(std::string path) override;
  Task<Bytes> do_cat_file(std::string path, std::optional<std::int64_t> start,
                          std::optional<std::int64_t> end) override;
  Task<void> do_pipe_file(std::string path, Bytes data) override;
  Task<void> do_rm_file(std::string path) override;
  Task<void> do_mkdir(std::string path, bool create_parents) override;
  Task<void> do_rmdir(std::string path) override;
  Task<void> do_makedirs(std::string path, bool exist_ok) override;
  Task<std::unique_ptr<AsyncFile>> do_open(std::string path, OpenMode mode,
                                           OpenOptions options) override;
  Task<void> do_get_file(std::string rpath, std::string lpath, Callback* callback) override;
  Task<void> do_put_file(std::string lpath, std::string rpath, Callback* callback) override;

 private:
  Task<FileInfo> info_of(std::string url, const char* operation);
  /// info_of, with a 404 or 410 given as nullopt when `absent_is_value`.
  Task<std::optional<FileInfo>> lookup(std::string url, const char* operation,
                                       bool absent_is_value);
  Task<std::vector<FileInfo>> list(std::string url, bool sizes);
  Task<void> make_collection(std::string url, bool create_parents, int depth);

  HTTPOptions options_;
  http::Client client_;
};

}  // namespace cofs
