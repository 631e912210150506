#include "transfer.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <string>

#include "cofs/http/errors.hpp"
#include "curl_multi.hpp"
#include "http_util.hpp"

namespace cofs::http::detail {
namespace {

int http_version(CURL* e) {
  long v = 0;
  curl_easy_getinfo(e, CURLINFO_HTTP_VERSION, &v);
  switch (v) {
    case CURL_HTTP_VERSION_1_0:
      return 10;
    case CURL_HTTP_VERSION_1_1:
      return 11;
    case CURL_HTTP_VERSION_2_0:
      return 20;
    case CURL_HTTP_VERSION_3:
      return 30;
    default:
      return 0;
  }
}

}  // namespace

Transfer::Transfer(CurlMulti& multi, const ClientOptions& options,
                   std::shared_ptr<const Request> request, Mode mode)
    : multi_(&multi),
      loop_(multi.loop()),
      options_(options),
      request_(std::move(request)),
      mode_(mode) {
  check_url(request_->url, request_->operation);
  max_body_ = request_->max_body_size;
  if (!max_body_ && mode_ == Mode::buffer) max_body_ = options_.max_body_size;
  easy_ = multi.take_easy();
  try {
    configure();
  } catch (...) {
    curl_slist_free_all(header_list_);
    multi.give_back(easy_);
    throw;
  }
  multi.link(*this);
}

Transfer::~Transfer() {
  if (added_ && multi_ != nullptr) multi_->remove(*this);
  if (multi_ != nullptr) {
    multi_->unlink(*this);
    multi_->give_back(easy_);
  } else {
    curl_easy_cleanup(easy_);
  }
  curl_slist_free_all(header_list_);
}

void Transfer::configure() {
  CURL* e = easy_;
  const std::string& op = request_->operation;
  const std::string& url = request_->url;
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_PRIVATE, this);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf_);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  if (request_->path_as_is) curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, options_.follow_redirects ? 1L : 0L);
  curl_easy_setopt(e, CURLOPT_MAXREDIRS, options_.max_redirects);
  const std::string& ua = options_.user_agent.empty() ? default_user_agent() : options_.user_agent;
  check_header("User-Agent", ua, op, url);
  curl_easy_setopt(e, CURLOPT_USERAGENT, ua.c_str());

  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  if (options_.total_timeout)
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.total_timeout->count()));
  if (options_.low_speed_limit > 0 && options_.low_speed_time.count() > 0) {
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, options_.low_speed_limit);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options_.low_speed_time.count()));
  }

  long version = CURL_HTTP_VERSION_2TLS;
  switch (options_.http_version) {
    case HttpVersion::automatic:
      version = CURL_HTTP_VERSION_NONE;
      break;
    case HttpVersion::http1_1:
      version = CURL_HTTP_VERSION_1_1;
      break;
    case HttpVersion::http2:
      version = CURL_HTTP_VERSION_2_0;
      break;
    case HttpVersion::http2_tls:
      version = CURL_HTTP_VERSION_2TLS;
      break;
  }
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, version);
  // Wait for a connection that may multiplex rather than open another one: only HTTP/2 over TLS
  // multiplexes. Plain http:// is HTTP/1.1 (or an h2c upgrade of one), where waiting queues every
  // request behind the first response.
  const bool tls = url.size() >= 8 && iequals(std::string_view(url).substr(0, 8), "https://");
  if (version != CURL_HTTP_VERSION_1_1 && tls) curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);

  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, options_.verify_tls ? 1L : 0L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L);
  if (!options_.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, options_.ca_file.c_str());
  if (!options_.proxy.empty()) curl_easy_setopt(e, CURLOPT_PROXY, options_.proxy.c_str());

  if (options_.basic_auth) {
    curl_easy_setopt(e, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
    curl_easy_setopt(e, CURLOPT_USERNAME, options_.basic_auth->first.c_str());
    curl_easy_setopt(e, CURLOPT_PASSWORD, options_.basic_auth->second.c_str());
  } else if (!options_.bearer_token.empty()) {
    check_header("Authorization", options_.bearer_token, op, url);
    curl_easy_setopt(e, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BEARER));
    curl_easy_setopt(e, CURLOPT_XOAUTH2_BEARER, options_.bearer_token.c_str());
  }

  auto add_header = [&](std::string_view name, std::string_view value) {
    check_header(name, value, op, url);
    std::string line(name);
    line += value.empty() ? ";" : ": ";  // "Name;" is curl's way to send an empty value
    line += value;
    curl_slist* l = curl_slist_append(header_list_, line.c_str());
    if (l == nullptr) throw std::bad_alloc();
    header_list_ = l;
  };
  for (const auto& [n, v] : options_.headers) add_header(n, v);
  for (const auto& [n, v] : request_->headers) add_header(n, v);

  const std::string& m = request_->method;
  const bool uploads = request_->body.has_value() || static_cast<bool>(request_->source);
  if (m == "GET") {
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  } else if (m == "HEAD") {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  } else if (m == "POST") {
    curl_easy_setopt(e, CURLOPT_POST, 1L);
  } else if (m == "PUT" || uploads) {
    curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
    if (m != "PUT") curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m.c_str());
  } else {
    for (char c : m) {
      if (!std::isupper(static_cast<unsigned char>(c)))
        throw InvalidArgumentError(op, url, "bad HTTP method '" + m + "'");
    }
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m.c_str());
  }
  if (uploads) {
    std::optional<std::uint64_t> size = request_->source_size;
    if (request_->body) size = request_->body->size();
    curl_off_t n = size ? static_cast<curl_off_t>(*size) : -1;
    if (m == "POST") {
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, n);
      if (!size) add_header("Transfer-Encoding", "chunked");
    } else {
      curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, n);
    }
    curl_easy_setopt(e, CURLOPT_READFUNCTION, &Transfer::on_read);
    curl_easy_setopt(e, CURLOPT_READDATA, this);
    curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, &Transfer::on_seek);
    curl_easy_setopt(e, CURLOPT_SEEKDATA, this);
    add_header("Expect", "");  // no 100-continue round trip
  } else if (m == "POST") {
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t{0});
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
  }

  if (request_->range) {
    const ByteRange& r = *request_->range;
    std::string spec;
    if (r.start < 0) {
      if (r.end) throw InvalidArgumentError(op, url, "a suffix range has no end");
      spec = "-" + std::to_string(-r.start);
    } else {
      if (r.end && *r.end <= r.start) throw InvalidArgumentError(op, url, "empty byte range");
      spec = std::to_string(r.start) + "-";
      if (r.end) spec += std::to_string(*r.end - 1);
    }
    curl_easy_setopt(e, CURLOPT_RANGE, spec.c_str());
    // Ranges apply to the encoded representation: ask for none, so the bytes are the file's.
    add_header("Accept-Encoding", "identity");
  } else if (m == "GET" && options_.decompress && mode_ == Mode::buffer) {
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");  // all curl can decode
  } else if (m == "GET" && options_.decompress) {
    // Streamed: decoded here (see ContentDecoder), so only what zlib decodes is asked for.
    if (find_header(options_.headers, "Accept-Encoding") == nullptr &&
        find_header(request_->headers, "Accept-Encoding") == nullptr)
      add_header("Accept-Encoding", "gzip, deflate");
  }
  if (mode_ == Mode::stream) curl_easy_setopt(e, CURLOPT_HTTP_CONTENT_DECODING, 0L);
  if (header_list_ != nullptr) curl_easy_setopt(e, CURLOPT_HTTPHEADER, header_list_);
  if (request_->buffer_size > 0)
    curl_easy_setopt(e, CURLOPT_BUFFERSIZE, static_cast<long>(request_->buffer_size));

  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Transfer::on_write);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Transfer::on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, this);
  stream_cap_ = kStreamCap;
}

