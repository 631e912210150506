// Conformance: reading — info, ls, exists, cat_file with ranges, head/tail, read_block, cat.
#include "conformance.hpp"

using namespace cofs;
using namespace cofs::testing;

TEST_CASE("info, ls and existence of files and directories", "[conformance]") {
  for_each_backend([](Backend& b) {
    FileSystem& fs = *b.fs;
    fs.pipe_file(b.at("a.txt"), std::string_view("hello"));
    if (b.caps.directories) fs.mkdir(b.at("sub"));
    write(b, "sub/b.bin", "xy");

    FileInfo i = fs.info(b.at("a.txt"));
    CHECK(i.name == b.at("a.txt"));
    CHECK(i.is_file());
    CHECK(i.size == 5);
    if (b.caps.mtime) CHECK(i.mtime.has_value());

    FileInfo d = fs.info(b.at("sub"));
    CHECK(d.is_dir());

    auto names = fs.ls_names(b.root);
    std::sort(names.begin(), names.end());
    CHECK(names == std::vector<std::string>{b.at("a.txt"), b.at("sub")});
    auto entries = fs.ls(b.at("sub"));
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].name == b.at("sub/b.bin"));
    CHECK(entries[0].size == 2);
    // ls of a file lists the file itself, as fsspec does
    auto self = fs.ls(b.at("a.txt"));
    REQUIRE(self.size() == 1);
    CHECK(self[0].name == b.at("a.txt"));

    CHECK(fs.exists(b.at("a.txt")));
    CHECK(fs.exists(b.at("sub")));
    CHECK_FALSE(fs.exists(b.at("missing")));
    CHECK(fs.isfile(b.at("a.txt")));
    CHECK_FALSE(fs.isfile(b.at("sub")));
    CHECK(fs.isdir(b.at("sub")));
    CHECK_FALSE(fs.isdir(b.at("a.txt")));
    CHECK_FALSE(fs.isdir(b.at("missing")));
    CHECK(fs.size(b.at("a.txt")) == 5);
    auto sizes = fs.sizes({b.at("a.txt"), b.at("sub/b.bin")});
    REQUIRE(sizes.size() == 2);
    CHECK(sizes[0].value() == 5);
    CHECK(sizes[1].value() == 2);
  });
}

TEST_CASE("missing paths raise FileNotFoundError naming the operation and path", "[conformance]") {
  for_each_backend([](Backend& b) {
    FileSystem& fs = *b.fs;
    const std::string missing = b.at("nope.txt");
    CHECK_THROWS_NAMING(fs.info(missing), FileNotFoundError, "nope.txt");
    CHECK_THROWS_NAMING(fs.cat_file(missing), FileNotFoundError, "nope.txt");
    CHECK_THROWS_NAMING(fs.ls(b.at("nodir")), FileNotFoundError, "nodir");
    CHECK_THROWS_NAMING(fs.open(missing, "rb"), FileNotFoundError, "nope.txt");
    CHECK_THROWS_NAMING(fs.size(missing), FileNotFoundError, "nope.txt");
    try {
      fs.cat_file(missing);
    } catch (const FileNotFoundError& e) {
      CHECK(e.code() == std::errc::no_such_file_or_directory);
      CHECK(std::string(e.what()).find("cat_file") != std::string::npos);
    }
  });
}

TEST_CASE("cat_file with ranges, negative offsets, head and tail", "[conformance]") {
  for_each_backend([](Backend& b) {
    FileSystem& fs = *b.fs;
    const std::string p = b.at("digits");
    fs.pipe_file(p, std::string_view("0123456789"));
    CHECK(str(fs.cat_file(p)) == "0123456789");
    CHECK(str(fs.cat_file(p, 2, 5)) == "234");
    CHECK(str(fs.cat_file(p, 7)) == "789");
    CHECK(str(fs.cat_file(p, -3)) == "789");
    CHECK(str(fs.cat_file(p, 2, -2)) == "234567");
    CHECK(str(fs.cat_file(p, -4, -1)) == "678");
    CHECK(str(fs.cat_file(p, {}, 4)) == "0123");
    CHECK(str(fs.cat_file(p, 5, 100)) == "56789");  // end past the end is clipped
    CHECK(str(fs.cat_file(p, 10)) == "");           // start at the end: empty
    CHECK(str(fs.cat_file(p, -100)) == "0123456789");
    CHECK(str(fs.cat_file(p, 4, 4)) == "");
    CHECK_THROWS_NAMING(fs.cat_file(p, 11), InvalidArgumentError, "digits");
    CHECK_THROWS_NAMING(fs.cat_file(p, 6, 3), InvalidArgumentError, "digits");
    CHECK_THROWS_NAMING(fs.cat_file(p, -2, -5), InvalidArgumentError, "digits");
    {
      // The task carries the error (a gather of such tasks gets it as that task's outcome).
      Task<Bytes> reversed = fs.async_cat_file(p, 6, 3);
      CHECK_THROWS_NAMING(sync(fs.loop(), std::move(reversed)), InvalidArgumentError, "digits");
    }
    CHECK(str(fs.head(p, 3)) == "012");
    CHECK(str(fs.tail(p, 3)) == "789");
    CHECK(str(fs.head(p, 100)) == "0123456789");
    CHECK(str(fs.tail(p, 100)) == "0123456789");
  });
}

