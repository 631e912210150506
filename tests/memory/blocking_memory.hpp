// A blocking filesystem for AsyncFileSystemWrapper's tests: a MemoryFileSystem's blocking calls,
// with a count of how many run at once.
#pragma once

#include <atomic>
#include <thread>

#include "cofs/cofs.hpp"

namespace cofs::testing {

class BlockingMemory : public BlockingFileSystem {
 private:
  template <class F>
  auto counted(F&& f) {
    int now = ++in_flight;
    int seen = max_in_flight.load();
    while (now > seen && !max_in_flight.compare_exchange_weak(seen, now)) {
    }
    struct Leave {
      std::atomic<int>& n;
      ~Leave() { --n; }
    } leave{in_flight};
    if (auto d = delay.load(); d.count() > 0) std::this_thread::sleep_for(d);
    return f();
  }

 public:
  explicit BlockingMemory(std::shared_ptr<IoLoop> loop = nullptr)
      : mem_(std::make_shared<MemoryFileSystem>(std::move(loop))) {}
  std::string protocol() const override { return "blockmem"; }
  Capabilities capabilities() const override { return mem_->capabilities(); }
  std::vector<FileInfo> ls(const std::string& p) override {
    return counted([&] { return mem_->ls(p); });
  }
  FileInfo info(const std::string& p) override {
    return counted([&] { return mem_->info(p); });
  }
  Bytes cat_file(const std::string& p, std::optional<std::int64_t> s,
                 std::optional<std::int64_t> e) override {
    return counted([&] { return mem_->cat_file(p, s, e); });
  }
  void pipe_file(const std::string& p, const Bytes& d) override {
    counted([&] { mem_->pipe_file(p, d); });
  }
  void rm_file(const std::string& p) override {
    counted([&] { mem_->rm_file(p); });
  }
  void mkdir(const std::string& p, bool parents) override {
    counted([&] { mem_->mkdir(p, parents); });
  }
  void rmdir(const std::string& p) override {
    counted([&] { mem_->rmdir(p); });
  }

  std::atomic<int> in_flight{0};
  std::atomic<int> max_in_flight{0};
  // Atomic: a test may change it while calls that timed out still run on the pool.
  std::atomic<std::chrono::microseconds> delay{std::chrono::microseconds(0)};

 private:
  std::shared_ptr<MemoryFileSystem> mem_;
};

}  // namespace cofs::testing
