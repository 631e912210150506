// bench_http: HTTPFileSystem side by side with wrk and the curl command line, against one nginx
// started here (the test fixture, with one worker process) on loopback:
//   - cat of 10,000 URLs of 4 KiB at concurrency 64, against wrk -c64 on one such URL,
//     curl --parallel --parallel-max 64 over the same list, and a minimal libcurl loop written
//     here (64 reused easy handles, curl_multi_perform + curl_multi_poll, bodies kept): what
//     libcurl itself can do on this machine;
//   - cat_file and get_file of a 1 GiB file against curl -o;
//   - the peak RSS of get_file and of cat_file of that file (each measured in a child process);
//   - get of 2,000 of the small URLs into a directory, against cat of the same URLs and
//     curl --parallel writing them to files.
// Every row also runs fsspec's HTTPFileSystem (bench/peers/fsspec_http.py, Debian's
// python3-fsspec and python3-aiohttp) against the same nginx, the large transfers each in a
// fresh process as cofs's.
// Usage: bench_http [--small N] [--get N] [--big-mib M] [--results FILE] [--no-peers]
//                   [--get-only]
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
#include "common.hpp"

namespace {

using bench::Clock;
using bench::PeerResult;
using bench::seconds_since;
namespace stdfs = std::filesystem;

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

/// One row of the summary table; a missing peer prints why instead of a figure.
void print_row(const std::string& what, double cofs, double ref, const std::string& unit,
               bool higher_is_better = true) {
  fmt::print("{:<58} {:10.0f}{:<6} {:10.0f}{:<6} {:7.2f}x\n", what.c_str(), cofs, unit.c_str(), ref,
             unit.c_str(), higher_is_better ? cofs / ref : ref / cofs);
}
void print_peer_row(const std::string& what, double cofs, const PeerResult& peer, double per_second,
                    const std::string& unit, bool higher_is_better = true) {
  if (!peer.ok_()) {
    fmt::print("{:<58} {}\n", what.c_str(), peer.why().c_str());
    return;
  }
  const double value = higher_is_better ? per_second / peer["seconds"] : peer["seconds"] * 1e3;
  print_row(what, cofs, value, unit, higher_is_better);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 2 && std::string(argv[1]) == "--child") return child_main(argc, argv);
  const std::size_t small = std::stoul(bench::take_option(argc, argv, "--small", "10000"));
  const std::size_t n_get =
      std::min(small, std::stoul(bench::take_option(argc, argv, "--get", "2000")));
  const std::size_t big_mib = std::stoul(bench::take_option(argc, argv, "--big-mib", "1024"));
  bench::Results results("http", bench::take_option(argc, argv, "--results", ""));
  const bool peers = !bench::take_flag(argc, argv, "--no-peers");
  // Only the get row (its cat of the same URLs, curl and fsspec): for working on bulk transfers.
  const bool get_only = bench::take_flag(argc, argv, "--get-only");
  const PeerResult no_peer{PeerResult::unavailable, "--no-peers", {}, 0};
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
  // Where get and get_file write: $TMPDIR (as mkdtemp(1) takes it), else /tmp.
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl =
      std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/cofs-bench-out-XXXXXX";
  const std::string out_dir = mkdtemp(tmpl.data());
  const std::string url_list = bench::write_list(out_dir + "/urls.list", urls);
  const std::vector<std::string> get_urls(urls.begin(), urls.begin() + n_get);
  const std::string get_list = bench::write_list(out_dir + "/get.list", get_urls);

