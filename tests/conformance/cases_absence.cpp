// Conformance: a missing path is an answer, not a failure — try_info, exists, isdir, isfile, glob,
// makedirs, touch and the transfers that probe their destination. Each behaviour through the
// blocking API and through the async one (a coroutine run on the filesystem's loop).
#include "conformance.hpp"

using namespace cofs;
using namespace cofs::testing;

namespace {

Task<std::optional<FileInfo>> async_try_info_of(FileSystem& fs, std::string p) {
  co_return co_await fs.async_try_info(std::move(p));
}

struct Probes {
  bool exists, isdir, isfile;
};
Task<Probes> async_probes(FileSystem& fs, std::string p) {
  co_return Probes{co_await fs.async_exists(p), co_await fs.async_isdir(p),
                   co_await fs.async_isfile(p)};
}

Task<std::vector<std::string>> async_glob_of(FileSystem& fs, std::string pattern) {
  co_return co_await fs.async_glob(std::move(pattern));
}

}  // namespace

TEST_CASE("try_info of a missing path is empty", "[conformance][absence]") {
  for_each_backend([](Backend& b) {
    FileSystem& fs = *b.fs;
    CHECK_FALSE(fs.try_info(b.at("missing")).has_value());
    CHECK_FALSE(sync(fs.loop(), async_try_info_of(fs, b.at("missing"))).has_value());
  });
}

TEST_CASE("try_info of a present file is its info", "[conformance][absence]") {
  for_each_backend([](Backend& b) {
    FileSystem& fs = *b.fs;
    write(b, "here.txt", "four");
    std::optional<FileInfo> blocking = fs.try_info(b.at("here.txt"));
    REQUIRE(blocking.has_value());
    CHECK(blocking->name == b.at("here.txt"));
    CHECK(blocking->is_file());
    CHECK(blocking->size == 4);
    std::optional<FileInfo> async = sync(fs.loop(), async_try_info_of(fs, b.at("here.txt")));
    REQUIRE(async.has_value());
    CHECK(async->size == 4);
  });
}

TEST_CASE("try_info below a file is empty", "[conformance][absence]") {
  for_each_backend([](Backend& b) {
    FileSystem& fs = *b.fs;
    write(b, "plain", "x");
    // Locally ENOTDIR, elsewhere no such entry: either way nothing is there.
    CHECK_FALSE(fs.try_info(b.at("plain/below")).has_value());
    CHECK_FALSE(sync(fs.loop(), async_try_info_of(fs, b.at("plain/below"))).has_value());
    CHECK_FALSE(fs.exists(b.at("plain/below")));
  });
}

TEST_CASE("info of a missing path still throws FileNotFoundError naming it",
          "[conformance][absence]") {
  for_each_backend([](Backend& b) {
    FileSystem& fs = *b.fs;
    const std::string missing = b.at("missing");
    CHECK_THROWS_NAMING(fs.info(missing), FileNotFoundError, missing.c_str());
    CHECK_THROWS_AS(sync(fs.loop(), fs.async_info(b.at("missing"))), FileNotFoundError);
  });
}

TEST_CASE("exists, isdir and isfile of a missing path are false", "[conformance][absence]") {
  for_each_backend([](Backend& b) {
    FileSystem& fs = *b.fs;
    CHECK_FALSE(fs.exists(b.at("missing")));
    CHECK_FALSE(fs.isdir(b.at("missing")));
    CHECK_FALSE(fs.isfile(b.at("missing")));
    Probes p = sync(fs.loop(), async_probes(fs, b.at("missing")));
    CHECK_FALSE(p.exists);
    CHECK_FALSE(p.isdir);
    CHECK_FALSE(p.isfile);
  });
}

TEST_CASE("exists, isdir and isfile of a present file", "[conformance][absence]") {
  for_each_backend([](Backend& b) {
    FileSystem& fs = *b.fs;
    write(b, "f.txt", "x");
    CHECK(fs.exists(b.at("f.txt")));
    CHECK(fs.isfile(b.at("f.txt")));
    CHECK_FALSE(fs.isdir(b.at("f.txt")));
    Probes p = sync(fs.loop(), async_probes(fs, b.at("f.txt")));
    CHECK(p.exists);
    CHECK(p.isfile);
    CHECK_FALSE(p.isdir);
  });
}

TEST_CASE("glob below a missing directory matches nothing", "[conformance][absence]") {
  for_each_backend([](Backend& b) {
    if (!b.caps.list) {
      NOT_APPLICABLE("this backend cannot list");
      return;
    }
    FileSystem& fs = *b.fs;
    CHECK(fs.glob(b.at("nowhere/*.txt")).empty());
    CHECK(fs.glob(b.at("nowhere")).empty());  // no glob characters: exists() decides
    CHECK(sync(fs.loop(), async_glob_of(fs, b.at("nowhere/**"))).empty());
  });
}

TEST_CASE("makedirs of a missing path makes it", "[conformance][absence]") {
  for_each_backend({Cap::write, Cap::directories}, [](Backend& b) {
    FileSystem& fs = *b.fs;
    fs.makedirs(b.at("new/deeper"));
    CHECK(fs.isdir(b.at("new/deeper")));
    sync(fs.loop(), fs.async_makedirs(b.at("other/deeper")));
    CHECK(fs.isdir(b.at("other/deeper")));
    CHECK_THROWS_AS(fs.makedirs(b.at("new/deeper")), FileExistsError);  // exist_ok is false
  });
}

TEST_CASE("touch without truncate of a missing path creates it empty", "[conformance][absence]") {
  for_each_backend({Cap::write}, [](Backend& b) {
    FileSystem& fs = *b.fs;
    fs.touch(b.at("t1"), false);
    CHECK(fs.isfile(b.at("t1")));
    CHECK(fs.size(b.at("t1")) == 0);
    sync(fs.loop(), fs.async_touch(b.at("t2"), false));
    CHECK(fs.size(b.at("t2")) == 0);
    write(b, "kept", "data");
    fs.touch(b.at("kept"), false);  // present: left as it is
    CHECK(str(fs.cat_file(b.at("kept"))) == "data");
  });
}

TEST_CASE("copy to a missing destination names it as the new file", "[conformance][absence]") {
  for_each_backend({Cap::write}, [](Backend& b) {
    FileSystem& fs = *b.fs;
    write(b, "src.txt", "payload");
    CHECK(fs.copy(b.at("src.txt"), b.at("dst.txt")).empty());
    CHECK(str(fs.cat_file(b.at("dst.txt"))) == "payload");
    CHECK(sync(fs.loop(), fs.async_copy(b.at("src.txt"), b.at("dst2.txt"))).empty());
    CHECK(str(fs.cat_file(b.at("dst2.txt"))) == "payload");
  });
}
