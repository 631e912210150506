// Outcome<T>: a value or the exception that took its place. What gather() gives for each task and
// what bulk filesystem methods give for each path under on_error = return.
#pragma once

#include <exception>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>

namespace cofs {

template <class T>
class Outcome {
 public:
  Outcome() = default;
  Outcome(T value) : v_(std::in_place_index<1>, std::move(value)) {}           // NOLINT: implicit
  Outcome(std::exception_ptr e) : v_(std::in_place_index<2>, std::move(e)) {}  // NOLINT

  bool ok() const noexcept { return v_.index() == 1; }
  explicit operator bool() const noexcept { return ok(); }
  /// The value; rethrows the exception when there is none.
  T& value() & {
    check();
    return std::get<1>(v_);
  }
  const T& value() const& {
    check();
    return std::get<1>(v_);
  }
  T&& value() && {
    check();
    return std::get<1>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  std::exception_ptr error() const noexcept { return v_.index() == 2 ? std::get<2>(v_) : nullptr; }

 private:
  void check() const {
    if (v_.index() == 2) std::rethrow_exception(std::get<2>(v_));
    if (v_.index() == 0) throw std::logic_error("cofs::Outcome: no value was set");
  }
  std::variant<std::monostate, T, std::exception_ptr> v_;
};

template <>
class Outcome<void> {
 public:
  Outcome() = default;
  Outcome(std::exception_ptr e) : e_(std::move(e)) {}  // NOLINT: implicit
  bool ok() const noexcept { return !e_; }
  explicit operator bool() const noexcept { return ok(); }
  void value() const {
    if (e_) std::rethrow_exception(e_);
  }
  std::exception_ptr error() const noexcept { return e_; }

 private:
  std::exception_ptr e_;
};

}  // namespace cofs
