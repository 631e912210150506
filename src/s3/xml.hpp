// The XML documents of the S3 API, read with expat: a listing page parsed as it streams in, and
// the small answers (errors, bucket lists, multipart and batch-delete results). Malformed input
// throws XmlError with expat's reason and position; the caller names the operation and path.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cofs::s3::detail {

class XmlError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Feeds a document to expat piece by piece; calls `on_text(path, text)` at the end of every
/// element, with the names of the open elements (outermost first, the ending one last) and the
/// element's own text.
class XmlStream {
 public:
  using Handler = void (*)(void* user, const std::vector<std::string>& path, std::string_view text);
  XmlStream(Handler on_text, void* user);
  ~XmlStream();
  XmlStream(const XmlStream&) = delete;
  XmlStream& operator=(const XmlStream&) = delete;

  void feed(std::span<const std::byte> data);
  void feed(std::string_view data);
  /// Ends the document: throws XmlError when it is incomplete.
  void finish();

  struct State;

 private:
  std::unique_ptr<State> s_;
};

struct ObjectEntry {
  std::string key;
  std::uint64_t size = 0;
  std::string etag;
  std::string last_modified;  // ISO 8601
};

struct ListPage {
  std::vector<ObjectEntry> contents;
  std::vector<std::string> prefixes;  // CommonPrefixes, each ending with the delimiter
  bool truncated = false;
  std::string next_token;  // NextContinuationToken
};

/// ListObjectsV2, parsed as its body arrives.
class ListParser {
 public:
  ListParser();
  void feed(std::span<const std::byte> data) { xml_.feed(data); }
  /// The page; throws XmlError for a malformed or truncated document, or one that is not a
  /// ListBucketResult.
  ListPage finish();

 private:
  static void on_text(void* self, const std::vector<std::string>& path, std::string_view text);
  ListPage page_;
  ObjectEntry cur_;
  bool root_ok_ = false;
  XmlStream xml_;
};

struct BucketEntry {
  std::string name;
  std::string creation_date;
};
std::vector<BucketEntry> parse_list_buckets(std::string_view xml);

struct ErrorDoc {
  std::string code;
  std::string message;
  std::string request_id;
  std::string resource;
};
/// The <Error> document of a failed request; nullopt when the body is not one (empty, HTML,
/// malformed): the status alone then says what happened.
std::optional<ErrorDoc> parse_error(std::string_view xml);

/// InitiateMultipartUpload: the UploadId.
std::string parse_upload_id(std::string_view xml);

/// CompleteMultipartUpload and CopyObject answer 200 and may still have failed: the body is then
/// an <Error>. `error` is set in that case, the ETag otherwise.
struct CompletionDoc {
  std::optional<ErrorDoc> error;
  std::string etag;
};
CompletionDoc parse_completion(std::string_view xml);

struct DeleteFailure {
  std::string key;
  std::string code;
  std::string message;
};
struct DeleteResult {
  std::vector<std::string> deleted;
  std::vector<DeleteFailure> errors;
};
DeleteResult parse_delete_result(std::string_view xml);

struct UploadEntry {
  std::string key;
  std::string upload_id;
};
/// ListMultipartUploads: the uploads in progress (one page).
std::vector<UploadEntry> parse_list_uploads(std::string_view xml);

/// Text escaped for an XML element's content.
std::string xml_escape(std::string_view s);

}  // namespace cofs::s3::detail
