// Conformance: reading contents — cat_file and its ranges, head/tail, large and empty files.
#include "conformance.hpp"

using namespace cofs;
using namespace cofs::testing;

namespace {

constexpr std::string_view kDigits = "0123456789";

template <class Via>
Task<std::string> range_of(Backend& b, Via& via, std::optional<std::int64_t> start,
                           std::optional<std::int64_t> end) {
  Bytes got = co_await via.cat_file(b.at("digits"), start, end);
  co_return str(got);
}

}  // namespace

CONFORMANCE_CASE("cat_file without a range reads the whole file") {
  co_await via.write(b.at("digits"), kDigits);
  std::string all = co_await range_of(b, via, {}, {});
  CHECK(all == kDigits);
}

CONFORMANCE_CASE("cat_file reads the bytes [start, end)") {
  co_await via.write(b.at("digits"), kDigits);
  std::string mid = co_await range_of(b, via, 2, 5);
  std::string front = co_await range_of(b, via, {}, 4);
  CHECK(mid == "234");
  CHECK(front == "0123");
}

CONFORMANCE_CASE("cat_file with only a start reads to the end") {
  co_await via.write(b.at("digits"), kDigits);
  std::string tail = co_await range_of(b, via, 7, {});
  CHECK(tail == "789");
}

CONFORMANCE_CASE("cat_file's negative offsets count from the end") {
  co_await via.write(b.at("digits"), kDigits);
  std::string last3 = co_await range_of(b, via, -3, {});
  std::string but2 = co_await range_of(b, via, 2, -2);
  std::string both = co_await range_of(b, via, -4, -1);
  std::string before_start = co_await range_of(b, via, -100, {});
  CHECK(last3 == "789");
  CHECK(but2 == "234567");
  CHECK(both == "678");
  CHECK(before_start == kDigits);  // clipped at the start
}

CONFORMANCE_CASE("cat_file clips an end past the end of the file") {
  co_await via.write(b.at("digits"), kDigits);
  std::string clipped = co_await range_of(b, via, 5, 100);
  CHECK(clipped == "56789");
}

CONFORMANCE_CASE("cat_file of an empty range, or from the end, reads nothing") {
  co_await via.write(b.at("digits"), kDigits);
  std::string at_end = co_await range_of(b, via, 10, {});
  std::string empty = co_await range_of(b, via, 4, 4);
  CHECK(at_end.empty());
  CHECK(empty.empty());
}

CONFORMANCE_CASE("cat_file from past the end reads nothing, as pread and Python slicing do") {
  co_await via.write(b.at("digits"), kDigits);
  std::string just_past = co_await range_of(b, via, 11, {});
  std::string far_past = co_await range_of(b, via, 100, 200);
  std::string end_to_past = co_await range_of(b, via, 10, 20);
  CHECK(just_past.empty());
  CHECK(far_past.empty());
  CHECK(end_to_past.empty());
}

CONFORMANCE_CASE("cat_file of a reversed range raises InvalidArgumentError naming the path") {
  co_await via.write(b.at("digits"), kDigits);
  CHECK_THROWS_NAMING(co_await via.cat_file(b.at("digits"), 6, 3), InvalidArgumentError, "cat_file",
                      "digits");
  CHECK_THROWS_NAMING(co_await via.cat_file(b.at("digits"), -2, -5), InvalidArgumentError,
                      "cat_file", "digits");
  // Past the end, and reversed once -2 is resolved to 8.
  CHECK_THROWS_NAMING(co_await via.cat_file(b.at("digits"), 12, -2), InvalidArgumentError,
                      "cat_file", "digits");
}

CONFORMANCE_CASE("head and tail read the first and last bytes, at most the whole file") {
  co_await via.write(b.at("digits"), kDigits);
  Bytes h = co_await via.head(b.at("digits"), 3);
  Bytes t = co_await via.tail(b.at("digits"), 3);
  Bytes h_all = co_await via.head(b.at("digits"), 100);
  Bytes t_all = co_await via.tail(b.at("digits"), 100);
  CHECK(str(h) == "012");
  CHECK(str(t) == "789");
  CHECK(str(h_all) == kDigits);
  CHECK(str(t_all) == kDigits);
}

CONFORMANCE_CASE("large binary contents round-trip exactly") {
  const std::string data = pattern_bytes(3 * 1024 * 1024 + 17);
  co_await via.write(b.at("big.bin"), data);
  std::uint64_t n = co_await via.size(b.at("big.bin"));
  Bytes got = co_await via.cat_file(b.at("big.bin"));
  CHECK(n == data.size());
  CHECK(got.size() == data.size());
  CHECK(got.view() == data);
}

CONFORMANCE_CASE("a range in the middle of a large file reads exactly those bytes") {
  const std::string data = pattern_bytes(3 * 1024 * 1024 + 17);
  co_await via.write(b.at("big.bin"), data);
  Bytes mid = co_await via.cat_file(b.at("big.bin"), 1000000, 1000000 + 65536 * 3);
  CHECK(mid.view() == std::string_view(data).substr(1000000, 65536 * 3));
}

CONFORMANCE_CASE("an empty file has size 0 and reads as empty, whole and by head and tail") {
  co_await via.write(b.at("empty"), "");
  Bytes all = co_await via.cat_file(b.at("empty"));
  std::uint64_t n = co_await via.size(b.at("empty"));
  Bytes h = co_await via.head(b.at("empty"), 10);
  Bytes t = co_await via.tail(b.at("empty"), 10);
  FileInfo i = co_await via.info(b.at("empty"));
  CHECK(all.empty());
  CHECK(n == 0);
  CHECK(h.empty());
  CHECK(t.empty());
  CHECK(i.is_file());
}

CONFORMANCE_CASE("cat_file of an empty file reads nothing, from any offset") {
  co_await via.write(b.at("empty"), "");
  Bytes from0 = co_await via.cat_file(b.at("empty"), 0);
  Bytes from1 = co_await via.cat_file(b.at("empty"), 1);
  Bytes from5to9 = co_await via.cat_file(b.at("empty"), 5, 9);
  CHECK(from0.empty());
  CHECK(from1.empty());
  CHECK(from5to9.empty());
}

// The error travels in the task, never thrown by the call that makes it: a gather of such tasks
// gets it as that task's outcome.
TEST_CASE("async_cat_file of a reversed range carries the error in its task", "[conformance]") {
  for_each_backend([](Backend& b) {
    write(b, "digits", kDigits);
    Task<Bytes> reversed = b.fs->async_cat_file(b.at("digits"), 6, 3);
    CHECK_THROWS_NAMING(sync(b.fs->loop(), std::move(reversed)), InvalidArgumentError, "digits");
  });
}
