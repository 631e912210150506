// The conformance suite on S3FileSystem against the tests' RGW: every case works in a fresh prefix
// of one bucket. S3 has no empty directories (a prefix exists while a key is below it), no
// in-place modes and no rename: capabilities() says so, and those cases say "not applicable".
#include <atomic>

#include "conformance/conformance.hpp"
#include "s3_fixture.hpp"

namespace cofs::testing {

namespace {

std::unique_ptr<Backend> make() {
  static std::atomic<int> counter{0};
  auto fs = test::rgw_fs();
  static const std::string bucket = test::fresh_bucket(*fs, "conf");
  auto b = std::make_unique<Backend>();
  b->fs = fs;
  b->caps = fs->capabilities();
  b->root = bucket + "/" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  return b;
}

}  // namespace

std::vector<BackendSpec> conformance_backends() {
  return {{"s3", [] { return make(); }, [] { return test::Rgw::unavailable(); }}};
}

}  // namespace cofs::testing
