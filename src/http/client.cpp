#include "cofs/http/client.hpp"

#include <algorithm>
#include <cerrno>
#include <random>
#include <utility>

#include "cofs/http/errors.hpp"
#include "curl_multi.hpp"
#include "http_util.hpp"
#include "transfer.hpp"

namespace cofs::http {

using detail::CurlMulti;
using detail::Transfer;
using detail::TransferWait;
using detail::Until;

const std::string& default_user_agent() {
  static const std::string ua = std::string("cofs/") + COFS_VERSION;
  return ua;
}

const std::string* find_header(const Headers& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (detail::iequals(n, name)) return &v;
  }
  return nullptr;
}

namespace {

constexpr std::size_t kUploadChunk = std::size_t{1} << 20;

struct Verdict {
  std::exception_ptr error;
  bool retryable = false;
  bool status_only = false;  // an error status (the response itself is fine to hand back)
  std::optional<std::chrono::milliseconds> retry_after;
};

bool idempotent(const std::string& method) {
  return method != "POST" && method != "PATCH";
}

std::error_code errc(int e) {
  return {e, std::generic_category()};
}

Verdict network(const Transfer& t, const Request& req, int fallback, std::string_view what,
                bool retryable) {
  int os = t.os_errno();
  std::string detail(what);
  detail += ": ";
  detail += t.error_text();
  return {std::make_exception_ptr(NetworkError(errc(os != 0 ? os : fallback), req.operation,
                                               req.url, detail, static_cast<int>(t.result()))),
          retryable};
}

Verdict judge(const Transfer& t, const Request& req) {
  const std::string& op = req.operation;
  const std::string& url = req.url;
  if (t.error()) return {t.error()};
  const bool idem = idempotent(req.method);
  switch (t.result()) {
    case CURLE_OK:
      break;
    case CURLE_OPERATION_TIMEDOUT:
      // Not retried: a retry would wait the timeout again, past what the caller asked for.
      return {std::make_exception_ptr(TimeoutError(op, url, t.error_text()))};
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_TOO_MANY_REDIRECTS: {
      char* target = nullptr;
      curl_easy_getinfo(t.easy(), CURLINFO_REDIRECT_URL, &target);
      std::string detail = t.result() == CURLE_TOO_MANY_REDIRECTS
                               ? "too many redirects"
                               : "redirect to a URL that is not http or https refused";
      const std::string* location = find_header(t.headers(), "Location");
      if (target != nullptr) {
        detail += std::string(" (to ") + target + ")";
      } else if (location != nullptr) {
        detail += " (to " + *location + ")";
      }
      long s = t.status();
      if (s >= 300 && s < 400)
        return {std::make_exception_ptr(HTTPError(static_cast<int>(s), op, url, detail))};
      return {std::make_exception_ptr(InvalidArgumentError(op, url, t.error_text()))};
    }
    case CURLE_URL_MALFORMAT:
      return {std::make_exception_ptr(InvalidArgumentError(op, url, t.error_text()))};
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return network(t, req, EHOSTUNREACH, "cannot resolve host", true);
    case CURLE_COULDNT_CONNECT:
      return network(t, req, ECONNREFUSED, "cannot connect", true);
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
      return network(t, req, ECONNRESET, "connection failed", idem);
    case CURLE_PARTIAL_FILE:
      return network(t, req, ECONNABORTED, "body shorter than its Content-Length", idem);
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return network(t, req, EPROTO, "HTTP/2 error", idem);
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
      return network(t, req, EPROTO, "TLS", false);
    case CURLE_BAD_CONTENT_ENCODING:
      return network(t, req, EPROTO, "bad Content-Encoding", false);
    default:
      return network(t, req, EIO, "transfer failed", false);
  }
  const long s = t.status();
  Verdict v;
  if (s == 429 || (s >= 500 && s != 501 && s != 505)) {
    v.retryable = idem || s == 429 || s == 503;  // the server asked us to come back
    if (const std::string* ra = find_header(t.headers(), "Retry-After"))
      v.retry_after = detail::parse_retry_after(*ra);
  }
  if (s >= 400) {
    v.error = status_error(s, op, url);
    v.status_only = true;
  }
  return v;
}

std::chrono::milliseconds backoff(const ClientOptions& o, int attempt) {
  thread_local std::minstd_rand rng(std::random_device{}());
  auto d = o.retry_backoff * (std::int64_t{1} << std::min(attempt, 20));
  d = std::min(d, o.retry_backoff_max);
  std::uniform_real_distribution<double> jitter(0.5, 1.0);  // spread clients that failed at once
  return std::chrono::milliseconds(static_cast<std::int64_t>(d.count() * jitter(rng)));
}

/// Puts the request's operation and URL into errors raised by the runtime (a cancellation, the
/// loop's stop), which name the loop instead.
[[noreturn]] void rethrow_for(const Request& req) {
  try {
    throw;
  } catch (const OperationCancelled& e) {
    if (e.path() == req.url) throw;
    throw OperationCancelled(req.operation, req.url, "cancelled");
  } catch (const LoopStoppedError& e) {
    if (e.path() == req.url) throw;
    throw LoopStoppedError(req.operation, req.url, "the IO loop stopped");
  }
}

/// Sends an upload from a BodySource, filling the next chunk while curl sends the previous one.
Task<void> pump_upload(Transfer& t, const Request& req) {
  Bytes a = Bytes::uninitialized(kUploadChunk);
  Bytes b = Bytes::uninitialized(kUploadChunk);
  std::uint64_t offset = 0;
  std::size_t n = co_await req.source(offset, a.mutable_span());
  offset += n;
  t.feed(a.span().first(n));
  t.start();
  bool eof = n == 0;
  while (!eof) {
    n = co_await req.source(offset, b.mutable_span());
    offset += n;
    eof = n == 0;
    co_await TransferWait(t, Until::upload_space);
    if (t.done()) co_return;
    t.feed(b.span().first(n));
    std::swap(a, b);
  }
  co_await TransferWait(t, Until::done);
}

}  // namespace

