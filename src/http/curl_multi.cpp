#include "curl_multi.hpp"

#include <sys/epoll.h>

#include <atomic>
#include <mutex>
#include <new>

#include "cofs/backend/service.hpp"
#include "cofs/runtime/error.hpp"
#include "transfer.hpp"

namespace cofs::http::detail {
namespace {

constexpr std::size_t kIdleEasyHandles = 256;

std::atomic<std::size_t> g_alive{0};

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

CurlMulti& CurlMulti::of(IoLoop& loop) {
  if (backend::stopping(loop))
    throw LoopStoppedError("http", loop.name(), "the IO loop is stopping");
  // A service of the loop (an uncontended lock, nothing next to a request): made on first use,
  // freed with the loop.
  return backend::use_service<CurlMulti>(loop);
}

std::size_t CurlMulti::alive() noexcept {
  return g_alive.load(std::memory_order_relaxed);
}

CurlMulti::CurlMulti(IoLoop& loop) : LoopService(loop), loop_(loop) {
  g_alive.fetch_add(1, std::memory_order_relaxed);
  global_init();
  multi_ = curl_multi_init();
  if (multi_ == nullptr) throw std::bad_alloc();
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &CurlMulti::on_socket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &CurlMulti::on_timer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_PIPELINING, static_cast<long>(CURLPIPE_MULTIPLEX));
  on_fire = [](TimerNode* t) { static_cast<CurlMulti*>(t)->on_timeout(); };
  // Tracked for as long as it lives, so that the loop's stop reaches it (see abort()).
  backend::track(loop_, *this);
}

CurlMulti::~CurlMulti() {
  g_alive.fetch_sub(1, std::memory_order_relaxed);
  if (multi_ != nullptr) curl_multi_cleanup(multi_);  // only a loop that never stopped
  for (CURL* e : idle_) curl_easy_cleanup(e);
}

void CurlMulti::shutdown() noexcept {
  // The loop's stop has ended the transfers through abort(); this is for a multi handle made
  // while the stop was under way.
  if (multi_ != nullptr) {
    abort(std::make_exception_ptr(
        LoopStoppedError("http", loop_.name(), "the IO loop stopped with this request in flight")));
  }
}

void CurlMulti::fork_child() noexcept {
  // The handles, the connections' sockets (and TLS sessions) and the watches are the parent's
  // too: cleaning them up here would close or write to what the parent uses. Leaked instead.
  multi_ = nullptr;
  idle_.clear();
  watches_.clear();
  head_ = nullptr;
}

void CurlMulti::abort(std::exception_ptr why) noexcept {
  if (multi_ == nullptr) return;
  while (head_ != nullptr) {
    Transfer* t = head_;
    if (t->added()) remove(*t);
    unlink(*t);
    t->detach(why);
  }
  backend::cancel_timer(loop_, *this);
  curl_multi_cleanup(multi_);
  multi_ = nullptr;
  for (auto& [fd, w] : watches_) backend::unwatch_fd(loop_, w);
  watches_.clear();
  backend::untrack(loop_, *this);
}

void CurlMulti::link(Transfer& t) noexcept {
  t.prev_ = nullptr;
  t.next_ = head_;
  if (head_ != nullptr) head_->prev_ = &t;
  head_ = &t;
}

void CurlMulti::unlink(Transfer& t) noexcept {
  if (t.prev_ != nullptr) {
    t.prev_->next_ = t.next_;
  } else if (head_ == &t) {
    head_ = t.next_;
  } else {
    return;  // not linked
  }
  if (t.next_ != nullptr) t.next_->prev_ = t.prev_;
  t.prev_ = t.next_ = nullptr;
}

void CurlMulti::add(Transfer& t) {
  if (CURLMcode rc = curl_multi_add_handle(multi_, t.easy()); rc != CURLM_OK) {
    throw Error(std::make_error_code(std::errc::io_error), t.operation(), t.request().url,
                curl_multi_strerror(rc));
  }
  ++active_;
}

void CurlMulti::remove(Transfer& t) noexcept {
  curl_multi_remove_handle(multi_, t.easy());
  --active_;
}

CURL* CurlMulti::take_easy() {
  if (!idle_.empty()) {
    CURL* e = idle_.back();
    idle_.pop_back();
    return e;
  }
  global_init();
  CURL* e = curl_easy_init();
  if (e == nullptr) throw std::bad_alloc();
  return e;
}

void CurlMulti::give_back(CURL* easy) noexcept {
  if (idle_.size() >= kIdleEasyHandles) {
    curl_easy_cleanup(easy);
    return;
  }
  curl_easy_reset(easy);
  try {
    idle_.push_back(easy);
  } catch (...) {
    curl_easy_cleanup(easy);
  }
}

void CurlMulti::cap_host_connections(long n) noexcept {
  if (n <= 0 || (host_cap_ != 0 && host_cap_ <= n)) return;
  host_cap_ = n;
  curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, n);
}

int CurlMulti::on_socket(CURL*, curl_socket_t s, int what, void* self_, void*) {
  auto* self = static_cast<CurlMulti*>(self_);
  auto it = self->watches_.find(s);
  if (what == CURL_POLL_REMOVE) {
    if (it != self->watches_.end()) {
      backend::unwatch_fd(self->loop_, it->second);
      self->watches_.erase(it);
    }
    return 0;
  }
  std::uint32_t events = 0;
  if (what & CURL_POLL_IN) events |= EPOLLIN;
  if (what & CURL_POLL_OUT) events |= EPOLLOUT;
  try {
    if (it == self->watches_.end()) {
      FdWatch* w = backend::watch_fd(self->loop_, s, events,
                                     [self, s](std::uint32_t ready) { self->on_ready(s, ready); });
      self->watches_.emplace(s, w);
    } else {
      backend::update_fd(self->loop_, it->second, events);
    }
  } catch (...) {
    return -1;
  }
  return 0;
}

int CurlMulti::on_timer(CURLM*, long timeout_ms, void* self_) {
  auto* self = static_cast<CurlMulti*>(self_);
  // curl moves its deadline after nearly every action. Re-arming only when it comes earlier
  // saves a timerfd update per request; a wake-up that turns out early is harmless (curl just
  // names the next deadline), and so is one after curl said it needs none (-1).
  if (timeout_ms < 0) return 0;
  const Clock::time_point want = Clock::now() + std::chrono::milliseconds(timeout_ms);
  if (self->armed() && self->deadline <= want) return 0;
  // Never calls back into curl from here: even a zero timeout fires on the loop's next turn.
  self->deadline = want;
  backend::add_timer(self->loop_, *self);
  return 0;
}

void CurlMulti::on_ready(curl_socket_t s, std::uint32_t events) {
  int mask = 0;
  if (events & (EPOLLIN | EPOLLHUP)) mask |= CURL_CSELECT_IN;
  if (events & EPOLLOUT) mask |= CURL_CSELECT_OUT;
  if (events & EPOLLERR) mask |= CURL_CSELECT_ERR;
  int running = 0;
  curl_multi_socket_action(multi_, s, mask, &running);
  drain();
}

void CurlMulti::on_timeout() {
  int running = 0;
  curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
  drain();
}

void CurlMulti::drain() {
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* easy = msg->easy_handle;
    CURLcode result = msg->data.result;
    Transfer* t = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &t);
    if (t == nullptr) continue;
    remove(*t);
    t->finish(result);  // resumes the waiter on a later turn, never from inside curl
  }
}

}  // namespace cofs::http::detail
