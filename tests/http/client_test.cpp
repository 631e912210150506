// The HTTP client on the loop's curl multi handle, against nginx and the fault server.
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "cofs/http/client.hpp"
#include "cofs/http/errors.hpp"
#include "cofs/runtime/gather.hpp"
#include "cofs/runtime/sync.hpp"
#include "http/curl_multi.hpp"
#include "support/fault_server.hpp"
#include "support/nginx.hpp"

using namespace std::chrono_literals;
using cofs::Bytes;
using cofs::http::Client;
using cofs::http::ClientOptions;
using cofs::http::Request;
using cofs::http::Response;
using cofs::test::fault_server;
using cofs::test::nginx;

namespace {

ClientOptions quick() {
  ClientOptions o;
  o.retry_backoff = 10ms;
  o.connect_timeout = 2000ms;
  o.total_timeout = 10'000ms;
  return o;
}

Response get(Client& c, std::string url, std::optional<cofs::http::ByteRange> range = {}) {
  Request r;
  r.url = std::move(url);
  r.operation = "get";
  r.range = range;
  return cofs::sync(c.loop(), c.fetch(std::move(r)));
}

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

TEST_CASE("client: GET a file from nginx, whole and by ranges", "[http][client]") {
  const std::string data = cofs::test::random_bytes(300'000, 3);
  cofs::test::write_file(nginx().root() / "client/a.bin", data);
  Client c(cofs::get_loop(), quick());
  Response r = get(c, nginx().url("/client/a.bin"));
  CHECK(r.status == 200);
  CHECK(r.body.size() == data.size());
  CHECK(r.body == data);
  CHECK(r.body.capacity() == data.size());  // pre-sized from Content-Length: held once
  REQUIRE(r.header("content-length") != nullptr);

  Response part = get(c, nginx().url("/client/a.bin"), cofs::http::ByteRange{1000, 5000});
  CHECK(part.status == 206);
  CHECK(part.body == std::string_view(data).substr(1000, 4000));
  CHECK(part.content_range_total == data.size());
  CHECK_FALSE(part.range_ignored);

  Response tail = get(c, nginx().url("/client/a.bin"), cofs::http::ByteRange{-100, {}});
  CHECK(tail.body == std::string_view(data).substr(data.size() - 100));
  Response open_ended = get(c, nginx().url("/client/a.bin"), cofs::http::ByteRange{299'990, {}});
  CHECK(open_ended.body == std::string_view(data).substr(299'990));
}

TEST_CASE("client: https with the test CA, HTTP/2, and verification on by default",
          "[http][client]") {
  cofs::test::write_file(nginx().root() / "client/tls.txt", "over tls");
  ClientOptions o = quick();
  o.ca_file = nginx().ca_file();
  Client c(cofs::get_loop(), o);
  Response r = get(c, nginx().tls_url("/client/tls.txt"));
  CHECK(r.body == "over tls");
  CHECK(r.http_version == 20);

  Client strict(cofs::get_loop(), quick());  // the system CAs do not know the test certificate
  CHECK_THROWS_AS(get(strict, nginx().tls_url("/client/tls.txt")), cofs::http::NetworkError);
}

TEST_CASE("client: many concurrent requests share the loop's multi handle", "[http][client]") {
  for (int i = 0; i < 50; ++i)
    cofs::test::write_file(nginx().root() / ("client/many/" + std::to_string(i)),
                           "file " + std::to_string(i));
  for (bool tls : {false, true}) {
    ClientOptions o = quick();
    o.ca_file = nginx().ca_file();
    o.max_host_connections = 4;
    Client c(cofs::get_loop(), o);
    std::vector<cofs::Task<Response>> tasks;
    for (int i = 0; i < 200; ++i) {
      Request r;
      std::string path = "/client/many/" + std::to_string(i % 50);
      r.url = tls ? nginx().tls_url(path) : nginx().url(path);
      tasks.push_back(c.fetch(std::move(r)));
    }
    auto results = cofs::sync(cofs::get_loop(), cofs::gather(std::move(tasks)));
    for (int i = 0; i < 200; ++i) CHECK(results[i]->body == "file " + std::to_string(i % 50));
  }
}

TEST_CASE("client: status errors map to the named exceptions", "[http][client]") {
  Client c(cofs::get_loop(), quick());
  CHECK_THROWS_AS(get(c, nginx().url("/client/missing")), cofs::FileNotFoundError);
  CHECK_THROWS_AS(get(c, nginx().url("/gone")), cofs::FileNotFoundError);
  CHECK_THROWS_AS(get(c, nginx().url("/forbidden/x")), cofs::PermissionError);
  CHECK_THROWS_AS(get(c, nginx().url("/private/")), cofs::PermissionError);
  try {
    get(c, nginx().url("/teapot"));
    FAIL("no exception");
  } catch (const cofs::HTTPError& e) {
    CHECK(e.status() == 418);
    CHECK_THAT(e.what(), Catch::Contains(nginx().url("/teapot")));
  }
  ClientOptions authed = quick();
  authed.basic_auth = {{cofs::test::Nginx::user, cofs::test::Nginx::password}};
  Client a(cofs::get_loop(), authed);
  cofs::test::write_file(nginx().root() / "private/secret.txt", "secret");
  CHECK(get(a, nginx().url("/private/secret.txt")).body == "secret");

  Request raw;
  raw.url = nginx().url("/client/missing");
  raw.raise_for_status = false;
  CHECK(cofs::sync(c.loop(), c.fetch(raw)).status == 404);
}

TEST_CASE("client: uploads by PUT from memory and from a source, DELETE, MKCOL", "[http][client]") {
  Client c(cofs::get_loop(), quick());
  const std::string small = "hello put";
  Request put;
  put.method = "PUT";
  put.url = nginx().url("/client/up/a.txt");
  put.body = std::as_bytes(std::span(small.data(), small.size()));
  CHECK(cofs::sync(c.loop(), c.fetch(put)).status / 100 == 2);
  CHECK(get(c, nginx().url("/client/up/a.txt")).body == small);

  const std::string big = cofs::test::random_bytes(3'500'000, 9);
  Request src;
  src.method = "PUT";
  src.url = nginx().url("/client/up/big.bin");
  src.source_size = big.size();
  int calls = 0;
  src.source = [&](std::uint64_t off, std::span<std::byte> buf) -> cofs::Task<std::size_t> {
    ++calls;
    std::size_t n = std::min<std::size_t>(buf.size(), big.size() - off);
    std::memcpy(buf.data(), big.data() + off, n);
    co_return n;
  };
  CHECK(cofs::sync(c.loop(), c.fetch(src)).status / 100 == 2);
  CHECK(calls >= 4);
  CHECK(get(c, nginx().url("/client/up/big.bin")).body == big);

  src.source_size.reset();  // chunked
  src.url = nginx().url("/client/up/chunked.bin");
  CHECK(cofs::sync(c.loop(), c.fetch(src)).status / 100 == 2);
  CHECK(get(c, nginx().url("/client/up/chunked.bin")).body == big);

  Request del;
  del.method = "DELETE";
  del.url = nginx().url("/client/up/a.txt");
  cofs::sync(c.loop(), c.fetch(del));
  CHECK_THROWS_AS(get(c, nginx().url("/client/up/a.txt")), cofs::FileNotFoundError);

  Request mk;
  mk.method = "MKCOL";
  mk.url = nginx().url("/client/up/newdir/");
  cofs::sync(c.loop(), c.fetch(mk));
  CHECK(std::filesystem::is_directory(nginx().root() / "client/up/newdir"));
}

TEST_CASE("client: a streamed body arrives in bounded chunks", "[http][client]") {
  const std::string data = cofs::test::random_bytes(8 << 20, 4);
  cofs::test::write_file(nginx().root() / "client/stream.bin", data);
  Client c(cofs::get_loop(), quick());
  auto run = [&]() -> cofs::Task<std::pair<std::string, std::size_t>> {
    Request r;
    r.url = nginx().url("/client/stream.bin");
    cofs::http::BodyStream s = co_await c.stream(std::move(r));
    std::string got;
    std::size_t biggest = 0;
    for (;;) {
      auto chunk = co_await s.next(64 << 10);
      if (chunk.empty()) break;
      biggest = std::max(biggest, chunk.size());
      got.append(reinterpret_cast<const char*>(chunk.data()), chunk.size());
      co_await cofs::get_loop().sleep_for(1ms);  // a slow consumer: curl pauses
    }
    co_return std::pair{std::move(got), biggest};
  };
  auto [got, biggest] = cofs::sync(cofs::get_loop(), run());
  CHECK(got.size() == data.size());
  CHECK(got == data);
  CHECK(biggest <= (1u << 20) + (64u << 10));
}

TEST_CASE("client: retries 500 and 503, honours 429 Retry-After", "[http][client]") {
  Client c(cofs::get_loop(), quick());
  CHECK(get(c, fault_server().url("/flaky/a500/2/500")).body.size() == 64);
  CHECK(fault_server().hits("a500") == 3);
  CHECK(get(c, fault_server().url("/flaky/a503/3/503")).body.size() == 64);
  auto t0 = std::chrono::steady_clock::now();
  CHECK(get(c, fault_server().url("/ratelimit/r1")).body.size() == 64);
  CHECK(since(t0) >= 0.9);
  try {
    get(c, fault_server().url("/flaky/always/100/502"));
    FAIL("no exception");
  } catch (const cofs::HTTPError& e) {
    CHECK(e.status() == 502);
  }
  CHECK(fault_server().hits("always") == 4);  // 1 + 3 retries
}

TEST_CASE("client: network failures are NetworkError, never FileNotFoundError", "[http][client]") {
  ClientOptions o = quick();
  o.retries = 1;
  Client c(cofs::get_loop(), o);
  try {
    get(c, "http://127.0.0.1:" + std::to_string(cofs::test::free_port()) + "/x");
    FAIL("no exception");
  } catch (const cofs::http::NetworkError& e) {
    CHECK(e.code() == std::errc::connection_refused);
    CHECK_THAT(e.what(), Catch::Contains("127.0.0.1"));
  }
  CHECK_THROWS_AS(get(c, fault_server().url("/reset")), cofs::http::NetworkError);
  try {
    get(c, fault_server().url("/truncated/100000"));
    FAIL("short data returned as if whole");
  } catch (const cofs::http::NetworkError& e) {
    CHECK_THAT(e.what(), Catch::Contains("/truncated/100000"));
  }
}

TEST_CASE("client: timeouts end slow and silent servers", "[http][client]") {
  ClientOptions o = quick();
  o.total_timeout = 700ms;
  o.retries = 2;
  Client c(cofs::get_loop(), o);
  auto t0 = std::chrono::steady_clock::now();
  CHECK_THROWS_AS(get(c, fault_server().url("/hang")), cofs::TimeoutError);
  CHECK(since(t0) < 3.0);
  t0 = std::chrono::steady_clock::now();
  CHECK_THROWS_AS(get(c, fault_server().url("/slow/100")), cofs::TimeoutError);
  CHECK(since(t0) < 3.0);

  ClientOptions ls = quick();
  ls.low_speed_limit = 100;
  ls.low_speed_time = 1s;
  Client slow(cofs::get_loop(), ls);
  t0 = std::chrono::steady_clock::now();
  CHECK_THROWS_AS(get(slow, fault_server().url("/slow/100")), cofs::TimeoutError);
  CHECK(since(t0) < 4.0);

  // sync's own timeout cancels the request; the loop carries on.
  Client d(cofs::get_loop(), quick());
  Request r;
  r.url = fault_server().url("/hang");
  CHECK_THROWS_AS(cofs::sync(d.loop(), d.fetch(r), 200ms), cofs::TimeoutError);
  cofs::test::write_file(nginx().root() / "client/after.txt", "still fine");
  CHECK(get(d, nginx().url("/client/after.txt")).body == "still fine");
}

TEST_CASE("client: ignored ranges, gzip, redirects", "[http][client]") {
  Client c(cofs::get_loop(), quick());
  const std::string whole = cofs::test::random_bytes(100'000, 7);
  Response r = get(c, fault_server().url("/norange/100000"), cofs::http::ByteRange{500, 1500});
  CHECK(r.status == 200);
  CHECK(r.range_ignored);
  CHECK(r.body == std::string_view(whole).substr(500, 1000));
  Response s = get(c, fault_server().url("/norange/100000"), cofs::http::ByteRange{-10, {}});
  CHECK(s.body == std::string_view(whole).substr(100'000 - 10));
  Response h = get(c, fault_server().url("/bytes/100000"), cofs::http::ByteRange{99'000, 200'000});
  CHECK(h.body == std::string_view(whole).substr(99'000));

  Response g = get(c, fault_server().url("/gzip"));
  CHECK(g.body == cofs::test::FaultServer::gzip_plain());

  try {
    get(c, fault_server().url("/loop"));
    FAIL("no exception");
  } catch (const cofs::HTTPError& e) {
    CHECK(e.status() == 302);
    CHECK_THAT(e.what(), Catch::Contains("redirects"));
  }
  try {
    get(c, fault_server().url("/tofile"));
    FAIL("no exception");
  } catch (const cofs::HTTPError& e) {
    CHECK_THAT(e.what(), Catch::Contains("/tofile"));
    CHECK_THAT(e.what(), Catch::Contains("file://"));
  }
  CHECK(get(c, nginx().url("/redirect-home")).status == 200);
}

TEST_CASE("client: bad input is refused before sending", "[http][client]") {
  Client c(cofs::get_loop(), quick());
  const int before = fault_server().requests();
  Request r;
  r.url = fault_server().url("/echo");
  r.headers = {{"X-Bad", "a\r\nInjected: yes"}};
  CHECK_THROWS_AS(cofs::sync(c.loop(), c.fetch(r)), cofs::InvalidArgumentError);
  r.headers = {{"X-Bad", "line\nfeed"}};
  CHECK_THROWS_AS(cofs::sync(c.loop(), c.fetch(r)), cofs::InvalidArgumentError);
  r.headers = {{"Bad Name", "v"}};
  CHECK_THROWS_AS(cofs::sync(c.loop(), c.fetch(r)), cofs::InvalidArgumentError);
  CHECK(fault_server().requests() == before);
  // The last two pass cofs's cheap checks and are refused by curl's URL parser.
  for (const char* bad : {"not a url", "ftp://127.0.0.1/x", "file:///etc/passwd", "http://",
                          "http://127.0.0.1/a\r\nb", "http://:80/x", "http://[::1/x"}) {
    try {
      get(c, bad);
      FAIL("accepted " << bad);
    } catch (const cofs::InvalidArgumentError& e) {
      CHECK_THAT(e.what(), Catch::Contains("get") && Catch::Contains(bad));
    }
  }
}

TEST_CASE("client: user agent and extra headers are sent", "[http][client]") {
  ClientOptions o = quick();
  o.headers = {{"X-Client", "yes"}};
  o.bearer_token = "tok123";
  Client c(cofs::get_loop(), o);
  Request r;
  r.url = fault_server().url("/echo");
  r.headers = {{"X-Request", "1"}};
  std::string head = cofs::sync(c.loop(), c.fetch(r)).body.str();
  CHECK_THAT(head, Catch::Contains("User-Agent: cofs/"));
  CHECK_THAT(head, Catch::Contains("X-Client: yes"));
  CHECK_THAT(head, Catch::Contains("X-Request: 1"));
  CHECK_THAT(head, Catch::Contains("Authorization: Bearer tok123"));
}

TEST_CASE("client: a stopped loop ends requests in flight", "[http][client]") {
  auto loop = std::make_unique<cofs::IoLoop>();
  loop->start_thread();
  Client c(*loop, quick());
  std::exception_ptr error;
  std::atomic<bool> finished{false};
  // Captureless: a coroutine lambda's captures die with the lambda, its parameters do not.
  auto hang = [](Client& c, std::exception_ptr& error,
                 std::atomic<bool>& finished) -> cofs::Task<void> {
    Request r;
    r.url = fault_server().url("/hang");
    try {
      co_await c.fetch(std::move(r));
    } catch (...) {
      error = std::current_exception();
    }
    finished = true;
  };
  cofs::spawn(*loop, hang(c, error, finished));
  std::this_thread::sleep_for(200ms);
  loop->stop();
  loop->wait_stopped();
  CHECK(finished);
  REQUIRE(error);
  CHECK_THROWS_AS(std::rethrow_exception(error), cofs::LoopStoppedError);
  loop.reset();

  // A new loop gets a new multi handle.
  cofs::IoLoop fresh;
  fresh.start_thread();
  Client f(fresh, quick());
  cofs::test::write_file(nginx().root() / "client/fresh.txt", "fresh");
  Request r;
  r.url = nginx().url("/client/fresh.txt");
  CHECK(cofs::sync(fresh, f.fetch(r)).body == "fresh");
}

TEST_CASE("client: a loop driven by run_once and destroyed without stop leaves nothing behind",
          "[http][client]") {
  cofs::test::write_file(nginx().root() / "client/once.txt", "once");
  for (int round = 0; round < 3; ++round) {
    // Each loop likely lands at the address of the last: a multi handle left registered for a
    // destroyed loop would be found again, and used, by the next one.
    auto loop = std::make_unique<cofs::IoLoop>();
    auto c = std::make_unique<Client>(*loop, quick());
    std::optional<Response> got;
    auto fetch = [](Client& c, std::optional<Response>& got) -> cofs::Task<void> {
      Request r;
      r.url = nginx().url("/client/once.txt");
      got = co_await c.fetch(std::move(r));
    };
    cofs::spawn(*loop, fetch(*c, got));
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!got && std::chrono::steady_clock::now() < deadline) {
      if (!loop->run_once()) {
        pollfd p{loop->fd(), POLLIN, 0};
        ::poll(&p, 1, 50);
      }
    }
    REQUIRE(got);
    CHECK(got->body == "once");
    c.reset();
    loop.reset();  // no stop(): the destructor ends the loop's HTTP state
  }
}

namespace {
cofs::Task<cofs::http::detail::CurlMulti*> multi_of(cofs::IoLoop& loop) {
  co_return &cofs::http::detail::CurlMulti::of(loop);
}
}  // namespace

// The multi handle is a service of its loop: freed with it, never found again by a loop made
// later at the same address (here: in the same storage).
TEST_CASE("client: a loop made where a dead one was gets a multi handle of its own",
          "[http][client][services]") {
  using cofs::http::detail::CurlMulti;
  alignas(cofs::IoLoop) unsigned char storage[sizeof(cofs::IoLoop)];
  const std::size_t before = CurlMulti::alive();
  for (int round = 0; round < 3; ++round) {
    auto* loop = new (storage) cofs::IoLoop();
    loop->start_thread();
    CurlMulti* m = cofs::sync(*loop, multi_of(*loop));
    CHECK(cofs::sync(*loop, multi_of(*loop)) == m);  // one per loop
    CHECK(CurlMulti::alive() == before + 1);
    loop->~IoLoop();
    CHECK(CurlMulti::alive() == before);
  }
}

TEST_CASE("client: a forked child's loop does not inherit the parent's multi handle",
          "[http][client][services][fork]") {
  using cofs::http::detail::CurlMulti;
  cofs::test::write_file(nginx().root() / "client/fork.txt", "fork");
  alignas(cofs::IoLoop) unsigned char storage[sizeof(cofs::IoLoop)];
  auto* loop = new (storage) cofs::IoLoop();
  loop->start_thread();
  const std::size_t before = CurlMulti::alive();
  {
    Client c(*loop, quick());
    REQUIRE(get(c, nginx().url("/client/fork.txt")).status == 200);
  }
  REQUIRE(CurlMulti::alive() == before + 1);
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    int code = 0;
    try {
      // The parent's loop refuses work here; letting it go frees its multi handle without
      // touching the connections the parent still uses.
      loop->~IoLoop();
      if (CurlMulti::alive() != before) code = 3;
      auto* fresh = new (storage) cofs::IoLoop();
      fresh->start_thread();
      {
        Client c(*fresh, quick());
        if (get(c, nginx().url("/client/fork.txt")).status != 200) code = 4;
        if (CurlMulti::alive() != before + 1) code = 5;
      }
      fresh->~IoLoop();
    } catch (...) {
      code = 2;
    }
    ::_exit(code);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK((WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status)) == 0);
  {
    Client c(*loop, quick());
    CHECK(get(c, nginx().url("/client/fork.txt")).status == 200);
  }
  loop->~IoLoop();
}
