// Runtime benchmarks: (a) the blocking round trip of a trivial call from a plain thread,
// (b) gather over a lazy range of no-op tasks, (c) peak RSS of gather as the task count grows.
//
//   bench_runtime [a] [b] [c] [d] [pin] [--results FILE] [--no-peers] [--peer-tasks N]
//       the parts named (all by default), on the reactor COFS_REACTOR picks; d: sync throughput
//       from 1, 2, 4 and 16 threads at once; pin: the calling thread on CPU 0 and the loop's
//       thread on CPU 1 (on a shared machine the scheduler otherwise often stacks both on one CPU)
//       (a) and (b) also run fsspec's counterparts (bench/peers/fsspec_runtime.py: fsspec.asyn's
//       sync() round trip, and _run_coros_in_chunks over --peer-tasks coroutines, 1,000,000 by
//       default); --results writes one TSV line per measurement for bench/plot.sh
//   bench_runtime --rss N          (internal) one gather of N tasks, prints the peak RSS in KiB
#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <ranges>
#include <string>
#include <thread>
#include <vector>

#include "cofs/backend/loop.hpp"
#include "cofs/runtime/gather.hpp"
#include "cofs/runtime/io_loop.hpp"
#include "cofs/runtime/sync.hpp"
#include "cofs/runtime/task.hpp"
#include "common.hpp"

namespace {

using Clock = std::chrono::steady_clock;

cofs::Task<int> trivial() {
  co_return 1;
}
cofs::Task<void> noop() {
  co_return;
}

double percentile(std::vector<double>& v, double p) {
  std::size_t i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
  return v[i];
}

/// Returns the median, in microseconds.
double bench_round_trip(cofs::IoLoop& loop, int warmup, int n) {
  long sum = 0;
  for (int i = 0; i < warmup; ++i) sum += cofs::sync(loop, trivial());
  std::vector<double> us(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    auto t0 = Clock::now();
    sum += cofs::sync(loop, trivial());
    us[static_cast<std::size_t>(i)] =
        std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
  }
  double mean = 0;
  for (double x : us) mean += x;
  mean /= static_cast<double>(n);
  double p50 = percentile(us, 0.50), p99 = percentile(us, 0.99), p999 = percentile(us, 0.999);
  double mn = *std::min_element(us.begin(), us.end());
  std::printf(
      "(a) sync round trip, %d calls after %d warm-up: median %.2f us, p99 %.2f us, "
      "p99.9 %.2f us, min %.2f us, mean %.2f us%s\n",
      n, warmup, p50, p99, p999, mn, mean, sum > 0 ? "" : " (?)");
  return p50;
}

/// Resumes the awaiting coroutine later in the same loop turn: a task that really suspends.
struct Yield {
  cofs::IoLoop& loop;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) { cofs::backend::schedule(loop, h); }
  void await_resume() const noexcept {}
};
cofs::Task<void> yield_once(cofs::IoLoop& loop) {
  co_await Yield{loop};
}

void bench_threads(cofs::IoLoop& loop, int threads, int per_thread) {
  std::vector<std::thread> ts;
  auto t0 = Clock::now();
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i) (void)cofs::sync(loop, trivial());
    });
  }
  for (auto& t : ts) t.join();
  double s = std::chrono::duration<double>(Clock::now() - t0).count();
  double calls = static_cast<double>(threads) * per_thread;
  std::printf("(d) sync from %2d threads at once: %8.0f calls/s, %6.2f us per call per thread\n",
              threads, calls / s, s * 1e6 / per_thread);
}

double gather_noop_seconds(cofs::IoLoop& loop, int n, long batch, bool suspend = false) {
  auto range = std::views::iota(0, n) | std::views::transform([&loop, suspend](int) {
                 return suspend ? yield_once(loop) : noop();
               });
  auto t0 = Clock::now();
  auto out = cofs::sync(loop, cofs::gather(range, {.batch_size = batch}));
  double s = std::chrono::duration<double>(Clock::now() - t0).count();
  if (out.size() != static_cast<std::size_t>(n) || !out.all_ok()) {
    std::fprintf(stderr, "gather gave wrong results\n");
    std::exit(1);
  }
  return s;
}

