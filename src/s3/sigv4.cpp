#include "cofs/s3/sigv4.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <ctime>

namespace cofs::s3 {
namespace {

using Digest = std::array<unsigned char, SHA256_DIGEST_LENGTH>;

std::string hex(std::span<const unsigned char> d) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(d.size() * 2);
  for (unsigned char c : d) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

Digest hmac(std::span<const unsigned char> key, std::string_view data) {
  Digest out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &len);
  return out;
}

Digest hmac(const Digest& key, std::string_view data) {
  return hmac(std::span<const unsigned char>(key), data);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

/// A header value as SigV4 canonicalises it: outer spaces trimmed, inner runs of spaces one.
std::string canonical_value(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

struct HeaderLines {
  std::string lines;    // "name:value\n" each, sorted by name
  std::string signed_;  // "name;name"
};

HeaderLines canonical_headers(const SignedHeaders& headers) {
  std::vector<std::pair<std::string, std::string>> h;
  h.reserve(headers.size());
  for (const auto& [n, v] : headers) h.emplace_back(lower(n), canonical_value(v));
  std::stable_sort(h.begin(), h.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  HeaderLines out;
  for (std::size_t i = 0; i < h.size(); ++i) {
    // Repeated names join their values with commas, in the order given.
    if (i > 0 && h[i].first == h[i - 1].first) {
      out.lines.pop_back();
      out.lines += ',' + h[i].second + '\n';
      continue;
    }
    out.lines += h[i].first + ':' + h[i].second + '\n';
    if (!out.signed_.empty()) out.signed_ += ';';
    out.signed_ += h[i].first;
  }
  return out;
}

std::string scope_of(std::string_view date, std::string_view region, std::string_view service) {
  std::string s(date.substr(0, 8));
  s += '/';
  s += region;
  s += '/';
  s += service;
  s += "/aws4_request";
  return s;
}

Digest signing_key(const std::string& secret, std::string_view date, std::string_view region,
                   std::string_view service) {
  std::string k = "AWS4" + secret;
  Digest d = hmac(std::span(reinterpret_cast<const unsigned char*>(k.data()), k.size()),
                  date.substr(0, 8));
  std::fill(k.begin(), k.end(), '\0');
  d = hmac(d, region);
  d = hmac(d, service);
  return hmac(d, "aws4_request");
}

std::string string_to_sign(std::string_view date, const std::string& scope,
                           const std::string& creq) {
  std::string s = "AWS4-HMAC-SHA256\n";
  s += date;
  s += '\n';
  s += scope;
  s += '\n';
  s += sha256_hex(creq);
  return s;
}

}  // namespace

std::string uri_encode(std::string_view s, bool encode_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() + s.size() / 4);
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved || (c == '/' && !encode_slash)) {
      out += ch;
    } else {
      out += '%';
      out += kDigits[c >> 4];
      out += kDigits[c & 15];
    }
  }
  return out;
}

std::string sha256_hex(std::span<const std::byte> data) {
  Digest d{};
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), d.data());
  return hex(d);
}

std::string sha256_hex(std::string_view data) {
  return sha256_hex(std::as_bytes(std::span(data.data(), data.size())));
}

std::string amz_date(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[20];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string canonical_query(const QueryParams& query) {
  std::vector<std::pair<std::string, std::string>> q;
  q.reserve(query.size());
  for (const auto& [n, v] : query) q.emplace_back(uri_encode(n), uri_encode(v));
  std::sort(q.begin(), q.end());
  std::string out;
  for (const auto& [n, v] : q) {
    if (!out.empty()) out += '&';
    out += n;
    out += '=';
    out += v;
  }
  return out;
}

std::string canonical_request(const SigningInput& in) {
  HeaderLines h = canonical_headers(in.headers);
  std::string s = in.method;
  s += '\n';
  s += in.canonical_uri.empty() ? "/" : in.canonical_uri;
  s += '\n';
  s += canonical_query(in.query);
  s += '\n';
  s += h.lines;
  s += '\n';
  s += h.signed_;
  s += '\n';
  s += in.payload_hash;
  return s;
}

Signature sign_v4(const SigningInput& in, const Credentials& c, std::string_view region,
                  std::string_view service, std::chrono::system_clock::time_point when) {
  const std::string date = amz_date(when);
  const std::string scope = scope_of(date, region, service);
  Signature sig;
  sig.canonical_request = canonical_request(in);
  sig.signed_headers = canonical_headers(in.headers).signed_;
  sig.string_to_sign = string_to_sign(date, scope, sig.canonical_request);
  sig.signature = hex(hmac(signing_key(c.secret_key, date, region, service), sig.string_to_sign));
  sig.authorization = "AWS4-HMAC-SHA256 Credential=" + c.access_key + "/" + scope +
                      ",SignedHeaders=" + sig.signed_headers + ",Signature=" + sig.signature;
  return sig;
}

std::string presign_query(SigningInput in, const Credentials& c, std::string_view region,
                          std::string_view service, std::chrono::system_clock::time_point when,
                          std::chrono::seconds expires) {
  const std::string date = amz_date(when);
  const std::string scope = scope_of(date, region, service);
  in.query.emplace_back("X-Amz-Algorithm", "AWS4-HMAC-SHA256");
  in.query.emplace_back("X-Amz-Credential", c.access_key + "/" + scope);
  in.query.emplace_back("X-Amz-Date", date);
  in.query.emplace_back("X-Amz-Expires", std::to_string(expires.count()));
  if (!c.session_token.empty()) in.query.emplace_back("X-Amz-Security-Token", c.session_token);
  in.query.emplace_back("X-Amz-SignedHeaders", canonical_headers(in.headers).signed_);
  in.payload_hash = std::string(kUnsignedPayload);
  const std::string creq = canonical_request(in);
  const std::string sts = string_to_sign(date, scope, creq);
  const std::string signature = hex(hmac(signing_key(c.secret_key, date, region, service), sts));
  return canonical_query(in.query) + "&X-Amz-Signature=" + signature;
}

}  // namespace cofs::s3
