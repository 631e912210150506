// The conformance suite on HTTPFileSystem against nginx (WebDAV for writes, autoindex for
// listings): plain HTTP/1.1 and HTTPS with HTTP/2, and a read-only filesystem (webdav off) that
// reads what a WebDAV one wrote. Each test works in a fresh directory.
#include <atomic>

#include "cofs/http/http_fs.hpp"
#include "conformance/conformance.hpp"
#include "support/nginx.hpp"

namespace cofs::testing {

namespace {

std::unique_ptr<Backend> make(bool tls, bool webdav = true) {
  static std::atomic<int> counter{0};
  HTTPOptions o;
  o.client.ca_file = test::nginx().ca_file();
  o.client.retry_backoff = std::chrono::milliseconds(10);
  o.block_size = 64 << 10;
  o.webdav = webdav;
  auto b = std::make_unique<Backend>();
  b->fs = std::make_shared<HTTPFileSystem>(nullptr, o);
  b->caps = b->fs->capabilities();
  b->url_paths = true;
  if (!webdav) {
    // The fixtures are written by a WebDAV filesystem on the same server, in its directory.
    std::shared_ptr<Backend> writer = make(tls);
    b->seed = writer->fs;
    b->root = writer->root;
    b->cleanup = [writer] {};
    return b;
  }
  std::string dir = "/conf/" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  b->root = tls ? test::nginx().tls_url(dir) : test::nginx().url(dir);
  b->fs->makedirs(b->root, true);
  return b;
}

}  // namespace

std::vector<BackendSpec> conformance_backends() {
  return {{"http", [] { return make(false); }},
          {"https-h2", [] { return make(true); }},
          {"http-readonly", [] { return make(false, false); }}};
}

}  // namespace cofs::testing
