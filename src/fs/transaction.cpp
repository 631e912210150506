// Transactions: writes deferred until the transaction ends, then committed together or
// discarded.
#include <cstdio>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <ranges>
#include <string>
#include <utility>
#include <vector>

#include "cofs/fs/filesystem.hpp"
#include "cofs/runtime/gather.hpp"
#include "fs/transaction_state.hpp"

namespace cofs {

// ---- transactions -------------------------------------------------------------------------------

FileSystem::Transaction::Transaction(FileSystem& fs, DiscardHook on_discard)
    : fs_(fs), on_discard_(std::move(on_discard)), uncaught_(std::uncaught_exceptions()) {
  fs_.start_transaction();
}

namespace {
void report_on_stderr(const FileSystem::Transaction::Discarded& d) {
  if (d.unwinding && !d.failure) return;  // the expected end of a scope left by an exception
  std::string why = "a transaction on " + std::string(d.protocol) + " ended without commit()";
  if (d.unwinding)
    why = "a transaction on " + std::string(d.protocol) + " was left by an exception";
  std::string detail = "its writes were discarded";
  if (d.failure) {
    try {
      std::rethrow_exception(d.failure);
    } catch (const std::exception& e) {
      detail = std::string("discarding its writes failed: ") + e.what();
    } catch (...) {
      detail = "discarding its writes failed";
    }
  }
  std::fprintf(stderr, "cofs: %s: %s\n", why.c_str(), detail.c_str());
}

void report(const FileSystem::Transaction::DiscardHook& hook,
            const FileSystem::Transaction::Discarded& d) noexcept {
  try {
    if (hook) {
      hook(d);
    } else {
      report_on_stderr(d);
    }
  } catch (...) {  // a destructor reports, it does not throw
  }
}
}  // namespace

Task<void> FileSystem::discard_in_background(std::shared_ptr<FileSystem> keep,
                                             std::unique_ptr<TransactionState> state,
                                             Transaction::Discarded d,
                                             Transaction::DiscardHook hook) {
  try {
    co_await keep->finish_transaction(std::move(state), false);
  } catch (...) {
    d.failure = std::current_exception();
  }
  report(hook, d);
}

FileSystem::Transaction::~Transaction() {
  if (ended_) return;
  ended_ = true;
  Discarded d{fs_.protocol(), std::uncaught_exceptions() > uncaught_, nullptr};
  std::unique_ptr<TransactionState> state = fs_.take_transaction();
  if (!state) return;  // ended behind its back (end_transaction): nothing left to discard
  if (fs_.loop().in_loop_thread()) {
    // A coroutine's scope: it cannot block on the loop it runs on. The filesystem is out of the
    // transaction now; the discard runs on the loop next, and reports when done.
    std::shared_ptr<FileSystem> keep = fs_.weak_from_this().lock();
    if (keep) {
      try {
        spawn(fs_.loop(),
              discard_in_background(std::move(keep), std::move(state), d, std::move(on_discard_)));
        return;
      } catch (...) {
        d.failure = std::current_exception();
      }
    } else {
      d.failure = std::make_exception_ptr(InvalidArgumentError(
          "discard", std::string(d.protocol),
          "a transaction of a filesystem not held by a shared_ptr ended on its loop's thread"));
    }
    report(on_discard_, d);
    return;
  }
  try {
    sync(fs_.loop(), fs_.finish_transaction(std::move(state), false));
  } catch (...) {
    d.failure = std::current_exception();
  }
  report(on_discard_, d);
}

namespace {
// commit() and discard() block: refused on the loop's own thread before anything is taken, so
// that the transaction stays open for its destructor.
void check_can_end(FileSystem& fs, bool ended, const char* op) {
  if (ended)
    throw InvalidArgumentError(op, std::string(fs.protocol()), "the transaction has already ended");
  if (fs.loop().in_loop_thread())
    throw InvalidArgumentError(op, std::string(fs.protocol()),
                               "blocks, and this is the loop's own thread: in a coroutine, "
                               "co_await async_end_transaction()");
}
}  // namespace

void FileSystem::Transaction::commit() {
  check_can_end(fs_, ended_, "commit");
  ended_ = true;
  fs_.end_transaction(true);
}

void FileSystem::Transaction::discard() {
  check_can_end(fs_, ended_, "discard");
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

std::unique_ptr<FileSystem::TransactionState> FileSystem::take_transaction() {
  std::lock_guard lock(tx_mutex_);
  return std::move(tx_);
}

Task<void> FileSystem::async_end_transaction(bool commit) {
  std::unique_ptr<TransactionState> state = take_transaction();
  if (!state)
    throw InvalidArgumentError("end_transaction", std::string(protocol()),
                               "no transaction is open");
  co_await finish_transaction(std::move(state), commit);
}

Task<void> FileSystem::finish_transaction(std::unique_ptr<TransactionState> state, bool commit) {
  auto& actions = state->actions;
  auto results = co_await gather(
      actions | std::views::transform([commit](auto& a) { return a(commit); }),
      GatherOptions{
          .batch_size = resolve_batch("end_transaction", std::nullopt, opens_local_files()),
          .return_exceptions = true});
  for (std::size_t i = 0; i < results.size(); ++i) results[i].value();  // the first failure
}

}  // namespace cofs
