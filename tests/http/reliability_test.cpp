// The HTTP backend's failure paths: streamed gzip with bounded memory, link parsing in linear time
// off the loop, error causes that are each transfer's own, no head-of-line blocking on plain
// HTTP, a maximum body size, and bounded Retry-After waits and retries.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <vector>

#include "cofs/cofs.hpp"
#include "cofs/http/client.hpp"
#include "cofs/http/errors.hpp"
#include "cofs/http/http_fs.hpp"
#include "cofs/http/links.hpp"
#include "cofs/runtime/gather.hpp"
#include "cofs/runtime/sync.hpp"
#include "support/fault_server.hpp"
#include "support/nginx.hpp"

using namespace std::chrono_literals;
using cofs::http::Client;
using cofs::http::ClientOptions;
using cofs::http::Request;
using cofs::test::fault_server;
namespace stdfs = std::filesystem;

namespace {

constexpr std::size_t kMiB = std::size_t{1} << 20;

cofs::HTTPOptions quick() {
  cofs::HTTPOptions o;
  o.client.retry_backoff = 10ms;
  o.client.connect_timeout = 2000ms;
  o.client.total_timeout = 30'000ms;
  return o;
}

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no exception";
}

}  // namespace

// ---- 4: streamed gzip ---------------------------------------------------------------------------

TEST_CASE("streamed gzip decoding to 128 MiB: get_file and open().read(), bounded buffer",
          "[http][gzip]") {
  auto fs = std::make_shared<cofs::HTTPFileSystem>(nullptr, quick());
  const std::string url = fault_server().url("/gzipzeros/128");
  char tmpl[] = "/tmp/cofs-http-gz-XXXXXX";
  const stdfs::path dir = mkdtemp(tmpl);
  const std::string local = (dir / "zeros").string();

  fs->get_file(url, local);
  CHECK(stdfs::file_size(local) == 128 * kMiB);
  {
    std::ifstream in(local, std::ios::binary);
    std::vector<char> buf(kMiB);
    bool zeros = true;
    while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0) {
      zeros &= std::all_of(buf.begin(), buf.begin() + in.gcount(), [](char c) { return c == 0; });
    }
    CHECK(zeros);
  }
  stdfs::remove_all(dir);

  cofs::File f = fs->open(url, "rb");
  std::uint64_t total = 0;
  bool zeros = true;
  for (;;) {
    cofs::Bytes b = f.read(static_cast<std::int64_t>(3 * kMiB));
    if (b.empty()) break;
    total += b.size();
    zeros &=
        std::all_of(b.data(), b.data() + b.size(), [](std::byte c) { return c == std::byte{0}; });
  }
  f.close();
  CHECK(total == 128 * kMiB);
  CHECK(zeros);

  // cat_file decodes in curl (no pauses there) and still works.
  CHECK(fs->cat_file(fault_server().url("/gzipzeros/8")).size() == 8 * kMiB);
  // No streamed transfer ever held more than its bounded buffer (a few MiB), decoded or not.
  CHECK(cofs::http::stream_buffer_high_water() <= 16 * kMiB);
}

TEST_CASE("streamed gzip: a slow consumer keeps the decoded backlog bounded", "[http][gzip]") {
  Client c(cofs::get_loop(), quick().client);
  auto run = [&]() -> cofs::Task<std::pair<std::uint64_t, std::size_t>> {
    Request r;
    r.url = fault_server().url("/gzipzeros/32");
    cofs::http::BodyStream s = co_await c.stream(std::move(r));
    std::uint64_t got = 0;
    std::size_t biggest = 0;
    for (int i = 0;; ++i) {
      auto chunk = co_await s.next(256 << 10);
      if (chunk.empty()) break;
      biggest = std::max(biggest, chunk.size());
      got += chunk.size();
      if (i % 16 == 0) co_await cofs::get_loop().sleep_for(1ms);  // curl pauses meanwhile
    }
    co_return std::pair{got, biggest};
  };
  auto [got, biggest] = cofs::sync(cofs::get_loop(), run());
  CHECK(got == 32 * kMiB);
  CHECK(biggest <= 2 * kMiB);
  CHECK(cofs::http::stream_buffer_high_water() <= 16 * kMiB);
}