/// Returns the median, in nanoseconds per task.
double bench_gather(cofs::IoLoop& loop, int n, long batch, int repeats, bool suspend) {
  gather_noop_seconds(loop, n / 10, batch, suspend);  // warm-up
  std::vector<double> ns;
  for (int r = 0; r < repeats; ++r)
    ns.push_back(gather_noop_seconds(loop, n, batch, suspend) * 1e9 / n);
  std::sort(ns.begin(), ns.end());
  std::printf(
      "(b) gather of %d %s, batch %ld, lazy range: median %.0f ns/task "
      "(best %.0f, worst %.0f, %d runs)\n",
      n, suspend ? "Task<void> that each suspend once" : "no-op Task<void>", batch,
      ns[ns.size() / 2], ns.front(), ns.back(), repeats);
  return ns[ns.size() / 2];
}

/// The peer's line beside a cofs figure: its value and how many times cofs's it is.
void print_peer(const char* what, const bench::PeerResult& r, const char* key, const char* unit,
                double cofs_value) {
  if (!r.ok_()) {
    std::printf("    fsspec %s: %s\n", what, r.why().c_str());
    return;
  }
  std::printf("    fsspec %s: %.2f %s (cofs %.1fx faster)\n", what, r[key], unit,
              r[key] / cofs_value);
}

cofs::Task<void> nap(cofs::IoLoop& loop) {
  co_await loop.sleep_for(Clock::duration::zero());
}

/// Tasks that each await a due timer: an operation tracked by the loop under the task's stop
/// token. With a per-task timeout every task has a token (and a stop group) of its own.
void bench_gather_timers(cofs::IoLoop& loop, int n, long batch, int repeats) {
  for (bool per_task_timeout : {false, true}) {
    std::vector<double> ns;
    for (int r = 0; r < repeats; ++r) {
      auto range =
          std::views::iota(0, n) | std::views::transform([&loop](int) { return nap(loop); });
      cofs::GatherOptions o{.batch_size = batch};
      if (per_task_timeout) o.timeout = std::chrono::seconds(60);
      auto t0 = Clock::now();
      auto out = cofs::sync(loop, cofs::gather(range, std::move(o)));
      ns.push_back(std::chrono::duration<double>(Clock::now() - t0).count() * 1e9 / n);
      if (!out.all_ok()) std::exit(1);
    }
    std::sort(ns.begin(), ns.end());
    std::printf(
        "(b) gather of %d Task<void> that each await a timer, batch %ld%s: median %.0f ns/task "
        "(best %.0f, worst %.0f, %d runs)\n",
        n, batch, per_task_timeout ? ", a timeout per task" : "", ns[ns.size() / 2], ns.front(),
        ns.back(), repeats);
  }
}

void pin_to_cpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) != 0) {
    std::fprintf(stderr, "cannot pin a thread to CPU %d\n", cpu);
  }
}

long vm_hwm_kib() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

int rss_child(int n) {
  cofs::IoLoop& loop = cofs::get_loop();
  if (n > 0) gather_noop_seconds(loop, n, 1280, /*suspend=*/true);  // keeps 1280 frames alive
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("%ld %ld\n", vm_hwm_kib(), ru.ru_maxrss);
  return 0;
}

/// Runs this program with --rss n in a fresh process and returns its peak RSS in KiB.
bool measure_rss(int n, long& hwm, long& maxrss) {
  int fds[2];
  if (pipe(fds) != 0) return false;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  std::string count = std::to_string(n);
  char self[] = "/proc/self/exe";
  char flag[] = "--rss";
  char* argv[] = {self, flag, count.data(), nullptr};
  pid_t pid;
  int rc = posix_spawn(&pid, "/proc/self/exe", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    return false;
  }
  char buf[128] = {};
  ssize_t got = read(fds[0], buf, sizeof buf - 1);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return got > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
         std::sscanf(buf, "%ld %ld", &hwm, &maxrss) == 2;
}