void Transfer::start() {
  curl_easy_getinfo(easy_, CURLINFO_OS_ERRNO, &errno_before_);
  multi_->add(*this);
  added_ = true;
}

void Transfer::cancel(std::exception_ptr why) noexcept {
  if (added_ && multi_ != nullptr) multi_->remove(*this);
  added_ = false;
  if (!done_) {
    done_ = true;
    error_ = std::move(why);
    result_ = CURLE_ABORTED_BY_CALLBACK;
  }
}

void Transfer::detach(std::exception_ptr why) noexcept {
  multi_ = nullptr;
  added_ = false;
  if (!done_) {
    done_ = true;
    error_ = std::move(why);
    result_ = CURLE_ABORTED_BY_CALLBACK;
  }
  notify();
}

bool Transfer::reached(Until u) const noexcept {
  switch (u) {
    case Until::done:
      return done_;
    case Until::headers:
      return done_ || body_started_;
    case Until::data:
      return done_ || body_.size() >= want_ || recv_paused_;
    case Until::upload_space:
      return done_ || need_data_;
  }
  return done_;
}

void Transfer::notify() noexcept {
  if (waiter_ != nullptr && reached(waiter_->until())) std::exchange(waiter_, nullptr)->wake();
}

bool TransferWait::withdraw() noexcept {
  t_.set_waiter(nullptr);
  t_.cancel(nullptr);
  return true;
}

