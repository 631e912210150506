#include "s3_client.hpp"

#include <algorithm>
#include <cctype>

#include "cofs/http/errors.hpp"
#include "cofs/runtime/thread_pool.hpp"
#include "cofs/s3/errors.hpp"
#include "xml.hpp"

namespace cofs::s3::detail {
namespace {

// Temporary credentials are asked for again this long before they run out.
constexpr auto kRefreshBefore = std::chrono::minutes(5);

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

/// The detail of a cofs error's message ("op path (detail)" -> "detail").
std::string detail_of(const Error& e) {
  std::string_view w = e.what();
  const std::string reason = ": " + e.code().message();  // std::system_error's own suffix
  if (w.ends_with(reason)) w.remove_suffix(reason.size());
  std::string prefix = e.operation();
  if (!e.path().empty()) prefix += " " + e.path();
  if (w.substr(0, prefix.size()) == prefix) w.remove_prefix(prefix.size());
  if (w.size() >= 3 && w.substr(0, 2) == " (" && w.back() == ')')
    return std::string(w.substr(2, w.size() - 3));
  return std::string(w);
}

/// Rethrows the current exception (an HTTP client's, naming an http:// URL) as the same kind of
/// error naming `op` and the s3:// path.
[[noreturn]] void rethrow_named(const char* op, const std::string& path) {
  try {
    throw;
  } catch (const http::NetworkError& e) {
    throw http::NetworkError(e.code(), op, path, detail_of(e), e.curl_code());
  } catch (const S3Error&) {
    throw;
  } catch (const HTTPError& e) {
    throw HTTPError(e.status(), op, path, detail_of(e));
  } catch (const Error& e) {
    if (e.path() == path) throw;
    throw_error(e.code(), op, path, detail_of(e));
  }
}

}  // namespace

Location split(std::string_view path) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  std::size_t slash = path.find('/');
  if (slash == std::string_view::npos) return {std::string(path), {}};
  return {std::string(path.substr(0, slash)), std::string(path.substr(slash + 1))};
}

std::string s3_url(std::string_view bucket, std::string_view key) {
  std::string s = "s3://";
  s += bucket;
  if (!key.empty()) {
    s += '/';
    s += key;
  }
  return s;
}

void check_bucket(std::string_view b, const char* op, std::string_view path) {
  auto bad = [&](const char* why) {
    throw InvalidArgumentError(op, path, "bad bucket name '" + std::string(b) + "': " + why);
  };
  if (b.size() < 3 || b.size() > 63) bad("it must have 3 to 63 characters");
  for (char c : b) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
      bad("only lower-case letters, digits, '.' and '-' are allowed");
  }
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(b.front()) || !alnum(b.back())) bad("it must begin and end with a letter or digit");
  if (b.find("..") != std::string_view::npos) bad("two adjacent periods");
  int dots = 0;
  bool digits_and_dots = true;
  for (char c : b) {
    dots += c == '.';
    digits_and_dots = digits_and_dots && ((c >= '0' && c <= '9') || c == '.');
  }
  if (dots == 3 && digits_and_dots) bad("it looks like an IP address");
}

S3Client::S3Client(IoLoop& loop, const S3Options& options)
    : options_(options),
      client_options_([&] {
        http::ClientOptions c = options.client;
        // S3 answers a wrong region with a redirect that must not be followed unsigned, and an
        // object's bytes are its own: no Content-Encoding decoding.
        c.follow_redirects = false;
        c.decompress = false;
        return c;
      }()),
      http_(loop, client_options_) {
  ProfileSettings settings = profile_settings(options.profile);
  region_ = !options.region.empty() ? options.region : settings.region;
  if (region_.empty()) region_ = "us-east-1";
  std::string endpoint = !options.endpoint_url.empty() ? options.endpoint_url : settings.endpoint;
  const bool custom = !endpoint.empty();
  if (!custom) endpoint = "https://s3." + region_ + ".amazonaws.com";
  std::size_t sep = endpoint.find("://");
  if (sep == std::string::npos)
    throw InvalidArgumentError("s3", endpoint,
                               "the endpoint URL needs a scheme (http:// or https://)");
  scheme_ = endpoint.substr(0, sep);
  if (!iequal(scheme_, "http") && !iequal(scheme_, "https"))
    throw InvalidArgumentError("s3", endpoint, "the endpoint URL must be http:// or https://");
  std::string rest = endpoint.substr(sep + 3);
  std::size_t slash = rest.find('/');
  authority_ = rest.substr(0, slash);
  if (slash != std::string::npos) base_path_ = rest.substr(slash);
  while (!base_path_.empty() && base_path_.back() == '/') base_path_.pop_back();
  if (authority_.empty())
    throw InvalidArgumentError("s3", endpoint, "the endpoint URL has no host");
  path_style_ = options.path_style.value_or(custom);

  if (options.credentials) {
    Credentials c = *options.credentials;
    if (c.source.empty()) c.source = "options";
    chain_.push_back({"options", [c] { return std::optional<Credentials>(c); }});
  }
  for (const CredentialProvider& p : options.credential_providers) chain_.push_back(p);
  chain_.push_back(environment_provider());
  chain_.push_back(shared_files_provider(options.profile));
}