Client::Client(IoLoop& loop, ClientOptions options) : loop_(loop), options_(std::move(options)) {}

Client::~Client() = default;

namespace {

/// One attempt: a transfer run as far as its mode needs (the whole body; or the headers, and the
/// whole body only when the status is an error, to retry or report it).
Task<std::unique_ptr<Transfer>> attempt_once(IoLoop& loop, const ClientOptions& options,
                                             std::shared_ptr<const Request> req,
                                             Transfer::Mode mode) {
  CurlMulti& multi = CurlMulti::of(loop);
  multi.cap_host_connections(options.max_host_connections);
  auto t = std::make_unique<Transfer>(multi, options, req, mode);
  if (mode == Transfer::Mode::buffer && req->source) {
    co_await pump_upload(*t, *req);
  } else if (mode == Transfer::Mode::buffer) {
    t->start();
    co_await TransferWait(*t, Until::done);
  } else {
    t->start();
    co_await TransferWait(*t, Until::headers);
    if (!t->done() && (t->status() < 200 || t->status() >= 300))
      co_await TransferWait(*t, Until::done);
  }
  co_return std::move(t);
}

/// Attempts until one is final (not retryable, or the retries are spent): returns its transfer,
/// or throws its error. Retries wait out the backoff or the server's Retry-After.
Task<std::unique_ptr<Transfer>> with_retries(IoLoop& loop, const ClientOptions& options,
                                             std::shared_ptr<const Request> req,
                                             Transfer::Mode mode) {
  co_await loop.resume_here();
  const auto began = std::chrono::steady_clock::now();
  for (int attempt = 0;; ++attempt) {
    std::chrono::milliseconds delay{0};
    {
      std::unique_ptr<Transfer> t;
      try {
        t = co_await attempt_once(loop, options, req, mode);
      } catch (...) {
        rethrow_for(*req);
      }
      Verdict v = t->done() ? judge(*t, *req) : Verdict{};
      bool again = v.retryable && attempt < options.retries;
      if (again) {
        delay = v.retry_after ? std::min(*v.retry_after, options.retry_after_max)
                              : backoff(options, attempt);
        // No retry that would start past the call's deadline: the caller gets this error now.
        if (options.retry_deadline)
          again = std::chrono::steady_clock::now() + delay <= began + *options.retry_deadline;
      }
      if (!again) {
        if (v.error && (req->raise_for_status || !v.status_only)) std::rethrow_exception(v.error);
        co_return std::move(t);
      }
    }
    try {
      co_await loop.sleep_for(delay);
    } catch (...) {
      rethrow_for(*req);
    }
  }
}

}  // namespace

Task<Response> Client::fetch(Request request) {
  auto req = std::make_shared<const Request>(std::move(request));
  std::unique_ptr<Transfer> t = co_await with_retries(loop_, options_, req, Transfer::Mode::buffer);
  co_return t->take_response();
}

Task<BodyStream> Client::stream(Request request) {
  auto req = std::make_shared<const Request>(std::move(request));
  if (req->body || req->source)
    throw InvalidArgumentError(req->operation, req->url, "a streamed response takes no upload");
  std::unique_ptr<Transfer> t = co_await with_retries(loop_, options_, req, Transfer::Mode::stream);
  Response r = t->peek_response();
  co_return BodyStream(std::move(t), std::move(r));
}

// ---- BodyStream ---------------------------------------------------------------------------------

BodyStream::BodyStream(std::unique_ptr<Transfer> t, Response r)
    : t_(std::move(t)), response_(std::move(r)) {}
BodyStream::BodyStream(BodyStream&&) noexcept = default;
BodyStream& BodyStream::operator=(BodyStream&&) noexcept = default;
BodyStream::~BodyStream() = default;

Task<std::span<const std::byte>> BodyStream::next(std::size_t min_bytes) {
  Transfer& t = *t_;
  co_await t.loop().resume_here();
  if (t.pending() < std::max<std::size_t>(min_bytes, 1) && !t.done()) {
    t.want(std::max<std::size_t>(min_bytes, 1));
    try {
      co_await TransferWait(t, Until::data);
    } catch (...) {
      rethrow_for(t.request());
    }
  }
  if (t.pending() > 0) {
    std::span<const std::byte> chunk = t.take_chunk();
    consumed_ += chunk.size();
    co_return chunk;
  }
  Verdict v = judge(t, t.request());
  if (v.error && (t.request().raise_for_status || !v.status_only)) std::rethrow_exception(v.error);
  co_return std::span<const std::byte>{};
}

}  // namespace cofs::http
