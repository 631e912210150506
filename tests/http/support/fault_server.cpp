#include "fault_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "nginx.hpp"

namespace cofs::test {
namespace {

bool send_all(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = ::send(fd, s.data(), s.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    s.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string head(int status, std::string_view reason, std::size_t length,
                 std::string_view extra = {}) {
  std::string h = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
  h += "Content-Length: " + std::to_string(length) + "\r\n";
  h += "Connection: close\r\n";
  h += extra;
  h += "\r\n";
  return h;
}

/// `plain` deflated with zlib's window bits: 15 + 16 gzip, 15 zlib, -15 raw deflate.
std::string gzip(std::string_view plain, int window_bits = 15 + 16) {
  z_stream z{};
  deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, plain.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
  z.avail_in = static_cast<uInt>(plain.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::vector<std::string> split(std::string_view path) {
  std::vector<std::string> parts;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    parts.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return parts;
}

std::size_t to_size(const std::string& s) {
  return static_cast<std::size_t>(std::stoull(s));
}

}  // namespace

std::string FaultServer::gzip_plain() {
  std::string s;
  for (int i = 0; i < 2000; ++i) s += "line " + std::to_string(i) + " of a compressible body\n";
  return s;
}

const std::string& FaultServer::gzip_zeros(std::size_t mib) {
  static std::mutex mutex;
  static std::map<std::size_t, std::string> made;
  std::lock_guard lock(mutex);
  auto [it, fresh] = made.try_emplace(mib);
  if (!fresh) return it->second;
  // Deflated 1 MiB at a time: the plain zeros are never held whole.
  z_stream z{};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  const std::string zeros(std::size_t{1} << 20, '\0');
  std::string& out = it->second;
  char buf[1 << 16];
  for (std::size_t i = 0; i <= mib; ++i) {
    const bool last = i == mib;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(zeros.data()));
    z.avail_in = last ? 0 : static_cast<uInt>(zeros.size());
    do {
      z.next_out = reinterpret_cast<Bytef*>(buf);
      z.avail_out = sizeof buf;
      deflate(&z, last ? Z_FINISH : Z_NO_FLUSH);
      out.append(buf, sizeof buf - z.avail_out);
    } while (z.avail_in > 0 || (last && z.avail_out == 0));
  }
  deflateEnd(&z);
  return out;
}

FaultServer::FaultServer() {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      listen(listen_fd_, 512) != 0)
    throw std::runtime_error("fault server: cannot listen on 127.0.0.1");
  socklen_t len = sizeof a;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

FaultServer::~FaultServer() {
  closing_ = true;
  shutdown(listen_fd_, SHUT_RDWR);
  acceptor_.join();
  close(listen_fd_);
  {
    std::lock_guard lock(mutex_);
    for (int fd : open_fds_) shutdown(fd, SHUT_RDWR);  // wakes /hang and /slow
  }
  for (auto& t : workers_) t.join();
}

std::string FaultServer::url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

std::pair<std::string, std::size_t> FaultServer::last_sink() {
  std::lock_guard lock(mutex_);
  return sink_;
}

int FaultServer::hits(const std::string& key) {
  std::lock_guard lock(mutex_);
  return counters_[key];
}

void FaultServer::accept_loop() {
  while (!closing_) {
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (closing_) return;
      continue;
    }
    std::lock_guard lock(mutex_);
    open_fds_.push_back(fd);
    workers_.emplace_back([this, fd] { serve(fd); });
  }
}

void FaultServer::serve(int fd) {
  std::string req;
  char buf[4096];
  while (req.find("\r\n\r\n") == std::string::npos) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    req.append(buf, static_cast<std::size_t>(n));
    if (req[0] == '\x16') {  // a TLS handshake: answer in plain HTTP, as a misconfigured port would
      send_all(fd, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
      break;
    }
  }
  auto finish = [&] {
    std::lock_guard lock(mutex_);
    open_fds_.erase(std::remove(open_fds_.begin(), open_fds_.end(), fd), open_fds_.end());
    close(fd);
  };
  std::size_t end = req.find("\r\n\r\n");
  if (end == std::string::npos) return finish();
  ++requests_;
  std::string head_text = req.substr(0, end + 4);
  std::string line = req.substr(0, req.find("\r\n"));
  std::size_t sp1 = line.find(' ');
  std::size_t sp2 = line.find(' ', sp1 + 1);
  std::string method = line.substr(0, sp1);
  std::string path = line.substr(sp1 + 1, sp2 - sp1 - 1);
  // Drain a request body so that closing does not reset the connection early.
  std::size_t body_size = 0;
  {
    std::string lower = head_text;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    std::size_t cl = lower.find("content-length:");
    if (cl != std::string::npos) {
      std::size_t want = std::stoull(lower.substr(cl + 15));
      std::size_t have = req.size() - end - 4;
      while (have < want) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        have += static_cast<std::size_t>(n);
      }
      body_size = have;
    }
  }
  const bool is_head = method == "HEAD";
  auto reply = [&](int status, std::string_view reason, const std::string& body,
                   std::string_view extra = {}) {
    send_all(fd, head(status, reason, body.size(), extra));
    if (!is_head) send_all(fd, body);
  };
  auto bytes_with_range = [&](std::size_t n, bool honour) {
    std::string body = random_bytes(n, 7);
    std::string lower = head_text;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    std::size_t r = lower.find("\r\nrange: bytes=");
    if (honour && r != std::string::npos) {
      std::string spec = lower.substr(r + 15, lower.find("\r\n", r + 2) - r - 15);
      std::size_t dash = spec.find('-');
      std::size_t a, b;
      if (dash == 0) {
        std::size_t k = std::min<std::size_t>(std::stoull(spec.substr(1)), n);
        a = n - k;
        b = n - 1;
      } else {
        a = std::stoull(spec.substr(0, dash));
        b = dash + 1 < spec.size()
                ? std::min<std::size_t>(std::stoull(spec.substr(dash + 1)), n - 1)
                : n - 1;
      }
      std::string part = body.substr(a, b - a + 1);
      reply(206, "Partial Content", part,
            "Content-Range: bytes " + std::to_string(a) + "-" + std::to_string(b) + "/" +
                std::to_string(n) + "\r\n");
    } else {
      reply(200, "OK", body, honour ? "Accept-Ranges: bytes\r\n" : "");
    }
  };

  std::vector<std::string> p = split(path.substr(0, path.find('?')));
  const std::string route = p.empty() ? "" : p[0];
  try {
    if (route == "bytes" && p.size() == 2) {
      bytes_with_range(to_size(p[1]), true);
    } else if (route == "norange" && p.size() == 2) {
      bytes_with_range(to_size(p[1]), false);
    } else if (route == "reset") {
      linger lg{1, 0};
      setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);  // close() sends RST
    } else if (route == "truncated" && p.size() == 2) {
      std::size_t n = to_size(p[1]);
      send_all(fd, head(200, "OK", n));
      send_all(fd, random_bytes(n, 7).substr(0, n / 2));
    } else if (route == "resetmid" && p.size() == 2) {
      std::size_t n = to_size(p[1]);
      send_all(fd, head(200, "OK", n));
      send_all(fd, random_bytes(n, 7).substr(0, n / 2));
      linger lg{1, 0};
      setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);  // close() sends RST
    } else if (route == "slow" && p.size() == 2) {
      std::size_t n = to_size(p[1]);
      send_all(fd, head(200, "OK", n));
      for (std::size_t i = 0; i < n && !closing_; ++i) {
        if (!send_all(fd, "x")) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    } else if (route == "hang") {
      while (!closing_ && recv(fd, buf, sizeof buf, 0) > 0) {
      }
    } else if (route == "flaky" && p.size() == 4) {
      int k = std::stoi(p[2]);
      int seen;
      {
        std::lock_guard lock(mutex_);
        seen = counters_[p[1]]++;
      }
      if (seen < k) {
        reply(std::stoi(p[3]), "Failing", "failure body");
      } else {
        bytes_with_range(64, true);
      }
    } else if (route == "ratelimit" && p.size() == 2) {
      int seen;
      {
        std::lock_guard lock(mutex_);
        seen = counters_[p[1]]++;
      }
      if (seen == 0) {
        reply(429, "Too Many Requests", "slow down", "Retry-After: 1\r\n");
      } else {
        bytes_with_range(64, true);
      }
    } else if (route == "gzip") {
      reply(200, "OK", gzip(gzip_plain()),
            "Content-Encoding: gzip\r\nContent-Type: text/plain\r\n");
    } else if (route == "loop") {
      reply(302, "Found", "", "Location: /loop\r\n");
    } else if (route == "tofile") {
      reply(302, "Found", "", "Location: file:///etc/passwd\r\n");
    } else if (route == "status" && p.size() == 2) {
      reply(std::stoi(p[1]), "Status", "");
    } else if (route == "nohead" && p.size() == 2) {
      if (is_head) {
        reply(405, "Method Not Allowed", "");
      } else {
        bytes_with_range(to_size(p[1]), true);
      }
    } else if (route == "sink") {
      {
        std::lock_guard lock(mutex_);
        sink_ = {method, body_size};
      }
      reply(201, "Created", std::to_string(body_size));
    } else if (route == "gzipzeros" && p.size() == 2) {
      reply(200, "OK", gzip_zeros(to_size(p[1])), "Content-Encoding: gzip\r\n");
    } else if (route == "deflate" && p.size() == 2) {
      reply(200, "OK", gzip(gzip_plain(), p[1] == "raw" ? -15 : 15),
            "Content-Encoding: deflate\r\n");
    } else if (route == "brotli") {
      reply(200, "OK", "not really brotli", "Content-Encoding: br\r\n");
    } else if (route == "badgzip") {
      reply(200, "OK", "this is not gzip at all", "Content-Encoding: gzip\r\n");
    } else if (route == "cutgzip") {
      std::string z = gzip(gzip_plain());
      reply(200, "OK", z.substr(0, z.size() / 2), "Content-Encoding: gzip\r\n");
    } else if (route == "endless") {
      send_all(fd, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
      const std::string zeros(64 << 10, '\0');
      while (!closing_ && send_all(fd, zeros)) {
      }
    } else if (route == "lying" && p.size() == 3) {
      send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: " + p[1] + "\r\nConnection: close\r\n\r\n");
      if (!is_head) send_all(fd, random_bytes(to_size(p[2]), 7));
    } else if (route == "delay" && p.size() == 3) {
      auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::stoi(p[1]));
      while (!closing_ && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      bytes_with_range(to_size(p[2]), true);
    } else if (route == "retryafter" && p.size() == 3) {
      {
        std::lock_guard lock(mutex_);
        ++counters_[p[1]];
      }
      reply(429, "Too Many Requests", "slow down", "Retry-After: " + p[2] + "\r\n");
    } else if (route == "listing" && p.size() == 2) {
      std::string page = "<html><body>\n";
      for (std::size_t i = 0, n = to_size(p[1]); i < n; ++i)
        page += "<a href=\"f" + std::to_string(i) + "\">f" + std::to_string(i) + "</a>\n";
      page += "</body></html>\n";
      reply(200, "OK", page, "Content-Type: text/html\r\n");
    } else if (route == "s3list" && p.size() == 2) {
      // An S3 ListObjectsV2 answer that breaks: "badxml" with a wrong end tag, "cutxml" cut off
      // after whole entries (any other name: a good page of the same two keys).
      std::string page =
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult><Name>" + p[1] +
          "</Name><IsTruncated>false</IsTruncated><Contents><Key>dir/a</Key><Size>1</Size>"
          "</Contents><Contents><Key>dir/b</Key><Size>2</Size>";
      if (p[1] == "badxml") {
        page += "</Content></ListBucketResult>";
      } else if (p[1] != "cutxml") {
        page += "</Contents></ListBucketResult>";
      }
      reply(200, "OK", page, "Content-Type: application/xml\r\n");
    } else if (route == "echo") {
      reply(200, "OK", head_text, "Content-Type: text/plain\r\n");
    } else {
      reply(404, "Not Found", "no such route");
    }
  } catch (const std::exception&) {
    reply(400, "Bad Request", "bad route");
  }
  finish();
}

FaultServer& fault_server() {
  static FaultServer instance;
  return instance;
}

}  // namespace cofs::test
