#include "ranged_get.hpp"

#include <coroutine>
#include <exception>
#include <map>
#include <ranges>

#include "cofs/runtime/gather.hpp"
#include "http/local_transfer.hpp"
#include "s3_util.hpp"

namespace cofs::s3::detail {
namespace {

/// The turn to write the local file, handed to the parts in order: part i waits until parts
/// 0..i-1 are written. The lowest unwritten part never waits, so the chain always moves; a
/// failure wakes every waiter, which rethrows that same failure (the gather reports it once).
class WriteTurns {
 public:
  struct Awaiter {
    WriteTurns& turns;
    std::size_t index;
    bool await_ready() const noexcept { return turns.failure_ || turns.next_ == index; }
    void await_suspend(std::coroutine_handle<> h) { turns.waiting_[index] = h; }
    void await_resume() const {
      if (turns.failure_) std::rethrow_exception(turns.failure_);
    }
  };
  Awaiter turn(std::size_t index) noexcept { return {*this, index}; }

  void written(std::size_t index) {
    next_ = index + 1;
    if (auto it = waiting_.find(next_); it != waiting_.end()) {
      std::coroutine_handle<> h = it->second;
      waiting_.erase(it);
      h.resume();
    }
  }
  void fail(std::exception_ptr e) {
    if (!failure_) failure_ = std::move(e);
    std::map<std::size_t, std::coroutine_handle<>> woken = std::exchange(waiting_, {});
    for (auto& [index, h] : woken) h.resume();
  }

 private:
  std::size_t next_ = 0;
  std::exception_ptr failure_;
  std::map<std::size_t, std::coroutine_handle<>> waiting_;
};

}  // namespace

std::optional<std::uint64_t> object_size(const http::Response& r) {
  if (r.status == 206) {
    const std::string* cr = r.header("Content-Range");
    if (cr == nullptr) return std::nullopt;
    const std::size_t slash = cr->rfind('/');
    if (slash == std::string::npos || slash + 1 >= cr->size() || (*cr)[slash + 1] == '*')
      return std::nullopt;
    try {
      return std::stoull(cr->substr(slash + 1));
    } catch (...) {
      return std::nullopt;
    }
  }
  if (const std::string* cl = r.header("Content-Length")) {
    try {
      return std::stoull(*cl);
    } catch (...) {
    }
  }
  return std::nullopt;
}

Task<void> get_in_parts(S3Client& client, PartedGet get, http::BodyStream first, AsyncFile& out,
                        Callback* cb) {
  const std::uint64_t parts = (get.size + get.part - 1) / get.part;
  WriteTurns turns;
  auto part_task = [&](std::uint64_t index) -> Task<void> {
    try {
      std::optional<http::BodyStream> stream;
      if (index == 0) {
        stream.emplace(std::move(first));
      } else {
        Call c;
        c.op = get.op;
        c.bucket = get.bucket;
        c.key = get.key;
        c.buffer_size = 256 << 10;
        const std::uint64_t start = index * get.part;
        c.range = http::ByteRange{static_cast<std::int64_t>(start),
                                  static_cast<std::int64_t>(std::min(get.size, start + get.part))};
        if (!get.etag.empty()) c.headers.emplace_back("If-Match", get.etag);
        stream.emplace(co_await client.stream(std::move(c)));
        const http::Response& r = stream->response();
        if (r.status >= 300) {
          Bytes body = co_await read_all(*stream);
          std::rethrow_exception(
              client.error_for(r.status, body.view(), r.headers, get.op, get.bucket, get.key));
        }
      }
      co_await turns.turn(index);
      co_await http::detail::append_body(*stream, out, get.lpath, cb);
      turns.written(index);
    } catch (...) {
      turns.fail(std::current_exception());
      throw;
    }
  };
  GatherOptions g{.batch_size = static_cast<BatchSize>(get.in_flight)};
  co_await gather_void(std::views::iota(std::uint64_t{0}, parts) | std::views::transform(part_task),
                       std::move(g));
  try {
    co_await out.close();
  } catch (const Error& e) {
    throw_error(e.code(), get.op, get.lpath);
  }
}

}  // namespace cofs::s3::detail
