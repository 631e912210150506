// bench_s3: S3FileSystem side by side with the tools a user would pick instead, against one Ceph
// RADOS Gateway started here (the S3 tests' fixture, tests/s3/support/rgw.hpp) on loopback:
//   - cat of 2,000 objects of 4 KiB at concurrency 64 (the bodies kept in memory), against
//     `aws s3 cp --recursive` and `rclone copy --transfers 64` (both write a directory: the
//     way they are used), and boto3's get_object on a ThreadPoolExecutor of 64 (into memory);
//     beside them cofs's own `get` of the prefix into a directory, the same job as aws's and
//     rclone's;
//   - put_file and get_file of a 512 MiB object against `aws s3 cp`, `rclone copyto` and boto3's
//     transfer manager, with the peak RSS of each (cofs's transfers each in a child process);
//   - find over 20,000 keys against `aws s3 ls --recursive` and boto3's list_objects_v2
//     paginator.
// The peers are Debian's awscli 2.9 (/usr/bin/aws; max_concurrent_requests 64 in a private
// AWS_CONFIG_FILE), rclone 1.60 (a remote configured by RCLONE_CONFIG_RGW_* variables) and
// python3-boto3 (bench/peers/boto3_s3.py). The contenders of a row take turns, round after round
// (best of each), so that the moving load of a shared machine falls on all of them alike; each
// row also prints where cofs's best run's time went (CPU of cofs, radosgw, the OSD).
// Usage: bench_s3 [--small N] [--keys N] [--big-mib M] [--results FILE] [--no-peers]
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cofs/cofs.hpp"
#include "cofs/s3/s3_fs.hpp"
#include "common.hpp"
#include "support/nginx.hpp"  // random_bytes
#include "support/rgw.hpp"

namespace {

using bench::Clock;
using bench::PeerResult;
using bench::seconds_since;
using cofs::test::Rgw;
namespace stdfs = std::filesystem;

constexpr const char* kBucket = "bench";

std::shared_ptr<cofs::S3FileSystem> make_fs(const std::string& endpoint) {
  cofs::S3Options o;
  o.endpoint_url = endpoint;
  o.region = Rgw::region;
  o.credentials = cofs::s3::Credentials{Rgw::owner().access_key, Rgw::owner().secret_key};
  return std::make_shared<cofs::S3FileSystem>(nullptr, o);
}

/// The peak RSS of this process's image (VmHWM), as bench_http's children report it.
double peak_rss_mib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atof(line.c_str() + 6) / 1024.0;
  }
  return 0;
}

/// CPU seconds (user + system) of this process, all its threads.
double cpu_self() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return secs(ru.ru_utime) + secs(ru.ru_stime);
}

/// A command line peer's run: wall time and peak RSS (wait4), its output thrown away.
struct Timed {
  double seconds = 0;
  double rss_mib = 0;
  bool ok = false;
  std::string error;  // the end of its standard error when it failed
};

Timed run_timed(std::vector<std::string> argv) {
  Timed t;
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  int err[2];
  if (::pipe(err) != 0) std::abort();
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, err[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&fa, err[0]);
  pid_t pid;
  const auto t0 = Clock::now();
  int rc = ::posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(err[1]);
  if (rc != 0) {
    ::close(err[0]);
    t.error = argv[0] + " cannot be run";
    return t;
  }
  char buf[4096];
  ssize_t n;
  while ((n = ::read(err[0], buf, sizeof buf)) > 0) {
    t.error.append(buf, static_cast<std::size_t>(n));
    if (t.error.size() > 4096) t.error.erase(0, t.error.size() - 4096);
  }
  ::close(err[0]);
  int status = 0;
  rusage ru{};
  ::wait4(pid, &status, 0, &ru);
  t.seconds = seconds_since(t0);
  t.rss_mib = static_cast<double>(ru.ru_maxrss) / 1024.0;
  t.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (t.ok) t.error.clear();
  return t;
}

/// Best time of `runs` runs of a command; the largest RSS. Exits when a run fails.
Timed best_run(int runs, const std::vector<std::string>& argv,
               const std::function<void()>& before = {}) {
  Timed best;
  best.seconds = 1e9;
  for (int i = 0; i < runs; ++i) {
    if (before) before();
    Timed t = run_timed(argv);
    if (!t.ok) {
      std::fprintf(stderr, "%s failed: %s\n", argv[0].c_str(), t.error.c_str());
      return t;
    }
    best.ok = true;
    best.seconds = std::min(best.seconds, t.seconds);
    best.rss_mib = std::max(best.rss_mib, t.rss_mib);
  }
  return best;
}

