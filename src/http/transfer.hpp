// Transfer: one attempt of one request on a curl easy handle, and TransferWait, the awaitable that
// suspends a coroutine until the transfer reaches a point (its end, its first body byte, data for a
// streaming consumer, room for more upload bytes). The body lands in a Bytes (pre-sized from
// Content-Length, up to a bound) or, streaming, in a bounded buffer that pauses the transfer when
// full. A streamed body with a Content-Encoding is decoded here, not by curl (ContentDecoder says
// why), so that a paused transfer holds encoded input, never an unbounded decoded backlog.
#pragma once

#include <curl/curl.h>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "cofs/fs/bytes.hpp"
#include "cofs/http/client_options.hpp"
#include "cofs/http/request.hpp"
#include "cofs/runtime/io_loop.hpp"
#include "content_decoder.hpp"

namespace cofs::http::detail {

// A streaming consumer holds one chunk while curl fills the next: at most twice this in memory.
inline constexpr std::size_t kStreamCap = std::size_t{1} << 20;

class CurlMulti;
class TransferWait;

enum class Until { done, headers, data, upload_space };

class Transfer {
 public:
  enum class Mode { buffer, stream };

  /// Configures the easy handle. Throws InvalidArgumentError for a bad URL or header.
  Transfer(CurlMulti& multi, const ClientOptions& options, std::shared_ptr<const Request> request,
           Mode mode);
  ~Transfer();
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;

  void start();
  /// Withdraws the transfer (a cancelled waiter); it ends with `why`.
  void cancel(std::exception_ptr why) noexcept;
  bool reached(Until u) const noexcept;
  void set_waiter(TransferWait* w) noexcept { waiter_ = w; }
  IoLoop& loop() const noexcept { return loop_; }
  const char* operation() const noexcept { return request_->operation.c_str(); }
  const Request& request() const noexcept { return *request_; }
  const Headers& headers() const noexcept { return headers_; }

  // ---- called by CurlMulti ----
  void finish(CURLcode result) noexcept;
  void detach(std::exception_ptr why) noexcept;  // the multi is going away
  Transfer* next_ = nullptr;
  Transfer* prev_ = nullptr;
  CURL* easy() const noexcept { return easy_; }
  bool added() const noexcept { return added_; }

  // ---- outcome (valid once done) ----
  bool done() const noexcept { return done_; }
  CURLcode result() const noexcept { return result_; }
  std::exception_ptr error() const noexcept { return error_; }  // from the callbacks or the loop
  long status() const noexcept { return status_; }
  bool body_started() const noexcept { return body_started_; }
  std::string error_text() const;  // curl's message for result()
  int os_errno() const noexcept;
  /// Moves status, headers, URL and (buffer mode) body out.
  Response take_response();
  /// Status, headers and URL (a streaming transfer keeps running).
  Response peek_response() const;
  void want(std::size_t n) noexcept;

  // ---- streaming download ----
  /// Hands the buffered body bytes to the consumer (valid until the next call) and resumes a
  /// paused transfer.
  std::span<const std::byte> take_chunk();
  std::size_t pending() const noexcept { return body_.size(); }

  // ---- streaming upload ----
  /// Gives curl the next upload bytes (empty: the end of the body) and resumes a paused send.
  void feed(std::span<const std::byte> bytes) noexcept;

 private:
  static size_t on_write(char* p, size_t size, size_t n, void* self);
  static size_t on_header(char* p, size_t size, size_t n, void* self);
  static size_t on_read(char* p, size_t size, size_t n, void* self);
  static int on_seek(void* self, curl_off_t offset, int origin);
  size_t write(const char* p, size_t n);
  size_t write_encoded(const char* p, size_t n);
  /// Decodes from `in` (then from what zlib holds) into body_ up to stream_cap_; returns the
  /// input used.
  std::size_t decode_into_body(std::span<const std::byte> in);
  /// After the consumer took a chunk: decodes the waiting input, resumes curl when it is used up.
  void refill_decoded();
  void check_decoded_end() noexcept;
  void count_body(std::uint64_t more);  // enforces max_body_size
  [[noreturn]] void throw_too_large(std::uint64_t size) const;
  void start_body();
  void settle_body() noexcept;
  void notify() noexcept;
  void note_buffered() const noexcept;  // for stream_buffer_high_water()
  void configure();

  CurlMulti* multi_;
  IoLoop& loop_;
  const ClientOptions& options_;
  std::shared_ptr<const Request> request_;
  Mode mode_;
  CURL* easy_ = nullptr;
  curl_slist* header_list_ = nullptr;
  char errbuf_[CURL_ERROR_SIZE] = {};
  TransferWait* waiter_ = nullptr;
  long errno_before_ = 0;  // curl keeps a handle's last OS error across transfers
  std::optional<std::uint64_t> max_body_;
  std::uint64_t body_bytes_ = 0;  // kept (decoded) body bytes so far, for max_body_

  bool added_ = false;
  bool done_ = false;
  CURLcode result_ = CURLE_OK;
  std::exception_ptr error_;

  long status_ = 0;
  Headers headers_;
  bool body_started_ = false;
  bool encoded_ = false;  // a non-identity Content-Encoding
  std::int64_t content_length_ = -1;

  // The requested window of a ranged request the server answered with the whole entity.
  bool range_ignored_ = false;
  std::uint64_t skip_ = 0;
  std::optional<std::uint64_t> limit_;
  std::uint64_t taken_ = 0;
  std::optional<std::uint64_t> suffix_;  // keep the last N bytes (total unknown up front)
  bool stopped_early_ = false;           // we ended the transfer once the window was full
  std::optional<std::uint64_t> range_total_;

  Bytes body_;    // buffer mode; streaming: bytes waiting for the consumer
  Bytes handed_;  // streaming: the chunk the consumer holds
  std::unique_ptr<ContentDecoder> decoder_;  // streaming with a Content-Encoding
  Bytes encoded_in_;  // streaming: encoded input accepted from curl, not yet decoded
  std::size_t want_ = 1;
  std::size_t stream_cap_ = 0;
  bool recv_paused_ = false;

  std::size_t upload_pos_ = 0;  // memory body
  std::span<const std::byte> upload_cur_;
  bool upload_eof_ = false;
  bool need_data_ = false;
  bool send_paused_ = false;
};

/// Suspends until `t` reaches `until`. Cancelling the awaiting coroutine withdraws the transfer.
class TransferWait : public cofs::detail::LeafOp {
 public:
  TransferWait(Transfer& t, Until until) noexcept : LeafOp(t.loop()), t_(t), until_(until) {}
  TransferWait(TransferWait&& o) noexcept : LeafOp(std::move(o)), t_(o.t_), until_(o.until_) {}
  bool await_ready() const noexcept { return t_.reached(until_); }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    if (!begin(h, t_.operation())) return false;
    t_.set_waiter(this);
    return true;
  }
  void await_resume() { end(); }

  Until until() const noexcept { return until_; }
  void wake() noexcept { complete(); }

 private:
  bool withdraw() noexcept override;
  Transfer& t_;
  Until until_;
};

}  // namespace cofs::http::detail
