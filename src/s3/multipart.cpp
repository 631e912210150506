#include "multipart.hpp"

#include <cerrno>

#include "cofs/runtime/sync.hpp"
#include "xml.hpp"

namespace cofs::s3::detail {

Task<void> Multipart::begin() {
  Call c;
  c.op = op_;
  c.method = "POST";
  c.bucket = bucket_;
  c.key = key_;
  c.query = {{"uploads", ""}};
  http::Response r = co_await client_.send_ok(std::move(c));
  try {
    upload_id_ = parse_upload_id(r.body.view());
  } catch (const XmlError& e) {
    throw Error({EPROTO, std::generic_category()}, op_, s3_url(bucket_, key_),
                std::string("malformed InitiateMultipartUpload answer: ") + e.what());
  }
}

Task<void> Multipart::upload(int number, std::span<const std::byte> data) {
  Call c;
  c.op = op_;
  c.method = "PUT";
  c.bucket = bucket_;
  c.key = key_;
  c.query = {{"partNumber", std::to_string(number)}, {"uploadId", upload_id_}};
  c.body = data;
  http::Response r = co_await client_.send_ok(std::move(c));
  const std::string* etag = r.header("ETag");
  if (etag == nullptr)
    throw Error({EPROTO, std::generic_category()}, op_, s3_url(bucket_, key_),
                "part " + std::to_string(number) + " was stored without an ETag");
  etags_[number] = *etag;
}

Task<void> Multipart::complete() {
  std::string body = "<CompleteMultipartUpload>";
  for (const auto& [n, etag] : etags_) {
    body += "<Part><PartNumber>" + std::to_string(n) + "</PartNumber><ETag>" + xml_escape(etag) +
            "</ETag></Part>";
  }
  body += "</CompleteMultipartUpload>";
  Call c;
  c.op = op_;
  c.method = "POST";
  c.bucket = bucket_;
  c.key = key_;
  c.query = {{"uploadId", upload_id_}};
  c.body = std::as_bytes(std::span(body.data(), body.size()));
  http::Response r = co_await client_.send_ok(std::move(c));
  // A 200 whose body is an <Error>: the completion failed after S3 began answering.
  CompletionDoc done;
  try {
    done = parse_completion(r.body.view());
  } catch (const XmlError& e) {
    throw Error({EPROTO, std::generic_category()}, op_, s3_url(bucket_, key_),
                std::string("malformed CompleteMultipartUpload answer: ") + e.what());
  }
  if (done.error) {
    http::Response failed;
    failed.status = 500;
    failed.body = Bytes(r.body.view());
    std::rethrow_exception(client_.error_for(failed, op_, bucket_, key_));
  }
  upload_id_.clear();
}

Task<void> Multipart::abort() noexcept {
  if (upload_id_.empty()) co_return;
  try {
    Call c;
    c.op = op_;
    c.method = "DELETE";
    c.bucket = bucket_;
    c.key = key_;
    c.query = {{"uploadId", upload_id_}};
    co_await client_.send(std::move(c));
  } catch (...) {
  }
  upload_id_.clear();
}

void Multipart::abort_detached() {
  if (upload_id_.empty()) return;
  // Its own copy of what it needs: the Multipart goes with the cancelled caller.
  auto self = std::make_shared<Multipart>(client_, op_, bucket_, key_);
  self->upload_id_ = std::exchange(upload_id_, {});
  auto run = [](std::shared_ptr<Multipart> m) -> Task<void> { co_await m->abort(); };
  try {
    spawn(client_.loop(), run(std::move(self)), [](std::exception_ptr) {});
  } catch (...) {
  }
}

}  // namespace cofs::s3::detail
