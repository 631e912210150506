// Conformance: get and put between a backend and local files (plain std::filesystem on this
// side, so the checks do not depend on the local backend).
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

const std::string& big() {
  static const std::string data = pattern_bytes(3 * 1024 * 1024 + 5);
  return data;
}

}  // namespace

CONFORMANCE_CASE("get_file copies a file to a local path and reports its progress") {
  LocalDir local;
  co_await via.write(b.at("r/one.bin"), big());
  FunctionCallback fcb;
  std::uint64_t last = 0;
  fcb.on_update = [&](std::uint64_t v, std::optional<std::uint64_t>) { last = v; };
  co_await via.get_file(b.at("r/one.bin"), local.at("one.bin"), &fcb);
  CHECK(slurp(local.at("one.bin")) == big());
  CHECK(fcb.size() == big().size());
  CHECK(last == big().size());
}

CONFORMANCE_CASE("get with recursive copies a tree below a local directory") {
  LocalDir local;
  co_await via.write(b.at("r/one.bin"), big());
  co_await via.write(b.at("r/s/two.txt"), "two");
  co_await via.get(b.at("r"), local.at("got") + "/", BulkOptions{.recursive = true});
  CHECK(slurp(local.at("got/r/one.bin")) == big());
  CHECK(slurp(local.at("got/r/s/two.txt")) == "two");
}

CONFORMANCE_CASE("get_file of a missing path raises and leaves no local file") {
  LocalDir local;
  CHECK_THROWS_NAMING(co_await via.get_file(b.at("r/none"), local.at("none")), FileNotFoundError,
                      "r/none");
  CHECK_FALSE(stdfs::exists(local.at("none")));  // nothing half-written
}

CONFORMANCE_CASE("put with recursive copies a local tree, one progress branch per file",
                 Cap::write) {
  LocalDir local;
  spit(local.at("up/a.txt"), "A");
  spit(local.at("up/deep/b.txt"), "B");
  int children = 0;
  FunctionCallback parent;
  parent.on_branch = [&](std::string_view, std::string_view) -> std::unique_ptr<Callback> {
    ++children;
    return std::make_unique<Callback>();
  };
  co_await via.put(local.at("up"), b.at("dest"),
                   BulkOptions{.recursive = true, .callback = &parent});
  Bytes a = co_await via.cat_file(b.at("dest/a.txt"));
  Bytes deep = co_await via.cat_file(b.at("dest/deep/b.txt"));
  CHECK(children == 2);
  CHECK(parent.value() == 2);
  CHECK(str(a) == "A");
  CHECK(str(deep) == "B");
}

CONFORMANCE_CASE("put_file copies a local file exactly", Cap::write) {
  LocalDir local;
  spit(local.at("one.bin"), big());
  co_await via.put_file(local.at("one.bin"), b.at("back.bin"));
  Bytes back = co_await via.cat_file(b.at("back.bin"));
  CHECK(back.view() == big());
}

CONFORMANCE_CASE("put_file of a missing local file raises FileNotFoundError naming it",
                 Cap::write) {
  LocalDir local;
  CHECK_THROWS_NAMING(co_await via.put_file(local.at("nothing"), b.at("x")), FileNotFoundError,
                      "nothing");
}
