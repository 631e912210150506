#include "cofs/runtime/frame_cache.hpp"

#include <new>
#include <utility>

#if defined(__SANITIZE_ADDRESS__)
#define COFS_FRAMES_UNCACHED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define COFS_FRAMES_UNCACHED 1
#endif
#endif

namespace cofs::detail {

#ifdef COFS_FRAMES_UNCACHED

void* frame_allocate(std::size_t n) {
  return ::operator new(n);
}
void frame_free(void* p, std::size_t) noexcept {
  ::operator delete(p);
}
std::size_t frame_cache_bytes() noexcept {
  return 0;
}
bool frame_cache_enabled() noexcept {
  return false;
}

#else

namespace {

constexpr std::size_t kGrain = 64;
constexpr std::size_t kLargest = 4096;
constexpr std::size_t kClasses = kLargest / kGrain;
constexpr std::size_t kMaxCachedBytes = std::size_t{1} << 20;

struct Node {
  Node* next;
};

// Trivially destructible, so that it stays usable by thread_local destructors that run after
// the reaper (their frees then go straight to operator delete).
struct Cache {
  Node* heads[kClasses];
  std::size_t bytes;
  bool reaper_armed;
  bool dead;  // the thread is exiting and its cache has been given back
};
constinit thread_local Cache t_cache{};

struct Reaper {
  ~Reaper() {
    Cache& c = t_cache;
    for (Node*& head : c.heads) {
      while (head != nullptr) ::operator delete(std::exchange(head, head->next));
    }
    c.bytes = 0;
    c.dead = true;
  }
};

constexpr std::size_t class_of(std::size_t n) noexcept {
  return (n + kGrain - 1) / kGrain - 1;
}

}  // namespace

void* frame_allocate(std::size_t n) {
  if (n == 0 || n > kLargest) return ::operator new(n);
  const std::size_t k = class_of(n);
  Cache& c = t_cache;
  if (Node* p = c.heads[k]) {
    c.heads[k] = p->next;
    c.bytes -= (k + 1) * kGrain;
    return p;
  }
  return ::operator new((k + 1) * kGrain);
}

void frame_free(void* p, std::size_t n) noexcept {
  if (p == nullptr) return;
  if (n == 0 || n > kLargest) {
    ::operator delete(p);
    return;
  }
  const std::size_t k = class_of(n);
  const std::size_t size = (k + 1) * kGrain;
  Cache& c = t_cache;
  if (c.dead || c.bytes + size > kMaxCachedBytes) {
    ::operator delete(p);
    return;
  }
  if (!c.reaper_armed) {
    c.reaper_armed = true;
    thread_local Reaper reaper;  // gives the cache back when this thread exits
    (void)reaper;
  }
  c.heads[k] = new (p) Node{c.heads[k]};
  c.bytes += size;
}

std::size_t frame_cache_bytes() noexcept {
  return t_cache.bytes;
}
bool frame_cache_enabled() noexcept {
  return true;
}

#endif

}  // namespace cofs::detail
