// The slab pool behind Bytes of 4 KiB to 256 KiB. One address range is reserved at first use
// (MAP_NORESERVE: nothing is committed until touched) and advised for huge pages; slab i is the
// 2 MiB at base + i * 2 MiB and holds blocks of one size class. Freed blocks are linked through
// their first bytes. A slab whose last block is freed leaves its class: a few are kept resident
// for reuse, the rest are given back with MADV_DONTNEED (the range stays reserved). Allocation
// happens mostly on an IO loop and frees on any thread, so one lock guards it all: a spin lock, as
// the critical sections are a few pointer moves (a mutex's calls and second atomic cost more than
// them when, as nearly always, nobody else holds it).
#include "bytes_pool.hpp"

#include "runtime/fork_locks.hpp"

#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define COFS_POOL_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define COFS_POOL_UNDER_ASAN 1
#endif
#endif

namespace cofs::detail {
namespace {

constexpr std::size_t kKiB = 1024;
constexpr std::size_t kSlab = std::size_t{2} << 20;
// Quarter steps between powers of two: a block wastes at most a fifth of itself.
constexpr std::array<std::uint32_t, 25> kClassKiB = {4,  5,   6,   7,   8,   10,  12, 14, 16,
                                                     20, 24,  28,  32,  40,  48,  56, 64, 80,
                                                     96, 112, 128, 160, 192, 224, 256};
constexpr unsigned kClasses = kClassKiB.size();
constexpr std::uint32_t kNone = UINT32_MAX;
constexpr std::size_t kKeptEmpty = 4;  // empty slabs kept resident (8 MiB) for the next burst
static_assert(kClassKiB.front() * kKiB == kPooledFrom && kClassKiB.back() * kKiB == kPooledUpTo);

unsigned class_of(std::size_t n) noexcept {
  const auto kib = static_cast<std::uint32_t>((n + kKiB - 1) / kKiB);
  return static_cast<unsigned>(std::lower_bound(kClassKiB.begin(), kClassKiB.end(), kib) -
                               kClassKiB.begin());
}

std::size_t block_size(unsigned cls) noexcept {
  return std::size_t{kClassKiB[cls]} * kKiB;
}

std::uint32_t blocks_per_slab(unsigned cls) noexcept {
  return static_cast<std::uint32_t>(kSlab / block_size(cls));
}

// Spins briefly, then yields: a holder that was preempted must get its CPU back.
class SpinLock {
 public:
  void lock() noexcept {
    for (int spins = 0; held_.exchange(true, std::memory_order_acquire); ++spins) {
      while (held_.load(std::memory_order_relaxed)) {
        if (++spins > 100) {
          ::sched_yield();
        } else {
#if defined(__x86_64__) || defined(__i386__)
          __builtin_ia32_pause();
#elif defined(__aarch64__)
          asm volatile("yield");
#endif
        }
      }
    }
  }
  void unlock() noexcept {
    held_.store(false, std::memory_order_release);
  }

 private:
  std::atomic<bool> held_{false};
};

struct Slab {
  std::byte* free_list = nullptr;
  std::uint32_t live = 0;
  std::uint32_t carved = 0;                  // blocks cut from the slab's untouched end so far
  std::uint32_t prev = kNone, next = kNone;  // on its class's list of slabs with free blocks
  std::uint8_t cls = 0;
  bool listed = false;
};

class Pool {
 public:
  static Pool& instance() {
    // Never destroyed: Bytes may be freed by other static destructors.
    static Pool* pool = new Pool;
    return *pool;
  }

  bool enabled() const noexcept { return base_ != nullptr; }
  bool owns(const std::byte* p) const noexcept {
    const auto a = reinterpret_cast<std::uintptr_t>(p), b = reinterpret_cast<std::uintptr_t>(base_);
    return a >= b && a - b < length_;
  }

  std::byte* allocate(unsigned cls) noexcept {
    std::lock_guard<SpinLock> lock(lock_);
    std::uint32_t s = current_[cls];
    if (s == kNone || !has_room(slabs_[s])) {
      s = take_slab(cls);
      if (s == kNone) return nullptr;
      current_[cls] = s;
    }
    Slab& slab = slabs_[s];
    std::byte* block;
    if (slab.free_list != nullptr) {
      block = slab.free_list;
      std::memcpy(&slab.free_list, block, sizeof(std::byte*));
    } else {
      block = start_of(s) + std::size_t{slab.carved} * block_size(cls);
      ++slab.carved;
    }
    ++slab.live;
    return block;
  }

