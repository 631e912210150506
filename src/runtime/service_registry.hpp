// The services of one IoLoop (see cofs/backend/service.hpp), in order of creation.
#pragma once

#include <memory>
#include <mutex>
#include <typeinfo>
#include <utility>
#include <vector>

#include "cofs/backend/service.hpp"
#include "cofs/runtime/io_loop.hpp"

namespace cofs::detail {

class ServiceRegistry {
 public:
  explicit ServiceRegistry(IoLoop& loop) noexcept : loop_(loop) {}
  ~ServiceRegistry() { destroy(); }
  ServiceRegistry(const ServiceRegistry&) = delete;
  ServiceRegistry& operator=(const ServiceRegistry&) = delete;

  backend::LoopService& use(const std::type_info& type, backend::detail::ServiceFactory make);
  backend::LoopService* find(const std::type_info& type) noexcept;
  /// Shuts every service down, newest first, once; later use() is refused.
  void shutdown() noexcept;
  /// Destroys every service, newest first.
  void destroy() noexcept;
  /// In a forked child, for a loop made in the parent: tells every service, newest first, then
  /// destroys them. False (nothing touched) when a thread of the parent held the registry's lock
  /// at the fork: its state may be half-changed, so it is left alone.
  bool fork_child() noexcept;

 private:
  IoLoop& loop_;
  std::recursive_mutex mutex_;  // recursive: a service's constructor may use another service
  std::vector<std::pair<const std::type_info*, std::unique_ptr<backend::LoopService>>> services_;
  bool shut_down_ = false;
};

}  // namespace cofs::detail
