// S3Error: a failed S3 request that no named error describes (FileNotFoundError for NoSuchKey,
// NoSuchBucket and 404; PermissionError for AccessDenied, SignatureDoesNotMatch,
// InvalidAccessKeyId and 403). It carries what S3 said: its error code, message and request id,
// and the bucket and key of the request. The message names the operation and the s3:// path.
#pragma once

#include <string>
#include <string_view>

#include "cofs/export.hpp"
#include "cofs/fs/errors.hpp"

namespace cofs::s3 {

/// What an S3 error answer says, beside the HTTP status.
struct COFS_API ErrorDetails {
  int status = 0;
  std::string code;  // "NoSuchKey", "SlowDown", ... (empty when the body held no <Error>)
  std::string message;
  std::string request_id;
  std::string bucket;
  std::string key;
};

class COFS_API S3Error : public Error {
 public:
  S3Error(std::error_code code, std::string_view operation, std::string_view path,
          ErrorDetails details);
  const ErrorDetails& details() const noexcept { return details_; }
  int status() const noexcept { return details_.status; }
  const std::string& s3_code() const noexcept { return details_.code; }
  const std::string& request_id() const noexcept { return details_.request_id; }
  const std::string& bucket() const noexcept { return details_.bucket; }
  const std::string& key() const noexcept { return details_.key; }

 private:
  ErrorDetails details_;
};

/// "HTTP 500 InternalError: <message> (request id ...)": the detail part of an S3 error message.
COFS_API std::string describe(const ErrorDetails& d);

}  // namespace cofs::s3
