// Conformance: file objects — modes, read/write/seek/tell, lines, chunks, and their refusals.
#include "conformance.hpp"

using namespace cofs;
using namespace cofs::testing;

TEST_CASE("file objects: write, read, seek, tell", "[conformance]") {
  for_each_backend([](Backend& b) {
    FileSystem& fs = *b.fs;
    const std::string p = b.at("f.bin");
    if (b.caps.write) {
      File w = fs.open(p, "wb");
      CHECK(w.write("hello ") == 6);
      CHECK(w.write("world") == 5);
      CHECK(w.tell() == 11);
      w.close();
      CHECK(w.closed());
    } else {
      return;
    }
    File r = fs.open(p, "rb");
    CHECK(r.size() == 11);
    CHECK(str(r.read(5)) == "hello");
    CHECK(r.tell() == 5);
    CHECK(str(r.read()) == " world");
    CHECK(str(r.read()) == "");
    CHECK(r.seek(-5, Whence::end) == 6);
    CHECK(str(r.read(100)) == "world");
    CHECK(r.seek(1) == 1);
    CHECK(r.seek(2, Whence::cur) == 3);
    CHECK(str(r.read(2)) == "lo");
    CHECK_THROWS_NAMING(r.seek(-1), InvalidArgumentError, "f.bin");
    CHECK_THROWS_NAMING(r.write("x"), Error, "f.bin");  // read-only
    r.close();
    CHECK_THROWS_NAMING(r.read(1), InvalidArgumentError, "f.bin");  // closed

    File w2 = fs.open(p, "wb");
    CHECK_THROWS_NAMING(w2.read(1), Error, "f.bin");  // write-only
    w2.close();
    CHECK(fs.size(p) == 0);  // "w" truncates
  });
}

TEST_CASE("file objects: lines and chunks", "[conformance]") {
  for_each_backend([](Backend& b) {
    if (!b.caps.write) return;
    FileSystem& fs = *b.fs;
    const std::string p = b.at("lines.txt");
    std::string text;
    for (int i = 0; i < 5000; ++i) text += "line " + std::to_string(i) + "\n";
    text += "tail without newline";
    fs.pipe_file(p, std::string_view(text));
    {
      File f = fs.open(p, "r", {.block_size = 1000});  // blocks smaller than the file: refills
      std::string again;
      int count = 0;
      for (Bytes line = f.readline(); !line.empty(); line = f.readline()) {
        again += line.view();
        ++count;
      }
      CHECK(count == 5001);
      CHECK(again == text);
    }
    {
      File f = fs.open(p, "rb");
      CHECK(str(f.readline()) == "line 0\n");
      CHECK(str(f.readline(3)) == "lin");
      CHECK(str(f.readline()) == "e 1\n");
    }
    {
      // the coroutine API, aiofile's shape
      auto read_all = [&]() -> Task<std::pair<int, std::size_t>> {
        std::unique_ptr<AsyncFile> f = co_await fs.async_open(p, "rb");
        auto lines = f->lines();
        int n = 0;
        while (auto line = co_await lines.next()) ++n;
        co_await f->seek(0);
        auto chunks = f->iter_chunked(4096);
        std::size_t total = 0;
        while (auto c = co_await chunks.next()) {
          CHECK(c->size() <= 4096);
          total += c->size();
        }
        co_await f->close();
        co_return std::pair{n, total};
      };
      auto [n, total] = sync(fs.loop(), read_all());
      CHECK(n == 5001);
      CHECK(total == text.size());
    }
  });
}

TEST_CASE("file objects: modes a, x, r+, w+ and holes", "[conformance]") {
  for_each_backend([](Backend& b) {
    if (!b.caps.write) return;
    FileSystem& fs = *b.fs;
    const std::string p = b.at("m.txt");
    fs.pipe_file(p, std::string_view("abc"));
    {
      File f = fs.open(p, "ab");
      f.write("def");
    }  // closed (and written) by the destructor
    CHECK(str(fs.cat_file(p)) == "abcdef");
    CHECK_THROWS_NAMING(fs.open(p, "xb"), FileExistsError, "m.txt");
    {
      File f = fs.open(b.at("new.txt"), "x");
      f.write("fresh");
    }
    CHECK(str(fs.cat_file(b.at("new.txt"))) == "fresh");
    CHECK_THROWS_NAMING(fs.open(p, "rw"), InvalidArgumentError, "m.txt");
    CHECK_THROWS_NAMING(fs.open(p, "q"), InvalidArgumentError, "m.txt");
    if (b.caps.directories) {
      fs.mkdir(b.at("adir"));
      CHECK_THROWS_NAMING(fs.open(b.at("adir"), "rb"), IsADirectoryError, "adir");
    }
    if (!b.caps.read_write_modes) {
      CHECK_THROWS_AS(fs.open(p, "r+b"), NotSupportedError);
      return;
    }
    {
      File f = fs.open(p, "r+b");
      f.seek(2);
      f.write("XY");
      f.seek(0);
      CHECK(str(f.read()) == "abXYef");
    }
    CHECK(str(fs.cat_file(p)) == "abXYef");
    {
      File f = fs.open(p, "w+b");
      f.write("12345");
      f.seek(1);
      CHECK(str(f.read(2)) == "23");
      f.seek(8);  // past the end: the gap reads as zeros once written
      f.write("Z");
    }
    CHECK(fs.cat_file(p).view() == std::string_view("12345\0\0\0Z", 9));
    {
      File f = fs.open(p, "a+b");
      f.write("!");
      f.seek(0);
      CHECK(str(f.read(2)) == "12");
    }
    CHECK(fs.size(p) == 10);
  });
}

TEST_CASE("blocking calls from many threads at once", "[conformance]") {
  for_each_backend([](Backend& b) {
    if (!b.caps.write) return;
    FileSystem& fs = *b.fs;
    std::vector<std::thread> threads;
    std::atomic<int> bad{0};
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 20; ++i) {
          std::string p = b.at("t" + std::to_string(t) + "_" + std::to_string(i));
          std::string v = std::to_string(t * 1000 + i);
          fs.pipe_file(p, std::string_view(v));
          if (fs.cat_file(p).view() != v) ++bad;
        }
      });
    }
    for (auto& th : threads) th.join();
    CHECK(bad == 0);
    CHECK(fs.find(b.root).size() == 160);
  });
}
