// A real nginx for the HTTP tests and the benchmark: started as a child process on free loopback
// ports with a temporary config (autoindex listings, WebDAV PUT/DELETE/MKCOL, /gzipped/ compressed
// on the fly, a TLS server with a self-signed certificate made here, HTTP/2 on TLS), killed when
// the program ends.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>

namespace cofs::test {

class Nginx {
 public:
  struct Options {
    int workers = 1;  // 0: master_process off (one process; what the tests use)
  };
  /// Starts nginx; throws std::runtime_error with a clear message when /usr/sbin/nginx is missing
  /// or does not come up.
  explicit Nginx(Options options);
  Nginx() : Nginx(Options{0}) {}
  ~Nginx();
  Nginx(const Nginx&) = delete;
  Nginx& operator=(const Nginx&) = delete;

  int port() const noexcept { return port_; }
  int tls_port() const noexcept { return tls_port_; }
  /// The served directory: files written here are at url("/name").
  const std::filesystem::path& root() const noexcept { return root_; }
  std::string url(std::string_view path = "/") const;
  std::string tls_url(std::string_view path = "/") const;
  /// The self-signed certificate, usable as the CA file of a client.
  std::string ca_file() const { return (dir_ / "cert.pem").string(); }
  /// Credentials of the /private/ location (basic auth).
  static constexpr const char* user = "cofs";
  static constexpr const char* password = "s3cret";
  std::string error_log() const;

 private:
  std::filesystem::path dir_;
  std::filesystem::path root_;
  int port_ = 0;
  int tls_port_ = 0;
  pid_t pid_ = -1;
};

/// The process-wide nginx of a test program, started on first use.
Nginx& nginx();

/// A free TCP port on 127.0.0.1 (bound to port 0, then released).
int free_port();
/// Writes `data` to `path`, creating parent directories.
void write_file(const std::filesystem::path& path, std::string_view data);
/// Deterministic pseudo-random bytes.
std::string random_bytes(std::size_t n, unsigned seed = 1);

}  // namespace cofs::test
