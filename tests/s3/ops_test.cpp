// S3FileSystem's operations beyond the single request: cp_file in parts (UploadPartCopy), walk on
// the one prefix listing, and input S3 refuses or changes under a read, against the tests' RGW
// (support/rgw.hpp) and the fault-injecting server.
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <functional>
#include <map>
#include <memory>

#include "cofs/memory/memory_fs.hpp"
#include "s3/multipart.hpp"
#include "s3_fixture.hpp"
#include "support/fault_server.hpp"
#include "support/skip.hpp"

using namespace cofs;
using cofs::test::fresh_bucket;
using cofs::test::pattern;
using cofs::test::Rgw;
using cofs::test::rgw;
using cofs::test::rgw_fs;
using cofs::test::rgw_options;

namespace {

/// The owner's options with credentials that are always about to expire, so that the filesystem
/// asks its provider again before each request: `before(n)` runs ahead of the n-th request
/// (from 1). A hook between two requests of one call, where a test changes the store (through
/// the fixture's own curl, not the code under test) at a moment of its choosing.
S3Options hooked_options(std::function<void(int)> before) {
  S3Options o = rgw_options();
  o.credentials.reset();
  auto count = std::make_shared<std::atomic<int>>(0);
  o.credential_providers.push_back({"hook", [count, before = std::move(before)] {
                                      before(++*count);
                                      s3::Credentials c;
                                      c.access_key = Rgw::owner().access_key;
                                      c.secret_key = Rgw::owner().secret_key;
                                      c.expiration = std::chrono::system_clock::now() +
                                                     std::chrono::minutes(1);
                                      return std::optional<s3::Credentials>(c);
                                    }});
  return o;
}

/// Replaces bucket/key by `data` through the fixture's curl.
void replace_object(const std::string& bucket, const std::string& key, const std::string& data) {
  Rgw::Response r = rgw().request("PUT", "/" + bucket + "/" + key, data);
  REQUIRE(r.status == 200);
}

struct Walked {
  std::string root;  // below the walk's root
  std::vector<std::string> dirs;
  std::vector<std::string> files;
  bool operator==(const Walked&) const = default;
};

std::vector<Walked> relative(const std::vector<WalkEntry>& walk, const std::string& root) {
  std::vector<Walked> out;
  for (const WalkEntry& w : walk) out.push_back({w.root.substr(root.size()), w.dirs, w.files});
  return out;
}

}  // namespace

// ---- cp_file in parts -------------------------------------------------------------------------

TEST_CASE("cp_file above copy_threshold copies in parts on the server; below, one CopyObject",
          "[s3][rgw]") {
  COFS_REQUIRE_RGW();
  S3Options o = rgw_options();
  o.copy_threshold = 5 << 20;
  o.copy_part_size = 5 << 20;
  o.max_concurrent_parts = 2;
  auto fs = rgw_fs(o);
  std::string bucket = fresh_bucket(*fs);
  const std::string data = pattern((12 << 20) + 4321, 1);
  fs->pipe_file(bucket + "/big source", Bytes(std::string_view(data)));
  const std::uint64_t before = fs->requests_sent();
  fs->cp_file(bucket + "/big source", bucket + "/copy+of big");
  // HEAD, CreateMultipartUpload, three UploadPartCopy, HEAD (the source unchanged),
  // CompleteMultipartUpload.
  CHECK(fs->requests_sent() - before == 7);
  FileInfo i = fs->info(bucket + "/copy+of big");
  CHECK(i.size == data.size());
  CHECK(i.extra.at("etag").find("-3\"") != std::string::npos);  // three parts
  CHECK(fs->cat_file(bucket + "/copy+of big").view() == data);
  CHECK(fs->multipart_uploads(bucket).empty());

  fs->pipe_file(bucket + "/small", std::string_view("small"));
  fs->cp_file(bucket + "/small", bucket + "/small copy");
  CHECK(fs->info(bucket + "/small copy").extra.at("etag").find('-') == std::string::npos);
  CHECK(fs->cat_file(bucket + "/small copy").view() == "small");
}