std::string S3Client::host_for(const std::string& bucket) const {
  if (path_style_ || bucket.empty()) return authority_;
  return bucket + "." + authority_;
}

std::string S3Client::path_for(const std::string& bucket, const std::string& key) const {
  std::string p = base_path_;
  if (path_style_ && !bucket.empty()) p += "/" + bucket;
  if (!key.empty()) {
    p += "/" + uri_encode(key, false);
  } else if (p.empty()) {
    p = "/";
  }
  return p;
}

Task<std::optional<Credentials>> S3Client::credentials(const char* op, const std::string& path) {
  if (options_.anonymous) co_return std::nullopt;
  const auto now = std::chrono::system_clock::now();
  if (resolved_ && cached_ && (!cached_->expiration || *cached_->expiration - kRefreshBefore > now))
    co_return cached_;
  // Providers may block (a file, a token service): they run on the blocking pool.
  std::vector<CredentialProvider> chain = chain_;
  auto ask = run_blocking(loop(), [chain = std::move(chain)]() -> std::optional<Credentials> {
    for (const CredentialProvider& p : chain) {
      if (!p.get) continue;
      if (std::optional<Credentials> c = p.get()) {
        if (c->source.empty()) c->source = p.name;
        return c;
      }
    }
    return std::nullopt;
  });
  std::optional<Credentials> found = co_await ask;
  if (!found)
    throw PermissionError(op, path,
                          "no S3 credentials: none in the options, the environment "
                          "(AWS_ACCESS_KEY_ID) or the shared files (~/.aws/credentials); "
                          "set anonymous for public data");
  cached_ = std::move(found);
  resolved_ = true;
  co_return cached_;
}

http::Request S3Client::build(const Call& c, const std::optional<Credentials>& creds) const {
  http::Request r;
  r.method = c.method;
  r.operation = c.op;
  const std::string host = host_for(c.bucket);
  const std::string path = path_for(c.bucket, c.key);
  const std::string query = canonical_query(c.query);
  r.url = scheme_ + "://" + host + path + (query.empty() ? "" : "?" + query);
  r.headers = c.headers;
  r.range = c.range;
  r.body = c.body;
  r.source = c.source;
  r.source_size = c.source_size;
  r.buffer_size = c.buffer_size;
  r.raise_for_status = false;
  r.path_as_is = true;       // a key's "." and ".." segments are part of its name
  r.keep_error_body = true;  // S3 says what went wrong in an <Error> document
  if (!creds) return r;
  const auto now = std::chrono::system_clock::now();
  SigningInput in;
  in.method = c.method;
  in.canonical_uri = path;
  in.query = c.query;
  in.headers.emplace_back("host", host);
  in.headers.emplace_back("x-amz-date", amz_date(now));
  in.headers.emplace_back("x-amz-content-sha256", std::string(kUnsignedPayload));
  if (!creds->session_token.empty())
    in.headers.emplace_back("x-amz-security-token", creds->session_token);
  for (const auto& [n, v] : c.headers) {
    if (n.size() >= 6 && iequal(std::string_view(n).substr(0, 6), "x-amz-")) {
      in.headers.emplace_back(n, v);
    } else if (iequal(n, "content-md5") || iequal(n, "content-type")) {
      in.headers.emplace_back(n, v);
    }
  }
  Signature sig = sign_v4(in, *creds, region_, "s3", now);
  // The Host header as signed (curl would write the same, but a signature must not rest on it).
  r.headers.emplace_back("Host", host);
  for (const auto& [n, v] : in.headers) {
    if (n == "x-amz-date" || n == "x-amz-content-sha256" || n == "x-amz-security-token")
      r.headers.emplace_back(n, v);
  }
  r.headers.emplace_back("Authorization", sig.authorization);
  return r;
}

Task<http::Response> S3Client::send(Call c) {
  requests_.fetch_add(1, std::memory_order_relaxed);
  const std::string path = c.subject.empty() ? s3_url(c.bucket, c.key) : c.subject;
  std::optional<Credentials> creds = co_await credentials(c.op, path);
  http::Request r = build(c, creds);
  try {
    co_return co_await http_.fetch(std::move(r));
  } catch (...) {
    rethrow_named(c.op, path);
  }
}

