// bench_http: HTTPFileSystem side by side with wrk and the curl command line, against one nginx
// started here (the test fixture, with one worker process) on loopback:
//   - cat of 10,000 URLs of 4 KiB at concurrency 64, against wrk -c64 on one such URL,
//     curl --parallel --parallel-max 64 over the same list, and a minimal libcurl loop written
//     here (64 reused easy handles, curl_multi_perform + curl_multi_poll, bodies kept): what
//     libcurl itself can do on this machine;
//   - cat_file and get_file of a 1 GiB file against curl -o;
//   - the peak RSS of get_file and of cat_file of that file (each measured in a child process).
// Usage: bench_http [--small N] [--big-mib M]
#include <curl/curl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "../tests/http/support/nginx.cpp"  // the launcher the tests use, compiled in here
#include "cofs/cofs.hpp"
#include "cofs/http/http_fs.hpp"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
namespace stdfs = std::filesystem;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::shared_ptr<cofs::HTTPFileSystem> make_fs() {
  cofs::HTTPOptions o;
  o.client.http_version = cofs::http::HttpVersion::http1_1;
  return std::make_shared<cofs::HTTPFileSystem>(nullptr, o);
}

/// The reference: libcurl driven the simplest way, each body kept in fresh memory as cat keeps
/// its results. Returns requests per second.
double libcurl_loop(const std::vector<std::string>& urls) {
  constexpr std::size_t kConcurrency = 64;
  struct Slot {
    std::string body;
  };
  std::vector<std::string> kept;
  kept.reserve(urls.size());
  std::vector<Slot> slots(kConcurrency);
  auto on_data = [](char* p, std::size_t size, std::size_t n, void* slot) {
    static_cast<Slot*>(slot)->body.append(p, size * n);
    return size * n;
  };
  CURLM* multi = curl_multi_init();
  std::vector<CURL*> handles;
  std::size_t next = 0, done = 0;
  auto start = [&](CURL* e, Slot& slot) {
    curl_easy_setopt(e, CURLOPT_URL, urls[next++].c_str());
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, +on_data);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &slot);
    curl_easy_setopt(e, CURLOPT_PRIVATE, &slot);
    curl_multi_add_handle(multi, e);
  };
  auto t0 = Clock::now();
  for (std::size_t i = 0; i < kConcurrency && next < urls.size(); ++i) {
    handles.push_back(curl_easy_init());
    start(handles.back(), slots[i]);
  }
  while (done < urls.size()) {
    int running = 0, queued = 0;
    curl_multi_perform(multi, &running);
    while (CURLMsg* m = curl_multi_info_read(multi, &queued)) {
      if (m->msg != CURLMSG_DONE) continue;
      char* priv = nullptr;
      curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
      auto* slot = reinterpret_cast<Slot*>(priv);
      kept.push_back(std::move(slot->body));
      slot->body = std::string();
      ++done;
      curl_multi_remove_handle(multi, m->easy_handle);
      if (next < urls.size()) start(m->easy_handle, *slot);
    }
    if (done < urls.size()) curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
  }
  const double rate = static_cast<double>(urls.size()) / seconds_since(t0);
  for (CURL* e : handles) curl_easy_cleanup(e);
  curl_multi_cleanup(multi);
  for (const std::string& b : kept) {
    if (b.size() != 4096) std::exit(5);
  }
  return rate;
}

std::string run_capture(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  pclose(p);
  return out;
}

/// The peak RSS of this process's current image (VmHWM). getrusage's ru_maxrss would also count
/// the parent's memory, which a spawned child carries until exec.
double peak_rss_mib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atof(line.c_str() + 6) / 1024.0;
  }
  return 0;
}

