// Transactions: the handle (commit, discard, the destructor's discard and its report) and the
// end of a view's transaction, which runs the deferred writes. The view's forwarding of every
// other call is in transaction_view.cpp.
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

namespace cofs {

Transaction FileSystem::transaction(std::function<void(const TransactionDiscarded&)> on_discard) {
  return Transaction(*this, std::move(on_discard));
}

// ---- the end of a view's transaction -----------------------------------------------------------

std::string TransactionFileSystem::subject() const {
  return std::string(protocol()) + " transaction";
}

void TransactionFileSystem::defer(std::string_view op, std::string path,
                                  std::function<Task<void>(bool commit)> action) {
  std::lock_guard lock(mutex_);
  if (ended_as_ != nullptr)
    throw InvalidArgumentError(op, path,
                               std::string("written through a transaction that has ended (") +
                                   ended_as_ + "): the write was dropped");
  auto [at, fresh] = index_.try_emplace(path, live_.size());
  if (fresh) {
    live_.push_back({std::move(path), std::move(action)});
  } else {
    superseded_.push_back(std::move(live_[at->second]));
    live_[at->second] = {std::move(path), std::move(action)};
  }
}

bool TransactionFileSystem::ended() const {
  std::lock_guard lock(mutex_);
  return ended_as_ != nullptr;
}

std::optional<TransactionFileSystem::Taken> TransactionFileSystem::take(bool commit) {
  std::lock_guard lock(mutex_);
  if (ended_as_ != nullptr) return std::nullopt;
  ended_as_ = commit ? "committed" : "discarded";
  Taken t{std::move(live_), std::move(superseded_)};
  live_.clear();
  superseded_.clear();
  index_.clear();
  return t;
}

Task<void> TransactionFileSystem::run(Taken taken, bool commit) {
  // Every write at once (each to its own path); the superseded ones are only dropped.
  std::vector<std::pair<Deferred*, bool>> steps;
  steps.reserve(taken.live.size() + taken.superseded.size());
  for (Deferred& d : taken.live) steps.emplace_back(&d, commit);
  for (Deferred& d : taken.superseded) steps.emplace_back(&d, false);
  auto results = co_await gather(
      steps | std::views::transform([](auto& s) { return s.first->action(s.second); }),
      GatherOptions{
          .batch_size = resolve_batch("end_transaction", std::nullopt, opens_local_files()),
          .return_exceptions = true});
  for (std::size_t i = 0; i < results.size(); ++i) results[i].value();  // the first failure
}

Task<void> TransactionFileSystem::end(std::string op, bool commit) {
  std::optional<Taken> taken = take(commit);
  if (!taken) {
    std::lock_guard lock(mutex_);
    throw InvalidArgumentError(
        op, subject(), std::string("the transaction has already ended (") + ended_as_ + ")");
  }
  co_await run(std::move(*taken), commit);
}

// ---- the handle ---------------------------------------------------------------------------------

Transaction::Transaction(FileSystem& fs, DiscardHook on_discard)
    : view_(std::make_shared<TransactionFileSystem>(fs)),
      on_discard_(std::move(on_discard)),
      uncaught_(std::uncaught_exceptions()) {}

namespace {
void report_on_stderr(const Transaction::Discarded& d) {
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

void report(const Transaction::DiscardHook& hook, const Transaction::Discarded& d) noexcept {
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

Task<void> Transaction::discard_in_background(std::shared_ptr<TransactionFileSystem> view,
                                              TransactionFileSystem::Taken taken, Discarded d,
                                              DiscardHook hook) {
  try {
    co_await view->run(std::move(taken), false);
  } catch (...) {
    d.failure = std::current_exception();
  }
  report(hook, d);
}

Transaction::~Transaction() {
  Discarded d{view_->protocol(), std::uncaught_exceptions() > uncaught_, nullptr};
  // Ended at once: a write through the view from now on is refused, not half kept.
  std::optional<TransactionFileSystem::Taken> taken = view_->take(false);
  if (!taken) return;  // committed or discarded already
  IoLoop& loop = view_->loop();
  if (loop.in_loop_thread()) {
    // A coroutine's scope: it cannot block on the loop it runs on. The discard runs on the loop
    // next, and reports when done.
    try {
      spawn(loop, discard_in_background(view_, std::move(*taken), d, std::move(on_discard_)));
      return;
    } catch (...) {
      d.failure = std::current_exception();
    }
    report(on_discard_, d);
    return;
  }
  try {
    sync(loop, view_->run(std::move(*taken), false));
  } catch (...) {
    d.failure = std::current_exception();
  }
  report(on_discard_, d);
}

namespace {
// commit() and discard() block: refused on the loop's own thread before anything is taken, so
// that the transaction stays open for its destructor or its async_ twin.
void check_can_block(TransactionFileSystem& view, const char* op) {
  if (view.loop().in_loop_thread())
    throw InvalidArgumentError(op, std::string(view.protocol()) + " transaction",
                               std::string("blocks, and this is the loop's own thread: in a "
                                           "coroutine, co_await async_") +
                                   op + "()");
}
}  // namespace

void Transaction::commit() {
  check_can_block(*view_, "commit");
  sync(view_->loop(), async_commit());
}

void Transaction::discard() {
  check_can_block(*view_, "discard");
  sync(view_->loop(), async_discard());
}

}  // namespace cofs
