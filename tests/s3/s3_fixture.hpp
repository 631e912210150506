// S3FileSystem on the tests' RGW (support/rgw.hpp): a filesystem signed as the fixture's owner,
// and a fresh bucket per test.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
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

/// `n` bytes of a pseudo-random pattern picked by `seed`: content that a mixed-up part would show.
inline std::string pattern(std::size_t n, unsigned seed) {
  std::string s(n, '\0');
  std::uint32_t x = seed * 2654435761u + 7;
  for (auto& c : s) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>(x >> 24);
  }
  return s;
}

/// A local path for a test's file, named after the program's PID and `name`.
inline std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("cofs-s3-" + std::to_string(::getpid()) + "-" + name))
      .string();
}

/// A local file's whole content.
inline std::string read_local(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace cofs::test
