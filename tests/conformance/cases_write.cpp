// Conformance: writing — pipe, mkdir/makedirs/rmdir, rm, touch, checksum, mv, transactions.
#include "conformance.hpp"

using namespace cofs;
using namespace cofs::testing;

TEST_CASE("pipe_file replaces contents; pipe writes many", "[conformance]") {
  for_each_backend([](Backend& b) {
    if (!b.caps.write) return;
    FileSystem& fs = *b.fs;
    fs.pipe_file(b.at("x"), std::string_view("first version, long"));
    fs.pipe_file(b.at("x"), std::string_view("second"));
    CHECK(str(fs.cat_file(b.at("x"))) == "second");
    if (b.caps.directories) fs.makedirs(b.at("p"), true);
    std::map<std::string, Bytes> many;
    for (int i = 0; i < 30; ++i)
      many.emplace(b.at("p/" + std::to_string(i)), Bytes(std::to_string(i * i)));
    CHECK(fs.pipe(std::move(many), {.batch_size = 4}).empty());
    CHECK(str(fs.cat_file(b.at("p/7"))) == "49");
    CHECK(fs.find(b.at("p")).size() == 30);
  });
}

TEST_CASE("mkdir, makedirs and rmdir follow POSIX rules", "[conformance]") {
  for_each_backend([](Backend& b) {
    if (!b.caps.directories) return;
    FileSystem& fs = *b.fs;
    fs.mkdir(b.at("d"));
    CHECK(fs.isdir(b.at("d")));
    CHECK_THROWS_NAMING(fs.mkdir(b.at("d")), FileExistsError, "d");
    CHECK_THROWS_NAMING(fs.mkdir(b.at("no/parent"), false), FileNotFoundError, "no/parent");
    fs.mkdir(b.at("deep/er/est"));  // create_parents defaults to true
    CHECK(fs.isdir(b.at("deep/er")));
    fs.makedirs(b.at("m/n/o"));
    CHECK(fs.isdir(b.at("m/n/o")));
    CHECK_THROWS_NAMING(fs.makedirs(b.at("m/n/o")), FileExistsError, "m/n/o");
    fs.makedirs(b.at("m/n/o"), true);
    write(b, "m/file", "z");
    CHECK_THROWS_AS(fs.makedirs(b.at("m/file"), true), FileExistsError);
    if (b.caps.rmdir) {
      CHECK_THROWS_NAMING(fs.rmdir(b.at("m/n")), DirectoryNotEmptyError, "m/n");
      fs.rmdir(b.at("m/n/o"));
      CHECK_FALSE(fs.exists(b.at("m/n/o")));
      CHECK_THROWS_NAMING(fs.rmdir(b.at("m/n/o")), FileNotFoundError, "m/n/o");
      CHECK_THROWS_AS(fs.rmdir(b.at("m/file")), NotADirectoryError);
    }
  });
}

TEST_CASE("rm of files, of trees with recursive, and its refusals", "[conformance]") {
  for_each_backend([](Backend& b) {
    if (!b.caps.write) return;
    FileSystem& fs = *b.fs;
    write(b, "t/a", "1");
    write(b, "t/s/b", "2");
    write(b, "t/s/u/c", "3");
    fs.pipe_file(b.at("solo"), std::string_view("4"));
    fs.rm_file(b.at("solo"));
    CHECK_FALSE(fs.exists(b.at("solo")));
    CHECK_THROWS_NAMING(fs.rm_file(b.at("solo")), FileNotFoundError, "solo");
    if (b.caps.directories) {
      CHECK_THROWS_NAMING(fs.rm_file(b.at("t")), IsADirectoryError, "t");
      CHECK_THROWS_AS(fs.rm(b.at("t")), Error);  // a non-empty directory without recursive
      CHECK(fs.exists(b.at("t/a")));
    }
    fs.rm(b.at("t"), {.recursive = true});
    CHECK_FALSE(fs.exists(b.at("t/s/u/c")));
    CHECK_FALSE(fs.exists(b.at("t")));
    CHECK_THROWS_AS(fs.rm(b.at("t"), {.recursive = true}), FileNotFoundError);
    // on_error = return reports each failed path
    fs.pipe_file(b.at("k1"), std::string_view("x"));
    auto errors =
        fs.rm(std::vector<std::string>{b.at("k1"), b.at("k2")}, {.on_error = OnError::return_});
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].path == b.at("k2"));
    CHECK_FALSE(fs.exists(b.at("k1")));
  });
}

