// The S3 XML documents, read with expat: listings streamed in small pieces, errors, batch
// deletes, multipart answers, and malformed input as a clear error.
#include <catch2/catch.hpp>

#include "s3/xml.hpp"

using namespace cofs::s3::detail;

namespace {

const std::string kListing =
    R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>bucket</Name><Prefix>dir/</Prefix><KeyCount>3</KeyCount><MaxKeys>1000</MaxKeys>
  <Delimiter>/</Delimiter><IsTruncated>true</IsTruncated>
  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
  <Contents><Key>dir/a &amp; b.txt</Key><LastModified>2009-10-12T17:50:30.000Z</LastModified>
    <ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag><Size>434234</Size>
    <StorageClass>STANDARD</StorageClass></Contents>
  <Contents><Key>dir/é</Key><LastModified>2009-10-12T17:50:31.000Z</LastModified>
    <ETag>"x"</ETag><Size>0</Size></Contents>
  <CommonPrefixes><Prefix>dir/sub/</Prefix></CommonPrefixes>
</ListBucketResult>)";

ListPage parse_in_pieces(const std::string& doc, std::size_t piece) {
  ListParser p;
  for (std::size_t at = 0; at < doc.size(); at += piece) {
    std::string_view part = std::string_view(doc).substr(at, piece);
    p.feed(std::as_bytes(std::span(part.data(), part.size())));
  }
  return p.finish();
}

}  // namespace