  // ---- many small files ----------------------------------------------------------------------
  auto fs = make_fs();
  double cofs_rate = 0;
  for (int round = 0; round < (get_only ? 0 : 3);
       ++round) {  // the first warms the connections and page cache
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
  for (int round = 0; round < (get_only ? 0 : 3); ++round)
    libcurl_rate = std::max(libcurl_rate, libcurl_loop(urls));
  std::string wrk = get_only ? "" : run_capture("wrk -t2 -c64 -d5s " + urls[0] + " 2>&1");
  double wrk_rate = 0;
  if (auto at = wrk.find("Requests/sec:"); at != std::string::npos)
    wrk_rate = std::atof(wrk.c_str() + at + 13);
  auto curl_parallel = [&](const std::vector<std::string>& list, const std::string& dir) {
    const std::string cfg = out_dir + "/curl.cfg";
    {
      std::ofstream out(cfg);
      for (std::size_t i = 0; i < list.size(); ++i) {
        out << "url = \"" << list[i] << "\"\noutput = \""
            << (dir.empty() ? "/dev/null" : dir + "/" + std::to_string(i)) << "\"\n";
      }
    }
    if (!dir.empty()) stdfs::create_directories(dir);
    auto t0 = Clock::now();
    if (std::system(
            ("curl -s --no-progress-meter --parallel --parallel-max 64 -K " + cfg + " 2>/dev/null")
                .c_str()) != 0)
      std::exit(1);
    return seconds_since(t0);
  };
  double curl_rate = 0;
  for (int round = 0; round < (get_only ? 0 : 2); ++round)
    curl_rate = std::max(curl_rate, static_cast<double>(small) / curl_parallel(urls, ""));
  PeerResult fsspec_cat = peers && !get_only
                              ? bench::run_peer("fsspec_http.py", {"cat", "2", "64", url_list})
                              : no_peer;

  // ---- get of n_get URLs into a directory ----------------------------------------------------
  // Each round into a fresh directory, as the peer's, all removed only at the end: ext4 scans
  // past inodes freed in the last seconds (minutes, while their table block is dirty) for every
  // new file, so removing one round's files would slow the next round's creations.
  const std::string get_dir = out_dir + "/get";
  double cofs_get = 1e9, cofs_cat_same = 1e9, curl_get = 1e9;
  for (int round = 0; round < 3; ++round) {
    const std::string cofs_dir = fmt::format("{}/cofs-{}", get_dir, round);
    stdfs::create_directories(cofs_dir);
    auto t0 = Clock::now();
    auto failed = fs->get(get_urls, cofs_dir + "/", {.batch_size = 64});
    double s = seconds_since(t0);
    const auto written = static_cast<std::size_t>(
        std::distance(stdfs::directory_iterator(cofs_dir), stdfs::directory_iterator()));
    if (!failed.empty() || written != n_get) {
      std::fprintf(stderr, "get wrote %zu of %zu files\n", written, n_get);
      return 1;
    }
    if (round > 0) cofs_get = std::min(cofs_get, s);
    cofs_cat_same =
        std::min(cofs_cat_same, bench::best_of(1, [&] { fs->cat(get_urls, {.batch_size = 64}); }));
    curl_get =
        std::min(curl_get, curl_parallel(get_urls, fmt::format("{}/curl-{}", get_dir, round)));
  }
  PeerResult fsspec_get =
      peers ? bench::run_peer("fsspec_http.py", {"get", "2", "64", get_dir + "/fsspec", get_list})
            : no_peer;
  stdfs::remove_all(get_dir);
  const std::string get_what = fmt::format("get {} URLs to a directory, c=64", n_get);
  if (get_only) {
    stdfs::remove_all(out_dir);
    print_row(get_what + " vs cofs cat", cofs_get * 1e3, cofs_cat_same * 1e3, " ms", false);
    print_row(get_what + " vs curl --parallel", cofs_get * 1e3, curl_get * 1e3, " ms", false);
    print_peer_row(get_what + " vs fsspec get", cofs_get * 1e3, fsspec_get,
                   static_cast<double>(n_get), " ms", false);
    return 0;
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
  PeerResult fsspec_cat_file =
      peers ? bench::run_peer("fsspec_http.py", {"cat_file", big_url, size_arg}) : no_peer;
  PeerResult fsspec_get_file =
      peers
          ? bench::run_peer("fsspec_http.py", {"get_file", big_url, out_dir + "/py.bin", size_arg})
          : no_peer;
  stdfs::remove_all(out_dir);

  const double mib = static_cast<double>(big_mib);
  const double n = static_cast<double>(small), g = static_cast<double>(n_get);
  fmt::print("\n{:<58} {:>16} {:>16} {:>8}\n", "benchmark", "cofs", "other", "cofs/other");
  const std::string cat_what = fmt::format("cat {} URLs of 4 KiB, c=64", small);
  print_row(cat_what + " vs wrk -c64 (one URL)", cofs_rate, wrk_rate, "/s");
  print_row(cat_what + " vs curl --parallel 64", cofs_rate, curl_rate, "/s");
  print_row(cat_what + " vs minimal libcurl loop", cofs_rate, libcurl_rate, "/s");
  print_peer_row(cat_what + " vs fsspec cat", cofs_rate, fsspec_cat, n, "/s");
  auto big_what = [&](const char* op) { return fmt::format("{} of {} MiB", op, big_mib); };
  print_row(get_what + " vs cofs cat", cofs_get * 1e3, cofs_cat_same * 1e3, " ms", false);
  print_row(get_what + " vs curl --parallel", cofs_get * 1e3, curl_get * 1e3, " ms", false);
  print_peer_row(get_what + " vs fsspec get", cofs_get * 1e3, fsspec_get, g, " ms", false);
  print_row(big_what("cat_file") + " vs curl -o /dev/null", mib / cat.first, mib / curl_null,
            " MiB/s");
  print_peer_row(big_what("cat_file") + " vs fsspec cat_file", mib / cat.first, fsspec_cat_file,
                 mib, " MiB/s");
  print_row(big_what("get_file") + " vs curl -o file", mib / get.first, mib / curl_disk, " MiB/s");
  print_peer_row(big_what("get_file") + " vs fsspec get_file", mib / get.first, fsspec_get_file,
                 mib, " MiB/s");
  auto rss_row = [&](const char* what, double cofs_mib, const PeerResult& peer) {
    if (!peer.ok_()) return fmt::print("{:<58} {:9.1f} MiB  {}\n", what, cofs_mib, peer.why());
    const double peer_mib = peer["vmhwm_kib"] / 1024;
    fmt::print("{:<58} {:9.1f} MiB  {:9.1f} MiB  {:7.2f}x less\n", what, cofs_mib, peer_mib,
               peer_mib / cofs_mib);
  };
  rss_row("peak RSS of get_file vs fsspec get_file", get.second, fsspec_get_file);
  rss_row("peak RSS of cat_file vs fsspec cat_file", cat.second, fsspec_cat_file);

  auto add_peer = [&](const std::string& label, const PeerResult& r, double value) {
    if (r.ok_()) results.add(label, "peer", value);
  };
  results.row("cat_small", cat_what, "requests/s", false);
  results.add("cofs cat", "cofs", cofs_rate);
  results.add("wrk -c64 (one URL)", "ref", wrk_rate);
  results.add("curl --parallel 64", "ref", curl_rate);
  results.add("minimal libcurl loop", "ref", libcurl_rate);
  add_peer("fsspec cat", fsspec_cat, n / fsspec_cat["seconds"]);
  results.row("get_small", get_what, "ms", true);
  results.add("cofs get", "cofs", cofs_get * 1e3);
  results.add("cofs cat of the same URLs", "cofs-alt", cofs_cat_same * 1e3);
  results.add("curl --parallel 64 to files", "ref", curl_get * 1e3);
  add_peer("fsspec get", fsspec_get, fsspec_get["seconds"] * 1e3);
  results.row("cat_file_big", fmt::format("cat_file of {} MiB into memory", big_mib), "MiB/s",
              false);
  results.add("cofs cat_file", "cofs", mib / cat.first);
  results.add("curl -o /dev/null", "ref", mib / curl_null);
  add_peer("fsspec cat_file", fsspec_cat_file, mib / fsspec_cat_file["seconds"]);
  results.row("get_file_big", fmt::format("get_file of {} MiB to disk", big_mib), "MiB/s", false);
  results.add("cofs get_file", "cofs", mib / get.first);
  results.add("curl -o file", "ref", mib / curl_disk);
  add_peer("fsspec get_file", fsspec_get_file, mib / fsspec_get_file["seconds"]);
  results.row("cat_file_big_rss", fmt::format("peak RSS of cat_file of {} MiB", big_mib), "MiB",
              true);
  results.add("cofs cat_file", "cofs", cat.second);
  add_peer("fsspec cat_file", fsspec_cat_file, fsspec_cat_file["vmhwm_kib"] / 1024);
  results.row("get_file_big_rss", fmt::format("peak RSS of get_file of {} MiB", big_mib), "MiB",
              true);
  results.add("cofs get_file", "cofs", get.second);
  add_peer("fsspec get_file", fsspec_get_file, fsspec_get_file["vmhwm_kib"] / 1024);
  return 0;
}
