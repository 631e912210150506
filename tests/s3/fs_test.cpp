// S3FileSystem against a real S3 server, the tests' Ceph RADOS Gateway (support/rgw.hpp), which
// verifies signatures; and against the fault-injecting server for answers RGW will not give.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <stop_token>
#include <thread>

#include "cofs/http/errors.hpp"
#include "cofs/http/http_fs.hpp"
#include "cofs/runtime/gather.hpp"
#include "cofs/runtime/sync.hpp"
#include "cofs/s3/errors.hpp"
#include "s3_fixture.hpp"
#include "support/fault_server.hpp"
#include "support/skip.hpp"

using namespace cofs;
using cofs::test::fresh_bucket;
using cofs::test::pattern;
using cofs::test::Rgw;
using cofs::test::rgw_fs;
using cofs::test::rgw_options;
using cofs::test::temp_path;

namespace {

std::string write_local(const std::string& name, const std::string& data) {
  std::string p = temp_path(name);
  std::ofstream(p, std::ios::binary) << data;
  return p;
}

struct ThrowingCallback : Callback {
  int updates = 0;
  int fail_at;
  explicit ThrowingCallback(int at) : fail_at(at) {}
  void relative_update(std::uint64_t inc) override {
    Callback::relative_update(inc);
    if (++updates == fail_at) throw std::runtime_error("the caller gives up");
  }
};

/// Asks `stop` to stop at its first progress report.
struct StoppingCallback : Callback {
  std::stop_source& stop;
  explicit StoppingCallback(std::stop_source& s) : stop(s) {}
  void relative_update(std::uint64_t inc) override {
    Callback::relative_update(inc);
    stop.request_stop();
  }
};

Task<bool> put_cancelled(S3FileSystem& fs, std::string local, std::string target,
                         std::stop_source& stop, Callback* cb) {
  co_await cofs::detail::SetStopToken{stop.get_token()};
  try {
    co_await fs.async_put_file(std::move(local), std::move(target), cb);
  } catch (const OperationCancelled&) {
    co_return true;
  }
  co_return false;
}

}  // namespace

TEST_CASE("a wrong secret is refused with PermissionError, and no message holds the secret",
          "[s3][rgw]") {
  COFS_REQUIRE_RGW();
  auto owner = rgw_fs();
  std::string bucket = fresh_bucket(*owner);
  owner->pipe_file(bucket + "/k", std::string_view("v"));
  auto wrong = rgw_fs(rgw_options(Rgw::wrong_secret()));
  try {
    wrong->cat_file("s3://" + bucket + "/k");
    FAIL("a wrong secret was accepted");
  } catch (const PermissionError& e) {
    std::string what = e.what();
    CHECK(what.find("cat_file s3://" + bucket + "/k") == 0);
    CHECK(what.find("SignatureDoesNotMatch") != std::string::npos);
    CHECK(what.find(Rgw::wrong_secret().secret_key) == std::string::npos);
    CHECK(what.find(Rgw::owner().secret_key) == std::string::npos);
  }
  CHECK_THROWS_AS(wrong->ls(bucket), PermissionError);
  S3Options anon = rgw_options();
  anon.credentials.reset();
  anon.anonymous = true;
  CHECK_THROWS_AS(rgw_fs(anon)->pipe_file(bucket + "/anon", std::string_view("x")),
                  PermissionError);
}

TEST_CASE("keys that need encoding are stored, listed and read exactly", "[s3][rgw]") {
  COFS_REQUIRE_RGW();
  auto fs = rgw_fs();
  std::string bucket = fresh_bucket(*fs);
  const std::vector<std::string> keys = {
      "a b.txt",       "plus+sign",   "per%cent",        "q?mark=1&x", "caf\xc3\xa9/\xc3\xbc",
      "dots/./x/../y", "tilde~_-.ok", "semi;colon,comma"};
  for (std::size_t i = 0; i < keys.size(); ++i)
    fs->pipe_file(bucket + "/" + keys[i], Bytes(std::string_view(pattern(10 + i, i))));
  for (std::size_t i = 0; i < keys.size(); ++i) {
    CHECK(fs->cat_file(bucket + "/" + keys[i]).view() == pattern(10 + i, i));
    CHECK(fs->info("s3://" + bucket + "/" + keys[i]).size == 10 + i);
  }
  std::vector<std::string> found = fs->find(bucket);
  std::vector<std::string> want;
  for (const auto& k : keys) want.push_back(bucket + "/" + k);
  std::sort(want.begin(), want.end());
  CHECK(found == want);
}

