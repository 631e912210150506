// bench_local: the local engines side by side on the same files, page cache warm.
//   1. cat of 10,000 files of 4 KiB: each engine, a plain open/read/close loop, and a
//      hand-written liburing loop (linked openat -> read -> close on direct descriptors, queue
//      depth 64): the reference for what this machine can do; `cat`, which keeps every result,
//      against that loop keeping its results too.
//   2. cat_file of one 1 GiB file: each engine against fio --ioengine=psync --bs=1M
//      --invalidate=0 (the warm page cache into one reused buffer) and bench_read_fresh (one
//      read() into a fresh buffer, with and without MADV_HUGEPAGE), with the peak RSS of a
//      process that reads it into memory.
//   3. find over 100,000 files in 1,000 directories against find(1).
// Every row also runs the peers on the same files: fsspec's LocalFileSystem and aiofiles
// (bench/peers/*.py, Debian's python3-fsspec and python3-aiofiles).
// Usage: bench_local [dir] [--small N] [--big-mib M] [--dirs D] [--results FILE] [--no-peers]
//                    [--rows cat_small,cat_file_big,find]
//   dir defaults to /tmp/cofs-bench-local (the files are made once and kept; smaller sizes need
//   a directory of their own); --results writes one TSV line per measurement for bench/plot.sh;
//   --rows runs only the rows named (all three by default).
#include <fcntl.h>
#include <liburing.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <ranges>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cofs/cofs.hpp"
#include "cofs/local/local_fs.hpp"
#include "common.hpp"

namespace {

using bench::best_of;
using bench::PeerResult;
namespace fsys = std::filesystem;

int n_small = 10'000;  // --small (these three are options)
constexpr std::size_t kSmallSize = 4096;
std::uint64_t big_size = std::uint64_t{1} << 30;  // --big-mib
int n_dirs = 1000;                                // --dirs
constexpr int kFilesPerDir = 100;
constexpr cofs::LocalEngine kEngines[] = {cofs::LocalEngine::uring, cofs::LocalEngine::aio,
                                          cofs::LocalEngine::threads};

cofs::Task<void> call(const std::function<void()>& fn) {
  fn();
  co_return;
}

/// Runs `fn` on the IO loop's thread, where cofs's own work runs: this guest's two vCPUs are
/// often unequal, and a reference loop on the main thread could land on the other one.
void on_loop_thread(const std::function<void()>& fn) {
  cofs::sync(cofs::get_loop(), call(fn));
}

/// Best wall times of `reference` (run on the IO loop's thread) and `contender` over `rounds`
/// rounds that run one of each: this machine's speed drifts between phases of a run, so each is
/// compared with the reference timed beside it.
std::pair<double, double> paired_best(int rounds, const std::function<void()>& reference,
                                      const std::function<void()>& contender) {
  double ref = 1e9, t = 1e9;
  for (int round = 0; round < rounds; ++round) {
    ref = std::min(ref, best_of(1, [&] { on_loop_thread(reference); }));
    t = std::min(t, best_of(1, contender));
  }
  return {ref, t};
}

void write_whole(const std::string& path, const std::string& data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || ::write(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size())) {
    std::perror(path.c_str());
    std::exit(1);
  }
  ::close(fd);
}

