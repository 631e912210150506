// Progress callbacks, as fsspec's: a total size, relative updates, and for a bulk transfer a child
// callback per file (branch). Called on the IO loop's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "cofs/export.hpp"

namespace cofs {

class COFS_API Callback {
 public:
  virtual ~Callback() = default;

  /// The total to reach (bytes for one file, files for a bulk call); unset when unknown.
  virtual void set_size(std::optional<std::uint64_t> size) { size_ = size; }
  virtual void relative_update(std::uint64_t inc) { value_ += inc; }
  /// A child callback for the transfer of one file of a bulk call, or nullptr for none.
  virtual std::unique_ptr<Callback> branch(std::string_view /*source*/,
                                           std::string_view /*destination*/) {
    return nullptr;
  }

  std::optional<std::uint64_t> size() const noexcept { return size_; }
  std::uint64_t value() const noexcept { return value_; }

 protected:
  std::optional<std::uint64_t> size_;
  std::uint64_t value_ = 0;
};

/// A Callback made of functions; each may be left empty.
class COFS_API FunctionCallback : public Callback {
 public:
  std::function<void(std::optional<std::uint64_t>)> on_size;
  std::function<void(std::uint64_t value, std::optional<std::uint64_t> size)> on_update;
  std::function<std::unique_ptr<Callback>(std::string_view, std::string_view)> on_branch;

  void set_size(std::optional<std::uint64_t> size) override {
    Callback::set_size(size);
    if (on_size) on_size(size);
  }
  void relative_update(std::uint64_t inc) override {
    Callback::relative_update(inc);
    if (on_update) on_update(value_, size_);
  }
  std::unique_ptr<Callback> branch(std::string_view src, std::string_view dst) override {
    return on_branch ? on_branch(src, dst) : nullptr;
  }
};

}  // namespace cofs
