// Conformance: get and put between a backend and local files.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "conformance.hpp"

using namespace cofs;
using namespace cofs::testing;
namespace stdfs = std::filesystem;

namespace {

struct LocalDir {
  stdfs::path path;
  LocalDir() {
    char tmpl[] = "/tmp/cofs-transfer-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~LocalDir() { stdfs::remove_all(path); }
  std::string at(std::string_view rel) const { return (path / rel).string(); }
};

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void spit(const std::string& p, std::string_view data) {
  stdfs::create_directories(stdfs::path(p).parent_path());
  std::ofstream(p, std::ios::binary) << data;
}

}  // namespace

TEST_CASE("get and put files and trees with progress", "[conformance]") {
  for_each_backend([](Backend& b) {
    if (!b.caps.write) return;
    FileSystem& fs = *b.fs;
    LocalDir local;
    const std::string big = pattern_bytes(3 * 1024 * 1024 + 5);
    write(b, "r/one.bin", big);
    write(b, "r/s/two.txt", "two");

    FunctionCallback fcb;
    std::uint64_t last = 0;
    fcb.on_update = [&](std::uint64_t v, std::optional<std::uint64_t>) { last = v; };
    fs.get_file(b.at("r/one.bin"), local.at("one.bin"), &fcb);
    CHECK(slurp(local.at("one.bin")) == big);
    CHECK(fcb.size() == big.size());
    CHECK(last == big.size());

    fs.get(b.at("r"), local.at("got") + "/", {.recursive = true});
    CHECK(slurp(local.at("got/r/one.bin")) == big);
    CHECK(slurp(local.at("got/r/s/two.txt")) == "two");
    CHECK_THROWS_AS(fs.get_file(b.at("r/none"), local.at("none")), FileNotFoundError);
    CHECK_FALSE(stdfs::exists(local.at("none")));  // nothing half-written

    spit(local.at("up/a.txt"), "A");
    spit(local.at("up/deep/b.txt"), "B");
    int children = 0;
    FunctionCallback parent;
    parent.on_branch = [&](std::string_view, std::string_view) -> std::unique_ptr<Callback> {
      ++children;
      return std::make_unique<Callback>();
    };
    fs.put(local.at("up"), b.at("dest"), {.recursive = true, .callback = &parent});
    CHECK(children == 2);
    CHECK(parent.value() == 2);
    CHECK(str(fs.cat_file(b.at("dest/a.txt"))) == "A");
    CHECK(str(fs.cat_file(b.at("dest/deep/b.txt"))) == "B");
    fs.put_file(local.at("one.bin"), b.at("back.bin"));
    CHECK(fs.cat_file(b.at("back.bin")).view() == big);
    CHECK_THROWS_AS(fs.put_file(local.at("nothing"), b.at("x")), FileNotFoundError);
  });
}