/// Runs this program again with `args`; returns (seconds, peak RSS in MiB) as it reports them,
/// so that each large transfer's memory is measured alone.
struct ChildRun {
  double seconds = 0;
  double rss_mib = 0;
  double cpu_seconds = 0;  // the child's own (all its threads)
};
ChildRun child(const std::vector<std::string>& args) {
  std::vector<std::string> argv{stdfs::read_symlink("/proc/self/exe").string(), "--child"};
  argv.insert(argv.end(), args.begin(), args.end());
  PeerResult r = bench::run_program(argv);
  if (!r.ok_()) {
    std::fprintf(stderr, "child %s failed: %s\n", args[0].c_str(), r.note.c_str());
    std::exit(1);
  }
  return {r["seconds"], r["rss_mib"], r["cpu_s"]};
}

int child_main(char** argv) {
  const std::string what = argv[2];
  auto fs = make_fs(argv[3]);
  auto t0 = Clock::now();
  if (what == "put_file") {  // ENDPOINT LPATH RPATH
    fs->put_file(argv[4], argv[5]);
    const double s = seconds_since(t0);
    if (fs->size(argv[5]) != stdfs::file_size(argv[4])) return 2;
    std::printf("RESULT seconds=%.4f rss_mib=%.1f cpu_s=%.3f\n", s, peak_rss_mib(), cpu_self());
  } else if (what == "get_file") {  // ENDPOINT RPATH LPATH SIZE
    fs->get_file(argv[4], argv[5]);
    const double s = seconds_since(t0);
    if (stdfs::file_size(argv[5]) != std::stoull(argv[6])) return 2;
    std::printf("RESULT seconds=%.4f rss_mib=%.1f cpu_s=%.3f\n", s, peak_rss_mib(), cpu_self());
  } else {
    return 2;
  }
  return 0;
}

/// The peers' configuration, in the environment every spawned peer inherits: credentials,
/// region, a private aws config file and an rclone remote named "rgw".
void configure_peers(const Rgw& rgw, const std::string& dir) {
  const std::string config = dir + "/aws-config";
  std::ofstream(config) << "[default]\nregion = " << Rgw::region
                        << "\ns3 =\n  max_concurrent_requests = 64\n";
  std::ofstream(dir + "/aws-credentials") << "";
  const std::map<std::string, std::string> env{
      {"AWS_ACCESS_KEY_ID", Rgw::owner().access_key},
      {"AWS_SECRET_ACCESS_KEY", Rgw::owner().secret_key},
      {"AWS_DEFAULT_REGION", Rgw::region},
      {"AWS_CONFIG_FILE", config},
      {"AWS_SHARED_CREDENTIALS_FILE", dir + "/aws-credentials"},
      {"AWS_PAGER", ""},
      {"COFS_BENCH_S3_ENDPOINT", rgw.endpoint()},
      {"RCLONE_CONFIG", dir + "/rclone.conf"},  // absent: the remote comes from the variables
      {"RCLONE_CONFIG_RGW_TYPE", "s3"},
      {"RCLONE_CONFIG_RGW_PROVIDER", "Ceph"},
      {"RCLONE_CONFIG_RGW_ENDPOINT", rgw.endpoint()},
      {"RCLONE_CONFIG_RGW_ACCESS_KEY_ID", Rgw::owner().access_key},
      {"RCLONE_CONFIG_RGW_SECRET_ACCESS_KEY", Rgw::owner().secret_key},
      {"RCLONE_CONFIG_RGW_REGION", Rgw::region},
      {"RCLONE_CONFIG_RGW_FORCE_PATH_STYLE", "true"},
  };
  for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
  // A CA bundle from the surroundings is of no use over http://, and rclone refuses to start
  // with one (its transport cannot load it).
  ::unsetenv("AWS_CA_BUNDLE");
}

/// CPU seconds (user + system) a process has used so far, from /proc/PID/stat.
double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(stat.substr(close + 2));
  std::string f;
  double utime = 0, stime = 0;
  for (int i = 3; fields >> f; ++i) {  // field 3 is the state; 14 and 15 are utime and stime
    if (i == 14) utime = std::atof(f.c_str());
    if (i == 15) {
      stime = std::atof(f.c_str());
      break;
    }
  }
  return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

