// Transfer, receiving: response headers, the body into its buffer (the window of a range, the
// limit of max_body_size, streamed bodies decoded in bounded steps) and the streaming consumer's
// side.
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>

#include "cofs/http/errors.hpp"
#include "http_util.hpp"
#include "transfer.hpp"

namespace cofs::http::detail {
namespace {

// A buffered body is reserved from its Content-Length up to this; a larger one grows as it
// arrives (by moving pages, see Bytes), so a lying header cannot make us reserve a terabyte.
constexpr std::uint64_t kReserveMax = std::uint64_t{64} << 20;
// What an error's body may hold when the request keeps it (keep_error_body).
constexpr std::size_t kErrorBodyMax = 64 << 10;

std::error_code protocol_error() {
  return {EPROTO, std::generic_category()};
}

std::atomic<std::size_t> stream_high_water{0};

}  // namespace

size_t Transfer::on_header(char* p, size_t size, size_t n, void* self) {
  auto* t = static_cast<Transfer*>(self);
  std::string_view line(p, size * n);
  try {
    if (line.size() >= 5 && line.substr(0, 5) == "HTTP/") {
      t->headers_.clear();  // a new response (a redirect's, a 100 Continue's ...) begins
      return size * n;
    }
    line = trim(line);
    auto colon = line.find(':');
    if (line.empty() || colon == std::string_view::npos) return size * n;
    t->headers_.emplace_back(std::string(trim(line.substr(0, colon))),
                             std::string(trim(line.substr(colon + 1))));
  } catch (...) {
    t->error_ = std::current_exception();
    return 0;
  }
  return size * n;
}

void Transfer::start_body() {
  body_started_ = true;
  curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status_);
  if (status_ < 200 || status_ >= 300) return;  // an error's body is not kept
  const std::string* enc = find_header(headers_, "Content-Encoding");
  encoded_ = enc != nullptr && !trim(*enc).empty() && !iequals(trim(*enc), "identity");
  curl_off_t cl = -1;
  curl_easy_getinfo(easy_, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
  content_length_ = cl;
  const std::string& op = request_->operation;
  const std::string& url = request_->url;
  if (request_->range) {
    const ByteRange& r = *request_->range;
    if (encoded_) {
      throw NetworkError(protocol_error(), op, url,
                         "the server applied Content-Encoding '" + *enc +
                             "' to a byte range it was asked for unencoded");
    }
    if (status_ == 206) {
      const std::string* cr = find_header(headers_, "Content-Range");
      auto range = cr != nullptr ? parse_content_range(*cr) : std::nullopt;
      if (!range) {
        throw NetworkError(protocol_error(), op, url,
                           "206 Partial Content without a single byte range (Content-Range: " +
                               (cr != nullptr ? *cr : std::string("missing")) + ")");
      }
      if (r.start >= 0 && range->first != static_cast<std::uint64_t>(r.start)) {
        throw NetworkError(protocol_error(), op, url,
                           "asked for bytes from " + std::to_string(r.start) +
                               ", the server sent Content-Range: " + *cr);
      }
      if (r.start >= 0 && r.end && range->last + 1 > static_cast<std::uint64_t>(*r.end))
        limit_ = static_cast<std::uint64_t>(*r.end - r.start);  // more than asked: keep the ask
      range_total_ = range->total;
    } else {
      // The server ignored Range and sends the whole entity: keep only the window asked for.
      range_ignored_ = true;
      if (r.start >= 0) {
        skip_ = static_cast<std::uint64_t>(r.start);
        if (r.end) limit_ = static_cast<std::uint64_t>(*r.end - r.start);
      } else if (cl >= 0) {
        auto want = static_cast<std::uint64_t>(-r.start);
        auto total = static_cast<std::uint64_t>(cl);
        skip_ = total > want ? total - want : 0;
      } else {
        suffix_ = static_cast<std::uint64_t>(-r.start);
      }
      if (cl >= 0) range_total_ = static_cast<std::uint64_t>(cl);
    }
  }
  if (!encoded_ && cl >= 0) {
    auto total = static_cast<std::uint64_t>(cl);
    std::uint64_t want = total > skip_ ? total - skip_ : 0;
    if (limit_) want = std::min(want, *limit_);
    if (max_body_ && want > *max_body_) throw_too_large(want);
    // Held once, never regrown, up to a bound: past it, the header is not trusted with memory.
    if (mode_ == Mode::buffer) body_.reserve(static_cast<std::size_t>(std::min(want, kReserveMax)));
  }
  if (mode_ == Mode::stream && encoded_ && options_.decompress)
    decoder_ = ContentDecoder::for_encoding(*enc, op, url);
}

void Transfer::throw_too_large(std::uint64_t size) const {
  throw Error(std::make_error_code(std::errc::file_too_large), request_->operation, request_->url,
              "the body is larger than max_body_size (" + std::to_string(*max_body_) + " bytes; " +
                  std::to_string(size) + " or more)");
}

void Transfer::count_body(std::uint64_t more) {
  body_bytes_ += more;
  if (max_body_ && body_bytes_ > *max_body_) throw_too_large(body_bytes_);
}

size_t Transfer::on_write(char* p, size_t size, size_t n, void* self) {
  auto* t = static_cast<Transfer*>(self);
  try {
    return t->write(p, size * n);
  } catch (...) {
    t->error_ = std::current_exception();
    return 0;  // ends the transfer with CURLE_WRITE_ERROR; error_ says why
  }
}

size_t Transfer::write(const char* p, size_t n) {
  if (!body_started_) {
    start_body();
    notify();
  }
  if (status_ < 200 || status_ >= 300) {
    if (request_->keep_error_body && body_.size() < kErrorBodyMax)
      body_.append(p, std::min(n, kErrorBodyMax - body_.size()));
    return n;
  }
  if (decoder_) return write_encoded(p, n);
  // Nothing changes before the pause decision: a paused chunk is delivered again later.
  std::size_t skip = static_cast<std::size_t>(std::min<std::uint64_t>(skip_, n));
  std::size_t keep = n - skip;
  bool full = false;
  if (limit_) {
    std::uint64_t room = *limit_ - taken_;
    if (keep >= room) {
      keep = static_cast<std::size_t>(room);
      full = true;
    }
  }
  if (mode_ == Mode::stream && keep > 0 && !body_.empty() && body_.size() + keep > stream_cap_) {
    recv_paused_ = true;
    notify();
    return CURL_WRITEFUNC_PAUSE;
  }
  count_body(keep);
  skip_ -= skip;
  body_.append(p + skip, keep);
  taken_ += keep;
  if (suffix_ && body_.size() > 2 * *suffix_ + kStreamCap) {
    // Keep only the tail asked for while the length is unknown.
    std::size_t drop = body_.size() - static_cast<std::size_t>(*suffix_);
    std::memmove(body_.data(), body_.data() + drop, body_.size() - drop);
    body_.truncate(body_.size() - drop);
  }
  if (full) {
    stopped_early_ = true;  // the window is complete: the rest of the entity is not wanted
    return 0;
  }
  if (mode_ == Mode::stream) {
    note_buffered();
    notify();
  }
  return n;
}

size_t Transfer::write_encoded(const char* p, size_t n) {
  // Encoded input is taken only when the last is decoded and there is room: otherwise curl keeps
  // this block (at most its receive buffer) until the consumer catches up.
  if (!encoded_in_.empty() || body_.size() >= stream_cap_) {
    recv_paused_ = true;
    notify();
    return CURL_WRITEFUNC_PAUSE;
  }
  std::span<const std::byte> in(reinterpret_cast<const std::byte*>(p), n);
  in = in.subspan(decode_into_body(in));
  encoded_in_.append(in);  // decoded when the consumer takes the next chunk
  note_buffered();
  notify();
  return n;
}

std::size_t Transfer::decode_into_body(std::span<const std::byte> in) {
  std::size_t used = 0;
  while (body_.size() < stream_cap_ && !decoder_->finished()) {
    const std::size_t at = body_.size();
    body_.resize_uninitialized(stream_cap_);
    ContentDecoder::Step step;
    try {
      step = decoder_->decode(in.subspan(used), body_.mutable_span().subspan(at));
    } catch (...) {
      body_.truncate(at);
      throw;
    }
    body_.truncate(at + step.produced);
    used += step.consumed;
    count_body(step.produced);
    if (step.consumed == 0 && step.produced == 0) break;
  }
  if (decoder_->finished()) used = in.size();  // what follows the end is ignored
  return used;
}

void Transfer::refill_decoded() {
  std::size_t used = decode_into_body(encoded_in_.span());
  if (used > 0) {
    std::memmove(encoded_in_.data(), encoded_in_.data() + used, encoded_in_.size() - used);
    encoded_in_.truncate(encoded_in_.size() - used);
  }
  note_buffered();
}

void Transfer::check_decoded_end() noexcept {
  // Everything curl delivered is decoded and handed out, yet the encoded stream did not end: the
  // body was cut short (its Content-Length, if any, described the short body).
  if (!decoder_ || !done_ || result_ != CURLE_OK || error_ || decoder_->finished()) return;
  if (!body_.empty() || !encoded_in_.empty()) return;
  error_ = std::make_exception_ptr(NetworkError(
      {ECONNABORTED, std::generic_category()}, request_->operation, request_->url,
      "the " + std::string(decoder_->coding()) + " body ends before its encoded stream does"));
}

void Transfer::note_buffered() const noexcept {
  const std::size_t held = body_.size() + handed_.size() + encoded_in_.size();
  std::size_t seen = stream_high_water.load(std::memory_order_relaxed);
  while (held > seen &&
         !stream_high_water.compare_exchange_weak(seen, held, std::memory_order_relaxed)) {
  }
}

std::span<const std::byte> Transfer::take_chunk() {
  handed_.clear();
  std::swap(body_, handed_);
  if (decoder_ && !error_) {
    try {
      refill_decoded();
    } catch (...) {
      // Corrupt input or too large: the transfer ends with that error.
      if (done_) {
        error_ = std::current_exception();
      } else {
        cancel(std::current_exception());
      }
    }
    check_decoded_end();
    if (!encoded_in_.empty()) return handed_.span();  // more decoded output first
  }
  if (recv_paused_) {
    recv_paused_ = false;
    // May deliver curl's held-back data into body_ before it returns.
    if (added_) curl_easy_pause(easy_, CURLPAUSE_CONT);
  }
  return handed_.span();
}

}  // namespace cofs::http::detail

namespace cofs::http {

std::size_t stream_buffer_high_water() noexcept {
  return detail::stream_high_water.load(std::memory_order_relaxed);
}

}  // namespace cofs::http
