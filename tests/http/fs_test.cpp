// HTTPFileSystem beyond the conformance suite: listings from HTML, info, ranges on servers that
// ignore them, the two kinds of file, streaming transfers, and every kind of bad input.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>

#include "cofs/cofs.hpp"
#include "cofs/http/errors.hpp"
#include "cofs/http/http_fs.hpp"
#include "cofs/http/links.hpp"
#include "support/fault_server.hpp"
#include "support/nginx.hpp"
#include "support/tmpfs.hpp"

using namespace std::chrono_literals;
using cofs::test::fault_server;
using cofs::test::nginx;
namespace stdfs = std::filesystem;

namespace {

cofs::HTTPOptions quick() {
  cofs::HTTPOptions o;
  o.client.ca_file = nginx().ca_file();
  o.client.retry_backoff = 10ms;
  o.client.connect_timeout = 2000ms;
  o.client.total_timeout = 10'000ms;
  return o;
}

std::shared_ptr<cofs::HTTPFileSystem> make_fs(cofs::HTTPOptions o = quick()) {
  return std::make_shared<cofs::HTTPFileSystem>(nullptr, std::move(o));
}

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

struct TempDir {
  stdfs::path path;
  TempDir() {
    char tmpl[] = "/tmp/cofs-http-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { stdfs::remove_all(path); }
  std::string at(std::string_view rel) const { return (path / rel).string(); }
};

}  // namespace

TEST_CASE("links: relative, rooted and absolute, children only, broken markup", "[http][fs]") {
  const std::string base = "http://h.test/dir/";
  const std::string html = R"(<html><body>
    <a href="../">up</a> <A HREF="file%20one.txt">1</A> <a class=x href='sub/'>s</a>
    <a href=/dir/rooted.bin>r</a> <a href="http://h.test/dir/abs.csv">a</a>
    <a href="//h.test/dir/scheme-relative">p</a> <a href="http://other.test/dir/x">o</a>
    <a href="?C=N;O=D">sort</a> <a href="#top">top</a> <a href="deep/er/file">d</a>
    <a href="a&amp;b">amp</a> <abbr href="no">n</abbr> <a href="mailto:x@y">m</a>
    <a href="ftp://h.test/dir/f">f</a> <a href="unterminated>u</a>
    plain text http://h.test/dir/bare.txt more</body>)";
  auto links = cofs::http::parse_links(html, base, false);
  auto kids = cofs::http::child_links(links, base);
  std::sort(kids.begin(), kids.end());
  CHECK(kids ==
        std::vector<std::string>{"http://h.test/dir/a&b", "http://h.test/dir/abs.csv",
                                 "http://h.test/dir/file%20one.txt", "http://h.test/dir/rooted.bin",
                                 "http://h.test/dir/scheme-relative", "http://h.test/dir/sub/"});
  auto with_bare = cofs::http::child_links(cofs::http::parse_links(html, base, true), base);
  CHECK(std::count(with_bare.begin(), with_bare.end(), "http://h.test/dir/bare.txt") == 1);
  // Garbage never crashes and yields what can be read.
  CHECK(cofs::http::parse_links("<a href=", base).empty());
  CHECK(cofs::http::parse_links("<a", base).empty());
  CHECK(cofs::http::parse_links(std::string("\0<a href=\"x\">", 13), base).size() == 1);
  CHECK(cofs::http::parse_links("<<<a href=\"ok\"<a href='also'>", base).size() == 2);
}

TEST_CASE("ls of an nginx listing: names, types and sizes; info fields", "[http][fs]") {
  auto fs = make_fs();
  const stdfs::path root = nginx().root() / "fs/ls";
  cofs::test::write_file(root / "a.txt", "hello");
  cofs::test::write_file(root / "with space.bin", std::string(1234, 'x'));
  cofs::test::write_file(root / "sub/inner.txt", "in");
  const std::string url = nginx().url("/fs/ls");
  auto entries = fs->ls(url);
  std::sort(entries.begin(), entries.end(), [](auto& a, auto& b) { return a.name < b.name; });
  REQUIRE(entries.size() == 3);
  CHECK(entries[0].name == url + "/a.txt");
  CHECK(entries[0].size == 5);
  CHECK(entries[1].name == url + "/sub");
  CHECK(entries[1].is_dir());
  CHECK(entries[2].name == url + "/with%20space.bin");
  CHECK(entries[2].size == 1234);
  CHECK(fs->ls(url + "/").size() == 3);
  CHECK_THROWS_AS(fs->ls(url + "/missing/"), cofs::FileNotFoundError);

  cofs::FileInfo i = fs->info(url + "/a.txt");
  CHECK(i.is_file());
  CHECK(i.size == 5);
  CHECK(i.mtime.has_value());
  CHECK(i.extra.at("etag").size() > 2);
  CHECK(i.extra.at("mimetype") == "text/plain");
  CHECK(i.extra.at("accept_ranges") == "bytes");
  cofs::FileInfo d = fs->info(url + "/sub");
  CHECK(d.is_dir());
  CHECK(d.extra.at("url") == url + "/sub/");  // after nginx's redirect
  CHECK(fs->isdir(url + "/sub"));
  CHECK(fs->isfile(url + "/a.txt"));
  CHECK_FALSE(fs->exists(url + "/nope"));
  CHECK(fs->find(url).size() == 3);
  CHECK(fs->glob(url + "/*.txt") == std::vector<std::string>{url + "/a.txt"});

  // An index page with broken markup is still a listing: what parses is listed.
  cofs::test::write_file(nginx().root() / "fs/broken/index.html",
                         "<html><a href=\"good.txt\">ok</a><a href=\"bad.txt>x</a><a href=");
  cofs::test::write_file(nginx().root() / "fs/broken/good.txt", "g");
  auto broken = fs->ls(nginx().url("/fs/broken/"));
  REQUIRE(broken.size() == 1);
  CHECK(broken[0].name == nginx().url("/fs/broken/good.txt"));
}

TEST_CASE("info falls back to GET; sizes never come from an encoded length", "[http][fs]") {
  auto fs = make_fs();
  cofs::FileInfo i = fs->info(fault_server().url("/nohead/5000"));
  CHECK(i.size == 5000);
  CHECK(i.extra.at("accept_ranges") == "bytes");
  CHECK(fs->cat_file(fault_server().url("/nohead/5000"), 10, 20) ==
        cofs::test::random_bytes(5000, 7).substr(10, 10));

  cofs::FileInfo g = fs->info(fault_server().url("/gzip"));
  CHECK_FALSE(g.size_known);
  const std::string plain = cofs::test::FaultServer::gzip_plain();
  CHECK(fs->cat_file(fault_server().url("/gzip")) == plain);
  cofs::File f = fs->open(fault_server().url("/gzip"));
  CHECK(f.read(10) == plain.substr(0, 10));
  CHECK(f.read() == plain.substr(10));
}

TEST_CASE("a server that ignores Range never yields wrong bytes", "[http][fs]") {
  auto fs = make_fs();
  const std::string url = fault_server().url("/norange/300000");
  const std::string whole = cofs::test::random_bytes(300000, 7);
  CHECK(fs->cat_file(url, 1000, 2000) == whole.substr(1000, 1000));
  CHECK(fs->cat_file(url, -50) == whole.substr(300000 - 50));
  CHECK(fs->cat_file(url, 299990) == whole.substr(299990));
  CHECK(fs->cat_file(url, 100, -100) == whole.substr(100, 300000 - 200));
  auto ranges = fs->cat_ranges({url, url}, {0, 5}, {3, 9});
  CHECK(ranges[0].value() == whole.substr(0, 3));
  CHECK(ranges[1].value() == whole.substr(5, 4));

  // open: no ranges, so a streamed file; it seeks forward by skipping and back by restarting.
  cofs::File f = fs->open(url, "rb");
  CHECK(f.size() == 300000);
  CHECK(f.read(4) == whole.substr(0, 4));
  f.seek(200000);
  CHECK(f.read(8) == whole.substr(200000, 8));
  f.seek(10);
  CHECK(f.read(8) == whole.substr(10, 8));
  f.seek(-5, cofs::Whence::end);
  CHECK(f.read() == whole.substr(300000 - 5));
}

TEST_CASE("open: a random-access file with a block cache", "[http][fs]") {
  cofs::HTTPOptions o = quick();
  o.block_size = 1 << 20;
  auto fs = make_fs(o);
  const std::string url = fault_server().url("/bytes/3000000");
  const std::string whole = cofs::test::random_bytes(3000000, 7);
  cofs::File f = fs->open(url, "rb");
  const int before = fault_server().requests();
  std::string got;
  for (int i = 0; i < 100; ++i) got += f.read(100).str();  // 10 KB inside the first block
  CHECK(got == whole.substr(0, 10000));
  CHECK(fault_server().requests() - before == 1);
  f.seek(2500000);
  CHECK(f.read(1000) == whole.substr(2500000, 1000));
  f.seek(5);
  CHECK(f.read(5) == whole.substr(5, 5));  // the first block is still cached
  CHECK(fault_server().requests() - before == 2);
  f.seek(0);
  CHECK(f.read() == whole);

  auto async_read = [&]() -> cofs::Task<std::string> {
    auto af = co_await fs->async_open(url, "rb");
    co_await af->seek(2999990);
    cofs::Bytes b = co_await af->read(100);
    co_await af->close();
    co_return b.str();
  };
  CHECK(cofs::sync(fs->loop(), async_read()) == whole.substr(2999990));
}

TEST_CASE("get_file streams to disk with progress; put_file by PUT and POST", "[http][fs]") {
  auto fs = make_fs();
  TempDir tmp;
  const std::string data = cofs::test::random_bytes(5 << 20, 11);
  cofs::test::write_file(nginx().root() / "fs/get/big.bin", data);
  cofs::FunctionCallback cb;
  std::uint64_t last = 0;
  int updates = 0;
  cb.on_update = [&](std::uint64_t v, std::optional<std::uint64_t>) {
    last = v;
    ++updates;
  };
  fs->get_file(nginx().url("/fs/get/big.bin"), tmp.at("big.bin"), &cb);
  CHECK(slurp(tmp.at("big.bin")) == data);
  CHECK(cb.size() == data.size());
  CHECK(last == data.size());
  CHECK(updates >= 3);

  // A body cut short leaves no partial file.
  CHECK_THROWS_AS(fs->get_file(fault_server().url("/truncated/300000"), tmp.at("cut")),
                  cofs::http::NetworkError);
  CHECK_FALSE(stdfs::exists(tmp.at("cut")));
  CHECK_THROWS_AS(fs->get_file(nginx().url("/fs/get/none"), tmp.at("none")),
                  cofs::FileNotFoundError);
  CHECK_FALSE(stdfs::exists(tmp.at("none")));

  cofs::FunctionCallback up;
  std::uint64_t sent = 0;
  up.on_update = [&](std::uint64_t v, std::optional<std::uint64_t>) { sent = v; };
  fs->put_file(tmp.at("big.bin"), nginx().url("/fs/put/deep/copy.bin"), &up);
  CHECK(sent == data.size());
  CHECK(slurp((nginx().root() / "fs/put/deep/copy.bin").string()) == data);
  CHECK_THROWS_AS(fs->put_file(tmp.at("absent"), nginx().url("/fs/put/x")),
                  cofs::FileNotFoundError);

  cofs::HTTPOptions post = quick();
  post.upload_method = cofs::http::UploadMethod::post;
  auto pfs = make_fs(post);
  pfs->put_file(tmp.at("big.bin"), fault_server().url("/sink"));
  CHECK(fault_server().last_sink() == std::pair<std::string, std::size_t>{"POST", data.size()});
  pfs->pipe_file(fault_server().url("/sink"), std::string_view("twelve bytes"));
  CHECK(fault_server().last_sink() == std::pair<std::string, std::size_t>{"POST", 12});
}

TEST_CASE("get_file onto an existing file replaces it only when the body is whole",
          "[http][fs][get_file]") {
  auto fs = make_fs();
  TempDir tmp;
  const std::string good = tmp.at("good");
  cofs::test::write_file(good, "good old contents");
  const std::string data = cofs::test::random_bytes(300000, 7);  // what /bytes/300000 serves
  // A body shorter than its Content-Length, a connection reset mid-body, a missing URL.
  for (const char* url : {"/truncated/300000", "/resetmid/300000", "/status/404"}) {
    CAPTURE(url);
    CHECK_THROWS_AS(fs->get_file(fault_server().url(url), good), cofs::Error);
    CHECK(slurp(good) == "good old contents");
  }
  // Through a symbolic link: the link stays, its target is untouched by a failure...
  stdfs::create_directory(tmp.at("real"));
  cofs::test::write_file(tmp.at("real/target"), "target contents");
  stdfs::create_symlink("real/target", tmp.at("link"));
  CHECK_THROWS_AS(fs->get_file(fault_server().url("/truncated/300000"), tmp.at("link")),
                  cofs::Error);
  CHECK(stdfs::is_symlink(tmp.at("link")));
  CHECK(slurp(tmp.at("real/target")) == "target contents");
  CHECK_THROWS_AS(fs->get_file(fault_server().url("/resetmid/300000"), tmp.at("link")),
                  cofs::Error);
  CHECK(stdfs::is_symlink(tmp.at("link")));
  CHECK(slurp(tmp.at("real/target")) == "target contents");
  // ...and replaced whole by a success.
  fs->get_file(fault_server().url("/bytes/300000"), tmp.at("link"));
  CHECK(stdfs::is_symlink(tmp.at("link")));
  CHECK(slurp(tmp.at("real/target")) == data);
  fs->get_file(fault_server().url("/bytes/300000"), good);
  CHECK(slurp(good) == data);
  // A name of NAME_MAX bytes (the temporary name beside it must fit too).
  const std::string longest = tmp.at(std::string(255, 'g'));
  fs->get_file(fault_server().url("/bytes/300000"), longest);
  CHECK(slurp(longest) == data);
  // Nothing temporary is left anywhere.
  std::size_t entries = 0;
  for ([[maybe_unused]] auto& e : stdfs::directory_iterator(tmp.path)) ++entries;
  CHECK(entries == 4);  // good, real, link, longest
  std::size_t in_real = 0;
  for ([[maybe_unused]] auto& e : stdfs::directory_iterator(tmp.path / "real")) ++in_real;
  CHECK(in_real == 1);
}

TEST_CASE("get_file: each local failure is typed and carries its own errno",
          "[http][fs][get_file][errors]") {
  auto fs = make_fs();
  TempDir tmp;
  stdfs::create_directory(tmp.at("dir"));
  cofs::test::write_file(tmp.at("plain"), "x");
  const std::string url = fault_server().url("/bytes/1000");
  auto check_names = [&](auto&& call, const std::string& path) {
    try {
      call();
    } catch (const cofs::Error& e) {
      CHECK(e.code().value() != 0);
      CHECK_THAT(std::string(e.what()), Catch::Contains("get_file") && Catch::Contains(path));
      throw;
    }
  };
  const std::string missing = tmp.at("missing/f");
  CHECK_THROWS_AS(check_names([&] { fs->get_file(url, missing); }, missing),
                  cofs::FileNotFoundError);
  CHECK_THROWS_AS(check_names([&] { fs->get_file(url, tmp.at("dir")); }, tmp.at("dir")),
                  cofs::IsADirectoryError);
  const std::string under_file = tmp.at("plain/f");
  CHECK_THROWS_AS(check_names([&] { fs->get_file(url, under_file); }, under_file),
                  cofs::NotADirectoryError);
  CHECK(stdfs::is_directory(tmp.at("dir")));
  CHECK(slurp(tmp.at("plain")) == "x");
}

TEST_CASE("get_file onto a file of a full disk keeps the old file (tmpfs of 1 MiB)",
          "[http][fs][get_file][tmpfs][enospc]") {
  cofs::test::Tmpfs disk("1m");
  COFS_REQUIRE_TMPFS(disk);
  auto fs = make_fs();
  const std::string good = disk / "good";
  cofs::test::write_file(good, "good old contents");
  try {
    fs->get_file(fault_server().url("/bytes/2097152"), good);
    FAIL("a 2 MiB body fitted on a 1 MiB disk");
  } catch (const cofs::Error& e) {
    CHECK(e.code().value() == ENOSPC);
    CHECK_THAT(std::string(e.what()), Catch::Contains("get_file") && Catch::Contains(good));
  }
  CHECK(slurp(good) == "good old contents");
  std::size_t entries = 0;
  for ([[maybe_unused]] auto& e : stdfs::directory_iterator(disk.path())) ++entries;
  CHECK(entries == 1);
}

TEST_CASE("bad input: each a clear exception naming the URL", "[http][fs]") {
  cofs::HTTPOptions o = quick();
  o.client.retries = 1;
  o.client.total_timeout = 1500ms;
  auto fs = make_fs(o);
  const std::string refused = "http://127.0.0.1:" + std::to_string(cofs::test::free_port()) + "/f";
  for (auto* op : {"cat_file", "info", "exists"}) {
    try {
      if (std::string(op) == "cat_file") fs->cat_file(refused);
      if (std::string(op) == "info") fs->info(refused);
      if (std::string(op) == "exists") fs->exists(refused);  // not "false": we do not know
      FAIL("no exception from " << op);
    } catch (const cofs::http::NetworkError& e) {
      CHECK_THAT(e.what(), Catch::Contains(refused));
      CHECK(e.code() != std::errc::no_such_file_or_directory);
    }
  }
  // An unreachable host: an unroutable address with a short connect timeout.
  cofs::HTTPOptions u = quick();
  u.client.connect_timeout = 300ms;
  u.client.retries = 0;
  auto ufs = make_fs(u);
  auto t0 = std::chrono::steady_clock::now();
  try {
    ufs->cat_file("http://127.0.0.1:1/x");
    FAIL("no exception");
  } catch (const cofs::Error& e) {
    CHECK_FALSE(dynamic_cast<const cofs::FileNotFoundError*>(&e));
    CHECK_THAT(e.what(), Catch::Contains("127.0.0.1:1/x"));
  }
  CHECK(std::chrono::steady_clock::now() - t0 < 3s);

  CHECK_THROWS_AS(fs->cat_file("http//missing-colon/x"), cofs::InvalidArgumentError);
  CHECK_THROWS_AS(fs->cat_file("http://"), cofs::InvalidArgumentError);
  CHECK_THROWS_AS(fs->cat_file("gopher://127.0.0.1/x"), cofs::InvalidArgumentError);

  cofs::HTTPOptions h = quick();
  h.client.headers = {{"X-Evil", "a\r\nX-Injected: 1"}};
  auto hfs = make_fs(h);
  const int before = fault_server().requests();
  CHECK_THROWS_AS(hfs->cat_file(fault_server().url("/echo")), cofs::InvalidArgumentError);
  CHECK(fault_server().requests() == before);

  CHECK_THROWS_AS(fs->cat_file(fault_server().url("/tofile")), cofs::HTTPError);
  CHECK_THROWS_AS(fs->cat_file(fault_server().url("/loop")), cofs::HTTPError);
  try {
    fs->cat_file(fault_server().url("/truncated/200000"));
    FAIL("short data returned as if whole");
  } catch (const cofs::http::NetworkError& e) {
    CHECK_THAT(e.what(), Catch::Contains("/truncated/200000"));
  }
  t0 = std::chrono::steady_clock::now();
  CHECK_THROWS_AS(fs->cat_file(fault_server().url("/hang")), cofs::TimeoutError);
  CHECK_THROWS_AS(fs->info(fault_server().url("/hang")), cofs::TimeoutError);
  CHECK(std::chrono::steady_clock::now() - t0 < 5s);
  CHECK_THROWS_AS(fs->cat_file(fault_server().url("/reset")), cofs::http::NetworkError);
  CHECK_THROWS_AS(fs->cat_file(fault_server().url("/status/500")), cofs::HTTPError);
}

TEST_CASE("retries through the filesystem; many URLs at once", "[http][fs]") {
  auto fs = make_fs();
  CHECK(fs->cat_file(fault_server().url("/flaky/fs503/2/503")).size() == 64);
  CHECK(fs->cat_file(fault_server().url("/ratelimit/fs429")).size() == 64);
  for (int i = 0; i < 300; ++i)
    cofs::test::write_file(nginx().root() / ("fs/many/" + std::to_string(i)), std::to_string(i));
  std::vector<std::string> urls;
  for (int i = 0; i < 300; ++i) urls.push_back(nginx().tls_url("/fs/many/" + std::to_string(i)));
  auto all = fs->cat(urls, {.batch_size = 64});
  REQUIRE(all.size() == 300);
  for (int i = 0; i < 300; ++i) CHECK(all.at(urls[i]).value() == std::to_string(i));
}

TEST_CASE("registry: http and https by name, options as strings", "[http][fs]") {
  auto fs = cofs::filesystem("https", {{"ca_file", nginx().ca_file()}, {"retries", "1"}});
  CHECK(fs->protocol() == "http");
  cofs::test::write_file(nginx().root() / "fs/reg.txt", "by name");
  CHECK(fs->cat_file(nginx().tls_url("/fs/reg.txt")) == "by name");
  auto [f2, path] = cofs::url_to_fs(nginx().url("/fs/reg.txt"));
  CHECK(path == nginx().url("/fs/reg.txt"));
  CHECK(f2->cat_file(path) == "by name");
  cofs::File file = cofs::open(nginx().url("/fs/reg.txt"), "rb");
  CHECK(file.read() == "by name");
  CHECK_THROWS_AS(cofs::filesystem("http", {{"no_such_option", "1"}}), cofs::InvalidArgumentError);
  CHECK_THROWS_AS(cofs::filesystem("http", {{"http_version", "9"}}), cofs::InvalidArgumentError);
}

TEST_CASE("'?' starts a query, not a pattern: glob, expand_path, cat and get take the URL",
          "[http][fs][glob]") {
  auto fs = make_fs();
  const stdfs::path root = nginx().root() / "fs/query";
  cofs::test::write_file(root / "data", "payload");
  cofs::test::write_file(root / "data_x=1", "a name '?' would match as a pattern");
  const std::string url = nginx().url("/fs/query/data?x=1");  // nginx serves data
  CHECK(fs->glob(url) == std::vector<std::string>{url});
  CHECK(fs->expand_path({url}) == std::vector<std::string>{url});
  cofs::CatResult got = fs->cat(url);
  REQUIRE(got.size() == 1);
  CHECK(got.begin()->first == url);
  CHECK(got.begin()->second.value().str() == "payload");
  TempDir local;
  fs->get(url, local.at("got"));
  CHECK(slurp(local.at("got")) == "payload");
  // A URL with a query that is not there is a missing file, not a pattern matching nothing.
  CHECK_THROWS_AS(fs->cat(nginx().url("/fs/query/none?x=1")), cofs::FileNotFoundError);
  CHECK_THROWS_WITH(fs->cat(nginx().url("/fs/query/none?x=1")),
                    !Catch::Contains("nothing matches"));
  // '*' and '[' still make a pattern.
  CHECK(fs->glob(nginx().url("/fs/query/data*")).size() == 2);
}

// get of a list of URLs: each lands under its own name whatever it is, so none is asked for
// its kind first (that was a HEAD per URL, a second round of requests before any transfer).
TEST_CASE("get of a list of URLs sends one request per URL", "[http][fs][transfer]") {
  auto fs = make_fs();
  TempDir tmp;
  std::vector<std::string> urls;
  for (int i = 0; i < 8; ++i)
    urls.push_back(fault_server().url("/bytes/" + std::to_string(100 + i)));
  const int before = fault_server().requests();
  CHECK(fs->get(urls, tmp.path.string() + "/").empty());
  CHECK(fault_server().requests() - before == 8);
  CHECK(stdfs::file_size(tmp.at("107")) == 107);
}

TEST_CASE("get of a list holding a directory URL makes that directory", "[http][fs][transfer]") {
  auto fs = make_fs();
  TempDir tmp;
  cofs::test::write_file(nginx().root() / "fs/getlist/dir/inner.txt", "inner");
  cofs::test::write_file(nginx().root() / "fs/getlist/file.txt", "file");
  // The directory's transfer fails (it is a listing page); only then is it asked what it is.
  CHECK(fs->get({nginx().url("/fs/getlist/dir"), nginx().url("/fs/getlist/file.txt")},
                tmp.at("out") + "/")
            .empty());
  CHECK(stdfs::is_directory(tmp.at("out/dir")));
  CHECK(!stdfs::exists(tmp.at("out/dir/inner.txt")));  // not recursive: the directory alone
  CHECK(slurp(tmp.at("out/file.txt")) == "file");
  // A missing URL in a list fails as a file, naming it.
  CHECK_THROWS_AS(fs->get({nginx().url("/fs/getlist/missing")}, tmp.at("out") + "/"),
                  cofs::FileNotFoundError);
}
