// A small tmpfs mounted for one test: a disk that fills up, to see what a write does on ENOSPC.
// Mounting needs CAP_SYS_ADMIN; where it is refused the test cannot run: COFS_REQUIRE_TMPFS skips
// it (support/skip.hpp). Such cases are tagged [tmpfs], which has a CTest run of its own.
#pragma once

#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include "support/skip.hpp"

namespace cofs::test {

class Tmpfs {
 public:
  /// Mounts a tmpfs of `size` (mount(8) syntax: "1m") on a fresh directory under /tmp.
  explicit Tmpfs(const std::string& size) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cofs-tmpfs-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
    std::string opts = "size=" + size + ",mode=0755";
    if (::mount("tmpfs", path_.c_str(), "tmpfs", MS_NOSUID, opts.c_str()) == 0) {
      mounted_ = true;
    } else {
      why_ = std::string("mount -t tmpfs refused: ") + std::strerror(errno);
    }
  }
  ~Tmpfs() {
    if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
    ::rmdir(path_.c_str());
  }
  Tmpfs(const Tmpfs&) = delete;
  Tmpfs& operator=(const Tmpfs&) = delete;

  bool available() const noexcept { return mounted_; }
  /// Why the mount failed (for the skip message).
  const std::string& why() const noexcept { return why_; }
  const std::string& path() const noexcept { return path_; }
  std::string operator/(std::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  std::string path_;
  std::string why_;
  bool mounted_ = false;
};

}  // namespace cofs::test

/// Skips the current test case when the tmpfs `t` could not be mounted.
#define COFS_REQUIRE_TMPFS(t) \
  if (!(t).available()) COFS_SKIP("cannot mount a tmpfs for the full disk: " << (t).why())