Task<http::BodyStream> S3Client::stream(Call c) {
  requests_.fetch_add(1, std::memory_order_relaxed);
  const std::string path = c.subject.empty() ? s3_url(c.bucket, c.key) : c.subject;
  std::optional<Credentials> creds = co_await credentials(c.op, path);
  http::Request r = build(c, creds);
  try {
    co_return co_await http_.stream(std::move(r));
  } catch (...) {
    rethrow_named(c.op, path);
  }
}

Task<http::Response> S3Client::send_ok(Call c) {
  const char* op = c.op;
  std::string bucket = c.bucket;
  std::string key = c.key;
  http::Response r = co_await send(std::move(c));
  if (r.status >= 300) std::rethrow_exception(error_for(r, op, bucket, key));
  co_return r;
}

std::exception_ptr S3Client::error_for(const http::Response& r, const char* op,
                                       std::string_view bucket, std::string_view key) const {
  return error_for(r.status, r.body.view(), r.headers, op, bucket, key);
}

std::exception_ptr S3Client::error_for(long status, std::string_view body,
                                       const http::Headers& headers, const char* op,
                                       std::string_view bucket, std::string_view key) const {
  ErrorDetails d;
  d.status = static_cast<int>(status);
  d.bucket = bucket;
  d.key = key;
  if (std::optional<ErrorDoc> doc = parse_error(body)) {
    d.code = std::move(doc->code);
    d.message = std::move(doc->message);
    d.request_id = std::move(doc->request_id);
  }
  if (d.request_id.empty()) {
    if (const std::string* id = http::find_header(headers, "x-amz-request-id")) d.request_id = *id;
  }
  const std::string path = s3_url(bucket, key);
  const std::string detail = describe(d);
  const std::string& code = d.code;
  if (code == "NoSuchKey" || code == "NoSuchBucket" || code == "NoSuchUpload" ||
      (code.empty() && status == 404))
    return std::make_exception_ptr(FileNotFoundError(op, path, detail));
  if (code == "AccessDenied" || code == "SignatureDoesNotMatch" || code == "InvalidAccessKeyId" ||
      code == "ExpiredToken" || code == "InvalidToken" || code == "AllAccessDisabled" ||
      (code.empty() && (status == 403 || status == 401)))
    return std::make_exception_ptr(PermissionError(op, path, detail));
  if (code == "BucketAlreadyOwnedByYou" || code == "BucketAlreadyExists")
    return std::make_exception_ptr(FileExistsError(op, path, detail));
  if (code == "BucketNotEmpty")
    return std::make_exception_ptr(DirectoryNotEmptyError(op, path, detail));
  if (code == "InvalidBucketName")
    return std::make_exception_ptr(InvalidArgumentError(op, path, detail));
  if (status == 404) return std::make_exception_ptr(FileNotFoundError(op, path, detail));
  if (status == 403) return std::make_exception_ptr(PermissionError(op, path, detail));
  return std::make_exception_ptr(
      S3Error(std::make_error_code(std::errc::io_error), op, path, std::move(d)));
}

Task<std::string> S3Client::presign(std::string bucket, std::string key,
                                    std::chrono::seconds expires) {
  const std::string path = s3_url(bucket, key);
  if (expires.count() <= 0 || expires > std::chrono::hours(24 * 7))
    throw InvalidArgumentError("sign", path, "the expiration must be 1 s to 7 days");
  std::optional<Credentials> creds = co_await credentials("sign", path);
  if (!creds)
    throw InvalidArgumentError("sign", path,
                               "an anonymous filesystem has no credentials to sign with");
  SigningInput in;
  in.method = "GET";
  in.canonical_uri = path_for(bucket, key);
  in.headers.emplace_back("host", host_for(bucket));
  std::string query =
      presign_query(in, *creds, region_, "s3", std::chrono::system_clock::now(), expires);
  co_return scheme_ + "://" + host_for(bucket) + in.canonical_uri + "?" + query;
}

}  // namespace cofs::s3::detail

namespace cofs::s3 {

std::string describe(const ErrorDetails& d) {
  std::string s = "HTTP " + std::to_string(d.status);
  if (!d.code.empty()) s += " " + d.code;
  if (!d.message.empty()) s += ": " + d.message;
  if (!d.request_id.empty()) s += " (request id " + d.request_id + ")";
  return s;
}

S3Error::S3Error(std::error_code code, std::string_view operation, std::string_view path,
                 ErrorDetails details)
    : Error(code, operation, path, describe(details)), details_(std::move(details)) {}

}  // namespace cofs::s3
