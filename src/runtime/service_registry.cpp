#include "service_registry.hpp"
#include "loop_core.hpp"

namespace cofs {

backend::LoopService::~LoopService() = default;

namespace detail {

backend::LoopService& ServiceRegistry::use(const std::type_info& type,
                                           backend::detail::ServiceFactory make) {
  std::lock_guard lock(mutex_);
  if (shut_down_ || !backend::belongs_to_this_process(loop_))
    backend::throw_not_accepting(loop_, "use_service");
  for (auto& [t, s] : services_) {
    if (*t == type) return *s;
  }
  // Made under the lock: a second caller waits for this one instead of making a twin. Services
  // the constructor uses are made (and appended) first, so they are destroyed after this one.
  std::unique_ptr<backend::LoopService> made = make(loop_);
  backend::LoopService& ref = *made;
  services_.emplace_back(&type, std::move(made));
  return ref;
}

backend::LoopService* ServiceRegistry::find(const std::type_info& type) noexcept {
  std::lock_guard lock(mutex_);
  for (auto& [t, s] : services_) {
    if (*t == type) return s.get();
  }
  return nullptr;
}

void ServiceRegistry::shutdown() noexcept {
  std::lock_guard lock(mutex_);
  if (shut_down_) return;
  shut_down_ = true;
  for (auto it = services_.rbegin(); it != services_.rend(); ++it) it->second->shutdown();
}

void ServiceRegistry::destroy() noexcept {
  std::lock_guard lock(mutex_);
  shut_down_ = true;
  while (!services_.empty()) services_.pop_back();
}

bool ServiceRegistry::fork_child() noexcept {
  if (!mutex_.try_lock()) return false;
  std::lock_guard lock(mutex_, std::adopt_lock);
  shut_down_ = true;
  for (auto it = services_.rbegin(); it != services_.rend(); ++it) it->second->fork_child();
  while (!services_.empty()) services_.pop_back();
  return true;
}

}  // namespace detail

namespace backend::detail {

LoopService& use_service(IoLoop& loop, const std::type_info& type, ServiceFactory make) {
  return cofs::detail::LoopAccess::core(loop).services().use(type, make);
}

LoopService* find_service(IoLoop& loop, const std::type_info& type) noexcept {
  return cofs::detail::LoopAccess::core(loop).services().find(type);
}

}  // namespace backend::detail
}  // namespace cofs
