// The frames of a loop's turns on its thread (internal to src/runtime): what tells a turn that
// the loop was destroyed under it, and the ready coroutines a round resumes.
#pragma once

#include <coroutine>
#include <memory>
#include <utility>
#include <vector>

#include "cofs/runtime/io_loop.hpp"
#include "loop_core.hpp"
#include "reactor.hpp"

namespace cofs::detail {

/// A run() or run_once() on the loop's thread. When the loop is destroyed under it (by a coroutine
/// it resumed), the frame is told so, and keeps the reactor alive until the poll that may be
/// dispatching has returned; every step of the turn checks it before touching the loop again.
struct LoopCore::RunFrame {
  LoopCore* loop;
  RunFrame* outer;
  bool loop_destroyed = false;
  std::unique_ptr<Reactor> reactor;
  explicit RunFrame(LoopCore* l) : loop(l), outer(std::exchange(l->run_frame_, this)) {}
  ~RunFrame() {
    if (!loop_destroyed) loop->run_frame_ = outer;
  }
  RunFrame(const RunFrame&) = delete;
  RunFrame& operator=(const RunFrame&) = delete;
};

/// The ready coroutines one round of run_ready() resumes, and how far it got.
struct LoopCore::ReadyBatch {
  std::vector<std::coroutine_handle<>> handles;
  std::size_t next = 0;
  ReadyBatch* outer = nullptr;
};

}  // namespace cofs::detail
