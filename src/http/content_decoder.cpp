#include "content_decoder.hpp"

#include <cerrno>
#include <climits>
#include <new>
#include <string>

#include "cofs/http/errors.hpp"
#include "http_util.hpp"

namespace cofs::http::detail {
namespace {

constexpr int kGzipOrZlib = 15 + 32;  // either header, detected
constexpr int kZlib = 15;
constexpr int kRawDeflate = -15;

[[noreturn]] void fail(std::string_view op, std::string_view url, const std::string& why) {
  throw NetworkError({EPROTO, std::generic_category()}, op, url, "bad Content-Encoding: " + why);
}

}  // namespace

std::unique_ptr<ContentDecoder> ContentDecoder::for_encoding(std::string_view coding,
                                                             std::string_view operation,
                                                             std::string_view url) {
  std::string_view chosen;
  std::string_view rest = coding;
  while (!rest.empty()) {
    std::size_t comma = rest.find(',');
    std::string_view part = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (part.empty() || iequals(part, "identity")) continue;
    if (!chosen.empty()) {
      fail(operation, url,
           "'" + std::string(coding) + "' stacks codings; a streamed body decodes one");
    }
    chosen = part;
  }
  if (chosen.empty()) return nullptr;
  if (iequals(chosen, "gzip") || iequals(chosen, "x-gzip"))
    return std::unique_ptr<ContentDecoder>(new ContentDecoder("gzip", false, operation, url));
  if (iequals(chosen, "deflate"))
    return std::unique_ptr<ContentDecoder>(new ContentDecoder("deflate", true, operation, url));
  fail(operation, url,
       "'" + std::string(chosen) + "' cannot be decoded (a streamed body takes gzip or deflate)");
}

ContentDecoder::ContentDecoder(std::string_view coding, bool deflate, std::string_view operation,
                               std::string_view url)
    : deflate_(deflate), coding_(coding), operation_(operation), url_(url) {
  init(deflate ? kZlib : kGzipOrZlib);
}

ContentDecoder::~ContentDecoder() {
  if (live_) inflateEnd(&z_);
}

void ContentDecoder::init(int window_bits) {
  if (live_) inflateEnd(&z_);
  z_ = z_stream{};
  live_ = false;
  int rc = inflateInit2(&z_, window_bits);
  if (rc == Z_MEM_ERROR) throw std::bad_alloc();
  if (rc != Z_OK) fail(operation_, url_, "zlib cannot start");
  live_ = true;
}

ContentDecoder::Step ContentDecoder::decode(std::span<const std::byte> in,
                                            std::span<std::byte> out) {
  if (finished_) return {in.size(), 0};
  const std::size_t in_n = std::min<std::size_t>(in.size(), UINT_MAX);
  const std::size_t out_n = std::min<std::size_t>(out.size(), UINT_MAX);
  const bool first = z_.total_in == 0 && z_.total_out == 0;
  z_.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(in.data()));
  z_.avail_in = static_cast<uInt>(in_n);
  z_.next_out = reinterpret_cast<Bytef*>(out.data());
  z_.avail_out = static_cast<uInt>(out_n);
  int rc = inflate(&z_, Z_NO_FLUSH);
  if (rc == Z_DATA_ERROR && deflate_ && first) {
    // "deflate" is meant to carry the zlib header; some servers send raw deflate (curl takes both).
    deflate_ = false;
    init(kRawDeflate);
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(in.data()));
    z_.avail_in = static_cast<uInt>(in_n);
    z_.next_out = reinterpret_cast<Bytef*>(out.data());
    z_.avail_out = static_cast<uInt>(out_n);
    rc = inflate(&z_, Z_NO_FLUSH);
  }
  Step step{in_n - z_.avail_in, out_n - z_.avail_out};
  switch (rc) {
    case Z_OK:
    case Z_BUF_ERROR:  // no progress possible now (no input or no room): not an error
      break;
    case Z_STREAM_END:
      finished_ = true;
      step.consumed = in.size();  // what follows the end is ignored, as curl does
      break;
    case Z_MEM_ERROR:
      throw std::bad_alloc();
    default:
      fail(operation_, url_,
           std::string(coding_) + " data is corrupt" +
               (z_.msg ? std::string(" (") + z_.msg + ")" : ""));
  }
  return step;
}

}  // namespace cofs::http::detail