TEST_CASE("a copy in parts whose source changes meanwhile raises and leaves no upload behind",
          "[s3][rgw]") {
  COFS_REQUIRE_RGW();
  auto setup = rgw_fs();
  std::string bucket = fresh_bucket(*setup);
  const std::string first = pattern(11 << 20, 2);
  const std::string second = pattern(11 << 20, 3);  // same size, other bytes: another ETag
  setup->pipe_file(bucket + "/src", Bytes(std::string_view(first)));
  // Requests of the copy: 1 HEAD of the source, 2 CreateMultipartUpload, then the parts one at
  // a time (3 ...). The source is replaced between the first part and the second.
  S3Options o = hooked_options([&](int n) {
    if (n == 4) replace_object(bucket, "src", second);
  });
  o.copy_threshold = 5 << 20;
  o.copy_part_size = 5 << 20;
  o.max_concurrent_parts = 1;
  auto fs = rgw_fs(o);
  try {
    fs->cp_file(bucket + "/src", bucket + "/dst");
    FAIL("a copy mixed two versions of its source");
  } catch (const Error& e) {
    CHECK(e.code().value() == ESTALE);
    CHECK_THAT(std::string(e.what()), Catch::StartsWith("cp_file s3://" + bucket + "/src") &&
                                          Catch::Contains("changed during the copy"));
  }
  CHECK(setup->multipart_uploads(bucket).empty());
  CHECK_FALSE(setup->exists(bucket + "/dst"));
  CHECK(setup->cat_file(bucket + "/src").view() == second);
}

TEST_CASE("a file that would need more than 10,000 parts is sent in larger parts", "[s3]") {
  using s3::detail::kMaxParts;
  using s3::detail::part_size_for;
  constexpr std::uint64_t mib = 1 << 20;
  CHECK(part_size_for(8 * mib, 8 * mib * kMaxParts) == 8 * mib);  // exactly the limit
  const std::uint64_t big = 8 * mib * kMaxParts + 1;              // one byte more
  const std::uint64_t part = part_size_for(8 * mib, big);
  CHECK(part > 8 * mib);
  CHECK((big + part - 1) / part <= kMaxParts);
  const std::uint64_t largest = s3::detail::kMaxObjectSize;  // 5 TiB: 525 MiB parts
  CHECK((largest + part_size_for(8 * mib, largest) - 1) / part_size_for(8 * mib, largest) <=
        kMaxParts);
  CHECK(part_size_for(8 * mib, 0) == 8 * mib);
}

TEST_CASE("copy options outside S3's limits are refused naming the option", "[s3]") {
  S3Options o;
  o.endpoint_url = "http://127.0.0.1:1";
  o.anonymous = true;
  S3Options small_part = o;
  small_part.copy_part_size = 1 << 20;
  CHECK_THROWS_WITH(S3FileSystem(nullptr, small_part),
                    Catch::Contains("copy_part_size") && Catch::Contains("5 MiB to 5 GiB"));
  S3Options huge_part = o;
  huge_part.copy_part_size = 6ull << 30;
  CHECK_THROWS_AS(S3FileSystem(nullptr, huge_part), InvalidArgumentError);
  S3Options huge_threshold = o;
  huge_threshold.copy_threshold = 6ull << 30;
  CHECK_THROWS_WITH(S3FileSystem(nullptr, huge_threshold),
                    Catch::Contains("copy_threshold") && Catch::Contains("at most 5 GiB"));
  CHECK_THROWS_AS(S3FileSystem::from_options({{"endpoint_url", "http://127.0.0.1:1"},
                                              {"anonymous", "true"},
                                              {"copy_part_size", "1024"}},
                                             nullptr),
                  InvalidArgumentError);
  auto ok = S3FileSystem::from_options({{"endpoint_url", "http://127.0.0.1:1"},
                                        {"anonymous", "true"},
                                        {"copy_threshold", "10485760"},
                                        {"copy_part_size", "5242880"}},
                                       nullptr);
  CHECK(static_cast<S3FileSystem&>(*ok).options().copy_threshold == 10 << 20);
}

// ---- walk on the one listing --------------------------------------------------------------------

TEST_CASE("walk lists a tree by one prefix listing, in os.walk's order, as a level walk would",
          "[s3][rgw]") {
  COFS_REQUIRE_RGW();
  auto fs = rgw_fs();
  std::string bucket = fresh_bucket(*fs);
  // The same tree in memory: its level walk is the reference.
  MemoryFileSystem mem;
  std::map<std::string, Bytes> files;
  for (const char* rel : {"top", "a/x", "a/b/y", "a/b/c/z", "a/b/c/w", "d/e/f/g/h", "d/k"}) {
    files.emplace(bucket + "/tree/" + rel, Bytes("v"));
    mem.pipe_file(std::string("/ref/tree/") + rel, std::string_view("v"));
  }
  fs->pipe(files);
  const std::string root = bucket + "/tree";
  for (bool topdown : {true, false}) {
    for (std::optional<int> maxdepth : {std::optional<int>(), std::optional<int>(1),
                                        std::optional<int>(2), std::optional<int>(3)}) {
      const std::uint64_t before = fs->requests_sent();
      std::vector<WalkEntry> walk = fs->walk(root, {.maxdepth = maxdepth, .topdown = topdown});
      // The root's info (a HEAD, then a one-key listing) and one listing; a level walk lists
      // each of the 10 directories.
      CHECK(fs->requests_sent() - before <= 3);
      std::vector<WalkEntry> want =
          mem.walk("/ref/tree", {.maxdepth = maxdepth, .topdown = topdown});
      CHECK(relative(walk, root) == relative(want, "/ref/tree"));
    }
  }
  CHECK_THROWS_AS(fs->walk(root + "/top"), NotADirectoryError);
  CHECK_THROWS_AS(fs->walk(bucket + "/missing"), FileNotFoundError);
}

