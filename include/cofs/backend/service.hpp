// Per-loop services, in the manner of Asio's use_service<T>(): state a backend keeps once per
// IoLoop (the uring engine's descriptor-slot table, the HTTP backend's curl multi handle) is a
// LoopService the loop owns. A service is made on first use, one per type and loop, and lives as
// long as the loop: the loop's stop shuts the services down in reverse order of creation (after
// the operations in flight have been ended, while the reactor is still there) and the loop's
// destructor destroys them, again newest first. A later loop at the same address starts with
// none, as nothing is keyed by the loop's address.
#pragma once

#include <memory>
#include <type_traits>
#include <typeinfo>

#include "cofs/export.hpp"

namespace cofs {
class IoLoop;
}

namespace cofs::backend {

class COFS_API LoopService {
 public:
  explicit LoopService(IoLoop& loop) noexcept : loop_(loop) {}
  LoopService(const LoopService&) = delete;
  LoopService& operator=(const LoopService&) = delete;
  virtual ~LoopService();

  IoLoop& loop() const noexcept { return loop_; }

  /// The loop is stopping: its operations in flight have ended and no new ones start. Let go of
  /// what binds the service to the loop (descriptor watches, timers); the reactor is still there.
  /// On the loop's thread (or the thread destroying a loop that was never run to its end).
  virtual void shutdown() noexcept {}
  /// This process is a child forked after the loop was made, and the loop (which refuses work
  /// here) is being let go: forget what the parent still uses (the ring's registered files,
  /// curl's connections, descriptor watches) without touching it. The service is destroyed right
  /// after, and its destructor must then free only this process's memory.
  virtual void fork_child() noexcept {}

 private:
  IoLoop& loop_;
};

namespace detail {
using ServiceFactory = std::unique_ptr<LoopService> (*)(IoLoop&);
/// The service of type `type` on `loop`, made by `make` when there is none yet.
COFS_API LoopService& use_service(IoLoop& loop, const std::type_info& type, ServiceFactory make);
/// The service of type `type` on `loop`, or nullptr.
COFS_API LoopService* find_service(IoLoop& loop, const std::type_info& type) noexcept;
}  // namespace detail

/// The loop's service of type S (constructible from IoLoop&), made on first use. Any thread: one
/// lock makes sure of one instance per type; S's constructor runs under it and may itself use
/// other services of the loop (which are then made first, and destroyed after S). Throws
/// LoopStoppedError once the loop has shut its services down, or in a forked child for a loop
/// made in the parent.
template <class S>
S& use_service(IoLoop& loop) {
  static_assert(std::is_base_of_v<LoopService, S>);
  return static_cast<S&>(detail::use_service(
      loop, typeid(S),
      [](IoLoop& l) -> std::unique_ptr<LoopService> { return std::make_unique<S>(l); }));
}

/// The loop's service of type S if it has been made (and not destroyed), or nullptr.
template <class S>
S* has_service(IoLoop& loop) noexcept {
  return static_cast<S*>(detail::find_service(loop, typeid(S)));
}

}  // namespace cofs::backend