TEST_CASE("touch, modified and checksum", "[conformance]") {
  for_each_backend([](Backend& b) {
    if (!b.caps.write) return;
    FileSystem& fs = *b.fs;
    fs.touch(b.at("t"));
    CHECK(fs.isfile(b.at("t")));
    CHECK(fs.size(b.at("t")) == 0);
    fs.pipe_file(b.at("t"), std::string_view("abc"));
    fs.touch(b.at("t"), false);
    CHECK(str(fs.cat_file(b.at("t"))) == "abc");
    fs.touch(b.at("t"), true);
    CHECK(fs.size(b.at("t")) == 0);
    if (b.caps.mtime) {
      auto m = fs.modified(b.at("t"));
      auto age = std::chrono::system_clock::now() - m;
      CHECK(age < std::chrono::hours(1));
      CHECK(age > -std::chrono::hours(1));
    }
    fs.pipe_file(b.at("c"), std::string_view("one"));
    std::string k1 = fs.checksum(b.at("c"));
    CHECK(k1 == fs.checksum(b.at("c")));
    fs.pipe_file(b.at("c"), std::string_view("other contents"));
    CHECK(k1 != fs.checksum(b.at("c")));
    CHECK(fs.ukey(b.at("c")) == fs.checksum(b.at("c")));
  });
}

TEST_CASE("mv moves files and trees, and refuses a move onto itself", "[conformance]") {
  for_each_backend([](Backend& b) {
    if (!b.caps.write) return;
    FileSystem& fs = *b.fs;
    fs.pipe_file(b.at("src"), std::string_view("payload"));
    fs.mv(b.at("src"), b.at("dst"));
    CHECK_FALSE(fs.exists(b.at("src")));
    CHECK(str(fs.cat_file(b.at("dst"))) == "payload");
    CHECK_THROWS_NAMING(fs.mv(b.at("dst"), b.at("dst")), InvalidArgumentError, "dst");
    CHECK_THROWS_NAMING(fs.mv(b.at("ghost"), b.at("x")), FileNotFoundError, "ghost");
    write(b, "tree/a", "A");
    write(b, "tree/s/b", "B");
    fs.mv(b.at("tree"), b.at("moved"), {.recursive = true});
    CHECK_FALSE(fs.exists(b.at("tree/a")));
    CHECK(str(fs.cat_file(b.at("moved/a"))) == "A");
    CHECK(str(fs.cat_file(b.at("moved/s/b"))) == "B");
    if (b.caps.directories) {
      // into an existing directory: lands below it
      fs.mkdir(b.at("box"));
      fs.mv(b.at("dst"), b.at("box"));
      CHECK(str(fs.cat_file(b.at("box/dst"))) == "payload");
    }
  });
}

TEST_CASE("transactions commit together and discard on an exception", "[conformance]") {
  for_each_backend([](Backend& b) {
    if (!b.caps.write) return;
    FileSystem& fs = *b.fs;
    {
      auto tx = fs.transaction();
      fs.pipe_file(b.at("tx1"), std::string_view("one"));
      File f = fs.open(b.at("tx2"), "wb");
      f.write("two");
      f.close();
      CHECK_FALSE(fs.exists(b.at("tx1")));  // deferred until the commit
      CHECK_FALSE(fs.exists(b.at("tx2")));
      tx.commit();
    }
    CHECK(str(fs.cat_file(b.at("tx1"))) == "one");
    CHECK(str(fs.cat_file(b.at("tx2"))) == "two");
    try {
      auto tx = fs.transaction();
      fs.pipe_file(b.at("tx3"), std::string_view("never"));
      fs.pipe_file(b.at("tx1"), std::string_view("changed"));
      throw std::runtime_error("abort");
    } catch (const std::runtime_error&) {
    }
    CHECK_FALSE(fs.exists(b.at("tx3")));
    CHECK(str(fs.cat_file(b.at("tx1"))) == "one");
    CHECK_FALSE(fs.in_transaction());
    CHECK_THROWS_AS(fs.end_transaction(true), InvalidArgumentError);
  });
}
