// Typed settings of HTTPFileSystem: the upload method (an enum in code, a name in string options,
// each seen on the wire), and FileInfo::size_known on what nginx and the fault server answer.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "cofs/cofs.hpp"
#include "cofs/http/http_fs.hpp"
#include "support/fault_server.hpp"
#include "support/nginx.hpp"

using cofs::test::fault_server;
using cofs::test::nginx;

namespace {

std::shared_ptr<cofs::FileSystem> by_name(const std::string& method) {
  return cofs::filesystem("http", {{"method", method}, {"retries", "0"}});
}

}  // namespace

TEST_CASE("upload method: every value from code and from the string options, seen on the wire",
          "[http][settings]") {
  using cofs::http::UploadMethod;
  CHECK(cofs::HTTPOptions{}.upload_method == UploadMethod::put);
  struct Case {
    const char* name;
    UploadMethod method;
    const char* verb;
  };
  for (Case c :
       {Case{"put", UploadMethod::put, "PUT"}, Case{"PUT", UploadMethod::put, "PUT"},
        Case{"post", UploadMethod::post, "POST"}, Case{"POST", UploadMethod::post, "POST"}}) {
    DYNAMIC_SECTION(c.name) {
      auto named = by_name(c.name);
      CHECK(static_cast<cofs::HTTPFileSystem&>(*named).options().upload_method == c.method);
      named->pipe_file(fault_server().url("/sink"), std::string_view("by name"));
      CHECK(fault_server().last_sink() == std::pair<std::string, std::size_t>{c.verb, 7});
      cofs::HTTPOptions o;
      o.upload_method = c.method;
      auto typed = std::make_shared<cofs::HTTPFileSystem>(nullptr, o);
      typed->pipe_file(fault_server().url("/sink"), std::string_view("typed"));
      CHECK(fault_server().last_sink() == std::pair<std::string, std::size_t>{c.verb, 5});
    }
  }
}

TEST_CASE("upload method: a bad name names the option and the value", "[http][settings]") {
  try {
    by_name("patch");
    FAIL("no error for method=patch");
  } catch (const cofs::InvalidArgumentError& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains("method") && Catch::Contains("'patch'"));
  }
  CHECK_THROWS_AS(by_name(""), cofs::InvalidArgumentError);
}

TEST_CASE("FileInfo::size_known: known from nginx's answers, unknown where nothing says it",
          "[http][settings]") {
  const std::filesystem::path root = nginx().root() / "fs/size_known";
  cofs::test::write_file(root / "a.bin", std::string(300, 'a'));
  cofs::test::write_file(root / "empty.txt", "");
  cofs::test::write_file(root / "sub/x.txt", "x");
  const std::string url = nginx().url("/fs/size_known");
  cofs::HTTPOptions sized;
  auto fs = std::make_shared<cofs::HTTPFileSystem>(nullptr, sized);

  // info: HEAD gives a Content-Length, an empty file's 0 included.
  cofs::FileInfo a = fs->info(url + "/a.bin");
  CHECK(a.size_known);
  CHECK(a.size == 300);
  cofs::FileInfo empty = fs->info(url + "/empty.txt");
  CHECK(empty.size_known);
  CHECK(empty.size == 0);
  CHECK(a.extra.count("size_known") == 0);  // a field, no longer a string in extra

  // ls with sizes: a HEAD per file; directories have no size to learn.
  for (const cofs::FileInfo& e : fs->ls(url)) CHECK(e.size_known);

  // ls without sizes: files are listed unsized (size 0, unknown), directories still known.
  cofs::HTTPOptions unsized;
  unsized.ls_sizes = false;
  auto quick = std::make_shared<cofs::HTTPFileSystem>(nullptr, unsized);
  auto entries = quick->ls(url);
  REQUIRE(entries.size() == 3);
  for (const cofs::FileInfo& e : entries) {
    CAPTURE(e.name);
    CHECK(e.size_known == e.is_dir());
    if (!e.size_known) CHECK(e.size == 0);
  }
  // The same through the string option.
  auto named = cofs::filesystem("http", {{"ls_sizes", "false"}});
  for (const cofs::FileInfo& e : named->ls(url)) CHECK(e.size_known == e.is_dir());

  // A gzip body without Content-Length, from a server that will not serve a range of it: the
  // size cannot be known, and reads still work.
  cofs::FileInfo g = fs->info(fault_server().url("/gzip"));
  CHECK_FALSE(g.size_known);
  CHECK(g.size == 0);
  CHECK(fs->cat_file(fault_server().url("/gzip")) == cofs::test::FaultServer::gzip_plain());
}
