// The RGW fixture itself (support/rgw.hpp): a real S3 server that verifies signatures, several at
// once, and none left running when a test program is killed. Requests go through the curl command
// line, independent of cofs.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/child_process.hpp"
#include "support/rgw.hpp"
#include "support/skip.hpp"

using namespace std::chrono_literals;
using cofs::test::Rgw;
using cofs::test::rgw;
namespace stdfs = std::filesystem;

namespace {

// Gone: no such process, or a zombie waiting for its new parent to reap it.
bool process_gone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  const auto paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'Z';
}

bool all_gone_within(const std::vector<pid_t>& pids, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    bool gone = true;
    for (pid_t pid : pids) gone = gone && process_gone(pid);
    if (gone) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
}

}  // namespace

TEST_CASE("RGW fixture: create a bucket, PUT, GET, HEAD, list, DELETE", "[rgw]") {
  COFS_REQUIRE_RGW();
  Rgw& s3 = rgw();
  REQUIRE(s3.request("PUT", "/fixture-basic").status == 200);
  const std::string data = "hello from the fixture test\n";
  REQUIRE(s3.request("PUT", "/fixture-basic/dir/a%20b.txt", data).status == 200);

  const Rgw::Response got = s3.request("GET", "/fixture-basic/dir/a%20b.txt");
  CHECK(got.status == 200);
  CHECK(got.body == data);
  CHECK(s3.request("HEAD", "/fixture-basic/dir/a%20b.txt").status == 200);

  // The query is signed as written: sorted and percent-encoded.
  const Rgw::Response listed =
      s3.request("GET", "/fixture-basic?delimiter=%2F&list-type=2&prefix=dir%2F");
  CHECK(listed.status == 200);
  CHECK(listed.body.find("<Key>dir/a b.txt</Key>") != std::string::npos);

  CHECK(s3.request("DELETE", "/fixture-basic/dir/a%20b.txt").status == 204);
  const Rgw::Response missing = s3.request("GET", "/fixture-basic/dir/a%20b.txt");
  CHECK(missing.status == 404);
  CHECK(missing.body.find("<Code>NoSuchKey</Code>") != std::string::npos);
}

TEST_CASE("RGW fixture: a wrong secret and another user are refused", "[rgw]") {
  COFS_REQUIRE_RGW();
  Rgw& s3 = rgw();
  REQUIRE(s3.request("PUT", "/fixture-refusal").status == 200);
  REQUIRE(s3.request("PUT", "/fixture-refusal/key", "x").status == 200);

  const Rgw::Response forged = s3.request("GET", "/fixture-refusal/key", {}, Rgw::wrong_secret());
  CHECK(forged.status == 403);
  CHECK(forged.body.find("<Code>SignatureDoesNotMatch</Code>") != std::string::npos);

  const Rgw::Response other = s3.request("GET", "/fixture-refusal/key", {}, Rgw::other_user());
  CHECK(other.status == 403);
  CHECK(other.body.find("<Code>AccessDenied</Code>") != std::string::npos);

  const Rgw::Response unknown =
      s3.request("GET", "/", {}, Rgw::Credentials{"COFSTESTNOSUCHKEY999", "whatever"});
  CHECK(unknown.status == 403);
  CHECK(unknown.body.find("<Code>InvalidAccessKeyId</Code>") != std::string::npos);
}

TEST_CASE("RGW fixture: radosgw-admin reaches the cluster", "[rgw]") {
  COFS_REQUIRE_RGW();
  const std::string info = rgw().admin({"user", "info", "--uid=cofs-owner"});
  CHECK(info.find(Rgw::owner().access_key) != std::string::npos);
}

TEST_CASE("RGW fixture: a second cluster at once, stopped by its PIDs", "[rgw]") {
  COFS_REQUIRE_RGW();
  Rgw& first = rgw();
  std::vector<pid_t> pids;
  stdfs::path dir;
  {
    Rgw second;
    CHECK(second.port() != first.port());
    CHECK(second.request("PUT", "/fixture-second").status == 200);
    // Buckets are the cluster's own.
    CHECK(first.request("HEAD", "/fixture-second").status == 404);
    pids = second.pids();
    dir = second.dir();
    REQUIRE(stdfs::exists(dir));
  }
  CHECK(all_gone_within(pids, 1s));  // the destructor waited for each
  CHECK_FALSE(stdfs::exists(dir));
  CHECK(first.request("GET", "/").status == 200);
}

TEST_CASE("RGW fixture: a test program killed mid-way leaves no daemon behind", "[rgw]") {
  COFS_REQUIRE_RGW();
  std::string tmpl = (stdfs::temp_directory_path() / "cofs-orphan-test-XXXXXX").string();
  REQUIRE(mkdtemp(tmpl.data()) != nullptr);
  const stdfs::path work = tmpl;
  const stdfs::path report = work / "report";
  // A program of its own (rgw_orphan_maker.cpp) that starts a cluster and waits to be killed.
  const pid_t child =
      cofs::test::spawn_child({COFS_RGW_ORPHAN_MAKER, report.string()}, work / "output");

  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + 150s;
  while (!stdfs::exists(report) && !cofs::test::child_ended(child, status) &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  std::ifstream in(report);
  std::string dir;
  std::getline(in, dir);
  std::vector<pid_t> daemons;
  for (std::string line; std::getline(in, line);) daemons.push_back(std::stoi(line));
  kill(child, SIGKILL);
  waitpid(child, &status, 0);
  std::ifstream output(work / "output");
  INFO("orphan maker's output: " << std::string(std::istreambuf_iterator<char>(output), {}));
  REQUIRE(daemons.size() == 3);

  CHECK(all_gone_within(daemons, 10s));
  // Its directory stays until the next start (or this) removes it.
  CHECK(stdfs::exists(dir));
  Rgw::remove_abandoned_dirs();
  CHECK_FALSE(stdfs::exists(dir));
  stdfs::remove_all(work);
}
