// A real S3 server for the S3 tests and the benchmark: a one-node Ceph cluster (one monitor, one
// memstore OSD) and its RADOS Gateway on free loopback ports, in a temporary directory, started as
// child processes of the test program and stopped by their PIDs (radosgw, OSD, monitor). Each
// daemon dies with the test program however it ends (parent-death signal, child_process.hpp), and
// a later start removes the directories of programs that were killed.
//
// Use from a test case (the skip when Ceph is not installed comes from support/skip.hpp):
//   COFS_REQUIRE_RGW();
//   cofs::test::Rgw& s3 = cofs::test::rgw();  // s3.endpoint(), Rgw::owner(), Rgw::region
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cofs::test {

class Rgw {
 public:
  struct Options {
    /// The OSD's capacity; memstore keeps every object in the OSD's memory.
    std::uint64_t memstore_bytes = 4ull << 30;
    /// From the first command to the first signed request answered.
    std::chrono::seconds start_timeout{120};
  };
  struct Credentials {
    std::string access_key;
    std::string secret_key;
  };
  struct Response {
    int status = 0;  // 0: no HTTP answer
    std::string body;
  };

  /// The region to sign with (RGW takes the one in the request's credential scope).
  static constexpr const char* region = "us-east-1";
  /// The user the tests work as; another user, whose buckets the owner cannot reach; the
  /// owner's access key with a wrong secret (RGW answers 403 SignatureDoesNotMatch).
  static Credentials owner();
  static Credentials other_user();
  static Credentials wrong_secret();

  /// Removes the directories of clusters whose test program was killed (each start does it).
  static void remove_abandoned_dirs();

  /// Why a cluster cannot be started here (a Ceph program is not installed), or nothing.
  static std::optional<std::string> unavailable();

  /// Starts the cluster and waits until the owner's signed ListBuckets answers 200; throws
  /// std::runtime_error with the daemons' log tails when it does not. Must be called on the
  /// main thread: the daemons die with the thread that started them.
  explicit Rgw(Options options);
  Rgw() : Rgw(Options{}) {}
  ~Rgw();
  Rgw(const Rgw&) = delete;
  Rgw& operator=(const Rgw&) = delete;

  /// http://127.0.0.1:PORT (path-style addressing: endpoint() + "/bucket/key").
  std::string endpoint() const;
  int port() const noexcept { return rgw_port_; }
  const std::filesystem::path& dir() const noexcept { return dir_; }
  /// The daemons' PIDs: radosgw, ceph-osd, ceph-mon.
  std::vector<pid_t> pids() const;

  /// A SigV4-signed request by the curl command line, independent of cofs: `target` is the path
  /// and query as sent ("/bucket/key?list-type=2&prefix=a%2F", parameters sorted and encoded).
  Response request(std::string_view method, std::string_view target, std::string_view body = {},
                   const Credentials& as = owner()) const;
  /// Runs radosgw-admin with `args` against this cluster; its output, or throws when it fails.
  std::string admin(const std::vector<std::string>& args) const;
  /// The end of each daemon's log, for failure messages.
  std::string log_tail() const;

 private:
  void start(const Options& options);
  void stop() noexcept;
  void write_config(const Options& options, const std::string& fsid) const;
  std::string ceph_command(const std::vector<std::string>& argv,
                           std::chrono::milliseconds timeout) const;
  /// Runs `commands` at once to their ends, failing when one fails, a daemon exits or the
  /// deadline passes.
  void run_watched(const std::vector<std::vector<std::string>>& commands,
                   std::chrono::steady_clock::time_point deadline) const;
  /// The name of a started daemon that has exited, if any.
  std::optional<std::string> exited_daemon() const;
  void wait_ready(std::chrono::steady_clock::time_point deadline) const;
  std::filesystem::path scratch_file() const;

  std::filesystem::path dir_;
  int mon_port_ = 0;
  int rgw_port_ = 0;
  pid_t mon_pid_ = -1;
  pid_t osd_pid_ = -1;
  pid_t rgw_pid_ = -1;
};

/// The process-wide RGW of a test program, started on first use (on the main thread) and
/// stopped at exit; a failed start is reported again to every later caller without retrying.
Rgw& rgw();

}  // namespace cofs::test

/// Skips the current test case (COFS_SKIP, support/skip.hpp) when Ceph is not installed.
#define COFS_REQUIRE_RGW()                                                                      \
  do {                                                                                          \
    if (auto cofs_rgw_missing = ::cofs::test::Rgw::unavailable()) COFS_SKIP(*cofs_rgw_missing); \
  } while (false)
