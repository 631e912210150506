// exists() on a missing path against exists() on a present one, memory and local backends,
// through gather (one bulk call's shape) and one by one (a coroutine awaiting each in turn), side
// by side in one run. A missing path is the common answer of a probe (a transfer planner asking
// whether a destination is a directory), so it should cost about what a present one does.
//
//   bench_exists [n]      n paths of each kind per backend (default 20000 memory, 2000 local)
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <ranges>
#include <string>
#include <vector>

#include "cofs/cofs.hpp"

namespace {

using Clock = std::chrono::steady_clock;

cofs::Task<std::size_t> one_by_one(cofs::FileSystem& fs, const std::vector<std::string>& paths) {
  std::size_t found = 0;
  for (const auto& p : paths) found += co_await fs.async_exists(p) ? 1 : 0;
  co_return found;
}

cofs::Task<std::size_t> gathered(cofs::FileSystem& fs, const std::vector<std::string>& paths) {
  auto results = co_await cofs::gather(
      paths | std::views::transform([&fs](const std::string& p) { return fs.async_exists(p); }),
      cofs::GatherOptions{.batch_size = 1280});
  std::size_t found = 0;
  for (std::size_t i = 0; i < results.size(); ++i) found += results[i].value() ? 1 : 0;
  co_return found;
}

/// Best of `repeats` runs, in microseconds per call.
template <class Run>
double best_us(cofs::FileSystem& fs, const std::vector<std::string>& paths, std::size_t expect,
               Run run, int repeats) {
  double best = 1e300;
  for (int r = 0; r < repeats; ++r) {
    auto t0 = Clock::now();
    std::size_t found = cofs::sync(fs.loop(), run(fs, paths));
    double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
    if (found != expect) {
      std::fprintf(stderr, "exists gave %zu present, expected %zu\n", found, expect);
      std::exit(1);
    }
    best = std::min(best, us / static_cast<double>(paths.size()));
  }
  return best;
}

void rows(const char* backend, cofs::FileSystem& fs, const std::vector<std::string>& present,
          const std::vector<std::string>& missing) {
  constexpr int kRepeats = 5;
  struct Way {
    const char* name;
    cofs::Task<std::size_t> (*run)(cofs::FileSystem&, const std::vector<std::string>&);
  };
  for (Way way : {Way{"gather", gathered}, Way{"one by one", one_by_one}}) {
    double p = best_us(fs, present, present.size(), way.run, kRepeats);
    double m = best_us(fs, missing, 0, way.run, kRepeats);
    std::printf("  %-7s %-11s present %8.2f us   missing %8.2f us   missing/present %5.2fx\n",
                backend, way.name, p, m, m / p);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int n_memory = argc > 1 ? std::atoi(argv[1]) : 20'000;
  const int n_local = argc > 1 ? std::atoi(argv[1]) : 2'000;
  std::printf("cofs exists() benchmark: reactor %s, best of 5, microseconds per call\n",
              cofs::get_loop().reactor_name());

  auto mem = cofs::filesystem("memory");
  std::vector<std::string> present, missing;
  for (int i = 0; i < n_memory; ++i) {
    present.push_back("/bench-exists/f" + std::to_string(i));
    missing.push_back("/bench-exists/missing" + std::to_string(i));
  }
  mem->makedirs("/bench-exists", true);
  std::map<std::string, cofs::Bytes> files;
  for (const auto& p : present) files.emplace(p, cofs::Bytes(std::string_view("x")));
  mem->pipe(std::move(files));
  rows("memory", *mem, present, missing);
  mem->rm("/bench-exists", {.recursive = true});

  auto local = cofs::filesystem("file");
  std::string dir =
      (std::filesystem::temp_directory_path() / ("cofs-bench-exists-" + std::to_string(::getpid())))
          .string();
  local->makedirs(dir, true);
  present.clear();
  missing.clear();
  std::map<std::string, cofs::Bytes> local_files;
  for (int i = 0; i < n_local; ++i) {
    present.push_back(dir + "/f" + std::to_string(i));
    missing.push_back(dir + "/missing" + std::to_string(i));
    local_files.emplace(present.back(), cofs::Bytes(std::string_view("x")));
  }
  local->pipe(std::move(local_files));
  rows("local", *local, present, missing);
  local->rm(dir, {.recursive = true});
  return 0;
}
