// The registry, URLs, open(), user backends, AsyncFileSystemWrapper's limit, and bad input.
#include <algorithm>
#include <catch2/catch.hpp>
#include <thread>

#include "cofs/cofs.hpp"
#include "memory/blocking_memory.hpp"

using namespace cofs;
using cofs::testing::BlockingMemory;

TEST_CASE("filesystem() by name is cached and shared with url_to_fs and open", "[registry]") {
  auto fs = filesystem("memory");
  CHECK(fs->protocol() == "memory");
  CHECK(filesystem("memory") == fs);
  fs->pipe_file("/reg/x.txt", std::string_view("via fs"));
  auto [fs2, path] = url_to_fs("memory://reg/x.txt");
  CHECK(fs2 == fs);
  CHECK(path == "/reg/x.txt");
  File f = cofs::open("memory://reg/x.txt", "rb");
  CHECK(f.read().view() == "via fs");
  {
    File w = cofs::open("memory://reg/y.txt", "wb");
    w.write("written by open");
  }
  CHECK(fs->cat_file("memory://reg/y.txt").view() == "written by open");
  auto async_read = [&]() -> Task<std::string> {
    auto af = co_await open_async("memory://reg/y.txt");
    Bytes b = co_await af->read();
    co_await af->close();
    co_return b.str();
  };
  CHECK(sync(get_loop(), async_read()) == "written by open");
  // options make a distinct instance over the same global store, as fsspec's memory does
  auto batched = filesystem("memory", {{"batch_size", "3"}});
  CHECK(batched != fs);
  CHECK(batched->batch_size() == 3);
  CHECK(batched->cat_file("/reg/x.txt").view() == "via fs");
  auto protocols = available_protocols();
  CHECK(std::find(protocols.begin(), protocols.end(), "memory") != protocols.end());
}

TEST_CASE("bad protocols, URLs and options are clear errors", "[registry]") {
  CHECK_THROWS_WITH(filesystem("nosuch"),
                    Catch::Contains("nosuch") && Catch::Contains("unknown protocol"));
  CHECK_THROWS_AS(filesystem("nosuch"), InvalidArgumentError);
  CHECK_THROWS_AS(url_to_fs("nosuch://x"), InvalidArgumentError);
  CHECK_THROWS_WITH(url_to_fs("ht!tp://x"), Catch::Contains("malformed URL"));
  CHECK_THROWS_WITH(url_to_fs("mem:x"), Catch::Contains("malformed URL"));
  CHECK_THROWS_AS(url_to_fs(""), InvalidArgumentError);
  CHECK_THROWS_WITH(filesystem("memory", {{"bogus", "1"}}), Catch::Contains("bogus"));
  CHECK_THROWS_WITH(filesystem("memory", {{"batch_size", "x"}}), Catch::Contains("batch_size"));
  CHECK_THROWS_AS(filesystem("memory", {{"batch_size", "0"}}), InvalidArgumentError);
  CHECK_THROWS_AS(filesystem("memory", {{"batch_size", "-2"}}), InvalidArgumentError);
  CHECK_THROWS_AS(register_filesystem("Bad Name",
                                      [](const Options&, std::shared_ptr<IoLoop>) {
                                        return std::shared_ptr<FileSystem>();
                                      }),
                  InvalidArgumentError);
}

TEST_CASE("a user's own backend registers under a new protocol", "[registry]") {
  auto factory = [](const Options& o, std::shared_ptr<IoLoop> loop) -> std::shared_ptr<FileSystem> {
    OptionReader r("blockmem", o);
    auto threads = r.integer("threads").value_or(2);
    r.finish();
    return std::make_shared<AsyncFileSystemWrapper>(std::make_shared<BlockingMemory>(),
                                                    static_cast<std::size_t>(threads), loop);
  };
  register_filesystem("blockmem", factory, true);
  CHECK_THROWS_WITH(register_filesystem("blockmem", factory),
                    Catch::Contains("already registered"));
  auto [fs, p] = url_to_fs("blockmem://dir/file");
  CHECK(fs->protocol() == "blockmem");
  fs->pipe_file(p, std::string_view("mine"));
  CHECK(fs->cat_file("blockmem://dir/file").view() == "mine");
  CHECK(fs->find("/dir") == std::vector<std::string>{"/dir/file"});
}

