// The directory fsyncs of the atomic writer, shared by concurrent commits (a group commit). A
// durable commit renames its file into place and then needs its directory fsynced by a sync that
// began after the rename. Bulk writes (get of many files into one directory) commit dozens at
// once; each used to open, fsync and close the directory itself. Here one sync per directory is
// in flight; the commits that arrive while it runs wait for the one after it, made once for all
// of them. Every commit still returns only after a sync begun after its rename: the guarantee of
// one sync per file, for a fraction of the syncs.
#pragma once

#include <coroutine>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "cofs/runtime/task.hpp"

namespace cofs::local {

class Engine;

class DirectorySyncs {
 public:
  /// fsync of the directory `dir` through `e`, begun after this call; 0 or -errno (EINVAL, a
  /// filesystem that cannot sync directories, is 0). On the loop's thread.
  Task<int> sync(Engine& e, std::string dir);
  /// How many syncs have begun (for tests).
  std::uint64_t syncs_begun() const noexcept { return begun_; }

 private:
  struct Round;
  struct Directory {
    std::shared_ptr<Round> next;  // the commits waiting for the sync after the running one
  };
  Task<int> lead(Engine& e, const std::string& dir, std::shared_ptr<Round> round);
  void hand_over(const std::string& dir);

  std::unordered_map<std::string, Directory> syncing_;  // directories with a sync in flight
  std::uint64_t begun_ = 0;
};

}  // namespace cofs::local