void prepare(const std::string& root) {
  fsys::create_directories(root + "/small");
  std::string block(kSmallSize, 'x');
  for (int i = 0; i < n_small; ++i) {
    std::string p = root + "/small/" + std::to_string(i);
    if (!fsys::exists(p)) write_whole(p, block);
  }
  std::string big = root + "/big.bin";
  if (!fsys::exists(big) || fsys::file_size(big) != big_size) {
    std::string chunk(1 << 20, 'b');
    int fd = ::open(big.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    for (std::uint64_t off = 0; off < big_size; off += chunk.size()) {
      if (::write(fd, chunk.data(), chunk.size()) != static_cast<ssize_t>(chunk.size())) {
        std::perror("big.bin");
        std::exit(1);
      }
    }
    ::close(fd);
  }
  std::string tree = root + "/tree";
  if (!fsys::exists(tree + "/" + std::to_string(n_dirs - 1) + "/" +
                    std::to_string(kFilesPerDir - 1))) {
    for (int d = 0; d < n_dirs; ++d) {
      std::string dir = tree + "/" + std::to_string(d);
      fsys::create_directories(dir);
      for (int f = 0; f < kFilesPerDir; ++f) write_whole(dir + "/" + std::to_string(f), "");
    }
  }
}

/// Reads every file once so that the page cache is warm for every contender.
void warm(const std::vector<std::string>& paths, const std::string& big) {
  std::vector<char> buf(1 << 20);
  for (const std::string& p : paths) {
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    while (::read(fd, buf.data(), buf.size()) > 0) {
    }
    ::close(fd);
  }
  int fd = ::open(big.c_str(), O_RDONLY | O_CLOEXEC);
  while (::read(fd, buf.data(), buf.size()) > 0) {
  }
  ::close(fd);
}

std::size_t sequential_loop(const std::vector<std::string>& paths) {
  std::size_t total = 0;
  static char buf[64 * 1024];
  for (const std::string& p : paths) {
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) total += static_cast<std::size_t>(n);
    ::close(fd);
  }
  return total;
}

/// The reference: 64 chains of openat(direct) -> read -> close(direct) in flight, linked. With
/// `keep`, each file is read into a place of its own (as large as the file, known here), kept until
/// the end as a cat's results are: one fresh mapping advised for huge pages, the cheapest memory
/// to fault in here, unmapped at the end; otherwise into one buffer per slot, reused.
std::size_t liburing_loop(const std::vector<std::string>& paths, bool keep = false) {
  constexpr unsigned kDepth = 64;
  io_uring ring;
  if (io_uring_queue_init(kDepth * 4, &ring, 0) < 0 ||
      io_uring_register_files_sparse(&ring, kDepth) < 0) {
    std::fprintf(stderr, "liburing reference: io_uring unavailable\n");
    std::exit(1);
  }
  std::vector<std::vector<char>> bufs(kDepth, std::vector<char>(kSmallSize * 2));
  const std::size_t kept_size = keep ? paths.size() * kSmallSize : 0;
  char* kept = nullptr;
  if (keep) {
    void* m =
        ::mmap(nullptr, kept_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) std::exit(1);
    ::madvise(m, kept_size, MADV_HUGEPAGE);
    kept = static_cast<char*>(m);
  }
  std::vector<unsigned> free_slots;
  for (unsigned i = 0; i < kDepth; ++i) free_slots.push_back(i);
  std::vector<int> pending(kDepth, 0);
  std::size_t next = 0, done = 0, total = 0;
  auto submit = [&](unsigned slot) {
    char* buf = bufs[slot].data();
    unsigned len = static_cast<unsigned>(bufs[slot].size());
    if (keep) {
      buf = kept + next * kSmallSize;
      len = kSmallSize;
    }
    const std::string& p = paths[next++];
    io_uring_sqe* s = io_uring_get_sqe(&ring);
    io_uring_prep_openat_direct(s, AT_FDCWD, p.c_str(), O_RDONLY, 0, slot);
    s->flags |= IOSQE_IO_LINK;
    io_uring_sqe_set_data64(s, slot * 4 + 0);
    s = io_uring_get_sqe(&ring);
    io_uring_prep_read(s, static_cast<int>(slot), buf, len, 0);
    s->flags |= IOSQE_FIXED_FILE | IOSQE_IO_HARDLINK;
    io_uring_sqe_set_data64(s, slot * 4 + 1);
    s = io_uring_get_sqe(&ring);
    io_uring_prep_close_direct(s, slot);
    io_uring_sqe_set_data64(s, slot * 4 + 2);
    pending[slot] = 3;
  };
  while (done < paths.size()) {
    while (!free_slots.empty() && next < paths.size()) {
      submit(free_slots.back());
      free_slots.pop_back();
    }
    io_uring_submit_and_wait(&ring, 1);
    unsigned head, seen = 0;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(&ring, head, cqe) {
      ++seen;
      unsigned slot = static_cast<unsigned>(cqe->user_data / 4);
      if (cqe->user_data % 4 == 1 && cqe->res > 0) total += static_cast<std::size_t>(cqe->res);
      if (--pending[slot] == 0) {
        free_slots.push_back(slot);
        ++done;
      }
    }
    io_uring_cq_advance(&ring, seen);
  }
  io_uring_queue_exit(&ring);
  if (keep) ::munmap(kept, kept_size);
  return total;
}

