#include "xml.hpp"

#include <expat.h>

#include <charconv>

namespace cofs::s3::detail {

struct XmlStream::State {
  XML_Parser parser = nullptr;
  Handler on_text = nullptr;
  void* user = nullptr;
  std::vector<std::string> path;
  std::vector<std::string> text;  // of each open element
  std::string error;              // a handler's exception, reported after XML_Parse returns
  bool stopped = false;

  static void start(void* ud, const XML_Char* name, const XML_Char**) {
    auto* s = static_cast<State*>(ud);
    s->path.emplace_back(name);
    s->text.emplace_back();
  }
  static void end(void* ud, const XML_Char*) {
    auto* s = static_cast<State*>(ud);
    try {
      s->on_text(s->user, s->path, s->text.back());
    } catch (const std::exception& e) {
      s->error = e.what();
      XML_StopParser(s->parser, XML_FALSE);
    }
    s->path.pop_back();
    s->text.pop_back();
  }
  static void chars(void* ud, const XML_Char* p, int n) {
    auto* s = static_cast<State*>(ud);
    if (!s->text.empty()) s->text.back().append(p, static_cast<std::size_t>(n));
  }
  [[noreturn]] void fail() {
    if (!error.empty()) throw XmlError(error);
    throw XmlError(std::string("malformed XML at line ") +
                   std::to_string(XML_GetCurrentLineNumber(parser)) + ", column " +
                   std::to_string(XML_GetCurrentColumnNumber(parser)) + ": " +
                   XML_ErrorString(XML_GetErrorCode(parser)));
  }
  void parse(const char* p, std::size_t n, bool last) {
    if (stopped) fail();
    // expat takes an int length: feed large pieces in slices.
    constexpr std::size_t kSlice = std::size_t{1} << 30;
    do {
      const std::size_t k = std::min(n, kSlice);
      const bool final_piece = last && k == n;
      if (XML_Parse(parser, p, static_cast<int>(k), final_piece ? XML_TRUE : XML_FALSE) !=
          XML_STATUS_OK) {
        stopped = true;
        fail();
      }
      p += k;
      n -= k;
    } while (n > 0);
  }
};

XmlStream::XmlStream(Handler on_text, void* user) : s_(std::make_unique<State>()) {
  s_->parser = XML_ParserCreate("UTF-8");
  if (s_->parser == nullptr) throw std::bad_alloc();
  s_->on_text = on_text;
  s_->user = user;
  XML_SetUserData(s_->parser, s_.get());
  XML_SetElementHandler(s_->parser, &State::start, &State::end);
  XML_SetCharacterDataHandler(s_->parser, &State::chars);
}

XmlStream::~XmlStream() {
  if (s_ && s_->parser != nullptr) XML_ParserFree(s_->parser);
}

void XmlStream::feed(std::span<const std::byte> data) {
  s_->parse(reinterpret_cast<const char*>(data.data()), data.size(), false);
}

void XmlStream::feed(std::string_view data) {
  s_->parse(data.data(), data.size(), false);
}

void XmlStream::finish() {
  s_->parse("", 0, true);
}

namespace {

std::uint64_t to_uint(std::string_view s, const char* what) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty())
    throw XmlError(std::string("bad ") + what + " '" + std::string(s) + "'");
  return v;
}

bool is(const std::vector<std::string>& path, std::initializer_list<std::string_view> want) {
  if (path.size() != want.size()) return false;
  std::size_t i = 0;
  for (std::string_view w : want) {
    if (path[i++] != w) return false;
  }
  return true;
}

/// Parses a whole small document with a lambda as its handler.
template <class F>
void parse_whole(std::string_view xml, F&& f) {
  auto handler = [](void* user, const std::vector<std::string>& path, std::string_view text) {
    (*static_cast<F*>(user))(path, text);
  };
  XmlStream x(handler, &f);
  x.feed(xml);
  x.finish();
}

void error_field(ErrorDoc& e, const std::string& name, std::string_view text) {
  if (name == "Code") e.code = text;
  if (name == "Message") e.message = text;
  if (name == "RequestId") e.request_id = text;
  if (name == "Resource") e.resource = text;
}

}  // namespace

ListParser::ListParser() : xml_(&ListParser::on_text, this) {}

void ListParser::on_text(void* self_, const std::vector<std::string>& path, std::string_view text) {
  auto* self = static_cast<ListParser*>(self_);
  if (path.front() != "ListBucketResult")
    throw XmlError("not a ListBucketResult but <" + path.front() + ">");
  self->root_ok_ = true;
  ListPage& page = self->page_;
  ObjectEntry& cur = self->cur_;
  if (path.size() == 3 && path[1] == "Contents") {
    const std::string& n = path[2];
    if (n == "Key") cur.key = text;
    if (n == "Size") cur.size = to_uint(text, "Size");
    if (n == "ETag") cur.etag = text;
    if (n == "LastModified") cur.last_modified = text;
  } else if (is(path, {"ListBucketResult", "Contents"})) {
    if (cur.key.empty()) throw XmlError("an entry without a Key");
    page.contents.push_back(std::move(cur));
    cur = ObjectEntry{};
  } else if (is(path, {"ListBucketResult", "CommonPrefixes", "Prefix"})) {
    page.prefixes.emplace_back(text);
  } else if (is(path, {"ListBucketResult", "IsTruncated"})) {
    page.truncated = text == "true";
  } else if (is(path, {"ListBucketResult", "NextContinuationToken"})) {
    page.next_token = text;
  }
}