TEST_CASE("a ListObjectsV2 page parses the same however its body is cut", "[s3][xml]") {
  for (std::size_t piece : {std::size_t{1}, std::size_t{7}, kListing.size()}) {
    ListPage page = parse_in_pieces(kListing, piece);
    REQUIRE(page.contents.size() == 2);
    CHECK(page.contents[0].key == "dir/a & b.txt");
    CHECK(page.contents[0].size == 434234);
    CHECK(page.contents[0].etag == "\"fba9dede5f27731c9771645a39863328\"");
    CHECK(page.contents[0].last_modified == "2009-10-12T17:50:30.000Z");
    CHECK(page.contents[1].key == "dir/\xc3\xa9");
    CHECK(page.prefixes == std::vector<std::string>{"dir/sub/"});
    CHECK(page.truncated);
    CHECK(page.next_token == "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
  }
}

TEST_CASE("a malformed or truncated listing is an error saying where", "[s3][xml]") {
  std::string cut = kListing.substr(0, kListing.size() / 2);
  CHECK_THROWS_AS(parse_in_pieces(cut, 64), XmlError);
  CHECK_THROWS_WITH(parse_in_pieces("<ListBucketResult><Contents></ListBucketResult>", 8),
                    Catch::Contains("malformed XML at line 1"));
  CHECK_THROWS_WITH(parse_in_pieces("<Error><Code>X</Code></Error>", 8),
                    Catch::Contains("not a ListBucketResult"));
  CHECK_THROWS_WITH(
      parse_in_pieces("<ListBucketResult><Contents><Size>12a</Size><Key>k</Key></Contents>"
                      "</ListBucketResult>",
                      100),
      Catch::Contains("bad Size"));
  CHECK_THROWS_WITH(
      parse_in_pieces("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>", 100),
      Catch::Contains("NextContinuationToken"));
  CHECK_THROWS_AS(parse_in_pieces("", 1), XmlError);
}

TEST_CASE("an error document gives its code, message and request id", "[s3][xml]") {
  auto e = parse_error(
      "<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code><Message>The resource you requested "
      "does not exist</Message><Resource>/b/k</Resource><RequestId>4442587FB7D0A2F9</RequestId>"
      "</Error>");
  REQUIRE(e);
  CHECK(e->code == "NoSuchKey");
  CHECK(e->message == "The resource you requested does not exist");
  CHECK(e->request_id == "4442587FB7D0A2F9");
  CHECK(e->resource == "/b/k");
  CHECK_FALSE(parse_error(""));
  CHECK_FALSE(parse_error("<html><body>503</body></html>"));
  CHECK_FALSE(parse_error("<Error><Code>cut"));
}

TEST_CASE("ListBuckets, InitiateMultipartUpload and completion answers", "[s3][xml]") {
  auto buckets = parse_list_buckets(
      "<ListAllMyBucketsResult><Owner><ID>o</ID></Owner><Buckets>"
      "<Bucket><Name>a</Name><CreationDate>2019-12-11T23:32:47+00:00</CreationDate></Bucket>"
      "<Bucket><Name>b</Name></Bucket></Buckets></ListAllMyBucketsResult>");
  REQUIRE(buckets.size() == 2);
  CHECK(buckets[0].name == "a");
  CHECK(buckets[0].creation_date == "2019-12-11T23:32:47+00:00");
  CHECK(buckets[1].name == "b");

  CHECK(parse_upload_id("<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key>"
                        "<UploadId>VXBsb2FkIElE</UploadId></InitiateMultipartUploadResult>") ==
        "VXBsb2FkIElE");
  CHECK_THROWS_AS(parse_upload_id("<InitiateMultipartUploadResult/>"), XmlError);

  auto ok = parse_completion(
      "<CompleteMultipartUploadResult><Location>l</Location><Bucket>b</Bucket><Key>k</Key>"
      "<ETag>\"3858f62230ac3c915f300c664312c11f-9\"</ETag></CompleteMultipartUploadResult>");
  CHECK_FALSE(ok.error);
  CHECK(ok.etag == "\"3858f62230ac3c915f300c664312c11f-9\"");
  auto failed = parse_completion(
      "<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message>"
      "<RequestId>r1</RequestId></Error>");
  REQUIRE(failed.error);
  CHECK(failed.error->code == "InternalError");
  CHECK(failed.error->request_id == "r1");
}

TEST_CASE("a DeleteObjects result gives each key's failure", "[s3][xml]") {
  auto r = parse_delete_result(
      "<DeleteResult><Deleted><Key>a</Key></Deleted>"
      "<Error><Key>b &lt;1&gt;</Key><Code>AccessDenied</Code><Message>Access Denied</Message>"
      "</Error><Error><Key>c</Key><Code>InternalError</Code><Message>m</Message></Error>"
      "</DeleteResult>");
  CHECK(r.deleted == std::vector<std::string>{"a"});
  REQUIRE(r.errors.size() == 2);
  CHECK(r.errors[0].key == "b <1>");
  CHECK(r.errors[0].code == "AccessDenied");
  CHECK(r.errors[1].key == "c");
  CHECK(parse_delete_result("<DeleteResult/>").errors.empty());
  CHECK_THROWS_AS(parse_delete_result("<DeleteResult><Error>"), XmlError);
}

TEST_CASE("ListMultipartUploads gives each upload's key and id", "[s3][xml]") {
  auto u = parse_list_uploads(
      "<ListMultipartUploadsResult><Bucket>b</Bucket><Upload><Key>k1</Key><UploadId>u1</UploadId>"
      "</Upload><Upload><Key>k2</Key><UploadId>u2</UploadId></Upload>"
      "</ListMultipartUploadsResult>");
  REQUIRE(u.size() == 2);
  CHECK(u[1].key == "k2");
  CHECK(u[1].upload_id == "u2");
}

TEST_CASE("xml_escape makes any key safe inside an element", "[s3][xml]") {
  CHECK(xml_escape("a&b<c>d\"e'f") == "a&amp;b&lt;c&gt;d&quot;e&apos;f");
  auto r = parse_delete_result("<DeleteResult><Error><Key>" + xml_escape("x&<y>") +
                               "</Key><Code>c</Code></Error></DeleteResult>");
  CHECK(r.errors.at(0).key == "x&<y>");
}