  void release(std::byte* block) noexcept {
    std::lock_guard<SpinLock> lock(lock_);
    const auto s = static_cast<std::uint32_t>(static_cast<std::size_t>(block - base_) / kSlab);
    Slab& slab = slabs_[s];
    std::memcpy(block, &slab.free_list, sizeof(std::byte*));
    slab.free_list = block;
    --slab.live;
    if (slab.live == 0) {
      if (slab.listed) unlink(s);
      if (current_[slab.cls] == s) current_[slab.cls] = kNone;
      retire(s);
    } else if (current_[slab.cls] != s && !slab.listed) {
      link(s);
    }
  }

  void lock() { lock_.lock(); }
  void unlock() { lock_.unlock(); }

 private:
  Pool() {
    current_.fill(kNone);
    partial_.fill(kNone);
    resident_.reserve(kKeptEmpty);
#ifdef COFS_POOL_UNDER_ASAN
    return;  // its own blocks would hide overflows from AddressSanitizer
#else
    if (const char* env = std::getenv("COFS_BYTES_POOL"); env != nullptr && env[0] == '0') return;
    // As much address space as the system lets us reserve; committed only when touched.
    for (std::size_t gib : {64, 8, 1}) {
      if ((base_ = map_huge_aligned(gib << 30, MAP_NORESERVE)) != nullptr) {
        length_ = gib << 30;
        break;
      }
    }
    // A child forked while another thread held the lock would wait forever. Taken last before
    // fork(): blocks are allocated and freed under other locks of cofs (fork_locks.hpp).
    detail::register_fork_lock(
        detail::ForkLockRank::bytes_pool,
        {+[]() noexcept { instance().lock(); }, +[]() noexcept { instance().unlock(); }});
#endif
  }

  std::byte* start_of(std::uint32_t s) const noexcept {
    return base_ + std::size_t{s} * kSlab;
  }

  static bool has_room(const Slab& slab) noexcept {
    return slab.free_list != nullptr || slab.carved < blocks_per_slab(slab.cls);
  }

  /// A slab for class `cls` with room: one of that class with freed blocks, else an empty one.
  std::uint32_t take_slab(unsigned cls) noexcept {
    std::uint32_t s = partial_[cls];
    if (s != kNone) {
      unlink(s);
      return s;
    }
    if (!resident_.empty()) {
      s = resident_.back();
      resident_.pop_back();
    } else if (!released_.empty()) {
      s = released_.back();
      released_.pop_back();
    } else if (slabs_.size() < length_ / kSlab) {
      try {
        released_.reserve(slabs_.size() + 1);  // so that retire() never allocates
        slabs_.emplace_back();
      } catch (...) {
        return kNone;
      }
      s = static_cast<std::uint32_t>(slabs_.size() - 1);
    } else {
      return kNone;
    }
    slabs_[s] = Slab{};
    slabs_[s].cls = static_cast<std::uint8_t>(cls);
    return s;
  }

  void retire(std::uint32_t s) noexcept {
    // Neither push_back allocates: both vectors were reserved for as many slabs as there are.
    if (resident_.size() < kKeptEmpty) {
      resident_.push_back(s);
    } else {
      ::madvise(start_of(s), kSlab, MADV_DONTNEED);
      released_.push_back(s);
    }
  }

  void link(std::uint32_t s) noexcept {
    Slab& slab = slabs_[s];
    slab.prev = kNone;
    slab.next = partial_[slab.cls];
    if (slab.next != kNone) slabs_[slab.next].prev = s;
    partial_[slab.cls] = s;
    slab.listed = true;
  }

  void unlink(std::uint32_t s) noexcept {
    Slab& slab = slabs_[s];
    if (slab.prev != kNone) {
      slabs_[slab.prev].next = slab.next;
    } else {
      partial_[slab.cls] = slab.next;
    }
    if (slab.next != kNone) slabs_[slab.next].prev = slab.prev;
    slab.prev = slab.next = kNone;
    slab.listed = false;
  }

  SpinLock lock_;
  std::byte* base_ = nullptr;
  std::size_t length_ = 0;
  std::vector<Slab> slabs_;
  std::array<std::uint32_t, kClasses> current_{};
  std::array<std::uint32_t, kClasses> partial_{};
  std::vector<std::uint32_t> resident_, released_;
};

}  // namespace

std::byte* pool_allocate(std::size_t n, std::size_t& cap) noexcept {
  Pool& pool = Pool::instance();
  if (!pool.enabled() || n < kPooledFrom || n > kPooledUpTo) return nullptr;
  const unsigned cls = class_of(n);
  std::byte* p = pool.allocate(cls);
  if (p != nullptr) cap = block_size(cls);
  return p;
}

bool pool_owns(const std::byte* p) noexcept {
  return Pool::instance().owns(p);
}

std::size_t pool_class_size(std::size_t n) noexcept {
  return block_size(class_of(n));
}

void pool_release(std::byte* p) noexcept {
  Pool::instance().release(p);
}

bool bytes_pool_enabled() noexcept {
  return Pool::instance().enabled();
}

}  // namespace cofs::detail
