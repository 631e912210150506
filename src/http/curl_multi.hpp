// CurlMulti: the one curl multi handle of an IoLoop. curl's sockets are watched by the loop's
// reactor (CURLMOPT_SOCKETFUNCTION) and its timeout is a loop timer (CURLMOPT_TIMERFUNCTION), so
// every transfer of the loop advances from readiness events: no thread per request, no polling.
// A service of the loop, made on first use on the loop's thread; the loop's stop ends its
// transfers and releases the handle, the loop's end frees it.
#pragma once

#include <curl/curl.h>

#include <cstddef>
#include <exception>
#include <unordered_map>
#include <vector>

#include "cofs/backend/loop.hpp"
#include "cofs/backend/service.hpp"
#include "cofs/runtime/io_loop.hpp"

namespace cofs::http::detail {

class Transfer;

class CurlMulti final : public backend::LoopService, public PendingOp, private TimerNode {
 public:
  /// The loop's multi handle, made on first use. Loop thread only; throws LoopStoppedError when
  /// the loop is stopping.
  static CurlMulti& of(IoLoop& loop);

  IoLoop& loop() const noexcept { return loop_; }
  /// Every live transfer is linked here, so that the loop's stop can reach it.
  void link(Transfer& t) noexcept;
  void unlink(Transfer& t) noexcept;
  /// Starts `t` (curl_multi_add_handle). Throws on failure.
  void add(Transfer& t);
  /// Withdraws `t` from curl; its completion will not be reported.
  void remove(Transfer& t) noexcept;
  /// Easy handles are recycled: a fresh one costs allocations and a reset one keeps its buffers.
  CURL* take_easy();
  void give_back(CURL* easy) noexcept;
  /// Applies a per-host connection cap; the smallest asked for wins.
  void cap_host_connections(long n) noexcept;
  std::size_t active() const noexcept { return active_; }
  /// How many multi handles exist in the process (one per loop that made HTTP requests, freed
  /// with the loop; for tests).
  static std::size_t alive() noexcept;

  explicit CurlMulti(IoLoop& loop);  // through of()
  ~CurlMulti() override;

 private:
  void abort(std::exception_ptr why) noexcept override;  // the loop is stopping
  void shutdown() noexcept override;
  void fork_child() noexcept override;

  static int on_socket(CURL* easy, curl_socket_t s, int what, void* self, void* socketp);
  static int on_timer(CURLM* multi, long timeout_ms, void* self);
  void on_ready(curl_socket_t s, std::uint32_t events);
  void on_timeout();
  void drain();

  IoLoop& loop_;
  CURLM* multi_ = nullptr;
  std::unordered_map<curl_socket_t, FdWatch*> watches_;
  std::vector<CURL*> idle_;
  Transfer* head_ = nullptr;  // live transfers, for the loop's stop
  std::size_t active_ = 0;
  long host_cap_ = 0;
};

}  // namespace cofs::http::detail
