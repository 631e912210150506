// A small HTTP/1.1 server with misbehaviours on demand, for the failure paths nginx will not
// produce. Its own accept thread, a thread per connection, plain sockets, 127.0.0.1 only, every
// response with "Connection: close"; a TLS handshake gets a plain-text 400. Routes (n: a byte
// count, key: any name for a counter):
//   /bytes/<n>                 200, n deterministic bytes (random_bytes(n, 7))
//   /norange/<n>               like /bytes, but ignores Range (200 with the whole body)
//   /reset                     reads the request, then resets the connection
//   /truncated/<n>             Content-Length n, sends n/2 bytes and closes
//   /resetmid/<n>              Content-Length n, sends n/2 bytes and resets the connection
//   /slow/<n>                  Content-Length n, one byte every 200 ms
//   /hang                      reads the request and never answers
//   /flaky/<key>/<k>/<status>  the first k requests for key get <status>, then /bytes/64
//   /ratelimit/<key>           first a 429 with Retry-After: 1, then /bytes/64
//   /gzip                      gzip-encoded body of gzip_plain() with Content-Encoding: gzip
//   /loop                      302 to /loop
//   /tofile                    302 to file:///etc/passwd
//   /status/<code>             that status, empty body
//   /echo                      200, the request's head (request line and headers) as the body
//   /nohead/<n>                HEAD is refused (405); GET is /bytes/<n>
//   /sink                      any method; drains the body and records its method and size
//   /gzipzeros/<m>             gzip-encoded body that decodes to m MiB of zeros
//   /deflate/<zlib|raw>        gzip_plain() as Content-Encoding: deflate, zlib-wrapped or raw
//   /brotli                    Content-Encoding: br (over a body that is not)
//   /badgzip, /cutgzip         Content-Encoding: gzip over garbage; over half a gzip stream
//   /endless                   200 without Content-Length: zeros until the client goes away
//   /lying/<claimed>/<n>       Content-Length claimed, sends n bytes and closes
//   /delay/<ms>/<n>            waits ms before answering as /bytes/<n>
//   /retryafter/<key>/<s>      always 429 with Retry-After: s (counted under key)
//   /listing/<n>               an HTML page of n links f0 ... f<n-1>
//   /s3list/<bucket>           an S3 ListObjectsV2 page (keys dir/a, dir/b); for bucket badxml
//                              with a wrong end tag, for cutxml cut off mid-document
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace cofs::test {

class FaultServer {
 public:
  FaultServer();
  ~FaultServer();
  FaultServer(const FaultServer&) = delete;
  FaultServer& operator=(const FaultServer&) = delete;

  int port() const noexcept { return port_; }
  std::string url(std::string_view path) const;
  /// Requests received so far (complete request heads).
  int requests() const noexcept { return requests_.load(); }
  /// How many requests a key of /flaky or /ratelimit has seen.
  int hits(const std::string& key);
  static std::string gzip_plain();
  /// The gzip body of /gzipzeros/<mib> (made once per size).
  static const std::string& gzip_zeros(std::size_t mib);
  /// Method and body size of the last request to /sink.
  std::pair<std::string, std::size_t> last_sink();

 private:
  void accept_loop();
  void serve(int fd);

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> closing_{false};
  std::atomic<int> requests_{0};
  std::thread acceptor_;
  std::mutex mutex_;
  std::map<std::string, int> counters_;
  std::vector<std::thread> workers_;
  std::vector<int> open_fds_;
  std::pair<std::string, std::size_t> sink_;
};

/// The process-wide fault server of a test program, started on first use.
FaultServer& fault_server();

}  // namespace cofs::test