/// Where the CPU time of a phase went: this process (cofs), radosgw, the OSD and the monitor.
struct CpuSplit {
  std::vector<pid_t> pids;  // this process first, then the daemons
  std::vector<double> at_start;
  explicit CpuSplit(const Rgw& rgw) : pids{::getpid()} {
    for (pid_t p : rgw.pids()) pids.push_back(p);
    for (pid_t p : pids) at_start.push_back(cpu_seconds(p));
  }
  std::string report(double wall) const {
    static const char* names[] = {"cofs", "radosgw", "ceph-osd", "ceph-mon"};
    std::string out = fmt::format("wall {:.2f} s; CPU", wall);
    for (std::size_t i = 0; i < pids.size() && i < 4; ++i)
      out += fmt::format(" {} {:.2f} s", names[i], cpu_seconds(pids[i]) - at_start[i]);
    return out;
  }
};

void print_row(const std::string& what, double cofs, double other, const std::string& unit,
               bool higher_is_better = true) {
  fmt::print("{:<62} {:10.1f}{:<6} {:10.1f}{:<6} {:7.2f}x\n", what, cofs, unit, other, unit,
             higher_is_better ? cofs / other : other / cofs);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 3 && std::string(argv[1]) == "--child") return child_main(argv);
  const std::size_t small = std::stoul(bench::take_option(argc, argv, "--small", "2000"));
  const std::size_t n_keys = std::stoul(bench::take_option(argc, argv, "--keys", "20000"));
  const std::uint64_t big_mib = std::stoull(bench::take_option(argc, argv, "--big-mib", "512"));
  bench::Results results("s3", bench::take_option(argc, argv, "--results", ""));
  const bool peers = !bench::take_flag(argc, argv, "--no-peers");
  if (auto missing = Rgw::unavailable()) {
    fmt::print(stderr, "bench_s3: no RGW here: {}\n", *missing);
    return 77;
  }
  const std::uint64_t big_size = big_mib << 20;
  // memstore keeps every object in the OSD's memory, and RGW frees an overwritten or deleted
  // multipart object's parts only at its garbage collection (hours later): room for every
  // large upload of the run (two each of cofs, aws, rclone, boto3; the source) and the small keys.
  Rgw::Options ro;
  ro.memstore_bytes = std::max<std::uint64_t>(4ull << 30, big_size * 10 + (1ull << 30));
  auto t_start = Clock::now();
  Rgw rgw(ro);
  const std::string endpoint = rgw.endpoint();
  fmt::print("RGW on {} (started in {:.1f} s); {} objects of 4 KiB, {} keys, one of {} MiB\n",
             endpoint, seconds_since(t_start), small, n_keys, big_mib);
  char tmpl[] = "/tmp/cofs-bench-s3-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  configure_peers(rgw, dir);
  const std::string aws = stdfs::exists("/usr/bin/aws") ? "/usr/bin/aws" : "aws";
  const std::vector<std::string> aws_s3{aws, "--endpoint-url", endpoint, "s3"};
  auto aws_cmd = [&](std::vector<std::string> rest) {
    std::vector<std::string> a = aws_s3;
    a.insert(a.end(), rest.begin(), rest.end());
    a.insert(a.end(), {"--only-show-errors", "--no-progress"});
    return a;
  };
  auto aws_ls = [&](const std::string& url) {
    std::vector<std::string> a = aws_s3;
    a.insert(a.end(), {"ls", "--recursive", url});
    return a;
  };

  // ---- the data ------------------------------------------------------------------------------
  auto fs = make_fs(endpoint);
  const std::string bucket = std::string("s3://") + kBucket;
  fs->mkdir(bucket);
  const std::string four_k = cofs::test::random_bytes(4096, 5);
  std::vector<std::string> small_paths, small_keys;
  {
    std::map<std::string, cofs::Bytes> files;
    for (std::size_t i = 0; i < small; ++i) {
      small_keys.push_back("small/" + std::to_string(i));
      small_paths.push_back(bucket + "/" + small_keys.back());
      files.emplace(small_paths.back(), cofs::Bytes(std::string_view(four_k)));
    }
    fs->pipe(std::move(files), {.batch_size = 64});
  }
  {
    std::map<std::string, cofs::Bytes> files;
    for (std::size_t i = 0; i < n_keys; ++i)
      files.emplace(fmt::format("{}/many/{}/{}", bucket, i % 100, i), cofs::Bytes("x"));
    fs->pipe(std::move(files), {.batch_size = 64});
  }
  const std::string big_local = dir + "/big.bin";
  {
    std::ofstream big(big_local, std::ios::binary);
    const std::string block = cofs::test::random_bytes(1 << 20, 9);
    for (std::uint64_t i = 0; i < big_mib; ++i) big.write(block.data(), block.size());
  }
  const std::string big_source = bucket + "/big/source";
  fs->put_file(big_local, big_source);
  const std::string key_list = bench::write_list(dir + "/keys.list", small_keys);
  fmt::print("data stored in {:.1f} s\n", seconds_since(t_start));

  // ---- many small objects --------------------------------------------------------------------
  // The contenders take turns, three rounds (best of each): the load of this shared machine
  // moves within minutes, and turns give each the same spells of it.
  const std::string get_dir = dir + "/get";
  auto fresh_get_dir = [&] {
    stdfs::remove_all(get_dir);
    stdfs::create_directories(get_dir);
  };
  auto cofs_cat_once = [&] {
    auto t0 = Clock::now();
    cofs::CatResult r = fs->cat(small_paths, {.batch_size = 64});
    const double s = seconds_since(t0);
    for (auto& [p, o] : r) {
      if (!o.ok() || o->size() != 4096) {
        std::fprintf(stderr, "bad result for %s\n", p.c_str());
        std::exit(1);
      }
    }
    return s;
  };
  cofs_cat_once();  // opens the connections
  const Timed no_run{0, 0, false, "--no-peers"};
  PeerResult no_peer{PeerResult::unavailable, "--no-peers", {}, 0};
  double cofs_cat = 1e9, cofs_get = 1e9;
  std::string cat_cpu;
  Timed aws_cat = no_run, rclone_cat = no_run;
  PeerResult boto3_cat = no_peer;
  auto keep_best = [](Timed& best, const Timed& t, int round) {
    if (round == 0 || !best.ok || !t.ok || t.seconds < best.seconds) best = t;
  };
  for (int round = 0; round < 3; ++round) {
    CpuSplit cpu(rgw);
    const double s = cofs_cat_once();
    if (s < cofs_cat) cat_cpu = cpu.report(s);
    cofs_cat = std::min(cofs_cat, s);
    fresh_get_dir();
    auto t0 = Clock::now();
    fs->get(bucket + "/small", get_dir + "/", {.recursive = true, .batch_size = 64});
    cofs_get = std::min(cofs_get, seconds_since(t0));
    if (!peers) continue;
    keep_best(
        aws_cat,
        best_run(1, aws_cmd({"cp", "--recursive", bucket + "/small/", get_dir}), fresh_get_dir),
        round);
    keep_best(rclone_cat,
              best_run(1, {"rclone", "copy", "--transfers", "64", "rgw:bench/small", get_dir},
                       fresh_get_dir),
              round);
    PeerResult b = bench::run_peer("boto3_s3.py", {"cat", "1", "64", kBucket, key_list});
    if (round == 0 || !b.ok_() || (boto3_cat.ok_() && b["seconds"] < boto3_cat["seconds"]))
      boto3_cat = b;
  }
  stdfs::remove_all(get_dir);

  // ---- find over n_keys keys -----------------------------------------------------------------
  double cofs_find = 1e9;
  for (int round = 0; round < 3; ++round) {
    auto t0 = Clock::now();
    std::vector<std::string> found = fs->find(bucket + "/many");
    const double s = seconds_since(t0);
    if (found.size() != n_keys) {
      std::fprintf(stderr, "find found %zu of %zu keys\n", found.size(), n_keys);
      return 1;
    }
    if (round > 0) cofs_find = std::min(cofs_find, s);
  }
  Timed aws_find = peers ? best_run(2, aws_ls(bucket + "/many/")) : no_run;
  PeerResult boto3_find =
      peers
          ? bench::run_peer("boto3_s3.py", {"find", "2", kBucket, "many/", std::to_string(n_keys)})
          : no_peer;

  // ---- one large object, both ways -----------------------------------------------------------
  const std::string size_arg = std::to_string(big_size);
  std::pair<double, double> put{1e9, 0}, get{1e9, 0};
  std::string put_cpu, get_cpu;
  // Where a transfer's time went: the child's CPU in place of this process's.
  auto split = [](const CpuSplit& cpu, const ChildRun& c) {
    std::string r = cpu.report(c.seconds);
    return r.replace(r.find("cofs "), r.find(" s", r.find("cofs ")) - r.find("cofs "),
                     fmt::format("cofs {:.2f}", c.cpu_seconds));
  };
  const std::string peer_out = dir + "/peer.bin";
  auto drop_out = [&] { stdfs::remove(peer_out); };
  Timed aws_put = no_run, rclone_put = no_run, aws_get = no_run, rclone_get = no_run;
  PeerResult boto3_put = no_peer, boto3_get = no_peer;
  auto keep_peer = [](PeerResult& best, const PeerResult& r, int round) {
    if (round == 0 || !best.ok_() || !r.ok_() || r["seconds"] < best["seconds"]) best = r;
  };
  // In turns, as the small objects (each upload to a key of its own: rclone skips a copy whose
  // target is already there with the same size and time).
  for (int round = 0; round < 2; ++round) {
    CpuSplit put_split(rgw);
    ChildRun p = child({"put_file", endpoint, big_local, bucket + "/big/cofs"});
    if (p.seconds < put.first) put_cpu = split(put_split, p);
    put.first = std::min(put.first, p.seconds);
    put.second = std::max(put.second, p.rss_mib);
    if (peers) {
      const std::string key = fmt::format("big/peer{}", round);
      keep_best(aws_put, best_run(1, aws_cmd({"cp", big_local, bucket + "/" + key + "-aws"})),
                round);
      keep_best(rclone_put,
                best_run(1, {"rclone", "copyto", big_local, "rgw:bench/" + key + "-rclone"}),
                round);
      keep_peer(boto3_put,
                bench::run_peer("boto3_s3.py", {"put_file", big_local, kBucket, key + "-boto3"}),
                round);
    }
    CpuSplit get_split(rgw);
    ChildRun g = child({"get_file", endpoint, big_source, dir + "/cofs.bin", size_arg});
    if (g.seconds < get.first) get_cpu = split(get_split, g);
    get.first = std::min(get.first, g.seconds);
    get.second = std::max(get.second, g.rss_mib);
    stdfs::remove(dir + "/cofs.bin");
    if (peers) {
      keep_best(aws_get, best_run(1, aws_cmd({"cp", big_source, peer_out}), drop_out), round);
      keep_best(rclone_get,
                best_run(1, {"rclone", "copyto", "rgw:bench/big/source", peer_out}, drop_out),
                round);
      drop_out();
      keep_peer(
          boto3_get,
          bench::run_peer("boto3_s3.py", {"get_file", kBucket, "big/source", peer_out, size_arg}),
          round);
    }
  }
  stdfs::remove_all(dir);
  const cofs::S3Options defaults;
  const double put_budget =
      static_cast<double>(defaults.part_size * defaults.max_concurrent_parts) / (1 << 20) + 32;

  // ---- the table -----------------------------------------------------------------------------
  const double n = static_cast<double>(small), mib = static_cast<double>(big_mib);
  fmt::print("\n{:<62} {:>16} {:>16} {:>8}\n", "benchmark", "cofs", "other", "cofs/other");
  const std::string cat_what = fmt::format("cat {} objects of 4 KiB, c=64", small);
  auto timed_row = [&](const std::string& what, double cofs, const Timed& t, double per_second,
                       const std::string& unit, bool higher) {
    if (!t.ok) return fmt::print("{:<62} peer failed or not run: {}\n", what, t.error);
    print_row(what, cofs, higher ? per_second / t.seconds : t.seconds * 1e3, unit, higher);
  };
  auto peer_row = [&](const std::string& what, double cofs, const PeerResult& p, double per_second,
                      const std::string& unit, bool higher) {
    if (!p.ok_()) return fmt::print("{:<62} {}\n", what, p.why());
    print_row(what, cofs, higher ? per_second / p["seconds"] : p["seconds"] * 1e3, unit, higher);
  };
  timed_row(cat_what + " vs aws s3 cp --recursive (to files)", n / cofs_cat, aws_cat, n, "/s",
            true);
  timed_row(cat_what + " vs rclone copy --transfers 64 (to files)", n / cofs_cat, rclone_cat, n,
            "/s", true);
  peer_row(cat_what + " vs boto3, 64 threads (to memory)", n / cofs_cat, boto3_cat, n, "/s", true);
  print_row(fmt::format("cofs get of the {} objects to files vs cofs cat", small), n / cofs_get,
            n / cofs_cat, "/s");
  fmt::print("{:<62} {}\n", "  where the best cofs cat's time went:", cat_cpu);
  const std::string find_what = fmt::format("find over {} keys", n_keys);
  timed_row(find_what + " vs aws s3 ls --recursive", cofs_find * 1e3, aws_find, 1, " ms", false);
  peer_row(find_what + " vs boto3 paginator", cofs_find * 1e3, boto3_find, 1, " ms", false);
  const std::string put_what = fmt::format("put_file of {} MiB", big_mib);
  const std::string get_what = fmt::format("get_file of {} MiB", big_mib);
  timed_row(put_what + " vs aws s3 cp", mib / put.first, aws_put, mib, " MiB/s", true);
  timed_row(put_what + " vs rclone copyto", mib / put.first, rclone_put, mib, " MiB/s", true);
  peer_row(put_what + " vs boto3 upload_file", mib / put.first, boto3_put, mib, " MiB/s", true);
  timed_row(get_what + " vs aws s3 cp", mib / get.first, aws_get, mib, " MiB/s", true);
  timed_row(get_what + " vs rclone copyto", mib / get.first, rclone_get, mib, " MiB/s", true);
  peer_row(get_what + " vs boto3 download_file", mib / get.first, boto3_get, mib, " MiB/s", true);
  fmt::print("{:<62} {}\n", "  where the best cofs put_file's time went:", put_cpu);
  fmt::print("{:<62} {}\n", "  where the best cofs get_file's time went:", get_cpu);
  fmt::print("{:<62} {:9.1f} MiB  (target {:.0f} MiB; aws {:.0f}, rclone {:.0f}, boto3 {:.0f})\n",
             "peak RSS of put_file", put.second, put_budget, aws_put.rss_mib, rclone_put.rss_mib,
             boto3_put["vmhwm_kib"] / 1024);
  fmt::print("{:<62} {:9.1f} MiB  (target 64 MiB; aws {:.0f}, rclone {:.0f}, boto3 {:.0f})\n",
             "peak RSS of get_file", get.second, aws_get.rss_mib, rclone_get.rss_mib,
             boto3_get["vmhwm_kib"] / 1024);

  auto add_timed = [&](const std::string& label, const Timed& t, double value) {
    if (t.ok) results.add(label, "peer", value);
  };
  auto add_peer = [&](const std::string& label, const PeerResult& p, double value) {
    if (p.ok_()) results.add(label, "peer", value);
  };
  results.row("cat_small", cat_what, "objects/s", false);
  results.add("cofs cat (to memory)", "cofs", n / cofs_cat);
  results.add("cofs get (to files)", "cofs-alt", n / cofs_get);
  add_timed("aws s3 cp --recursive (to files)", aws_cat, n / aws_cat.seconds);
  add_timed("rclone copy --transfers 64 (to files)", rclone_cat, n / rclone_cat.seconds);
  add_peer("boto3 64 threads (to memory)", boto3_cat, n / boto3_cat["seconds"]);
  results.row("find", find_what, "ms", true);
  results.add("cofs find", "cofs", cofs_find * 1e3);
  add_timed("aws s3 ls --recursive", aws_find, aws_find.seconds * 1e3);
  add_peer("boto3 paginator", boto3_find, boto3_find["seconds"] * 1e3);
  results.row("put_file_big", put_what, "MiB/s", false);
  results.add("cofs put_file", "cofs", mib / put.first);
  add_timed("aws s3 cp", aws_put, mib / aws_put.seconds);
  add_timed("rclone copyto", rclone_put, mib / rclone_put.seconds);
  add_peer("boto3 upload_file", boto3_put, mib / boto3_put["seconds"]);
  results.row("get_file_big", get_what, "MiB/s", false);
  results.add("cofs get_file", "cofs", mib / get.first);
  add_timed("aws s3 cp", aws_get, mib / aws_get.seconds);
  add_timed("rclone copyto", rclone_get, mib / rclone_get.seconds);
  add_peer("boto3 download_file", boto3_get, mib / boto3_get["seconds"]);
  results.row("put_file_big_rss", "peak RSS of " + put_what, "MiB", true);
  results.add("cofs put_file", "cofs", put.second);
  add_timed("aws s3 cp", aws_put, aws_put.rss_mib);
  add_timed("rclone copyto", rclone_put, rclone_put.rss_mib);
  add_peer("boto3 upload_file", boto3_put, boto3_put["vmhwm_kib"] / 1024);
  results.row("get_file_big_rss", "peak RSS of " + get_what, "MiB", true);
  results.add("cofs get_file", "cofs", get.second);
  add_timed("aws s3 cp", aws_get, aws_get.rss_mib);
  add_timed("rclone copyto", rclone_get, rclone_get.rss_mib);
  add_peer("boto3 download_file", boto3_get, boto3_get["vmhwm_kib"] / 1024);
  return 0;
}