TEST_CASE(
    "a listing of more than 1,000 keys follows continuation tokens; rm deletes them in "
    "batches",
    "[s3][rgw]") {
  COFS_REQUIRE_RGW();
  auto fs = rgw_fs();
  std::string bucket = fresh_bucket(*fs);
  std::map<std::string, Bytes> files;
  for (int i = 0; i < 1100; ++i) files[bucket + "/many/k" + std::to_string(i)] = Bytes("x");
  fs->pipe(std::move(files), {.batch_size = 64});
  CHECK(fs->ls(bucket + "/many").size() == 1100);
  CHECK(fs->find(bucket).size() == 1100);
  CHECK(fs->du(bucket) == 1100);
  fs->rm(bucket + "/many", {.recursive = true});
  CHECK_FALSE(fs->exists(bucket + "/many"));
  CHECK(fs->ls(bucket).empty());
}

TEST_CASE("rm of many keys with a missing one removes the others and reports it", "[s3][rgw]") {
  COFS_REQUIRE_RGW();
  auto fs = rgw_fs();
  std::string bucket = fresh_bucket(*fs);
  fs->pipe_file(bucket + "/a", std::string_view("1"));
  fs->pipe_file(bucket + "/b", std::string_view("2"));
  std::vector<PathError> errors =
      fs->rm({bucket + "/a", bucket + "/missing", bucket + "/b"}, {.on_error = OnError::return_});
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].path.find("missing") != std::string::npos);
  CHECK(error_is(errors[0].error, std::errc::no_such_file_or_directory));
  CHECK_FALSE(fs->exists(bucket + "/a"));
  CHECK_FALSE(fs->exists(bucket + "/b"));
}

TEST_CASE("put_file above the threshold uploads parts of 5 MiB whose content checks out",
          "[s3][rgw]") {
  COFS_REQUIRE_RGW();
  S3Options o = rgw_options();
  o.multipart_threshold = 5 << 20;
  o.part_size = 5 << 20;
  o.max_concurrent_parts = 2;
  auto fs = rgw_fs(o);
  std::string bucket = fresh_bucket(*fs);
  const std::string data = pattern((15 << 20) + 12345, 3);
  std::string local = write_local("multipart", data);
  Callback progress;
  fs->put_file(local, "s3://" + bucket + "/big.bin", &progress);
  CHECK(progress.value() == data.size());
  FileInfo i = fs->info(bucket + "/big.bin");
  CHECK(i.size == data.size());
  CHECK(i.extra.at("etag").find("-4") != std::string::npos);  // four parts
  CHECK(fs->cat_file(bucket + "/big.bin").view() == data);
  CHECK(fs->cat_file(bucket + "/big.bin", (5 << 20) - 3, (5 << 20) + 3).view() ==
        data.substr((5 << 20) - 3, 6));
  std::string back = temp_path("multipart-back");
  fs->get_file(bucket + "/big.bin", back);
  std::ifstream in(back, std::ios::binary);
  std::string got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(got == data);
  CHECK(fs->multipart_uploads(bucket).empty());
  std::filesystem::remove(local);
  std::filesystem::remove(back);
}

TEST_CASE("a multipart upload that fails is aborted and leaves no parts behind", "[s3][rgw]") {
  COFS_REQUIRE_RGW();
  S3Options o = rgw_options();
  o.multipart_threshold = 5 << 20;
  o.part_size = 5 << 20;
  o.max_concurrent_parts = 1;
  auto fs = rgw_fs(o);
  std::string bucket = fresh_bucket(*fs);
  std::string local = write_local("aborted", pattern(12 << 20, 5));
  ThrowingCallback cb(2);  // the second part's progress report fails the upload
  CHECK_THROWS_WITH(fs->put_file(local, bucket + "/half.bin", &cb),
                    Catch::Contains("the caller gives up"));
  CHECK(cb.updates == 2);
  CHECK(fs->multipart_uploads(bucket).empty());
  CHECK_FALSE(fs->exists(bucket + "/half.bin"));
  std::filesystem::remove(local);
}

