// The SigV4 signer against the examples AWS publishes for S3 ("Signature Calculations for the
// Authorization Header" and "Authenticating Requests: Using Query Parameters", access key
// AKIAIOSFODNN7EXAMPLE, 24 May 2013, us-east-1): any mistake in canonicalisation, key
// derivation or formatting changes the signature.
#include <catch2/catch.hpp>

#include "cofs/s3/sigv4.hpp"

using namespace cofs::s3;

namespace {

constexpr const char* kEmptyHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

Credentials example_key() {
  Credentials c;
  c.access_key = "AKIAIOSFODNN7EXAMPLE";
  c.secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  return c;
}

std::chrono::system_clock::time_point may_24_2013() {
  return std::chrono::system_clock::from_time_t(1369353600);  // 2013-05-24T00:00:00Z
}

}  // namespace

TEST_CASE("SHA-256 and the x-amz-date format", "[s3][sigv4]") {
  CHECK(sha256_hex(std::string_view()) == kEmptyHash);
  CHECK(sha256_hex(std::string_view("Welcome to Amazon S3.")) ==
        "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  CHECK(amz_date(may_24_2013()) == "20130524T000000Z");
}

TEST_CASE("uri_encode keeps unreserved characters and encodes every other byte", "[s3][sigv4]") {
  CHECK(uri_encode("AZaz09-_.~") == "AZaz09-_.~");
  CHECK(uri_encode("a b+c%d?e/f") == "a%20b%2Bc%25d%3Fe%2Ff");
  CHECK(uri_encode("a b/c", false) == "a%20b/c");
  CHECK(uri_encode("\xc3\xa9") == "%C3%A9");  // UTF-8 bytes, upper-case hex
  CHECK(uri_encode("$") == "%24");
}

TEST_CASE("the canonical query is sorted by encoded name and encodes names and values",
          "[s3][sigv4]") {
  CHECK(canonical_query({{"prefix", "J"}, {"max-keys", "2"}}) == "max-keys=2&prefix=J");
  CHECK(canonical_query({{"uploads", ""}}) == "uploads=");
  CHECK(canonical_query({{"prefix", "dir/a b"}, {"delimiter", "/"}, {"list-type", "2"}}) ==
        "delimiter=%2F&list-type=2&prefix=dir%2Fa%20b");
}

TEST_CASE("SigV4 signs AWS's GET Object example exactly", "[s3][sigv4]") {
  SigningInput in;
  in.method = "GET";
  in.canonical_uri = "/test.txt";
  in.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                {"Range", "bytes=0-9"},
                {"x-amz-content-sha256", kEmptyHash},
                {"x-amz-date", "20130524T000000Z"}};
  in.payload_hash = kEmptyHash;
  Signature s = sign_v4(in, example_key(), "us-east-1", "s3", may_24_2013());
  CHECK(s.canonical_request ==
        "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
        "x-amz-content-sha256:" +
            std::string(kEmptyHash) + "\nx-amz-date:20130524T000000Z\n\n" +
            "host;range;x-amz-content-sha256;x-amz-date\n" + kEmptyHash);
  CHECK(s.string_to_sign ==
        "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
        "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  CHECK(s.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  CHECK(s.authorization ==
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST_CASE("SigV4 signs AWS's PUT Object example exactly", "[s3][sigv4]") {
  const std::string body = "Welcome to Amazon S3.";
  SigningInput in;
  in.method = "PUT";
  in.canonical_uri = "/" + uri_encode("test$file.text", false);
  in.payload_hash = sha256_hex(std::string_view(body));
  in.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                {"x-amz-date", "20130524T000000Z"},
                {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                {"x-amz-content-sha256", in.payload_hash}};
  Signature s = sign_v4(in, example_key(), "us-east-1", "s3", may_24_2013());
  CHECK(s.signed_headers == "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class");
  CHECK(s.signature == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST_CASE("SigV4 signs AWS's GET Bucket lifecycle and list examples exactly", "[s3][sigv4]") {
  SigningInput in;
  in.method = "GET";
  in.canonical_uri = "/";
  in.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                {"x-amz-date", "20130524T000000Z"},
                {"x-amz-content-sha256", kEmptyHash}};
  in.payload_hash = kEmptyHash;
  SECTION("a parameter without a value") {
    in.query = {{"lifecycle", ""}};
    CHECK(sign_v4(in, example_key(), "us-east-1", "s3", may_24_2013()).signature ==
          "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
  }
  SECTION("parameters given out of order") {
    in.query = {{"prefix", "J"}, {"max-keys", "2"}};
    CHECK(sign_v4(in, example_key(), "us-east-1", "s3", may_24_2013()).signature ==
          "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
  }
}

TEST_CASE("a presigned URL matches AWS's query-string example", "[s3][sigv4]") {
  SigningInput in;
  in.method = "GET";
  in.canonical_uri = "/test.txt";
  in.headers = {{"host", "examplebucket.s3.amazonaws.com"}};
  std::string q = presign_query(in, example_key(), "us-east-1", "s3", may_24_2013(),
                                std::chrono::seconds(86400));
  CHECK(q ==
        "X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
        "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
        "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

TEST_CASE("a wrong secret gives another signature", "[s3][sigv4]") {
  SigningInput in;
  in.headers = {{"host", "h"}, {"x-amz-date", "20130524T000000Z"}};
  Credentials other = example_key();
  other.secret_key.back() = 'X';
  CHECK(sign_v4(in, example_key(), "us-east-1", "s3", may_24_2013()).signature !=
        sign_v4(in, other, "us-east-1", "s3", may_24_2013()).signature);
  // The secret is never part of what is signed or sent.
  Signature s = sign_v4(in, example_key(), "us-east-1", "s3", may_24_2013());
  CHECK(s.authorization.find(example_key().secret_key) == std::string::npos);
  CHECK(s.canonical_request.find(example_key().secret_key) == std::string::npos);
}
