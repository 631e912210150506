// ContentDecoder: gzip and deflate decoding of a streamed body, in steps whose output size the
// caller chooses. curl's own decoder turns each received block into all of its decoded bytes at
// once, and a paused transfer has to keep every one of them (curl 7.88 gives up with "Out of
// memory" past 64 MiB: 128 KiB of gzip can decode to 128 MiB). Decoding here, the encoded input
// waits while the consumer is behind, and the decoded bytes in memory stay bounded.
#pragma once

#include <zlib.h>

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>

namespace cofs::http::detail {

class ContentDecoder {
 public:
  /// The decoder of a Content-Encoding value (gzip, x-gzip, deflate; "identity" entries ignored);
  /// nullptr when nothing is to be decoded. Throws NetworkError (EPROTO) naming `operation` and
  /// `url` for a coding it cannot decode.
  static std::unique_ptr<ContentDecoder> for_encoding(std::string_view coding,
                                                      std::string_view operation,
                                                      std::string_view url);
  ~ContentDecoder();
  ContentDecoder(const ContentDecoder&) = delete;
  ContentDecoder& operator=(const ContentDecoder&) = delete;

  struct Step {
    std::size_t consumed = 0;  // of the input
    std::size_t produced = 0;  // into the output
  };
  /// Decodes from `in` into `out` as far as either allows. zlib may keep some decoded bytes until
  /// the next call (when `out` filled up), so call again with empty input to drain them. Input
  /// after the end of the encoded stream is consumed and ignored. Throws NetworkError on
  /// corrupt data.
  Step decode(std::span<const std::byte> in, std::span<std::byte> out);
  /// The encoded stream has reached its end (its checksum verified).
  bool finished() const noexcept { return finished_; }
  std::string_view coding() const noexcept { return coding_; }

 private:
  ContentDecoder(std::string_view coding, bool deflate, std::string_view operation,
                 std::string_view url);
  void init(int window_bits);

  z_stream z_{};
  bool live_ = false;
  bool deflate_ = false;  // may turn out to be raw deflate without the zlib header
  bool finished_ = false;
  std::string_view coding_;
  std::string_view operation_;
  std::string_view url_;
};

}  // namespace cofs::http::detail
