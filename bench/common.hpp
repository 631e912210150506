// What the bench programs share: timing, the results file (one TSV line per measurement, which
// bench/plot.sh turns into charts), and running a peer: a small Python script under bench/peers/
// (fsspec, aiofiles) or a reference program, spawned on the same data in the same run, which
// prints one line `RESULT key=value ...` (or `UNAVAILABLE why` when its module is not installed).
#pragma once

#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

/// Best wall time of `runs` runs of `fn`, in seconds.
inline double best_of(int runs, const std::function<void()>& fn) {
  double best = 1e9;
  for (int i = 0; i < runs; ++i) {
    auto t0 = Clock::now();
    fn();
    best = std::min(best, seconds_since(t0));
  }
  return best;
}

/// The value following `flag` in argv, or `fallback`; `flag` and its value are then blanked so
/// that positional parsing skips them.
inline std::string take_option(int argc, char** argv, const char* flag, std::string fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == flag) {
      fallback = argv[i + 1];
      argv[i][0] = argv[i + 1][0] = '\0';
    }
  }
  return fallback;
}
inline bool take_flag(int argc, char** argv, const char* flag) {
  bool found = false;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == flag) {
      found = true;
      argv[i][0] = '\0';
    }
  }
  return found;
}

/// The machine-readable results: bench, row, row title, contender, kind (cofs, cofs-alt, peer,
/// ref), value, unit, and which way is better (lower, higher). `--results FILE` turns it on.
class Results {
 public:
  Results(std::string bench, const std::string& path) : bench_(std::move(bench)) {
    if (!path.empty()) out_.open(path, std::ios::trunc);
    if (!path.empty() && !out_) {
      std::fprintf(stderr, "cannot write %s\n", path.c_str());
      std::exit(1);
    }
  }
  /// Starts a row: the measurements that follow belong to it (one chart each).
  void row(std::string id, std::string title, std::string unit, bool lower_is_better) {
    row_ = std::move(id), title_ = std::move(title), unit_ = std::move(unit);
    better_ = lower_is_better ? "lower" : "higher";
  }
  void add(const std::string& contender, const std::string& kind, double value) {
    if (!out_.is_open()) return;
    out_ << bench_ << '\t' << row_ << '\t' << title_ << '\t' << contender << '\t' << kind << '\t'
         << value << '\t' << unit_ << '\t' << better_ << '\n';
    out_.flush();
  }

 private:
  std::string bench_, row_, title_, unit_, better_;
  std::ofstream out_;
};

/// A peer's answer. `status` is ok, unavailable (its module is not installed) or failed.
struct PeerResult {
  enum Status { ok, unavailable, failed } status = failed;
  std::string note;                      // why not ok
  std::map<std::string, double> values;  // from the RESULT line
  long maxrss_kib = 0;                   // wait4's ru_maxrss (includes what the spawner had)
  double operator[](const std::string& key) const {
    auto it = values.find(key);
    return it == values.end() ? 0.0 : it->second;
  }
  bool ok_() const { return status == ok; }
  /// What a row prints instead of a figure when there is none.
  std::string why() const {
    return status == unavailable ? "peer not available: " + note : "peer failed: " + note;
  }
};

/// The Python that has Debian's packages (python3-fsspec ...): COFS_BENCH_PYTHON, else
/// /usr/bin/python3 (a python3 earlier on PATH, e.g. pyenv's, would not see them).
inline std::string python() {
  if (const char* p = std::getenv("COFS_BENCH_PYTHON")) return p;
  return std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
}

/// bench/peers in the source tree (COFS_BENCH_PEERS overrides it).
inline std::string peers_dir() {
  if (const char* p = std::getenv("COFS_BENCH_PEERS")) return p;
  return COFS_BENCH_SOURCE_DIR "/peers";
}

/// Runs `argv` (argv[0] a path, or a name looked up on PATH), reads its standard output, waits
/// with wait4 for its resource usage and parses the RESULT or UNAVAILABLE line.
inline PeerResult run_program(std::vector<std::string> argv) {
  PeerResult r;
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  int fds[2];
  if (::pipe(fds) != 0) std::abort();
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  pid_t pid;
  int rc = ::posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    r.status = PeerResult::unavailable;
    r.note = argv[0] + " cannot be run";
    return r;
  }
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  rusage ru{};
  ::wait4(pid, &status, 0, &ru);
  r.maxrss_kib = ru.ru_maxrss;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("UNAVAILABLE ", 0) == 0) {
      r.status = PeerResult::unavailable;
      r.note = line.substr(12);
      return r;
    }
    if (line.rfind("RESULT ", 0) != 0) continue;
    std::istringstream words(line.substr(7));
    std::string kv;
    while (words >> kv) {
      if (auto eq = kv.find('='); eq != std::string::npos)
        r.values[kv.substr(0, eq)] = std::atof(kv.c_str() + eq + 1);
    }
  }
  const bool exited_ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (exited_ok && !r.values.empty()) {
    r.status = PeerResult::ok;
  } else {
    r.status = PeerResult::failed;
    r.note = argv[0] + " " + (argv.size() > 1 ? argv[1] : "") + ": " +
             (out.empty() ? "no output" : out.substr(0, out.find('\n')));
  }
  return r;
}

/// Runs bench/peers/<script> with `args` under python().
inline PeerResult run_peer(const std::string& script, const std::vector<std::string>& args) {
  std::vector<std::string> argv{python(), peers_dir() + "/" + script};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program(std::move(argv));
}

/// Writes `lines` to a file for a peer to read (@FILE arguments: too many for a command line).
inline std::string write_list(const std::string& path, const std::vector<std::string>& lines) {
  std::ofstream out(path, std::ios::trunc);
  for (const auto& l : lines) out << l << '\n';
  return "@" + path;
}

}  // namespace bench
