// S3FileSystem on the tests' RGW (support/rgw.hpp): a filesystem signed as the fixture's owner,
// and a fresh bucket per test.
#pragma once

#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>

#include "cofs/s3/s3_fs.hpp"
#include "support/rgw.hpp"

namespace cofs::test {

inline S3Options rgw_options(const Rgw::Credentials& as = Rgw::owner()) {
  S3Options o;
  o.endpoint_url = rgw().endpoint();
  o.region = Rgw::region;
  s3::Credentials c;
  c.access_key = as.access_key;
  c.secret_key = as.secret_key;
  o.credentials = c;
  o.client.retry_backoff = std::chrono::milliseconds(10);
  return o;
}

inline std::shared_ptr<S3FileSystem> rgw_fs(S3Options o = rgw_options()) {
  return std::make_shared<S3FileSystem>(nullptr, std::move(o));
}

/// A new, empty bucket named after the test program and a counter.
inline std::string fresh_bucket(FileSystem& fs, const char* what = "t") {
  static std::atomic<int> counter{0};
  std::string name =
      std::string(what) + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  fs.mkdir(name);
  return name;
}

}  // namespace cofs::test
