// AWS Signature Version 4 (HMAC-SHA256), as S3 checks it: the canonical request, the string to
// sign, the Authorization header and presigned URLs. Written on OpenSSL's SHA-256 and HMAC rather
// than curl's CURLOPT_AWS_SIGV4, because presigned URLs (S3FileSystem::sign) need a signer
// anyway, and one signer for both keeps them from drifting (see docs/s3.md).
#pragma once

#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cofs/export.hpp"
#include "cofs/s3/credentials.hpp"

namespace cofs::s3 {

using QueryParams = std::vector<std::pair<std::string, std::string>>;  // raw names and values
using SignedHeaders = std::vector<std::pair<std::string, std::string>>;

/// The payload hash of a request whose body is not hashed (sent over TLS or trusted transport).
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

/// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters (A-Z a-z 0-9 - _ . ~) stay,
/// every other byte becomes %XX (upper-case hex); '/' stays unless `encode_slash`.
COFS_API std::string uri_encode(std::string_view s, bool encode_slash = true);
/// Lower-case hex SHA-256 of `data`.
COFS_API std::string sha256_hex(std::span<const std::byte> data);
COFS_API std::string sha256_hex(std::string_view data);
/// "20130524T000000Z" (ISO 8601 basic, UTC) of `t`.
COFS_API std::string amz_date(std::chrono::system_clock::time_point t);

/// What is signed of a request.
struct COFS_API SigningInput {
  std::string method = "GET";
  std::string canonical_uri = "/";  // the path as sent: already URI-encoded, '/' kept
  QueryParams query;                // unencoded; sorted and encoded by the signer
  SignedHeaders headers;            // every header to sign (host and x-amz-date included)
  std::string payload_hash{kUnsignedPayload};
};

/// The query as SigV4 canonicalises it (and as it must then be sent): each name and value
/// encoded, sorted by encoded name then value, joined with '&'; "a=" for an empty value.
COFS_API std::string canonical_query(const QueryParams& query);
COFS_API std::string canonical_request(const SigningInput& in);

struct COFS_API Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers;  // "host;range;x-amz-content-sha256;x-amz-date"
  std::string signature;       // lower-case hex
  std::string authorization;   // the Authorization header's value
};

/// Signs `in` for `service` in `region` at `when` (which must equal the x-amz-date header).
COFS_API Signature sign_v4(const SigningInput& in, const Credentials& credentials,
                           std::string_view region, std::string_view service,
                           std::chrono::system_clock::time_point when);

/// The query string of a presigned request (the X-Amz-* parameters, the caller's `query` and the
/// signature, canonically ordered), valid for `expires` from `when`. Only `host` is signed, so
/// `in.headers` must hold it alone; the payload is UNSIGNED-PAYLOAD.
COFS_API std::string presign_query(SigningInput in, const Credentials& credentials,
                                   std::string_view region, std::string_view service,
                                   std::chrono::system_clock::time_point when,
                                   std::chrono::seconds expires);

}  // namespace cofs::s3
