// The deferred writes of a filesystem's open transaction (filesystem.cpp defers them,
// transaction.cpp ends the transaction).
#pragma once

#include <functional>
#include <vector>

#include "cofs/fs/filesystem.hpp"

namespace cofs {

struct FileSystem::TransactionState {
  std::vector<std::function<Task<void>(bool)>> actions;
};

}  // namespace cofs