void bench_rss() {
  std::printf(
      "(c) peak RSS of one gather of n tasks that each suspend once (batch 1280, lazy "
      "range), each in a fresh process:\n");
  for (int n : {0, 100'000, 1'000'000, 3'000'000}) {
    long hwm = 0, maxrss = 0;
    if (!measure_rss(n, hwm, maxrss)) {
      std::printf("    n = %9d: failed\n", n);
      continue;
    }
    std::printf("    n = %9d: VmHWM %6ld KiB, ru_maxrss %6ld KiB%s\n", n, hwm, maxrss,
                n == 0 ? " (baseline: loop started, no gather)" : "");
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--rss") == 0) return rss_child(std::atoi(argv[2]));
  bench::Results results("runtime", bench::take_option(argc, argv, "--results", ""));
  const bool peers = !bench::take_flag(argc, argv, "--no-peers");
  const std::string peer_tasks = bench::take_option(argc, argv, "--peer-tasks", "1000000");
  const bench::PeerResult no_peer{bench::PeerResult::unavailable, "--no-peers", {}, 0};
  std::string parts;
  for (int i = 1; i < argc; ++i) parts += argv[i];
  if (parts.find_first_of("abcd") == std::string::npos) parts += "abcd";
  cofs::IoLoop& loop = cofs::get_loop();
  const bool pin = parts.find("pin") != std::string::npos;
  if (pin) {
    pin_to_cpu(0);
    cofs::sync(loop, []() -> cofs::Task<void> {
      pin_to_cpu(1);
      co_return;
    }());
  }
  std::printf("cofs runtime benchmark: reactor %s, %u hardware threads%s\n", loop.reactor_name(),
              std::thread::hardware_concurrency(),
              pin ? ", caller pinned to CPU 0 and loop thread to CPU 1" : "");
  if (parts.find('a') != std::string::npos) {
    const double median = bench_round_trip(loop, 20'000, 200'000);
    auto r =
        peers ? bench::run_peer("fsspec_runtime.py", {"round_trip", "2000", "20000"}) : no_peer;
    print_peer("sync() round trip, 20,000 calls, median", r, "median_us", "us", median);
    results.row("round_trip", "blocking round trip of a trivial coroutine (median)", "us", true);
    results.add("cofs sync", "cofs", median);
    if (r.ok_()) results.add("fsspec sync", "peer", r["median_us"]);
  }
  if (parts.find('b') != std::string::npos) {
    const double noop_ns = bench_gather(loop, 1'000'000, 1280, 7, /*suspend=*/false);
    auto r = peers ? bench::run_peer("fsspec_runtime.py", {"gather", peer_tasks, "1280", "noop"})
                   : no_peer;
    print_peer("_run_coros_in_chunks, batch 1280, coroutines that return", r, "ns_per_task",
               "ns/task", noop_ns);
    const double suspend_ns = bench_gather(loop, 1'000'000, 1280, 7, /*suspend=*/true);
    auto rs = peers
                  ? bench::run_peer("fsspec_runtime.py", {"gather", peer_tasks, "1280", "suspend"})
                  : no_peer;
    print_peer("_run_coros_in_chunks, batch 1280, coroutines that suspend once", rs, "ns_per_task",
               "ns/task", suspend_ns);
    const std::string of = peer_tasks == "1000000" ? "" : " (fsspec: " + peer_tasks + ")";
    results.row("gather_noop", "gather of 1,000,000 no-op tasks, batch 1280" + of, "ns/task", true);
    results.add("cofs gather", "cofs", noop_ns);
    if (r.ok_()) results.add("fsspec _run_coros_in_chunks", "peer", r["ns_per_task"]);
    results.row("gather_suspend", "gather of 1,000,000 tasks suspending once, batch 1280" + of,
                "ns/task", true);
    results.add("cofs gather", "cofs", suspend_ns);
    if (rs.ok_()) results.add("fsspec _run_coros_in_chunks", "peer", rs["ns_per_task"]);
    bench_gather_timers(loop, 200'000, 1280, 7);
  }
  if (parts.find('c') != std::string::npos) bench_rss();
  if (parts.find('d') != std::string::npos) {
    for (int threads : {1, 2, 4, 16}) bench_threads(loop, threads, 160'000 / threads);
  }
  return 0;
}