TEST_CASE("rm recursive and expand_path list a tree once, and take directory markers along",
          "[s3][rgw]") {
  COFS_REQUIRE_RGW();
  auto fs = rgw_fs();
  std::string bucket = fresh_bucket(*fs);
  std::map<std::string, Bytes> files;
  for (int d = 0; d < 5; ++d)
    for (const char* rel : {"/f", "/s/g", "/s/t/h"})
      files.emplace(bucket + "/r/d" + std::to_string(d) + rel, Bytes("x"));
  fs->pipe(files);
  // A "directory marker" (an empty object whose key ends in '/'), as other tools make them.
  replace_object(bucket, "r/d0/s/t/", "");
  const std::uint64_t before = fs->requests_sent();
  CHECK(fs->expand_path({bucket + "/r"}, true).size() == 1 + 5 + 5 * 5);
  CHECK(fs->requests_sent() - before <= 4);
  fs->rm(bucket + "/r", {.recursive = true});
  CHECK_FALSE(fs->exists(bucket + "/r"));
  CHECK(fs->ls(bucket).empty());
  CHECK(rgw().request("HEAD", "/" + bucket + "/r/d0/s/t/").status == 404);  // the marker too
}

// ---- bad input ----------------------------------------------------------------------------------

TEST_CASE("keys that need encoding round-trip through pipe, cat, ls, info and rm", "[s3][rgw]") {
  COFS_REQUIRE_RGW();
  auto fs = rgw_fs();
  std::string bucket = fresh_bucket(*fs);
  const std::vector<std::string> names = {"sp ace",     "pl+us",       "per%cent",
                                          "q?uery=1&a", "caf\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac"};
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string p = "s3://" + bucket + "/dir/" + names[i];
    const std::string data = pattern(5 + i, static_cast<unsigned>(10 + i));
    fs->pipe_file(p, Bytes(std::string_view(data)));
    CHECK(fs->cat_file(p).view() == data);
    CHECK(fs->cat_file(p, 1, 3).view() == data.substr(1, 2));
    FileInfo info = fs->info(p);
    CHECK(info.name == bucket + "/dir/" + names[i]);
    CHECK(info.size == data.size());
  }
  std::vector<std::string> listed = fs->ls_names(bucket + "/dir");
  std::vector<std::string> want;
  for (const auto& n : names) want.push_back(bucket + "/dir/" + n);
  std::sort(want.begin(), want.end());
  CHECK(listed == want);
  for (const auto& n : names) fs->rm_file(bucket + "/dir/" + n);
  CHECK_FALSE(fs->exists(bucket + "/dir"));
  // A trailing slash names the directory, as on every backend (paths are stripped of it): a
  // file written there is the key without it.
  fs->pipe_file("s3://" + bucket + "/slash/", std::string_view("s"));
  CHECK(fs->ls_names(bucket) == std::vector<std::string>{bucket + "/slash"});
  CHECK(fs->info(bucket + "/slash/").is_file());
  fs->rm_file(bucket + "/slash/");
  CHECK_FALSE(fs->exists(bucket + "/slash"));
  // A key that ends in '/' made by another tool (a "directory marker") is its directory.
  replace_object(bucket, "marker/", "");
  CHECK(fs->info(bucket + "/marker").is_dir());
  CHECK(fs->ls(bucket + "/marker").empty());
  CHECK_THROWS_AS(fs->cat_file(bucket + "/marker/"), IsADirectoryError);
  fs->rmdir(bucket + "/marker");  // removes the marker
  CHECK_FALSE(fs->exists(bucket + "/marker"));
  CHECK(rgw().request("HEAD", "/" + bucket + "/marker/").status == 404);
}

TEST_CASE("rm_file of a missing key is FileNotFoundError naming rm_file and the path",
          "[s3][rgw]") {
  COFS_REQUIRE_RGW();
  auto fs = rgw_fs();
  std::string bucket = fresh_bucket(*fs);
  CHECK_THROWS_WITH(fs->rm_file("s3://" + bucket + "/missing"),
                    Catch::StartsWith("rm_file s3://" + bucket + "/missing"));
  CHECK_THROWS_AS(fs->rm_file(bucket + "/missing"), FileNotFoundError);
  CHECK_THROWS_AS(fs->rm(bucket + "/missing"), FileNotFoundError);
}

