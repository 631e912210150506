// The end-to-end demo that the README's first command runs: cofs on real local files, on a
// loopback HTTP server it starts itself (Debian's nginx), on an S3 store (a Ceph RADOS Gateway
// that .ci/demo.sh starts), and on memory; used the three ways: blocking calls, co_await from a
// coroutine, and bulk calls batched through gather.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>

#include "cofs/cofs.hpp"

namespace stdfs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// ---- a loopback nginx serving a directory, with listings and WebDAV writes -------------------

int free_port() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    throw std::runtime_error("no free loopback port");
  int port = ntohs(a.sin_port);
  close(s);
  return port;
}

class LoopbackNginx {
 public:
  explicit LoopbackNginx(const stdfs::path& dir) : dir_(dir), port_(free_port()) {
    const char* nginx = "/usr/sbin/nginx";
    if (!stdfs::exists(nginx))
      throw std::runtime_error(
          "nginx is not installed: run the README's first command (apt-get install nginx-light)");
    stdfs::create_directories(dir_ / "www");
    stdfs::create_directories(dir_ / "tmp");
    std::ofstream(dir_ / "nginx.conf")
        << "daemon off; master_process off; user root;\n"
        << "pid " << (dir_ / "nginx.pid").string() << ";\n"
        << "error_log " << (dir_ / "error.log").string() << ";\n"
        << "events {}\nhttp {\n access_log off;\n"
        << " client_body_temp_path " << (dir_ / "tmp").string() << ";\n"
        << " proxy_temp_path " << (dir_ / "tmp").string() << ";\n"
        << " fastcgi_temp_path " << (dir_ / "tmp").string() << ";\n"
        << " uwsgi_temp_path " << (dir_ / "tmp").string() << ";\n"
        << " scgi_temp_path " << (dir_ / "tmp").string() << ";\n"
        << " server {\n  listen 127.0.0.1:" << port_ << ";\n"
        << "  root " << (dir_ / "www").string() << ";\n"
        << "  location / { autoindex on; dav_methods PUT DELETE MKCOL; create_full_put_path on; }\n"
        << " }\n}\n";
    pid_ = fork();
    if (pid_ == 0) {
      execl(nginx, nginx, "-p", dir_.c_str(), "-c", (dir_ / "nginx.conf").c_str(), nullptr);
      _exit(127);
    }
    for (int i = 0; i < 200; ++i) {  // wait until it listens
      int s = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(static_cast<uint16_t>(port_));
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      bool up = connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
      close(s);
      if (up) return;
      std::this_thread::sleep_for(20ms);
    }
    throw std::runtime_error("nginx did not start; see " + (dir_ / "error.log").string());
  }
  ~LoopbackNginx() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  stdfs::path www() const { return dir_ / "www"; }
  std::string url(const std::string& p = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + p;
  }

 private:
  stdfs::path dir_;
  int port_;
  pid_t pid_ = -1;
};

// ---- the demo ----------------------------------------------------------------------------

// co_await style: a coroutine that reads a file line by line through aiofile-shaped file objects.
cofs::Task<std::size_t> count_lines(cofs::FileSystem& fs, std::string path) {
  auto f = co_await fs.async_open(path, "r");
  auto lines = f->lines();
  std::size_t n = 0;
  while (auto line = co_await lines.next()) ++n;
  co_await f->close();
  co_return n;
}

void local_part(const stdfs::path& dir) {
  // The engine is chosen by COFS_LOCAL_ENGINE, else the first of uring, aio, threads that starts;
  // LocalOptions{.engine = cofs::LocalEngine::threads} (or {{"engine", "threads"}}) forces one.
  auto fs = cofs::filesystem("file");
  std::printf("local: the %s engine, on %s\n",
              cofs::to_string(static_cast<cofs::LocalFileSystem&>(*fs).engine()), dir.c_str());
  const std::string root = (dir / "data").string();
  fs->makedirs(root, true);
  // blocking style
  fs->pipe_file(root + "/hello.txt", std::string_view("hello from cofs\n"));
  {
    cofs::File f = fs->open(root + "/numbers.txt", "w");
    for (int i = 0; i < 1000; ++i) f.write(std::to_string(i) + "\n");
  }
  std::printf("  hello.txt: %s", fs->cat_file(root + "/hello.txt").str().c_str());
  std::printf("  numbers.txt: %zu lines (co_await, line by line)\n",
              cofs::sync(fs->loop(), count_lines(*fs, root + "/numbers.txt")));
  // bulk style: 500 files written and read back concurrently through gather
  std::map<std::string, cofs::Bytes> many;
  for (int i = 0; i < 500; ++i)
    many.emplace(root + "/many/" + std::to_string(i) + ".txt",
                 cofs::Bytes("file " + std::to_string(i)));
  fs->makedirs(root + "/many", true);
  fs->pipe(std::move(many));
  auto contents = fs->cat(root + "/many/*.txt");
  std::printf("  cat of %zu files through gather: ok; du = %llu bytes; find = %zu files\n",
              contents.size(), static_cast<unsigned long long>(fs->du(root)),
              fs->find(root).size());
  std::printf("  tail of numbers.txt: %s", fs->tail(root + "/numbers.txt", 4).str().c_str());
}

