// Path helpers of include/cofs/fs/path.hpp on arbitrary bytes: normalize and is_normal, join,
// parent, basename, trailing slashes, depth_below, has_magic, protocol_of and strip_protocol.
// Input: "<a>\n<b>"; each of a and b is checked alone, and the pair (a, b) by join and depth_below.
#include <algorithm>
#include <string>

#include "cofs/fs/path.hpp"
#include "fuzz_input.hpp"

namespace path = cofs::path;
using cofs_fuzz::split_line;

namespace {

constexpr auto npos = std::string_view::npos;

void check_normalize(std::string_view p) {
  const std::string n = path::normalize(p);
  if (p.empty()) {
    FUZZ_CHECK(n.empty());
    return;
  }
  FUZZ_CHECK(!n.empty());
  FUZZ_CHECK((p.front() == '/') == (n.front() == '/'));
  FUZZ_CHECK(path::normalize(n) == n);
  FUZZ_CHECK(n.find("//") == npos);
  FUZZ_CHECK(n == "/" || n.back() != '/');
  if (path::is_normal(p)) FUZZ_CHECK(n == p);
  // What is left is normal but for the ".." a relative path cannot resolve (or a lone ".").
  std::string_view rest = n;
  while (rest.starts_with("../")) rest.remove_prefix(3);
  FUZZ_CHECK(n == "." || rest == ".." || path::is_normal(rest));
}

void check_parts(std::string_view p) {
  const std::string_view t = path::trim_trailing_slash(p);
  FUZZ_CHECK(p.starts_with(t));
  FUZZ_CHECK(t.size() <= 1 || t.back() != '/');
  FUZZ_CHECK(path::has_trailing_slash(p) == (!p.empty() && p.back() == '/'));
  FUZZ_CHECK(path::has_magic(p) == (p.find_first_of("*?[") != npos));

  const std::string_view base = path::basename(p);
  FUZZ_CHECK(base.find('/') == npos);
  FUZZ_CHECK(t.ends_with(base));
  const std::string par = path::parent(p);
  FUZZ_CHECK(t.starts_with(par));
  FUZZ_CHECK(par.size() < t.size() || (t == "/" && par == "/") || (t.empty() && par.empty()));
  if (path::is_normal(p) && !par.empty()) {
    FUZZ_CHECK(par + (par.ends_with('/') ? "" : "/") + std::string(base) == p);
  }
  if (path::is_normal(p) && par.empty()) FUZZ_CHECK(base == p);
}

void check_protocol(std::string_view p) {
  auto proto = path::protocol_of(p);
  if (!proto) {
    FUZZ_CHECK(path::strip_protocol(p, {"file", "http", "memory"}) == p);
    return;
  }
  FUZZ_CHECK(!proto->empty());
  FUZZ_CHECK(
      std::none_of(proto->begin(), proto->end(), [](char c) { return c >= 'A' && c <= 'Z'; }));
  FUZZ_CHECK(path::strip_protocol(p, {std::string_view(*proto)}) == p.substr(proto->size() + 3));
}

void check_pair(std::string_view a, std::string_view b) {
  const std::string j = path::join(a, b);
  if (a.empty()) {
    FUZZ_CHECK(j == b);
  } else {
    std::string_view tail = b;
    while (!tail.empty() && tail.front() == '/') tail.remove_prefix(1);
    FUZZ_CHECK(j.ends_with(tail));
    FUZZ_CHECK(std::string_view(j).starts_with(path::trim_trailing_slash(a)));
  }
  FUZZ_CHECK(path::depth_below(a, b) >= 0);
  // A normal relative path of k parts lies k levels below any normal root it is put under.
  if (path::is_normal(a) && path::is_normal(b) && b.front() != '/') {
    const std::string below = (a == "/" ? std::string("/") : std::string(a) + "/") + std::string(b);
    FUZZ_CHECK(path::depth_below(a, below) == 1 + std::count(b.begin(), b.end(), '/'));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto [a, b] = split_line(cofs_fuzz::text(data, size));
  for (std::string_view p : {a, b}) {
    check_normalize(p);
    check_parts(p);
    check_protocol(p);
  }
  check_pair(a, b);
  return 0;
}
