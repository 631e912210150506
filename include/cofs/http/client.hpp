// Client: HTTP requests as coroutines on an IoLoop, on the loop's shared curl multi handle (see
// docs/http.md). fetch() gives a whole response; stream() gives the status and headers and then the
// body chunk by chunk, with bounded memory (the transfer pauses while the consumer is busy).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "cofs/export.hpp"
#include "cofs/http/client_options.hpp"
#include "cofs/http/request.hpp"
#include "cofs/runtime/io_loop.hpp"
#include "cofs/runtime/task.hpp"

namespace cofs::http {

namespace detail {
class Transfer;
}

/// The body of a streamed response. Move-only; destroying it ends the transfer.
class COFS_API BodyStream {
 public:
  BodyStream(BodyStream&&) noexcept;
  BodyStream& operator=(BodyStream&&) noexcept;
  ~BodyStream();

  /// Status, headers and URL of the response (its body is empty: read it with next()).
  const Response& response() const noexcept { return response_; }
  /// The next chunk of the body, of at least `min_bytes` unless the body ends first; an empty span
  /// at the end. Valid until the next call. Throws when the transfer fails (a body cut short
  /// included), so a consumer never takes a prefix for the whole.
  Task<std::span<const std::byte>> next(std::size_t min_bytes = 1);
  /// Body bytes handed out so far.
  std::uint64_t consumed() const noexcept { return consumed_; }

 private:
  friend class Client;
  BodyStream(std::unique_ptr<detail::Transfer> t, Response r);
  std::unique_ptr<detail::Transfer> t_;
  Response response_;
  std::uint64_t consumed_ = 0;
};

/// The most body bytes any streamed transfer of this process has held at once (its buffer, the
/// consumer's chunk and undecoded input): what bounds streaming memory, decoded bodies included.
COFS_API std::size_t stream_buffer_high_water() noexcept;

class COFS_API Client {
 public:
  explicit Client(IoLoop& loop, ClientOptions options = {});
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  ~Client();

  IoLoop& loop() const noexcept { return loop_; }
  const ClientOptions& options() const noexcept { return options_; }

  /// Sends `request` (with retries) and returns the whole response. Throws FileNotFoundError
  /// (404, 410), PermissionError (401, 403), HTTPError, NetworkError, TimeoutError,
  /// InvalidArgumentError (bad URL or header); each names request.operation and the URL.
  Task<Response> fetch(Request request);
  /// Like fetch(), but returns once the response's headers are in; the body follows through the
  /// stream. Retries happen before any body byte is handed out, never after.
  Task<BodyStream> stream(Request request);

 private:
  IoLoop& loop_;
  ClientOptions options_;
};

}  // namespace cofs::http