TEST_CASE("bad bucket names and empty keys are refused naming the operation and path",
          "[s3][rgw]") {
  COFS_REQUIRE_RGW();
  auto fs = rgw_fs();
  CHECK_THROWS_WITH(fs->ls("s3://Bad_Bucket/x"),
                    Catch::StartsWith("ls s3://Bad_Bucket/x") && Catch::Contains("bucket name"));
  CHECK_THROWS_AS(fs->cat_file("s3://ab/k"), InvalidArgumentError);
  CHECK_THROWS_AS(fs->mkdir("s3://-leading"), InvalidArgumentError);
  CHECK_THROWS_AS(fs->mkdir("s3://192.168.1.1"), InvalidArgumentError);
  std::string bucket = fresh_bucket(*fs);
  CHECK_THROWS_WITH(fs->pipe_file("s3://" + bucket + "/", std::string_view("x")),
                    Catch::Contains("empty key"));
}

TEST_CASE("buckets are the top-level directories: mkdir, ls of the root, rmdir when empty",
          "[s3][rgw]") {
  COFS_REQUIRE_RGW();
  auto fs = rgw_fs();
  std::string bucket = fresh_bucket(*fs, "b");
  CHECK_THROWS_AS(fs->mkdir(bucket), FileExistsError);
  std::vector<std::string> roots = fs->ls_names("s3://");
  CHECK(std::find(roots.begin(), roots.end(), bucket) != roots.end());
  CHECK(fs->info(bucket).is_dir());
  fs->pipe_file(bucket + "/d/e/f", std::string_view("x"));
  CHECK(fs->info(bucket + "/d").is_dir());
  CHECK(fs->info(bucket + "/d/e").is_dir());
  CHECK_FALSE(fs->try_info(bucket + "/d/e/g"));
  fs->mkdir(bucket + "/no/such/dir");  // a no-op: S3 has no directories
  CHECK_THROWS_AS(fs->rmdir(bucket), DirectoryNotEmptyError);
  fs->rm_file(bucket + "/d/e/f");
  fs->rmdir(bucket);
  CHECK_FALSE(fs->exists(bucket));
  CHECK_THROWS_AS(fs->rmdir(bucket), FileNotFoundError);
  CHECK_THROWS_AS(fs->ls(bucket), FileNotFoundError);
}

TEST_CASE("cp_file copies on the server, mv copies then deletes, checksum is the ETag",
          "[s3][rgw]") {
  COFS_REQUIRE_RGW();
  auto fs = rgw_fs();
  std::string bucket = fresh_bucket(*fs);
  fs->pipe_file(bucket + "/src file", std::string_view("contents"));
  fs->cp_file(bucket + "/src file", bucket + "/copy+1");
  CHECK(fs->cat_file(bucket + "/copy+1").view() == "contents");
  CHECK(fs->checksum(bucket + "/copy+1") == fs->info(bucket + "/copy+1").extra.at("etag"));
  fs->mv(bucket + "/copy+1", bucket + "/moved");
  CHECK_FALSE(fs->exists(bucket + "/copy+1"));
  CHECK(fs->cat_file(bucket + "/moved").view() == "contents");
  CHECK_THROWS_AS(fs->cp_file(bucket + "/nothing", bucket + "/x"), FileNotFoundError);
  auto age = std::chrono::system_clock::now() - fs->modified(bucket + "/moved");
  CHECK(std::chrono::abs(age) < std::chrono::minutes(5));
}