void Transfer::finish(CURLcode result) noexcept {
  added_ = false;
  done_ = true;
  result_ = result;
  if (!body_started_) curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status_);
  if (result_ == CURLE_WRITE_ERROR && stopped_early_ && !error_) result_ = CURLE_OK;
  settle_body();
  check_decoded_end();
  notify();
}

void Transfer::settle_body() noexcept {
  if (result_ != CURLE_OK || status_ < 200 || status_ >= 300) return;
  if (suffix_ && body_.size() > *suffix_) {
    std::size_t drop = body_.size() - static_cast<std::size_t>(*suffix_);
    std::memmove(body_.data(), body_.data() + drop, body_.size() - drop);
    body_.truncate(body_.size() - drop);
  }
  if (stopped_early_ || encoded_ || content_length_ < 0 || request_->method == "HEAD") return;
  curl_off_t got = 0;
  curl_easy_getinfo(easy_, CURLINFO_SIZE_DOWNLOAD_T, &got);
  if (got < content_length_) result_ = CURLE_PARTIAL_FILE;  // never short data as if whole
}

std::string Transfer::error_text() const {
  if (errbuf_[0] != '\0') {
    std::string s(errbuf_);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  }
  return curl_easy_strerror(result_);
}

int Transfer::os_errno() const noexcept {
  // curl sets a handle's OS error where a socket call fails and never clears it (curl_easy_reset
  // leaves it): it is this transfer's only for a socket failure, and only if it changed. Other
  // failures (a body cut short, TLS) say their own cause through the caller's fallback.
  switch (result_) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
      break;
    default:
      return 0;
  }
  long err = 0;
  curl_easy_getinfo(easy_, CURLINFO_OS_ERRNO, &err);
  return err == errno_before_ ? 0 : static_cast<int>(err);
}

Response Transfer::peek_response() const {
  Response r;
  r.status = status_;
  r.headers = headers_;
  char* eff = nullptr;
  curl_easy_getinfo(easy_, CURLINFO_EFFECTIVE_URL, &eff);
  r.url = eff != nullptr ? eff : request_->url;
  r.http_version = http_version(easy_);
  r.range_ignored = range_ignored_;
  r.content_range_total = range_total_;
  return r;
}

void Transfer::want(std::size_t n) noexcept {
  want_ = n;
  stream_cap_ = std::max(stream_cap_, 2 * n);  // room to keep receiving while a chunk is consumed
}

Response Transfer::take_response() {
  Response r;
  r.status = status_;
  r.headers = std::move(headers_);
  char* eff = nullptr;
  curl_easy_getinfo(easy_, CURLINFO_EFFECTIVE_URL, &eff);
  r.url = eff != nullptr ? eff : request_->url;
  r.http_version = http_version(easy_);
  if (mode_ == Mode::buffer) r.body = std::move(body_);
  r.range_ignored = range_ignored_;
  r.content_range_total = range_total_;
  return r;
}

// ---- sending ----------------------------------------------------------------------------------

size_t Transfer::on_read(char* p, size_t size, size_t n, void* self) {
  auto* t = static_cast<Transfer*>(self);
  const std::size_t cap = size * n;
  if (t->request_->body) {
    std::span<const std::byte> b = *t->request_->body;
    std::size_t k = std::min(cap, b.size() - std::min(b.size(), t->upload_pos_));
    if (k > 0) std::memcpy(p, b.data() + t->upload_pos_, k);
    t->upload_pos_ += k;
    return k;
  }
  if (!t->upload_cur_.empty()) {
    std::size_t k = std::min(cap, t->upload_cur_.size());
    std::memcpy(p, t->upload_cur_.data(), k);
    t->upload_cur_ = t->upload_cur_.subspan(k);
    if (t->upload_cur_.empty() && !t->upload_eof_) {
      t->need_data_ = true;  // ask for more before curl has to pause
      t->notify();
    }
    return k;
  }
  if (t->upload_eof_) return 0;
  t->need_data_ = true;
  t->send_paused_ = true;
  t->notify();
  return CURL_READFUNC_PAUSE;
}

int Transfer::on_seek(void* self, curl_off_t offset, int origin) {
  auto* t = static_cast<Transfer*>(self);
  if (!t->request_->body || origin != SEEK_SET || offset < 0) return CURL_SEEKFUNC_CANTSEEK;
  t->upload_pos_ = static_cast<std::size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

void Transfer::feed(std::span<const std::byte> bytes) noexcept {
  upload_cur_ = bytes;
  upload_eof_ = bytes.empty();
  need_data_ = false;
  if (send_paused_) {
    send_paused_ = false;
    if (added_) curl_easy_pause(easy_, CURLPAUSE_CONT);
  }
}

}  // namespace cofs::http::detail
