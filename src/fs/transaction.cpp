// Transactions: writes deferred until the transaction ends, then committed together or
// discarded.
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "cofs/fs/filesystem.hpp"
#include "cofs/runtime/gather.hpp"
#include "fs/transaction_state.hpp"

namespace cofs {

// ---- transactions -------------------------------------------------------------------------------

FileSystem::Transaction::Transaction(FileSystem& fs)
    : fs_(fs), uncaught_(std::uncaught_exceptions()) {
  fs_.start_transaction();
}

FileSystem::Transaction::~Transaction() noexcept(false) {
  if (ended_) return;
  if (std::uncaught_exceptions() > uncaught_) {
    try {
      discard();
    } catch (...) {
    }
    return;
  }
  commit();
}

void FileSystem::Transaction::commit() {
  ended_ = true;
  fs_.end_transaction(true);
}

void FileSystem::Transaction::discard() {
  ended_ = true;
  fs_.end_transaction(false);
}

void FileSystem::start_transaction() {
  std::lock_guard lock(tx_mutex_);
  if (tx_)
    throw InvalidArgumentError("start_transaction", std::string(protocol()),
                               "a transaction is already open");
  tx_ = std::make_unique<TransactionState>();
}

bool FileSystem::in_transaction() const {
  std::lock_guard lock(tx_mutex_);
  return tx_ != nullptr;
}

bool FileSystem::defer(std::function<Task<void>(bool commit)> action) {
  std::lock_guard lock(tx_mutex_);
  if (!tx_) return false;
  tx_->actions.push_back(std::move(action));
  return true;
}

Task<void> FileSystem::async_end_transaction(bool commit) {
  std::unique_ptr<TransactionState> state;
  {
    std::lock_guard lock(tx_mutex_);
    state = std::move(tx_);
  }
  if (!state)
    throw InvalidArgumentError("end_transaction", std::string(protocol()),
                               "no transaction is open");
  auto& actions = state->actions;
  auto results = co_await gather(
      actions | std::views::transform([commit](auto& a) { return a(commit); }),
      GatherOptions{
          .batch_size = resolve_batch("end_transaction", std::nullopt, opens_local_files()),
          .return_exceptions = true});
  for (std::size_t i = 0; i < results.size(); ++i) results[i].value();  // the first failure
}

}  // namespace cofs