TEST_CASE("sign gives a URL that reads the object without credentials", "[s3][rgw]") {
  COFS_REQUIRE_RGW();
  auto fs = rgw_fs();
  std::string bucket = fresh_bucket(*fs);
  fs->pipe_file(bucket + "/shared doc", std::string_view("signed bytes"));
  std::string url = fs->sign("s3://" + bucket + "/shared doc", std::chrono::minutes(5));
  CHECK(url.find("X-Amz-Signature=") != std::string::npos);
  CHECK(url.find(Rgw::owner().secret_key) == std::string::npos);
  HTTPFileSystem http;
  CHECK(http.cat_file(url).view() == "signed bytes");
  std::string tampered = url;
  tampered.replace(tampered.find("shared%20doc"), 12, "other%20doc");
  CHECK_THROWS_AS(http.cat_file(tampered), PermissionError);
}

TEST_CASE("a multipart upload that is cancelled is aborted and leaves no parts behind",
          "[s3][rgw]") {
  COFS_REQUIRE_RGW();
  S3Options o = rgw_options();
  o.multipart_threshold = 5 << 20;
  o.part_size = 5 << 20;
  o.max_concurrent_parts = 1;
  auto fs = rgw_fs(o);
  std::string bucket = fresh_bucket(*fs);
  std::string local = write_local("cancelled", pattern(12 << 20, 6));
  std::stop_source stop;
  StoppingCallback cb(stop);  // the first part's progress cancels the upload
  CHECK(cofs::sync(fs->loop(), put_cancelled(*fs, local, bucket + "/cut.bin", stop, &cb)));
  // The abort of a cancelled upload is sent in the background: give it a few seconds.
  bool clean = false;
  for (int i = 0; i < 100 && !clean; ++i) {
    clean = fs->multipart_uploads(bucket).empty();
    if (!clean) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(clean);
  CHECK_FALSE(fs->exists(bucket + "/cut.bin"));
  std::filesystem::remove(local);
}

TEST_CASE("suffix and middle ranges, and reads past the end", "[s3][rgw]") {
  COFS_REQUIRE_RGW();
  auto fs = rgw_fs();
  std::string bucket = fresh_bucket(*fs);
  fs->pipe_file(bucket + "/r", std::string_view("0123456789"));
  CHECK(fs->cat_file(bucket + "/r", -3).view() == "789");
  CHECK(fs->cat_file(bucket + "/r", -30).view() == "0123456789");
  CHECK(fs->cat_file(bucket + "/r", 2, -2).view() == "234567");
  CHECK(fs->cat_file(bucket + "/r", 10).view().empty());
  CHECK(fs->cat_file(bucket + "/r", 11).view().empty());  // past the end: nothing, as pread
  CHECK_THROWS_AS(fs->cat_file(bucket + "/r", 8, 4), InvalidArgumentError);  // reversed
  CHECK(fs->tail(bucket + "/r", 4).view() == "6789");
}

TEST_CASE("find lists a tree by one prefix listing, not a listing per level", "[s3][rgw]") {
  COFS_REQUIRE_RGW();
  auto fs = rgw_fs();
  std::string bucket = fresh_bucket(*fs);
  std::map<std::string, Bytes> files;
  for (int d = 0; d < 4; ++d) {
    const std::string dir = bucket + "/tree/d" + std::to_string(d);
    files.emplace(dir + "/top", Bytes("t"));
    files.emplace(dir + "/sub/inner", Bytes("i"));
    files.emplace(dir + "/sub/deeper/leaf", Bytes("l"));
  }
  fs->pipe(files);
  const std::uint64_t before = fs->requests_sent();
  std::vector<std::string> found = fs->find(bucket + "/tree");
  // The root's info (a HEAD, then a one-key listing) and one listing: a walk by levels would
  // list each of the 13 directories.
  CHECK(fs->requests_sent() - before <= 3);
  std::vector<std::string> expected;
  for (const auto& [name, bytes] : files) expected.push_back(name);
  CHECK(found == expected);

  std::vector<std::string> dirs = fs->find(bucket + "/tree", {.maxdepth = 2, .withdirs = true});
  CHECK(dirs == std::vector<std::string>{
                    bucket + "/tree", bucket + "/tree/d0", bucket + "/tree/d0/sub",
                    bucket + "/tree/d0/top", bucket + "/tree/d1", bucket + "/tree/d1/sub",
                    bucket + "/tree/d1/top", bucket + "/tree/d2", bucket + "/tree/d2/sub",
                    bucket + "/tree/d2/top", bucket + "/tree/d3", bucket + "/tree/d3/sub",
                    bucket + "/tree/d3/top"});
  CHECK(fs->find(bucket + "/tree", {.maxdepth = 1}).empty());  // only directories there
}

TEST_CASE("SlowDown and 503 answers are retried until the object comes", "[s3][fault]") {
  auto& server = test::fault_server();
  S3Options o;
  o.endpoint_url = server.url("");
  s3::Credentials c;
  c.access_key = "AKIDFAULT";
  c.secret_key = "fault-secret";
  o.credentials = c;
  o.client.retries = 3;
  o.client.retry_backoff = std::chrono::milliseconds(10);
  auto fs = rgw_fs(o);
  // /flaky/<key>/<k>/<status>: k answers of that status, then 64 bytes.
  CHECK(fs->cat_file("s3://flaky/slowdown/2/503").size() == 64);
  CHECK(server.hits("slowdown") == 3);
  CHECK(fs->cat_file("s3://flaky/internal/1/500").size() == 64);
  // 429 with Retry-After: 1, then the object.
  CHECK(fs->cat_file("s3://ratelimit/s3key").size() == 64);
  CHECK(server.hits("s3key") == 2);
  // More failures than retries: the error names the operation and the s3:// path.
  CHECK_THROWS_WITH(fs->cat_file("s3://flaky/always/9/503"),
                    Catch::StartsWith("cat_file s3://flaky/always/9/503"));
}

TEST_CASE("a listing that is not XML is a clear error naming ls and the path", "[s3][fault]") {
  auto& server = test::fault_server();
  S3Options o;
  o.endpoint_url = server.url("/bytes");  // every request then reads /bytes/<bucket>: not XML
  o.anonymous = true;
  auto fs = rgw_fs(o);
  try {
    fs->ls("s3://300");
    FAIL("a malformed listing was accepted");
  } catch (const Error& e) {
    CHECK(e.code() == std::errc::protocol_error);
    CHECK(std::string(e.what()).find("ls s3://300") == 0);
    CHECK(std::string(e.what()).find("malformed ListObjectsV2 answer") != std::string::npos);
  }
}

TEST_CASE("an endpoint that refuses connections is a network error naming the s3:// path",
          "[s3][fault]") {
  S3Options o;
  o.endpoint_url = "http://127.0.0.1:1";
  o.anonymous = true;
  o.client.retries = 1;
  o.client.retry_backoff = std::chrono::milliseconds(1);
  auto fs = rgw_fs(o);
  CHECK_THROWS_AS(fs->cat_file("s3://bucket/key"), http::NetworkError);
  CHECK_THROWS_WITH(fs->info("s3://bucket/key"), Catch::StartsWith("info s3://bucket/key"));
}

TEST_CASE("a file written through open streams parts; one read through open sees one version",
          "[s3][rgw]") {
  COFS_REQUIRE_RGW();
  S3Options o = rgw_options();
  o.part_size = 5 << 20;
  o.block_size = 1 << 20;
  auto fs = rgw_fs(o);
  std::string bucket = fresh_bucket(*fs);
  const std::string data = pattern((11 << 20) + 7, 9);
  {
    File f = fs->open(bucket + "/streamed", "wb");
    for (std::size_t at = 0; at < data.size(); at += 300'000)
      f.write(std::string_view(data).substr(at, 300'000));
    f.close();
  }
  CHECK(fs->info(bucket + "/streamed").extra.at("etag").find("-3") != std::string::npos);
  CHECK(fs->cat_file(bucket + "/streamed").view() == data);
  File r = fs->open(bucket + "/streamed", "rb");
  r.seek(6 << 20);
  CHECK(r.read(10).view() == data.substr(6 << 20, 10));
  // Replaced while open: the next block read refuses to mix the two versions.
  fs->pipe_file(bucket + "/streamed", std::string_view(data).substr(0, 3 << 20));
  r.seek(1 << 20);
  CHECK_THROWS_WITH(r.read(10), Catch::Contains("changed since it was opened"));
  CHECK(fs->multipart_uploads(bucket).empty());
}