void http_part(const stdfs::path& dir) {
  LoopbackNginx server(dir / "nginx");
  for (int i = 0; i < 200; ++i) {
    std::ofstream(server.www() / ("f" + std::to_string(i) + ".txt")) << "remote file " << i << "\n";
  }
  std::printf("http: nginx on %s\n", server.url().c_str());
  auto [fs, root] = cofs::url_to_fs(server.url("/"));
  auto listing = fs->ls(root);
  std::printf("  ls: %zu entries\n", listing.size());
  auto info = fs->info(server.url("/f7.txt"));
  std::printf("  info f7.txt: size %llu\n", static_cast<unsigned long long>(info.size));
  std::printf("  range [7, 11) of f7.txt: '%s'\n",
              fs->cat_file(server.url("/f7.txt"), 7, 11).str().c_str());
  std::vector<std::string> urls;
  for (int i = 0; i < 200; ++i) urls.push_back(server.url("/f" + std::to_string(i) + ".txt"));
  auto start = std::chrono::steady_clock::now();
  auto all = fs->cat(urls, {.batch_size = 64});
  auto ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::printf("  cat of %zu URLs, 64 at a time: %.1f ms\n", all.size(), ms);
  fs->pipe_file(server.url("/uploads/new.txt"), std::string_view("uploaded by PUT\n"));
  std::printf("  PUT then GET: %s", fs->cat_file(server.url("/uploads/new.txt")).str().c_str());
  fs->get_file(server.url("/f3.txt"), (dir / "downloaded.txt").string());
  std::printf("  get_file to local: %s",
              cofs::filesystem("file")->cat_file((dir / "downloaded.txt").string()).str().c_str());
  // '?' starts a URL's query: '*' and '[' are the glob characters of HTTP paths.
  auto globbed = fs->glob(server.url("/f1[0-9].txt"));
  std::printf("  glob f1[0-9].txt: %zu matches\n", globbed.size());
}

// On an S3 store when COFS_DEMO_S3_ENDPOINT names one (.ci/demo.sh starts a Ceph RADOS Gateway
// for it where Ceph is installed); credentials come as for the AWS tools (AWS_ACCESS_KEY_ID ...).
void s3_part(const stdfs::path& dir) {
  const char* endpoint = std::getenv("COFS_DEMO_S3_ENDPOINT");
  if (endpoint == nullptr || *endpoint == '\0') {
    std::printf(
        "s3: not run (set COFS_DEMO_S3_ENDPOINT=http://host:port and AWS_ACCESS_KEY_ID / "
        "AWS_SECRET_ACCESS_KEY; .ci/demo.sh starts a local Ceph RGW when Ceph is installed)\n");
    return;
  }
  auto start = std::chrono::steady_clock::now();
  auto fs = cofs::filesystem("s3", {{"endpoint_url", endpoint}});
  const std::string bucket = "s3://cofs-demo-" + std::to_string(::getpid());
  fs->mkdir(bucket);
  std::printf("s3: bucket %s on %s\n", bucket.c_str(), endpoint);
  fs->pipe_file(bucket + "/notes/hello world.txt", std::string_view("hello from cofs\n"));
  std::printf("  pipe then cat: %s", fs->cat_file(bucket + "/notes/hello world.txt").str().c_str());
  std::printf("  range [6, 10): '%s'\n",
              fs->cat_file(bucket + "/notes/hello world.txt", 6, 10).str().c_str());
  std::map<std::string, cofs::Bytes> many;
  for (int i = 0; i < 100; ++i)
    many.emplace(bucket + "/data/part-" + std::to_string(i) + ".csv",
                 cofs::Bytes(std::string_view("row," + std::to_string(i) + "\n")));
  fs->pipe(std::move(many), {.batch_size = 32});
  std::printf("  ls data: %zu objects; du: %llu bytes\n", fs->ls(bucket + "/data").size(),
              static_cast<unsigned long long>(fs->du(bucket)));
  fs->cp_file(bucket + "/notes/hello world.txt", bucket + "/notes/copy.txt");
  std::printf("  cp on the server, then glob notes/*.txt: %zu matches\n",
              fs->glob(bucket + "/notes/*.txt").size());
  fs->get_file(bucket + "/notes/copy.txt", (dir / "from-s3.txt").string());
  std::printf("  get_file to local: %s",
              cofs::filesystem("file")->cat_file((dir / "from-s3.txt").string()).str().c_str());
  // DeleteObjects, 1,000 keys a request; then the bucket itself (empty by then).
  fs->rm(bucket, {.recursive = true});
  auto ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::printf("  rm of the tree and the bucket: %s; the S3 part took %.0f ms\n",
              fs->exists(bucket) ? "left" : "gone", ms);
}

void memory_part() {
  auto [fs, p] = cofs::url_to_fs("memory://demo/a.txt");
  fs->pipe_file(p, std::string_view("in memory"));
  fs->copy("memory://demo/", "memory://copy/", {.recursive = true});
  std::printf("memory: copy of a tree: %s\n", fs->cat_file("memory://copy/a.txt").str().c_str());
}

}  // namespace

int main() {
  char tmpl[] = "/tmp/cofs-demo-XXXXXX";
  stdfs::path dir = mkdtemp(tmpl);
  int rc = 0;
  try {
    local_part(dir);
    http_part(dir);
    s3_part(dir);
    memory_part();
    std::printf("demo: all parts ran\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "demo failed: %s\n", e.what());
    rc = 1;
  }
  stdfs::remove_all(dir);
  return rc;
}