TEST_CASE("binary and large contents round-trip exactly", "[conformance]") {
  for_each_backend([](Backend& b) {
    FileSystem& fs = *b.fs;
    const std::string data = pattern_bytes(3 * 1024 * 1024 + 17);
    fs.pipe_file(b.at("big.bin"), std::string_view(data));
    CHECK(fs.size(b.at("big.bin")) == data.size());
    Bytes got = fs.cat_file(b.at("big.bin"));
    CHECK(got.size() == data.size());
    CHECK(got.view() == data);
    Bytes mid = fs.cat_file(b.at("big.bin"), 1000000, 1000000 + 65536 * 3);
    CHECK(mid.view() == std::string_view(data).substr(1000000, 65536 * 3));
    fs.pipe_file(b.at("empty"), std::string_view(""));
    CHECK(fs.cat_file(b.at("empty")).empty());
    CHECK(fs.size(b.at("empty")) == 0);
  });
}

TEST_CASE("read_block with and without delimiters", "[conformance]") {
  for_each_backend([](Backend& b) {
    FileSystem& fs = *b.fs;
    const std::string p = b.at("lines.csv");
    fs.pipe_file(p, std::string_view("123\n456\n789\nabc"));
    CHECK(str(fs.read_block(p, 0, 5)) == "123\n4");
    CHECK(str(fs.read_block(p, 1, 5, "\n")) == "456\n");       // starts after the first \n
    CHECK(str(fs.read_block(p, 0, 5, "\n")) == "123\n456\n");  // at 0 no skip; ends past a \n
    CHECK(str(fs.read_block(p, 4, 1, "\n")) == "");            // the block before owns "456\n"
    CHECK(str(fs.read_block(p, 9, 100, "\n")) == "abc");
    CHECK(str(fs.read_block(p, 0, {}, "\n")) == "123\n456\n789\nabc");
    // blocks that tile the file give every line exactly once
    std::string joined;
    for (std::uint64_t off = 0; off < 15; off += 4) joined += str(fs.read_block(p, off, 4, "\n"));
    CHECK(joined == "123\n456\n789\nabc");
    CHECK_THROWS_AS(fs.read_block(p, 0, 4, ""), InvalidArgumentError);
  });
}

TEST_CASE("cat of many paths with on_error raise, omit and return", "[conformance]") {
  for_each_backend([](Backend& b) {
    FileSystem& fs = *b.fs;
    std::vector<std::string> paths;
    for (int i = 0; i < 50; ++i) {
      paths.push_back(b.at("f" + std::to_string(i)));
      fs.pipe_file(paths.back(), std::string_view("data" + std::to_string(i)));
    }
    CatResult all = fs.cat(paths, {.batch_size = 7});
    REQUIRE(all.size() == 50);
    for (int i = 0; i < 50; ++i)
      CHECK(all.at(b.at("f" + std::to_string(i))).value() == "data" + std::to_string(i));

    paths.push_back(b.at("missing"));
    CHECK_THROWS_NAMING(fs.cat(paths), FileNotFoundError, "missing");
    CatResult omitted = fs.cat(paths, {.on_error = OnError::omit});
    CHECK(omitted.size() == 50);
    CHECK(omitted.count(b.at("missing")) == 0);
    CatResult returned = fs.cat(paths, {.on_error = OnError::return_});
    REQUIRE(returned.size() == 51);
    CHECK_FALSE(returned.at(b.at("missing")).ok());
    CHECK(error_is(returned.at(b.at("missing")).error(), std::errc::no_such_file_or_directory));

    // a glob and a recursive directory expand
    CatResult globbed = fs.cat(b.at("f1*"));
    CHECK(globbed.size() == 11);  // f1, f10..f19
    auto ranges = fs.cat_ranges({b.at("f1"), b.at("f22")}, {0, 4}, {2, {}});
    CHECK(ranges[0].value() == "da");
    CHECK(ranges[1].value() == "22");
    CHECK_THROWS_AS(fs.cat_ranges({b.at("f1")}, {0, 1}, {2}), InvalidArgumentError);
  });
}
