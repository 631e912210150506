// Conformance: reading in pieces and in bulk — read_block, cat of many paths, cat_ranges.
#include "conformance.hpp"

using namespace cofs;
using namespace cofs::testing;

namespace {

constexpr std::string_view kLines = "123\n456\n789\nabc";

template <class Via>
Task<std::string> block(Backend& b, Via& via, std::uint64_t offset,
                        std::optional<std::uint64_t> length,
                        std::optional<std::string> delimiter = {}) {
  Bytes got = co_await via.read_block(b.at("lines.csv"), offset, length, delimiter);
  co_return str(got);
}

/// f0..f49 holding data0..data49.
template <class Via>
Task<Names> fifty_files(Backend& b, Via& via) {
  Names paths;
  Fixtures files;
  for (int i = 0; i < 50; ++i) {
    paths.push_back(b.at("f" + std::to_string(i)));
    files.emplace_back(paths.back(), "data" + std::to_string(i));
  }
  co_await via.write_all(std::move(files));
  co_return paths;
}

}  // namespace

CONFORMANCE_CASE("read_block without a delimiter reads length bytes from offset") {
  co_await via.write(b.at("lines.csv"), kLines);
  std::string got = co_await block(b, via, 0, 5);
  CHECK(got == "123\n4");
}

CONFORMANCE_CASE("read_block with a delimiter starts after one and ends past one") {
  co_await via.write(b.at("lines.csv"), kLines);
  std::string after_first = co_await block(b, via, 1, 5, "\n");
  std::string from_zero = co_await block(b, via, 0, 5, "\n");
  std::string owned_before = co_await block(b, via, 4, 1, "\n");
  std::string last = co_await block(b, via, 9, 100, "\n");
  std::string whole = co_await block(b, via, 0, {}, "\n");
  CHECK(after_first == "456\n");     // starts after the first \n
  CHECK(from_zero == "123\n456\n");  // at 0 no skip; ends past a \n
  CHECK(owned_before.empty());       // the block before owns "456\n"
  CHECK(last == "abc");              // the last line has no delimiter
  CHECK(whole == kLines);
}

CONFORMANCE_CASE("read_block blocks that tile a file give every line exactly once") {
  co_await via.write(b.at("lines.csv"), kLines);
  std::string joined;
  for (std::uint64_t off = 0; off < 15; off += 4) joined += co_await block(b, via, off, 4, "\n");
  CHECK(joined == kLines);
}

CONFORMANCE_CASE("read_block refuses an empty delimiter") {
  co_await via.write(b.at("lines.csv"), kLines);
  CHECK_THROWS_NAMING(co_await via.read_block(b.at("lines.csv"), 0, 4, std::string()),
                      InvalidArgumentError, "lines.csv");
}

CONFORMANCE_CASE("cat of many paths gives each path's contents") {
  Names paths = co_await fifty_files(b, via);
  CatResult all = co_await via.cat(paths, BulkOptions{.batch_size = 7});
  REQUIRE(all.size() == 50);
  for (int i = 0; i < 50; ++i)
    CHECK(all.at(b.at("f" + std::to_string(i))).value() == "data" + std::to_string(i));
}

CONFORMANCE_CASE("cat raises FileNotFoundError for a missing path by default") {
  Names paths = co_await fifty_files(b, via);
  paths.push_back(b.at("missing"));
  CHECK_THROWS_NAMING(co_await via.cat(paths), FileNotFoundError, "missing");
}

CONFORMANCE_CASE("cat with on_error omit leaves a missing path out") {
  Names paths = co_await fifty_files(b, via);
  paths.push_back(b.at("missing"));
  CatResult omitted = co_await via.cat(paths, BulkOptions{.on_error = OnError::omit});
  CHECK(omitted.size() == 50);
  CHECK(omitted.count(b.at("missing")) == 0);
}

CONFORMANCE_CASE("cat with on_error return gives a missing path its not-found error") {
  Names paths = co_await fifty_files(b, via);
  paths.push_back(b.at("missing"));
  CatResult returned = co_await via.cat(paths, BulkOptions{.on_error = OnError::return_});
  REQUIRE(returned.size() == 51);
  CHECK_FALSE(returned.at(b.at("missing")).ok());
  CHECK(error_is(returned.at(b.at("missing")).error(), std::errc::no_such_file_or_directory));
  CHECK(returned.at(b.at("f3")).value() == "data3");
}

CONFORMANCE_CASE("cat of a glob reads every match") {
  co_await fifty_files(b, via);
  CatResult globbed = co_await via.cat(b.at("f1*"));
  CHECK(globbed.size() == 11);  // f1, f10..f19
  CHECK(globbed.at(b.at("f17")).value() == "data17");
}

CONFORMANCE_CASE("cat_ranges reads one range of each file, in input order") {
  co_await fifty_files(b, via);
  std::vector<Outcome<Bytes>> ranges = co_await via.cat_ranges(
      names(b.at("f1"), b.at("f22")), offsets(0, 4), offsets(2, std::nullopt));
  REQUIRE(ranges.size() == 2);
  CHECK(ranges[0].value() == "da");
  CHECK(ranges[1].value() == "22");
}

CONFORMANCE_CASE("cat_ranges refuses lists of different lengths") {
  co_await fifty_files(b, via);
  CHECK_THROWS_NAMING(co_await via.cat_ranges(names(b.at("f1")), offsets(0, 1), offsets(2)),
                      InvalidArgumentError, "cat_ranges");
}

CONFORMANCE_CASE("many concurrent reads of one file each get their own range") {
  const std::string data = pattern_bytes(256 * 1024, 7);
  co_await via.write(b.at("shared.bin"), data);
  Names paths(64, b.at("shared.bin"));
  std::vector<std::optional<std::int64_t>> starts, ends;
  for (int i = 0; i < 64; ++i) {
    starts.push_back(i * 4096);
    ends.push_back(i * 4096 + 1000);
  }
  std::vector<Outcome<Bytes>> got = co_await via.cat_ranges(paths, starts, ends);
  REQUIRE(got.size() == 64);
  int wrong = 0;
  for (int i = 0; i < 64; ++i)
    if (got[i].value().view() != std::string_view(data).substr(i * 4096, 1000)) ++wrong;
  CHECK(wrong == 0);
}
