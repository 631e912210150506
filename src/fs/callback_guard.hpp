// A bulk transfer's callbacks, guarded: the first exception a per-file (branch) callback throws
// fails the whole call, whatever on_error says, as a throwing parent callback does through the
// gather (see gather.hpp). on_error is about the files; a callback that throws is the caller's
// own code failing, and the call stops there. The call stops once that file's transfer has ended
// (and removed its partial copy), not before: stopping cancels what is in flight.
#pragma once

#include <exception>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>

#include "cofs/fs/callback.hpp"
#include "cofs/runtime/task.hpp"

namespace cofs::detail {

/// Stands for one file's callback; remembers the first exception it threw (and lets it through,
/// so that this file's transfer fails with it).
class FileCallbackGuard final : public Callback {
 public:
  explicit FileCallbackGuard(std::unique_ptr<Callback> inner) : inner_(std::move(inner)) {}
  const std::exception_ptr& failure() const noexcept { return failure_; }

  void set_size(std::optional<std::uint64_t> size) override {
    Callback::set_size(size);
    guard([&] { inner_->set_size(size); });
  }
  void relative_update(std::uint64_t inc) override {
    Callback::relative_update(inc);
    guard([&] { inner_->relative_update(inc); });
  }
  std::unique_ptr<Callback> branch(std::string_view src, std::string_view dst) override {
    std::unique_ptr<Callback> b;
    guard([&] { b = inner_->branch(src, dst); });
    return b;
  }

 private:
  template <class F>
  void guard(F f) {
    try {
      f();
    } catch (...) {
      if (!failure_) failure_ = std::current_exception();
      throw;
    }
  }
  std::unique_ptr<Callback> inner_;
  std::exception_ptr failure_;
};

/// One file's transfer: when it has ended, a failure of its callback becomes the call's.
inline Task<void> report_callback_failure(Task<void> transfer, const FileCallbackGuard& guard,
                                          std::exception_ptr& call_failure) {
  auto note = [&guard, &call_failure] {
    if (guard.failure() && !call_failure) call_failure = guard.failure();
  };
  try {
    co_await std::move(transfer);
  } catch (...) {
    note();  // nothing to await: a handler may do it
    throw;
  }
  note();
}

/// Stands for the bulk call's own callback: forwards to it, and once a per-file callback has
/// failed, its next update (made as each file ends) throws that failure into the gather.
class BulkCallbackGuard final : public Callback {
 public:
  BulkCallbackGuard(Callback& inner, const std::exception_ptr& file_failure)
      : inner_(inner), file_failure_(file_failure) {}

  void set_size(std::optional<std::uint64_t> size) override {
    Callback::set_size(size);
    inner_.set_size(size);
  }
  void relative_update(std::uint64_t inc) override {
    if (file_failure_) std::rethrow_exception(file_failure_);
    Callback::relative_update(inc);
    inner_.relative_update(inc);
  }
  std::unique_ptr<Callback> branch(std::string_view src, std::string_view dst) override {
    return inner_.branch(src, dst);
  }

 private:
  Callback& inner_;
  const std::exception_ptr& file_failure_;
};

}  // namespace cofs::detail
