#include "nginx.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace cofs::test {
namespace fs = std::filesystem;
namespace {

constexpr const char* kNginx = "/usr/sbin/nginx";

void run(const std::string& cmd) {
  if (std::system(cmd.c_str()) != 0)
    throw std::runtime_error("test fixture: command failed: " + cmd);
}

bool can_connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    throw std::runtime_error("test fixture: cannot bind a loopback port");
  }
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

void write_file(const fs::path& path, std::string_view data) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!out) throw std::runtime_error("test fixture: cannot write " + path.string());
}

std::string random_bytes(std::size_t n, unsigned seed) {
  std::string s(n, '\0');
  std::mt19937 rng(seed);
  for (auto& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

Nginx::Nginx(Options options) {
  if (!fs::exists(kNginx)) {
    throw std::runtime_error(
        "the HTTP tests need nginx at /usr/sbin/nginx (Debian package nginx-light); it is missing");
  }
  char tmpl[] = "/tmp/cofs-nginx-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("test fixture: mkdtemp failed");
  dir_ = tmpl;
  root_ = dir_ / "www";
  fs::create_directories(root_);
  for (const char* d : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi", "logs"})
    fs::create_directories(dir_ / d);
  const std::string d = dir_.string();
  run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
      " -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1,DNS:localhost"
      " -keyout " +
      d + "/key.pem -out " + d + "/cert.pem >/dev/null 2>&1");
  run("printf '%s:%s\\n' " + std::string(user) + " \"$(openssl passwd -apr1 " + password +
      ")\" > " + d + "/htpasswd");
  port_ = free_port();
  tls_port_ = free_port();
  while (tls_port_ == port_) tls_port_ = free_port();

  const std::string location = R"(
      root )" + root_.string() +
                               R"(;
      location / {
        autoindex on;
        dav_methods PUT DELETE MKCOL;
        create_full_put_path on;
        dav_access user:rw group:rw all:r;
      }
      location /private/ {
        auth_basic "cofs";
        auth_basic_user_file )" +
                               d + R"(/htpasswd;
        autoindex on;
      }
      location /gzipped/ {
        gzip on;
        gzip_types *;
        gzip_min_length 0;
      }
      location /forbidden/ { deny all; }
      location = /gone { return 410; }
      location = /teapot { return 418; }
      location = /redirect-home { return 302 /; }
  )";
  std::ostringstream conf;
  if (options.workers == 0) {
    conf << "master_process off;\n";
  } else {
    conf << "worker_processes " << options.workers << ";\n";
    if (geteuid() == 0) conf << "user root;\n";
  }
  conf << "daemon off;\n"
       << "pid " << d << "/nginx.pid;\n"
       << "error_log " << d << "/logs/error.log warn;\n"
       << "worker_rlimit_nofile 65536;\n"
       << "events { worker_connections 8192; }\n"
       << "http {\n"
       << "  include /etc/nginx/mime.types;\n"
       << "  default_type application/octet-stream;\n"
       << "  access_log off;\n"
       << "  sendfile on; tcp_nopush on; tcp_nodelay on;\n"
       << "  keepalive_requests 1000000; keepalive_timeout 60s;\n"
       << "  client_max_body_size 0;\n"
       << "  client_body_temp_path " << d << "/client_body;\n"
       << "  proxy_temp_path " << d << "/proxy;\n"
       << "  fastcgi_temp_path " << d << "/fastcgi;\n"
       << "  uwsgi_temp_path " << d << "/uwsgi;\n"
       << "  scgi_temp_path " << d << "/scgi;\n"
       << "  server {\n    listen 127.0.0.1:" << port_ << ";\n"
       << location << "  }\n"
       << "  server {\n    listen 127.0.0.1:" << tls_port_ << " ssl http2;\n"
       << "    ssl_certificate " << d << "/cert.pem;\n"
       << "    ssl_certificate_key " << d << "/key.pem;\n"
       << location << "  }\n"
       << "}\n";
  const std::string conf_path = d + "/nginx.conf";
  write_file(conf_path, conf.str());

  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("test fixture: fork failed");
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlives the test program
    const std::string stderr_path = d + "/logs/stderr.log";
    FILE* f = std::freopen(stderr_path.c_str(), "w", stderr);
    (void)f;
    execl(kNginx, kNginx, "-c", conf_path.c_str(), "-p", d.c_str(), "-e",
          (d + "/logs/error.log").c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!(can_connect(port_) && can_connect(tls_port_))) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("nginx exited at start: " + slurp(dir_ / "logs/stderr.log") +
                               slurp(dir_ / "logs/error.log"));
    }
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("nginx did not start within 10 s: " + error_log());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

Nginx::~Nginx() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 200 && waitpid(pid_, &status, WNOHANG) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (waitpid(pid_, &status, WNOHANG) == 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string Nginx::url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

std::string Nginx::tls_url(std::string_view path) const {
  return "https://127.0.0.1:" + std::to_string(tls_port_) + std::string(path);
}

std::string Nginx::error_log() const {
  return slurp(dir_ / "logs/error.log");
}

Nginx& nginx() {
  static Nginx instance;
  return instance;
}

}  // namespace cofs::test