/// Peak RSS, in bytes, of a fresh process (this program re-executed) that reads `file` into
/// memory with cat_file on `engine`: a forked child would count the parent's pages too.
long peak_rss_of_cat_file(const std::string& engine, const std::string& file) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/proc/self/exe", "bench_local", "--rss-child", engine.c_str(), file.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  rusage ru{};
  ::wait4(pid, &status, 0, &ru);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  return ru.ru_maxrss * 1024L;
}

/// fio's sequential psync read of `file` with 1 MiB blocks into one reused buffer: seconds for
/// the whole file. --invalidate=0 keeps the page cache as every other contender finds it (fio's
/// default drops the file's cached pages first and measures a read from the device).
double fio_seconds(const std::string& file) {
  std::string cmd = "fio --name=seq --ioengine=psync --bs=1M --rw=read --invalidate=0 --size=" +
                    std::to_string(big_size >> 20) + "M --filename=" + file +
                    " --output-format=terse --terse-version=3 2>/dev/null";
  double best = 1e9;
  for (int i = 0; i < 3; ++i) {
    FILE* p = ::popen(cmd.c_str(), "r");
    if (p == nullptr) return 0;
    char line[8192] = {};
    std::string out;
    while (std::fgets(line, sizeof line, p)) out += line;
    ::pclose(p);
    // terse v3: field 7 is read bandwidth in KiB/s (fields are ';'-separated, 1-based).
    std::vector<std::string> fields;
    std::size_t start = 0;
    for (std::size_t i2 = 0; i2 <= out.size(); ++i2) {
      if (i2 == out.size() || out[i2] == ';') {
        fields.push_back(out.substr(start, i2 - start));
        start = i2 + 1;
      }
    }
    if (fields.size() < 7) return 0;
    double kib_s = std::atof(fields[6].c_str());
    if (kib_s > 0) best = std::min(best, (big_size / 1024.0) / kib_s);
  }
  return best;
}

cofs::Task<void> drop(cofs::FileSystem& fs, std::string p) {
  cofs::Bytes b = co_await fs.async_cat_file(std::move(p));
  if (b.size() != kSmallSize) std::exit(7);
}

/// One peer line: its time, and each engine's speed-up over it (cofs_seconds in kEngines order).
void print_peer(const std::string& label, const PeerResult& r, double n_per_run,
                const std::vector<double>& cofs_seconds, bench::Results& results,
                const std::string& rate_unit = "") {
  if (!r.ok_()) {
    fmt::print("  {:<22} {}\n", label.c_str(), r.why().c_str());
    return;
  }
  const double s = r["seconds"];
  results.add(label, "peer", s * 1e3);
  std::string ratios;
  for (double c : cofs_seconds)
    ratios += fmt::format("{}{:.2f}x", ratios.empty() ? "" : " / ", s / c);
  std::string rate = rate_unit.empty() ? "" : fmt::format("{:8.0f} {}  ", n_per_run / s, rate_unit);
  fmt::print("  {:<22} {:8.1f} ms  {}cofs uring/aio/threads {}\n", label.c_str(), s * 1e3,
             rate.c_str(), ratios.c_str());
}