TEST_CASE("a range measured on one version is never read from another", "[s3][rgw]") {
  COFS_REQUIRE_RGW();
  auto setup = rgw_fs();
  std::string bucket = fresh_bucket(*setup);
  setup->pipe_file(bucket + "/obj", std::string_view("0123456789"));
  // cat_file(2, -2) asks the size (HEAD, request 1), then the range (request 2): the object is
  // replaced by a longer one in between.
  auto fs = rgw_fs(hooked_options([&](int n) {
    if (n == 2) replace_object(bucket, "obj", "abcdefghijklmnopqrstuvwxyz");
  }));
  try {
    Bytes got = fs->cat_file(bucket + "/obj", 2, -2);
    FAIL("read '" << got.str() << "': a range of one version from another");
  } catch (const Error& e) {
    CHECK(e.code().value() == ESTALE);
    CHECK_THAT(std::string(e.what()), Catch::StartsWith("cat_file s3://" + bucket + "/obj"));
  }
  // One request reads one version: a range that needs no size is that request alone.
  CHECK(fs->cat_file(bucket + "/obj", 2, 5).view() == "cde");
}

TEST_CASE("cat_ranges never returns ranges of one object from two versions", "[s3][rgw]") {
  COFS_REQUIRE_RGW();
  auto setup = rgw_fs();
  std::string bucket = fresh_bucket(*setup);
  setup->pipe_file(bucket + "/obj", std::string_view("0123456789"));
  setup->pipe_file(bucket + "/other", std::string_view("abcdef"));
  // One range at a time: requests 1-3 are the first call's, 4-5 the second's, 6-7 the third's.
  // The object is replaced between the ranges of the first two calls.
  auto fs = rgw_fs(hooked_options([&](int n) {
    if (n == 2) replace_object(bucket, "obj", "ABCDEFGHIJ");
    if (n == 5) replace_object(bucket, "obj", "klmnopqrst");
  }));
  const std::string obj = "s3://" + bucket + "/obj";
  std::vector<Outcome<Bytes>> got =
      fs->cat_ranges({obj, obj, bucket + "/other"}, {0, 5, 1}, {5, 10, 3},
                     {.on_error = OnError::return_, .batch_size = 1});
  REQUIRE(got.size() == 3);
  for (int i = 0; i < 2; ++i) {
    REQUIRE_FALSE(got[i].ok());
    CHECK_THROWS_WITH(std::rethrow_exception(got[i].error()),
                      Catch::StartsWith("cat_ranges " + obj) && Catch::Contains("changed"));
  }
  REQUIRE(got[2].ok());
  CHECK(got[2].value().view() == "bc");
  CHECK_THROWS_AS(fs->cat_ranges({obj, obj}, {0, 5}, {5, 10}, {.batch_size = 1}), Error);
  std::vector<Outcome<Bytes>> now = fs->cat_ranges({obj, obj}, {0, 5}, {5, 10});
  CHECK(now[0].value().view() == "klmno");
  CHECK(now[1].value().view() == "pqrst");
}

TEST_CASE("a malformed or cut ListObjectsV2 body is an error naming the call and path",
          "[s3][fault]") {
  auto& server = test::fault_server();
  S3Options o;
  o.endpoint_url = server.url("/s3list");  // path-style: /s3list/<bucket>?list-type=2...
  o.anonymous = true;
  o.client.retries = 0;
  auto fs = rgw_fs(o);
  for (const char* bucket : {"badxml", "cutxml"}) {
    for (int call = 0; call < 2; ++call) {
      try {
        if (call == 0) {
          fs->ls(std::string("s3://") + bucket + "/dir");
        } else {
          // on_error raise: find's default (omit, as fsspec's) leaves out what it cannot list.
          fs->find(std::string("s3://") + bucket, {.on_error = OnError::raise});
        }
        FAIL("a broken listing was taken as whole");
      } catch (const Error& e) {
        CHECK(e.code() == std::errc::protocol_error);
        CHECK_THAT(std::string(e.what()),
                   Catch::StartsWith(std::string(call == 0 ? "ls" : "find") + " s3://" + bucket) &&
                       Catch::Contains("malformed ListObjectsV2 answer"));
      }
    }
  }
}

TEST_CASE("an endpoint that refuses connections fails at once, not after the timeout",
          "[s3][fault]") {
  S3Options o;
  o.endpoint_url = "http://127.0.0.1:1";
  o.anonymous = true;
  o.client.retries = 2;
  o.client.retry_backoff = std::chrono::milliseconds(1);
  o.client.total_timeout = std::chrono::seconds(60);
  auto fs = rgw_fs(o);
  const auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH(fs->ls("s3://bucket/dir"), Catch::StartsWith("ls s3://bucket/dir"));
  CHECK_THROWS_WITH(fs->put_file("/dev/null", "s3://bucket/k"),
                    Catch::StartsWith("put_file s3://bucket/k"));
  // Generous on a loaded machine, and far below the 60 s timeout.
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(20));
}