TEST_CASE("streamed gzip: a corrupt or cut-short body fails, never short data as whole",
          "[http][gzip]") {
  Client c(cofs::get_loop(), quick().client);
  auto run = [&](std::string url) -> cofs::Task<std::uint64_t> {
    Request r;
    r.url = std::move(url);
    cofs::http::BodyStream s = co_await c.stream(std::move(r));
    std::uint64_t got = 0;
    for (;;) {
      auto chunk = co_await s.next();
      if (chunk.empty()) break;
      got += chunk.size();
    }
    co_return got;
  };
  const std::size_t plain = cofs::test::FaultServer::gzip_plain().size();
  CHECK(cofs::sync(cofs::get_loop(), run(fault_server().url("/gzip"))) == plain);
  CHECK(cofs::sync(cofs::get_loop(), run(fault_server().url("/deflate/zlib"))) == plain);
  CHECK(cofs::sync(cofs::get_loop(), run(fault_server().url("/deflate/raw"))) == plain);
  // A coding not asked for and not decodable here: a clear error, never encoded bytes as the file.
  try {
    cofs::sync(cofs::get_loop(), run(fault_server().url("/brotli")));
    FAIL("no exception");
  } catch (const cofs::http::NetworkError& e) {
    CHECK(e.code() == std::errc::protocol_error);
    CHECK_THAT(e.what(), Catch::Contains("'br'"));
  }
  // A streamed request's own limit counts decoded bytes too.
  auto limited = [&]() -> cofs::Task<void> {
    Request r;
    r.url = fault_server().url("/gzipzeros/16");
    r.max_body_size = 3 * kMiB;
    cofs::http::BodyStream s = co_await c.stream(std::move(r));
    while (!(co_await s.next(kMiB)).empty()) {
    }
  };
  try {
    cofs::sync(cofs::get_loop(), limited());
    FAIL("no exception");
  } catch (const cofs::Error& e) {
    CHECK(e.code() == std::errc::file_too_large);
  }
  CHECK_THROWS_AS(cofs::sync(cofs::get_loop(), run(fault_server().url("/badgzip"))),
                  cofs::http::NetworkError);
  CHECK_THROWS_AS(cofs::sync(cofs::get_loop(), run(fault_server().url("/cutgzip"))),
                  cofs::http::NetworkError);
}

TEST_CASE("streamed gzip from nginx over HTTP/2 and HTTP/1.1: paused, decoded, bounded",
          "[http][gzip]") {
  const std::size_t size = 48 * kMiB;
  cofs::test::write_file(cofs::test::nginx().root() / "gzipped/zeros.bin", std::string(size, '\0'));
  ClientOptions o = quick().client;
  o.ca_file = cofs::test::nginx().ca_file();
  Client c(cofs::get_loop(), o);
  auto run = [&](std::string url) -> cofs::Task<std::pair<std::uint64_t, bool>> {
    Request r;
    r.url = std::move(url);
    cofs::http::BodyStream s = co_await c.stream(std::move(r));
    const std::string* enc = s.response().header("Content-Encoding");
    REQUIRE(enc != nullptr);
    CHECK(*enc == "gzip");
    std::uint64_t got = 0;
    bool zeros = true;
    for (int i = 0;; ++i) {
      auto chunk = co_await s.next(512 << 10);
      if (chunk.empty()) break;
      got += chunk.size();
      zeros &=
          std::all_of(chunk.begin(), chunk.end(), [](std::byte b) { return b == std::byte{0}; });
      if (i % 8 == 0) co_await cofs::get_loop().sleep_for(1ms);  // behind: curl pauses
    }
    co_return std::pair{got, zeros};
  };
  for (const std::string& url : {cofs::test::nginx().tls_url("/gzipped/zeros.bin"),
                                 cofs::test::nginx().url("/gzipped/zeros.bin")}) {
    auto [got, zeros] = cofs::sync(cofs::get_loop(), run(url));
    CHECK(got == size);
    CHECK(zeros);
  }
  CHECK(cofs::http::stream_buffer_high_water() <= 16 * kMiB);
}

// ---- 5: links -----------------------------------------------------------------------------------