double find1_seconds(const std::string& tree) {
  std::string cmd = "find " + tree + " > /dev/null";
  return best_of(5, [&] {
    if (std::system(cmd.c_str()) != 0) std::exit(1);
  });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "--rss-child") {
    auto engine = cofs::parse_local_engine(argv[2]);
    if (!engine) return 6;
    auto fs =
        std::make_shared<cofs::LocalFileSystem>(nullptr, cofs::LocalOptions{.engine = *engine});
    return fs->cat_file(argv[3]).size() == fsys::file_size(argv[3]) ? 0 : 5;
  }
  n_small = std::stoi(bench::take_option(argc, argv, "--small", "10000"));
  big_size = std::stoull(bench::take_option(argc, argv, "--big-mib", "1024")) << 20;
  n_dirs = std::stoi(bench::take_option(argc, argv, "--dirs", "1000"));
  bench::Results results("local", bench::take_option(argc, argv, "--results", ""));
  const bool peers = !bench::take_flag(argc, argv, "--no-peers");
  const std::string rows =
      "," + bench::take_option(argc, argv, "--rows", "cat_small,cat_file_big,find") + ",";
  auto runs = [&rows](const char* row) {
    return rows.find("," + std::string(row) + ",") != std::string::npos;
  };
  std::string root = argc > 1 && argv[1][0] != '\0' ? argv[1] : "/tmp/cofs-bench-local";
  fmt::print("preparing {} ...\n", root.c_str());
  prepare(root);
  std::vector<std::string> small;
  for (int i = 0; i < n_small; ++i) small.push_back(root + "/small/" + std::to_string(i));
  const std::string big = root + "/big.bin", tree = root + "/tree";
  const std::string list = bench::write_list(root + "/small.list", small);
  warm(small, big);
  fmt::print("reactor: {}\n\n", cofs::get_loop().reactor_name());
  auto engine_kind = [](cofs::LocalEngine e) {
    return e == cofs::LocalEngine::uring ? "cofs" : "cofs-alt";
  };
  const PeerResult no_peer{PeerResult::unavailable, "--no-peers", {}, 0};

  // 1. small files
  if (runs("cat_small")) {
    results.row("cat_small", fmt::format("cat of {} local files of 4 KiB", n_small), "ms", true);
    double seq = best_of(5, [&] { on_loop_thread([&] { sequential_loop(small); }); });
    double ref = best_of(5, [&] {
      on_loop_thread([&] {
        if (liburing_loop(small) != n_small * kSmallSize) std::exit(2);
      });
    });
    results.add("sequential open/read/close", "ref", seq * 1e3);
    results.add("liburing QD64 linked", "ref", ref * 1e3);
    fmt::print(
        "cat of {} files of {} B (best of 5; cat best of 16 and cat_file best of 20 rounds, each "
        "round paired with a reference run; peers best of 3)\n",
        n_small, kSmallSize);
    fmt::print("  {:<22} {:8.1f} ms  {:8.0f} files/s\n", "sequential open/read", seq * 1e3,
               n_small / seq);
    fmt::print("  {:<22} {:8.1f} ms  {:8.0f} files/s\n", "liburing QD64 linked", ref * 1e3,
               n_small / ref);
    std::vector<double> cat_seconds;
    double best_kept_ref = 1e9;
    for (cofs::LocalEngine e : kEngines) {
      auto fs = std::make_shared<cofs::LocalFileSystem>(nullptr, cofs::LocalOptions{.engine = e});
      const std::string name = cofs::to_string(fs->engine());
      // cat keeps every result, so it is paired with the reference keeping its results too: both
      // fault in 40 MB of fresh memory, and free it within the timing.
      auto cat_all = [&] {
        auto r = fs->cat(small);
        if (r.size() != static_cast<std::size_t>(n_small)) std::exit(3);
      };
      auto [kept_ref, t_kept] = paired_best(
          8,
          [&] {
            if (liburing_loop(small, true) != n_small * kSmallSize) std::exit(2);
          },
          cat_all);
      // And paired with the sequential loop: the reference of the aio and threads engines.
      auto [seq_ref, t_seq] = paired_best(
          8, [&] { sequential_loop(small); }, cat_all);
      const double t = std::min(t_kept, t_seq);
      cat_seconds.push_back(t);
      best_kept_ref = std::min(best_kept_ref, kept_ref);
      results.add("cofs cat " + name, engine_kind(e), t * 1e3);
      fmt::print(
          "  {:<22} {:8.1f} ms  {:8.0f} files/s  {:.2f}x liburing  {:.2f}x sequential"
          "  (paired liburing keeping results {:.1f} ms: {:.2f}x; paired sequential {:.1f} ms: "
          "{:.2f}x)\n",
          ("cofs cat " + name).c_str(), t * 1e3, n_small / t, ref / t, seq / t, kept_ref * 1e3,
          kept_ref / t_kept, seq_ref * 1e3, seq_ref / t_seq);
      // The same reads with each result dropped as it arrives, as the two loops above do: no
      // 40 MB of fresh result memory to fault in, so this is the engine's own speed, at the window
      // cat uses by default on this engine.
      const cofs::BatchSize window = fs->resolve_batch("cat", std::nullopt, true);
      auto [paired_ref, d] = paired_best(
          20, [&] { liburing_loop(small); },
          [&] {
            auto tasks =
                small | std::views::transform([&](const std::string& p) { return drop(*fs, p); });
            auto r = cofs::sync(cofs::get_loop(), cofs::gather(tasks, {.batch_size = window}));
            if (!r.all_ok()) std::exit(3);
          });
      results.add("cofs cat_file per file, dropped, " + name, "cofs-alt", d * 1e3);
      fmt::print(
          "  {:<22} {:8.1f} ms  {:8.0f} files/s  {:.2f}x liburing  {:.2f}x sequential"
          "  (window {}; paired liburing {:.1f} ms: {:.2f}x)\n",
          ("cofs cat_file " + name).c_str(), d * 1e3, n_small / d, ref / d, seq / d,
          static_cast<long>(window), paired_ref * 1e3, paired_ref / d);
    }
    results.add("liburing QD64 keeping results", "ref", best_kept_ref * 1e3);
    print_peer("fsspec cat",
               peers ? bench::run_peer("fsspec_local.py", {"cat", "3", list}) : no_peer, n_small,
               cat_seconds, results, "files/s");
    print_peer("aiofiles gather, 64",
               peers ? bench::run_peer("aiofiles_local.py", {"cat", "3", "64", list}) : no_peer,
               n_small, cat_seconds, results, "files/s");
  }

  // 2. one large file
  if (runs("cat_file_big")) {
    const std::string size = std::to_string(big_size);
    const double gib = static_cast<double>(big_size) / (1 << 30);
    fmt::print(
        "\ncat_file of {:.3g} GiB (best of 3; read_fresh without huge pages and the peers "
        "best of 2, aiofiles once)\n",
        gib);
    results.row("cat_file_big", fmt::format("cat_file of one {:.3g} GiB local file", gib), "ms",
                true);
    double fio = fio_seconds(big);
    PeerResult huge = bench::run_program({COFS_BENCH_READ_FRESH, big, "--huge", "3"});
    PeerResult plain = bench::run_program({COFS_BENCH_READ_FRESH, big, "2"});
    results.add("fio psync bs=1M invalidate=0", "ref", fio * 1e3);
    fmt::print("  {:<22} {:8.1f} ms  {:8.2f} GiB/s  (1 MiB reads into one reused buffer)\n",
               "fio psync bs=1M", fio * 1e3, gib / fio);
    for (auto [label, r] :
         {std::pair{"read_fresh huge pages", &huge}, {"read_fresh 4 KiB pages", &plain}}) {
      if (!r->ok_()) {
        fmt::print("  {:<22} {}\n", label, r->why().c_str());
        continue;
      }
      results.add(label, "ref", (*r)["seconds"] * 1e3);
      fmt::print("  {:<22} {:8.1f} ms  {:8.2f} GiB/s  (one read() into a fresh buffer)\n", label,
                 (*r)["seconds"] * 1e3, gib / (*r)["seconds"]);
    }
    const double fresh = huge.ok_() ? huge["seconds"] : 0;
    std::vector<double> cat_file_seconds, rss_gib;
    for (cofs::LocalEngine e : kEngines) {
      auto fs = std::make_shared<cofs::LocalFileSystem>(nullptr, cofs::LocalOptions{.engine = e});
      const std::string name = cofs::to_string(fs->engine());
      double t = best_of(3, [&] {
        if (fs->cat_file(big).size() != big_size) std::exit(4);
      });
      cat_file_seconds.push_back(t);
      rss_gib.push_back(peak_rss_of_cat_file(name, big) / double(1 << 30));
      results.add("cofs cat_file " + name, engine_kind(e), t * 1e3);
      fmt::print(
          "  {:<22} {:8.1f} ms  {:8.2f} GiB/s  {:.2f}x fio  {:.2f}x read_fresh huge  peak RSS "
          "{:.3f} GiB\n",
          ("cofs cat_file " + name).c_str(), t * 1e3, gib / t, fio / t, fresh / t, rss_gib.back());
      // fio's own pattern: 1 MiB reads into memory that is reused (a file object's chunks).
      double s = best_of(3, [&] {
        cofs::File f = fs->open(big, "rb", {.block_size = 1 << 20});
        std::uint64_t total = 0;
        while (auto chunk = f.next_chunk(1 << 20)) total += chunk->size();
        if (total != big_size) std::exit(4);
      });
      results.add("cofs 1 MiB chunks " + name, "cofs-alt", s * 1e3);
      fmt::print("  {:<22} {:8.1f} ms  {:8.2f} GiB/s  {:.2f}x fio\n",
                 ("cofs 1M chunks " + name).c_str(), s * 1e3, gib / s, fio / s);
    }
    PeerResult fsspec_big =
        peers ? bench::run_peer("fsspec_local.py", {"cat_file", "2", big, size}) : no_peer;
    PeerResult aiofiles_big =
        peers ? bench::run_peer("aiofiles_local.py", {"cat_file", "1", big, size}) : no_peer;
    print_peer("fsspec cat_file", fsspec_big, 0, cat_file_seconds, results);
    print_peer("aiofiles f.read()", aiofiles_big, 0, cat_file_seconds, results);
    results.row("cat_file_big_rss", "peak RSS of reading the file into memory", "MiB", true);
    for (std::size_t i = 0; i < rss_gib.size(); ++i)
      results.add("cofs cat_file " + std::string(cofs::to_string(kEngines[i])),
                  engine_kind(kEngines[i]), rss_gib[i] * 1024);
    for (auto [label, r] : {std::pair{"read_fresh huge pages", &huge},
                            {"fsspec cat_file", &fsspec_big},
                            {"aiofiles f.read()", &aiofiles_big}}) {
      if (!r->ok_()) continue;
      const double mib = (*r)["vmhwm_kib"] / 1024;
      results.add(label, std::string(label).starts_with("read") ? "ref" : "peer", mib);
      fmt::print("  {:<22} peak RSS {:.3f} GiB\n", label, mib / 1024);
    }
  }

  // 3. find
  if (runs("find")) {
    const int files = n_dirs * kFilesPerDir;
    results.row("find", fmt::format("find over {} files in {} directories", files, n_dirs), "ms",
                true);
    double f1 = find1_seconds(tree);
    results.add("find(1)", "ref", f1 * 1e3);
    fmt::print("\nfind over {} files in {} directories (best of 5, peers best of 3)\n", files,
               n_dirs);
    fmt::print("  {:<22} {:8.1f} ms\n", "find(1)", f1 * 1e3);
    std::vector<double> find_seconds;
    for (cofs::LocalEngine e : kEngines) {
      auto fs = std::make_shared<cofs::LocalFileSystem>(nullptr, cofs::LocalOptions{.engine = e});
      std::size_t n = 0;
      double t = best_of(5, [&] { n = fs->find(tree).size(); });
      if (n != static_cast<std::size_t>(files)) {
        std::fprintf(stderr, "find found %zu\n", n);
        return 6;
      }
      find_seconds.push_back(t);
      results.add(std::string("cofs find ") + cofs::to_string(e), engine_kind(e), t * 1e3);
      fmt::print("  {:<22} {:8.1f} ms  {:.2f}x find(1)\n",
                 (std::string("cofs ") + cofs::to_string(fs->engine())).c_str(), t * 1e3, f1 / t);
    }
    const std::string count = std::to_string(files);
    print_peer("fsspec find",
               peers ? bench::run_peer("fsspec_local.py", {"find", "3", tree, count}) : no_peer, 0,
               find_seconds, results);
    print_peer("aiofiles scandir walk",
               peers ? bench::run_peer("aiofiles_local.py", {"find", "3", tree, count}) : no_peer,
               0, find_seconds, results);
  }
  return 0;
}
