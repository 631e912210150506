// Locks of process-wide state that a forked child may take: the registry, the default loop's
// holder, the configuration, the memory stores, the local engines' notices, the bytes pool. fork()
// copies each lock in whatever state another thread left it, and that thread does not exist in the
// child: a lock it held stays held forever, and what it guarded may be half-changed. So each is
// registered here, and one pthread_atfork handler takes them all before fork() and releases them
// after it, in the parent and in the child: the child finds every lock free and the state behind it
// whole. They are taken in rank order, outermost first (a lock is ranked before every lock that may
// be taken while it is held), so that taking them cannot deadlock with a thread that holds one and
// waits for a later one.
#pragma once

#include "cofs/export.hpp"

namespace cofs::detail {

enum class ForkLockRank : unsigned {
  registry,        // dropping a cached filesystem under it may end a memory store
  default_loop,    // the default loop's holder
  config,          // batch-size settings
  memory_stores,   // the list of memory stores, then each store's lock
  engine_notices,  // the local engines' notices
  bytes_pool,      // innermost: Bytes are allocated and freed under the stores' locks
  count
};

struct ForkLock {
  void (*lock)() noexcept;
  void (*unlock)() noexcept;
};

/// Registers the lock of `rank`, once per rank (later registrations of a rank are ignored). Any
/// thread, at any time; a lock registered while a fork() is being prepared is taken from the
/// next fork() on. Exported: the local backend's library registers its notices' lock.
COFS_API void register_fork_lock(ForkLockRank rank, ForkLock lock) noexcept;

}  // namespace cofs::detail