ListPage ListParser::finish() {
  xml_.finish();
  if (!root_ok_) throw XmlError("empty listing document");
  if (page_.truncated && page_.next_token.empty())
    throw XmlError("a truncated listing without NextContinuationToken");
  return std::move(page_);
}

std::vector<BucketEntry> parse_list_buckets(std::string_view xml) {
  std::vector<BucketEntry> out;
  BucketEntry cur;
  bool root_ok = false;
  parse_whole(xml, [&](const std::vector<std::string>& path, std::string_view text) {
    if (path.front() != "ListAllMyBucketsResult")
      throw XmlError("not a ListAllMyBucketsResult but <" + path.front() + ">");
    root_ok = true;
    if (is(path, {"ListAllMyBucketsResult", "Buckets", "Bucket", "Name"})) cur.name = text;
    if (is(path, {"ListAllMyBucketsResult", "Buckets", "Bucket", "CreationDate"}))
      cur.creation_date = text;
    if (is(path, {"ListAllMyBucketsResult", "Buckets", "Bucket"})) {
      out.push_back(std::move(cur));
      cur = BucketEntry{};
    }
  });
  if (!root_ok) throw XmlError("empty document");
  return out;
}

std::optional<ErrorDoc> parse_error(std::string_view xml) {
  ErrorDoc e;
  bool root_ok = false;
  try {
    parse_whole(xml, [&](const std::vector<std::string>& path, std::string_view text) {
      if (path.front() != "Error") return;
      root_ok = true;
      if (path.size() == 2) error_field(e, path[1], text);
    });
  } catch (const XmlError&) {
    return std::nullopt;
  }
  if (!root_ok) return std::nullopt;
  return e;
}

std::string parse_upload_id(std::string_view xml) {
  std::string id;
  parse_whole(xml, [&](const std::vector<std::string>& path, std::string_view text) {
    if (is(path, {"InitiateMultipartUploadResult", "UploadId"})) id = text;
  });
  if (id.empty()) throw XmlError("no UploadId in the InitiateMultipartUploadResult");
  return id;
}

CompletionDoc parse_completion(std::string_view xml) {
  CompletionDoc out;
  ErrorDoc e;
  bool is_error = false;
  bool root_ok = false;
  parse_whole(xml, [&](const std::vector<std::string>& path, std::string_view text) {
    root_ok = true;
    if (path.front() == "Error") {
      is_error = true;
      if (path.size() == 2) error_field(e, path[1], text);
    } else if (path.size() == 2 && path[1] == "ETag") {
      out.etag = text;  // CompleteMultipartUploadResult or CopyObjectResult / CopyPartResult
    }
  });
  if (!root_ok) throw XmlError("empty document");
  if (is_error) out.error = std::move(e);
  return out;
}

DeleteResult parse_delete_result(std::string_view xml) {
  DeleteResult out;
  DeleteFailure cur;
  bool root_ok = false;
  parse_whole(xml, [&](const std::vector<std::string>& path, std::string_view text) {
    if (path.front() != "DeleteResult")
      throw XmlError("not a DeleteResult but <" + path.front() + ">");
    root_ok = true;
    if (is(path, {"DeleteResult", "Deleted", "Key"})) out.deleted.emplace_back(text);
    if (path.size() == 3 && path[1] == "Error") {
      if (path[2] == "Key") cur.key = text;
      if (path[2] == "Code") cur.code = text;
      if (path[2] == "Message") cur.message = text;
    }
    if (is(path, {"DeleteResult", "Error"})) {
      out.errors.push_back(std::move(cur));
      cur = DeleteFailure{};
    }
  });
  if (!root_ok) throw XmlError("empty document");
  return out;
}

std::vector<UploadEntry> parse_list_uploads(std::string_view xml) {
  std::vector<UploadEntry> out;
  UploadEntry cur;
  parse_whole(xml, [&](const std::vector<std::string>& path, std::string_view text) {
    if (is(path, {"ListMultipartUploadsResult", "Upload", "Key"})) cur.key = text;
    if (is(path, {"ListMultipartUploadsResult", "Upload", "UploadId"})) cur.upload_id = text;
    if (is(path, {"ListMultipartUploadsResult", "Upload"})) {
      out.push_back(std::move(cur));
      cur = UploadEntry{};
    }
  });
  return out;
}

std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace cofs::s3::detail