TEST_CASE("AsyncFileSystemWrapper bounds the blocking calls in flight", "[wrapper]") {
  auto impl = std::make_shared<BlockingMemory>();
  AsyncFileSystemWrapper fs(impl, 3);
  std::map<std::string, Bytes> files;
  for (int i = 0; i < 40; ++i)
    files.emplace("/w/" + std::to_string(i), Bytes(std::string_view("v")));
  fs.pipe(std::move(files));
  impl->max_in_flight = 0;
  impl->delay = std::chrono::milliseconds(2);
  std::vector<std::string> paths;
  for (int i = 0; i < 40; ++i) paths.push_back("/w/" + std::to_string(i));
  auto out = fs.cat(paths, {.batch_size = -1});
  CHECK(out.size() == 40);
  CHECK(impl->max_in_flight == 3);  // gather allowed 40, the pool admits 3
  CHECK_THROWS_AS(AsyncFileSystemWrapper(impl, 0), InvalidArgumentError);

  // A blocking call past the filesystem's timeout names the operation and the path.
  impl->delay = std::chrono::milliseconds(300);
  fs.set_timeout(std::chrono::milliseconds(20));
  try {
    fs.cat_file("/w/7");
    FAIL("no timeout");
  } catch (const TimeoutError& e) {
    CHECK_THAT(e.what(), Catch::Contains("cat_file") && Catch::Contains("/w/7"));
  }
  try {
    fs.cat({"/w/1", "/w/2", "/w/3"});
    FAIL("no timeout");
  } catch (const TimeoutError& e) {
    CHECK_THAT(e.what(), Catch::Contains("cat") && Catch::Contains("/w/1 (and 2 more)"));
  }
  fs.set_timeout(std::nullopt);
  impl->delay = std::chrono::milliseconds(0);
}

TEST_CASE("MemoryFileSystem from many threads, and the loop's own thread refuses blocking",
          "[memory]") {
  auto fs = std::make_shared<MemoryFileSystem>();
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};  // Catch's assertions are not for other threads: count, check after
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        std::string p = "/mt/" + std::to_string(t) + "/" + std::to_string(i);
        fs->pipe_file(p, std::string_view(p));
        if (fs->cat_file(p).view() != p) ++wrong;
        if (i % 2) fs->rm_file(p);
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(wrong == 0);
  CHECK(fs->find("/mt").size() == 16 * 100);
  auto on_loop = [&]() -> Task<std::string> {
    try {
      fs->info("/mt");  // blocking on the loop thread: refused, not a deadlock
    } catch (const Error& e) {
      co_return e.what();
    }
    co_return "";
  };
  CHECK_THAT(sync(fs->loop(), on_loop()), Catch::Contains("loop's own thread"));
}

TEST_CASE("co_await from a coroutine type of another library", "[memory]") {
  // A minimal foreign coroutine: no stop token, resumed wherever the awaited Task completes.
  struct Foreign {
    struct promise_type {
      std::string* out;
      std::atomic<bool>* done;
      Foreign get_return_object() {
        return {std::coroutine_handle<promise_type>::from_promise(*this)};
      }
      std::suspend_always initial_suspend() noexcept { return {}; }
      std::suspend_never final_suspend() noexcept { return {}; }
      void return_void() {}
      void unhandled_exception() { std::terminate(); }
    };
    std::coroutine_handle<promise_type> h;
  };
  auto fs = std::make_shared<MemoryFileSystem>();
  fs->pipe_file("/f", std::string_view("foreign"));
  std::string out;
  std::atomic<bool> done{false};
  auto body = [](std::shared_ptr<MemoryFileSystem> fs, std::string& out,
                 std::atomic<bool>& done) -> Foreign {
    co_await fs->loop().resume_here();  // hop onto the loop, then await cofs tasks there
    Bytes b = co_await fs->async_cat_file("/f");
    out = b.str();
    done = true;
    done.notify_all();
  };
  Foreign f = body(fs, out, done);
  f.h.resume();
  done.wait(false);
  CHECK(out == "foreign");
}
