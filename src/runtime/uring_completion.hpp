// The target of an io_uring completion (internal to the library). Everything cofs submits on a ring
// carries a pointer to one of these as its user_data (0 means "no one waits": cancel and
// poll-remove acks).
#pragma once

#include <cstdint>

namespace cofs {

class UringCompletion {
 public:
  /// Called on the loop thread with the CQE's res and flags.
  virtual void on_cqe(int res, std::uint32_t flags) noexcept = 0;

  std::uint64_t user_data() noexcept { return reinterpret_cast<std::uintptr_t>(this); }

 protected:
  ~UringCompletion() = default;
};

}  // namespace cofs