/// Runs this program again with `args` and returns (seconds, peak RSS in MiB) as it reports
/// them, so that each large transfer's memory is measured alone.
std::pair<double, double> child(const std::vector<std::string>& args) {
  std::string self = stdfs::read_symlink("/proc/self/exe").string();
  std::vector<std::string> all{self, "--child"};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  int pipefd[2];
  if (pipe(pipefd) != 0) std::abort();
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
  posix_spawn_file_actions_addclose(&fa, pipefd[0]);
  pid_t pid;
  if (posix_spawn(&pid, self.c_str(), &fa, nullptr, argv.data(), environ) != 0) std::abort();
  close(pipefd[1]);
  std::string out;
  char buf[256];
  ssize_t n;
  while ((n = read(pipefd[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  close(pipefd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "child %s failed: %s\n", args[0].c_str(), out.c_str());
    std::exit(1);
  }
  double secs = 0, rss = 0;
  std::sscanf(out.c_str(), "%lf %lf", &secs, &rss);
  return {secs, rss};
}

int child_main(int argc, char** argv) {
  std::string what = argv[2];
  auto fs = make_fs();
  auto t0 = Clock::now();
  if (what == "cat_file") {
    cofs::Bytes b = fs->cat_file(argv[3]);
    double s = seconds_since(t0);
    if (b.size() != std::stoull(argv[4])) return 2;
    std::printf("%.4f %.1f\n", s, peak_rss_mib());
  } else if (what == "get_file") {
    fs->get_file(argv[3], argv[4]);
    double s = seconds_since(t0);
    if (stdfs::file_size(argv[4]) != std::stoull(argv[5])) return 2;
    std::printf("%.4f %.1f\n", s, peak_rss_mib());
  }
  (void)argc;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 2 && std::string(argv[1]) == "--child") return child_main(argc, argv);
  std::size_t small = 10000;
  std::size_t big_mib = 1024;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--small") small = std::stoul(argv[i + 1]);
    if (std::string(argv[i]) == "--big-mib") big_mib = std::stoul(argv[i + 1]);
  }
  cofs::test::Nginx nginx(cofs::test::Nginx::Options{1});
  const stdfs::path root = nginx.root();
  fmt::print("nginx on 127.0.0.1:{}; writing {} files of 4 KiB and one of {} MiB\n", nginx.port(),
             small, big_mib);
  const std::string four_k = cofs::test::random_bytes(4096, 5);
  stdfs::create_directories(root / "small");
  std::vector<std::string> urls;
  for (std::size_t i = 0; i < small; ++i) {
    std::ofstream(root / "small" / std::to_string(i), std::ios::binary) << four_k;
    urls.push_back(nginx.url("/small/" + std::to_string(i)));
  }
  const std::uint64_t big_size = static_cast<std::uint64_t>(big_mib) << 20;
  {
    std::ofstream big(root / "big.bin", std::ios::binary);
    std::string block = cofs::test::random_bytes(1 << 20, 9);
    for (std::size_t i = 0; i < big_mib; ++i) big.write(block.data(), block.size());
  }
  const std::string big_url = nginx.url("/big.bin");
  char tmpl[] = "/tmp/cofs-bench-out-XXXXXX";
  const std::string out_dir = mkdtemp(tmpl);

  // ---- many small files ----------------------------------------------------------------------
  auto fs = make_fs();
  double cofs_rate = 0;
  for (int round = 0; round < 3; ++round) {  // the first warms the connections and page cache
    auto t0 = Clock::now();
    cofs::CatResult r = fs->cat(urls, {.batch_size = 64});
    double s = seconds_since(t0);
    for (auto& [u, o] : r) {
      if (!o.ok() || o->size() != 4096) {
        std::fprintf(stderr, "bad result for %s\n", u.c_str());
        return 1;
      }
    }
    if (round > 0) cofs_rate = std::max(cofs_rate, static_cast<double>(small) / s);
  }
  double libcurl_rate = 0;
  for (int round = 0; round < 3; ++round) libcurl_rate = std::max(libcurl_rate, libcurl_loop(urls));
  std::string wrk = run_capture("wrk -t2 -c64 -d5s " + urls[0] + " 2>&1");
  double wrk_rate = 0;
  if (auto at = wrk.find("Requests/sec:"); at != std::string::npos)
    wrk_rate = std::atof(wrk.c_str() + at + 13);
  const std::string list = out_dir + "/urls.cfg";
  {
    std::ofstream cfg(list);
    for (const auto& u : urls) cfg << "url = \"" << u << "\"\noutput = \"/dev/null\"\n";
  }
  double curl_rate = 0;
  for (int round = 0; round < 2; ++round) {
    auto t0 = Clock::now();
    if (std::system(("curl -s --parallel --parallel-max 64 -K " + list).c_str()) != 0) return 1;
    curl_rate = std::max(curl_rate, static_cast<double>(small) / seconds_since(t0));
  }

  // ---- one large file ------------------------------------------------------------------------
  auto curl_time = [&](const std::string& out) {
    double best = 1e9;
    for (int round = 0; round < 2; ++round) {
      auto t0 = Clock::now();
      if (std::system(("curl -s -o " + out + " " + big_url).c_str()) != 0) std::exit(1);
      best = std::min(best, seconds_since(t0));
    }
    return best;
  };
  const std::string size_arg = std::to_string(big_size);
  double curl_null = curl_time("/dev/null");
  double curl_disk = curl_time(out_dir + "/curl.bin");
  stdfs::remove(out_dir + "/curl.bin");
  std::pair<double, double> cat{1e9, 0}, get{1e9, 0};
  for (int round = 0; round < 2; ++round) {
    auto c = child({"cat_file", big_url, size_arg});
    if (c.first < cat.first) cat.first = c.first;
    cat.second = std::max(cat.second, c.second);
    auto g = child({"get_file", big_url, out_dir + "/cofs.bin", size_arg});
    if (g.first < get.first) get.first = g.first;
    get.second = std::max(get.second, g.second);
    stdfs::remove(out_dir + "/cofs.bin");
  }
  stdfs::remove_all(out_dir);

  const double mib = static_cast<double>(big_mib);
  fmt::print("\n{:<44} {:>12} {:>12} {:>8}\n", "benchmark", "cofs", "reference", "ratio");
  fmt::print("{:<44} {:10.0f}/s {:10.0f}/s {:7.2f}x\n",
             "cat 4 KiB URLs, c=64 vs wrk -c64 (one URL)", cofs_rate, wrk_rate,
             cofs_rate / wrk_rate);
  fmt::print("{:<44} {:10.0f}/s {:10.0f}/s {:7.2f}x\n",
             "cat 4 KiB URLs, c=64 vs curl --parallel 64", cofs_rate, curl_rate,
             cofs_rate / curl_rate);
  fmt::print("{:<44} {:10.0f}/s {:10.0f}/s {:7.2f}x\n",
             "cat 4 KiB URLs, c=64 vs minimal libcurl loop", cofs_rate, libcurl_rate,
             cofs_rate / libcurl_rate);
  fmt::print("{:<44} {:8.0f}MiB/s {:8.0f}MiB/s {:7.2f}x\n", "cat_file 1 GiB vs curl -o /dev/null",
             mib / cat.first, mib / curl_null, curl_null / cat.first);
  fmt::print("{:<44} {:8.0f}MiB/s {:8.0f}MiB/s {:7.2f}x\n", "get_file 1 GiB vs curl -o file",
             mib / get.first, mib / curl_disk, curl_disk / get.first);
  fmt::print("{:<44} {:9.1f} MiB\n", "peak RSS of get_file", get.second);
  fmt::print("{:<44} {:9.1f} MiB (file {:.0f} MiB)\n", "peak RSS of cat_file", cat.second, mib);
  return 0;
}
