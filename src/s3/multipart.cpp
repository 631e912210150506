#include "multipart.hpp"

#include <cerrno>

#include "cofs/runtime/error.hpp"
#include "cofs/runtime/sync.hpp"
#include "xml.hpp"

namespace cofs::s3::detail {

CompletionDoc completed(const S3Client& client, const http::Response& r, const char* op,
                        const std::string& bucket, const std::string& key, const char* what) {
  CompletionDoc done;
  try {
    done = parse_completion(r.body.view());
  } catch (const XmlError& e) {
    throw Error({EPROTO, std::generic_category()}, op, s3_url(bucket, key),
                std::string("malformed ") + what + " answer: " + e.what());
  }
  if (done.error) {
    http::Response failed;
    failed.status = 500;
    failed.body = Bytes(r.body.view());
    std::rethrow_exception(client.error_for(failed, op, bucket, key));
  }
  return done;
}

std::string copy_source(const Location& source) {
  return "/" + source.bucket + "/" + uri_encode(source.key, false);
}

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

Call Multipart::part_call(int number) const {
  Call c;
  c.op = op_;
  c.method = "PUT";
  c.bucket = bucket_;
  c.key = key_;
  c.query = {{"partNumber", std::to_string(number)}, {"uploadId", upload_id_}};
  return c;
}

Task<void> Multipart::upload(int number, std::span<const std::byte> data) {
  Call c = part_call(number);
  c.body = data;
  http::Response r = co_await client_.send_ok(std::move(c));
  const std::string* etag = r.header("ETag");
  if (etag == nullptr)
    throw Error({EPROTO, std::generic_category()}, op_, s3_url(bucket_, key_),
                "part " + std::to_string(number) + " was stored without an ETag");
  etags_[number] = *etag;
}

Task<void> Multipart::copy(int number, const Location& source, std::uint64_t first,
                           std::uint64_t last, const std::string& source_etag) {
  Call c = part_call(number);
  c.headers = {
      {"x-amz-copy-source", copy_source(source)},
      {"x-amz-copy-source-range", "bytes=" + std::to_string(first) + "-" + std::to_string(last)}};
  if (!source_etag.empty()) c.headers.emplace_back("x-amz-copy-source-if-match", source_etag);
  c.body = std::span<const std::byte>();  // "Content-Length: 0": RGW refuses a PUT without one
  http::Response r = co_await client_.send(std::move(c));
  if (r.status == 412)
    throw Error({ESTALE, std::generic_category()}, op_, s3_url(source.bucket, source.key),
                "the source changed during the copy (its ETag is no longer " + source_etag +
                    "): its parts would mix versions");
  if (r.status >= 300) std::rethrow_exception(client_.error_for(r, op_, bucket_, key_));
  CompletionDoc done = completed(client_, r, op_, bucket_, key_, "UploadPartCopy");
  if (done.etag.empty())
    throw Error({EPROTO, std::generic_category()}, op_, s3_url(bucket_, key_),
                "part " + std::to_string(number) + " was copied without an ETag");
  etags_[number] = std::move(done.etag);
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
  completed(client_, r, op_, bucket_, key_, "CompleteMultipartUpload");
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

Task<void> Multipart::abort_and_rethrow(std::exception_ptr failure) {
  if (error_is(failure, std::errc::operation_canceled)) {
    abort_detached();
  } else {
    co_await abort();
  }
  std::rethrow_exception(failure);
}

}  // namespace cofs::s3::detail