TEST_CASE("links: pathological pages parse in linear time", "[http][links]") {
  const std::string base = "http://h.test/dir/";
  auto timed = [&](const std::string& page) {
    auto t0 = std::chrono::steady_clock::now();
    auto links = cofs::http::parse_links(page, base, true);
    return std::pair{since(t0), links.size()};
  };
  std::string open_tags;
  for (int i = 0; i < 40'000; ++i) open_tags += "<a x";
  std::vector<std::string> pages = {
      open_tags,        // no '>' at all (160 KiB)
      open_tags + ">",  // one '>' at the very end
      [] {              // unterminated quotes
        std::string s;
        for (int i = 0; i < 40'000; ++i) s += "<a href=\"x";
        return s + ">";
      }(),
      [] {  // "href" without '=' over and over
        std::string s = "<a ";
        for (int i = 0; i < 40'000; ++i) s += " href href";
        return s + ">";
      }(),
      "<a href=\"" + std::string(200'000, '&') + "\">",  // entities that never end
      std::string(200'000, '<') + "<a href=x>",
      [] {  // bare URLs run together: one URL, not 40,000 rescans
        std::string s;
        for (int i = 0; i < 40'000; ++i) s += "http://";
        return s;
      }(),
  };
  for (const std::string& page : pages) {
    auto [secs, n] = timed(page);
    CHECK(secs < 2.0);  // the quadratic parser took ~24 s on the first
    CHECK(n <= 1);
  }
  std::string many;
  for (int i = 0; i < 100'000; ++i) many += "<a href=\"f" + std::to_string(i) + "\">x</a>\n";
  auto [secs, n] = timed(many);
  CHECK(n == 100'000);
  CHECK(secs < 5.0);
}

TEST_CASE("links: entities, quotes and attributes around href", "[http][links]") {
  const std::string base = "http://h.test/dir/";
  auto one = [&](std::string_view page) {
    auto l = cofs::http::parse_links(page, base, false);
    return l.empty() ? std::string("-") : l.front();
  };
  CHECK(one("<a title='x' href=\"a&amp;b\">") == "http://h.test/dir/a&b");
  CHECK(one("<a\thref = 'q'>") == "http://h.test/dir/q");
  CHECK(one("<a xhref=\"no\">") == "-");
  CHECK(one("<a href=\"unterminated>") == "-");
  CHECK(one("<a data-x=1 HREF=plain>") == "http://h.test/dir/plain");
  CHECK(one("<a href=\"&#39;&zz;\">") == "http://h.test/dir/'&zz;");
}

TEST_CASE("ls of a large listing parses off the loop: a timer keeps firing", "[http][links]") {
  cofs::HTTPOptions o = quick();
  o.ls_sizes = false;
  auto fs = std::make_shared<cofs::HTTPFileSystem>(nullptr, o);
  cofs::IoLoop& loop = fs->loop();
  const std::string url = fault_server().url("/listing/100000/");
  bool listing = true;
  double worst_gap = 0;
  int ticks = 0;
  auto ticker = [&]() -> cofs::Task<std::size_t> {
    auto last = std::chrono::steady_clock::now();
    while (listing) {
      co_await loop.sleep_for(5ms);
      auto now = std::chrono::steady_clock::now();
      worst_gap = std::max(worst_gap, std::chrono::duration<double>(now - last).count());
      last = now;
      ++ticks;
    }
    co_return 0;
  };
  auto lister = [&]() -> cofs::Task<std::size_t> {
    auto entries = co_await fs->async_ls(url);
    listing = false;
    co_return entries.size();
  };
  auto both = [&]() -> cofs::Task<std::size_t> {
    std::vector<cofs::Task<std::size_t>> tasks;
    tasks.push_back(lister());
    tasks.push_back(ticker());
    auto results = co_await cofs::gather(std::move(tasks));
    co_return results[0].value();
  };
  auto t0 = std::chrono::steady_clock::now();
  std::size_t n = cofs::sync(loop, both());
  const double took = since(t0);
  INFO("ls took " << took << " s, " << ticks << " ticks, worst gap " << worst_gap << " s");
  CHECK(n == 100'000);
  // Parsing 100,000 links on the loop's thread stalled it for most of the call (3.7 s of ~4.5);
  // off it, the timer keeps running. Relative to the call, so that a sanitizer's or a loaded
  // machine's slowness does not count.
  CHECK(worst_gap < took / 4);
}

// ---- 6: each error its own cause ---------------------------------------------------------------

TEST_CASE("errors name their own cause after a refused connection on a recycled handle",
          "[http][errno]") {
  ClientOptions o = quick().client;
  o.retries = 0;
  Client c(cofs::get_loop(), o);
  auto get = [&](std::string url) {
    Request r;
    r.url = std::move(url);
    r.operation = "get";
    cofs::sync(c.loop(), c.fetch(std::move(r)));
  };
  const std::string refused = "http://127.0.0.1:" + std::to_string(cofs::test::free_port()) + "/x";
  auto refuse = [&] {
    try {
      get(refused);
      FAIL("no exception");
    } catch (const cofs::http::NetworkError& e) {
      CHECK(e.code() == std::errc::connection_refused);
    }
  };
  refuse();
  try {
    get(fault_server().url("/truncated/100000"));
    FAIL("no exception");
  } catch (const cofs::http::NetworkError& e) {
    CHECK(e.code() != std::errc::connection_refused);
    CHECK(e.code() == std::errc::connection_aborted);
    CHECK_THAT(e.what(), !Catch::Contains("refused"));
  }
  refuse();
  // TLS spoken to a plain HTTP server: the handshake fails.
  try {
    get("https://127.0.0.1:" + std::to_string(fault_server().port()) + "/bytes/10");
    FAIL("no exception");
  } catch (const cofs::http::NetworkError& e) {
    CHECK(e.code() != std::errc::connection_refused);
    CHECK(e.code() == std::errc::protocol_error);
    CHECK_THAT(e.what(), !Catch::Contains("refused"));
  }
  refuse();
  try {
    get(fault_server().url("/reset"));
    FAIL("no exception");
  } catch (const cofs::http::NetworkError& e) {
    CHECK(e.code() != std::errc::connection_refused);
  }
}

// ---- 7: no head-of-line blocking on plain HTTP --------------------------------------------------

TEST_CASE("plain HTTP: a slow first response does not hold up the others", "[http][hol]") {
  for (auto version : {cofs::http::HttpVersion::http2_tls, cofs::http::HttpVersion::automatic}) {
    ClientOptions o = quick().client;
    o.http_version = version;
    Client c(cofs::get_loop(), o);
    auto t0 = std::chrono::steady_clock::now();
    std::vector<double> done(5, 0);
    auto one = [&](std::string url, std::size_t i) -> cofs::Task<void> {
      Request r;
      r.url = std::move(url);
      co_await c.fetch(std::move(r));
      done[i] = since(t0);
    };
    std::vector<cofs::Task<void>> tasks;
    tasks.push_back(one(fault_server().url("/delay/2000/64"), 0));
    for (std::size_t i = 1; i < 5; ++i) tasks.push_back(one(fault_server().url("/bytes/64"), i));
    cofs::sync(cofs::get_loop(), cofs::gather(std::move(tasks)));
    INFO("slow " << done[0] << " s; fast " << done[1] << ", " << done[2] << ", " << done[3] << ", "
                 << done[4]);
    CHECK(done[0] >= 1.9);
    for (std::size_t i = 1; i < 5; ++i) {
      CHECK(done[i] > 0);    // finished, and without an error
      CHECK(done[i] < 1.0);  // blocked, they took the slow one's 2 s
    }
  }
}

// ---- 14: maximum body size ----------------------------------------------------------------------

TEST_CASE("max_body_size: endless and bomb bodies fail cleanly, lying lengths are errors",
          "[http][limits]") {
  cofs::HTTPOptions o = quick();
  o.client.max_body_size = kMiB;
  auto fs = std::make_shared<cofs::HTTPFileSystem>(nullptr, o);
  try {
    fs->cat_file(fault_server().url("/endless"));
    FAIL("no exception");
  } catch (const cofs::Error& e) {
    CHECK(e.code() == std::errc::file_too_large);
    CHECK_THAT(e.what(), Catch::Contains("max_body_size") && Catch::Contains("/endless"));
  }
  // 64 MiB of zeros in ~64 KiB of gzip: the limit counts decoded bytes.
  try {
    fs->cat_file(fault_server().url("/gzipzeros/64"));
    FAIL("no exception");
  } catch (const cofs::Error& e) {
    CHECK(e.code() == std::errc::file_too_large);
  }
  // A whole stream read through a file object is held in memory too.
  CHECK_THAT(error_of([&] { fs->open(fault_server().url("/gzipzeros/64"), "rb").read(); }),
             Catch::Contains("max_body_size"));
  // A Content-Length above the limit fails at once.
  CHECK_THAT(error_of([&] { fs->cat_file(fault_server().url("/lying/1099511627776/5")); }),
             Catch::Contains("max_body_size"));
  CHECK(fs->cat_file(fault_server().url("/bytes/1000")).size() == 1000);
  CHECK(fs->cat_file(fault_server().url("/gzipzeros/1")).size() == kMiB);  // exactly the limit
  CHECK(fs->cat(std::vector<std::string>{fault_server().url("/bytes/10")}).size() == 1);

  // Unlimited (the default): a 1 TiB Content-Length with a 5-byte body is a short body, never
  // bad_alloc.
  auto unlimited = std::make_shared<cofs::HTTPFileSystem>(nullptr, quick());
  try {
    unlimited->cat_file(fault_server().url("/lying/1099511627776/5"));
    FAIL("no exception");
  } catch (const cofs::http::NetworkError& e) {
    CHECK(e.code() == std::errc::connection_aborted);
  }
  // A larger lie (1 EiB) seen through a file object's whole read: no allocation of what the header
  // claims, the short body an error.
  try {
    unlimited->open(fault_server().url("/lying/1152921504606846976/5"), "rb").read();
    FAIL("no exception");
  } catch (const cofs::Error& e) {
    CHECK(e.code() == std::errc::connection_aborted);
  }
  auto named = cofs::filesystem("http", {{"max_body_size", "1048576"}});
  CHECK_THAT(error_of([&] { named->cat_file(fault_server().url("/endless")); }),
             Catch::Contains("max_body_size"));
}

// ---- 15: Retry-After cap and retry deadline -----------------------------------------------------

TEST_CASE("Retry-After is capped; a deadline bounds the retries", "[http][retry]") {
  ClientOptions o = quick().client;
  o.retries = 2;
  o.retry_after_max = 100ms;
  Client c(cofs::get_loop(), o);
  auto get = [](Client& client, std::string url) {
    Request r;
    r.url = std::move(url);
    cofs::sync(client.loop(), client.fetch(std::move(r)));
  };
  auto t0 = std::chrono::steady_clock::now();
  try {
    get(c, fault_server().url("/retryafter/huge/100000"));
    FAIL("no exception");
  } catch (const cofs::HTTPError& e) {
    CHECK(e.status() == 429);
  }
  CHECK(since(t0) < 5.0);  // not 2 x 100,000 s, nor 2 x 60 s
  CHECK(fault_server().hits("huge") == 3);

  ClientOptions d = quick().client;
  d.retries = 1000;
  d.retry_after_max = 200ms;
  d.retry_deadline = 1000ms;
  Client bounded(cofs::get_loop(), d);
  t0 = std::chrono::steady_clock::now();
  CHECK_THROWS_AS(get(bounded, fault_server().url("/retryafter/dl/100000")), cofs::HTTPError);
  const double took = since(t0);
  CHECK(took < 3.0);
  CHECK(fault_server().hits("dl") >= 2);
  CHECK(fault_server().hits("dl") <= 7);  // ~1 s of 200 ms waits, not 1000 retries

  // Both as string options.
  auto fs = cofs::filesystem("http", {{"retry_after_max", "50ms"},
                                      {"retry_deadline", "300ms"},
                                      {"retries", "100"},
                                      {"retry_backoff_max", "20ms"}});
  auto& http = dynamic_cast<cofs::HTTPFileSystem&>(*fs);
  CHECK(http.options().client.retry_after_max == 50ms);
  CHECK(http.options().client.retry_deadline == 300ms);
  CHECK(http.options().client.retry_backoff_max == 20ms);
  t0 = std::chrono::steady_clock::now();
  CHECK_THROWS_AS(fs->cat_file(fault_server().url("/retryafter/str/100000")), cofs::HTTPError);
  CHECK(since(t0) < 3.0);
  CHECK(fault_server().hits("str") <= 10);
}
