// Conformance: ranges at and past the end of a file, for every ranged read (cat_file's own cases
// are in cases_read.cpp). What lies past the end is not there: a read from it gives nothing, as
// pread and Python's slicing do; only a reversed range is an error.
#include "conformance.hpp"

using namespace cofs;
using namespace cofs::testing;

namespace {
constexpr std::string_view kLines = "123\n456\n789\nabc";  // 15 bytes
}  // namespace

CONFORMANCE_CASE("read_block from past the end reads nothing") {
  co_await via.write(b.at("lines.csv"), kLines);
  Bytes at_end = co_await via.read_block(b.at("lines.csv"), 15, 4);
  Bytes past = co_await via.read_block(b.at("lines.csv"), 40, 4);
  Bytes past_to_end = co_await via.read_block(b.at("lines.csv"), 40, std::nullopt);
  CHECK(at_end.empty());
  CHECK(past.empty());
  CHECK(past_to_end.empty());
}

CONFORMANCE_CASE("read_block with a delimiter from past the end reads nothing") {
  co_await via.write(b.at("lines.csv"), kLines);
  Bytes past = co_await via.read_block(b.at("lines.csv"), 40, 4, std::string("\n"));
  Bytes past_to_end =
      co_await via.read_block(b.at("lines.csv"), 40, std::nullopt, std::string("\n"));
  CHECK(past.empty());
  CHECK(past_to_end.empty());
}

CONFORMANCE_CASE("cat_ranges reads nothing for a range past the end") {
  co_await via.write(b.at("lines.csv"), kLines);
  std::vector<Outcome<Bytes>> got =
      co_await via.cat_ranges(names(b.at("lines.csv"), b.at("lines.csv"), b.at("lines.csv")),
                              offsets(15, 20, 0), offsets(std::nullopt, 30, 3));
  REQUIRE(got.size() == 3);
  REQUIRE(got[0].ok());
  REQUIRE(got[1].ok());
  CHECK(got[0].value().empty());
  CHECK(got[1].value().empty());
  CHECK(got[2].value() == "123");
}

CONFORMANCE_CASE("cat_ranges gives InvalidArgumentError for a reversed range") {
  co_await via.write(b.at("lines.csv"), kLines);
  std::vector<Outcome<Bytes>> got =
      co_await via.cat_ranges(names(b.at("lines.csv"), b.at("lines.csv")), offsets(20, 0),
                              offsets(-2, 3), BulkOptions{.on_error = OnError::return_});
  REQUIRE(got.size() == 2);
  CHECK_THROWS_NAMING(got[0].value(), InvalidArgumentError, "cat_file", "lines.csv");
  CHECK(got[1].value() == "123");
}

CONFORMANCE_CASE("a file object read from past its end reads nothing") {
  co_await via.write(b.at("lines.csv"), kLines);
  auto f = co_await via.open(b.at("lines.csv"), "rb");
  std::uint64_t at = co_await f.seek(100);
  Bytes some = co_await f.read(5);
  Bytes rest = co_await f.read();
  co_await f.close();
  CHECK(at == 100);
  CHECK(some.empty());
  CHECK(rest.empty());
}
