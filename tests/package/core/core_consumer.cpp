// A program that links only cofs::core: memory files, Task, gather and sync work; what needs a
// library it did not link (local files, the io_uring reactor) fails with an error that names the
// operation and the missing library, not a crash or a link error.
#include <cstdio>
#include <ranges>
#include <string>
#include <string_view>

#include "cofs/cofs.hpp"

namespace {

int failures = 0;

void check(bool ok, const char* what) {
  std::printf("%s: %s\n", ok ? "ok" : "FAILED", what);
  if (!ok) ++failures;
}

bool contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

cofs::Task<std::size_t> size_of(cofs::FileSystem& fs, std::string path) {
  cofs::Bytes b = co_await fs.async_cat_file(std::move(path));
  co_return b.size();
}

// Runs `call`, which must throw NotSupportedError whose message has every part of `parts`.
template <class F>
void expect_not_linked(F call, std::initializer_list<std::string_view> parts, const char* what) {
  try {
    call();
    check(false, what);
  } catch (const cofs::NotSupportedError& e) {
    bool ok = true;
    for (std::string_view p : parts) ok = ok && contains(e.what(), p);
    std::printf("  %s\n", e.what());
    check(ok, what);
  }
}

}  // namespace

int main() {
  auto fs = cofs::filesystem("memory");
  for (int i = 0; i < 8; ++i)
    fs->pipe_file("/core/" + std::to_string(i), std::string(static_cast<std::size_t>(i), 'x'));
  check(fs->cat_file("/core/5").view() == "xxxxx", "memory files");

  auto tasks = std::views::iota(0, 8) | std::views::transform([&](int i) {
                 return size_of(*fs, "/core/" + std::to_string(i));
               });
  auto sizes = cofs::sync(fs->loop(), cofs::gather(tasks, {.batch_size = 3}));
  std::size_t total = 0;
  bool all_ok = sizes.size() == 8;
  for (const auto& n : sizes) {
    all_ok = all_ok && n.ok();
    if (n.ok()) total += n.value();
  }
  check(all_ok && total == 28, "Task, gather and sync");

  check(cofs::available_protocols() == std::vector<std::string>{"memory"},
        "only memory is registered");
  check(std::string_view(cofs::get_loop().reactor_name()) == "epoll",
        "the loop runs on epoll without cofs::uring");

  expect_not_linked([] { cofs::filesystem("file"); },
                    {"filesystem file", "local backend (cofs::local) is not linked"},
                    "filesystem(\"file\") names the missing local backend");
  expect_not_linked([] { cofs::filesystem("https"); },
                    {"filesystem https", "HTTP backend (cofs::http) is not linked"},
                    "filesystem(\"https\") names the missing HTTP backend");
  expect_not_linked([&] { fs->get_file("/core/3", "/tmp/cofs-core-consumer.txt"); },
                    {"get_file /tmp/cofs-core-consumer.txt", "(cofs::local) is not linked"},
                    "get_file names the missing local backend");
  expect_not_linked([&] { fs->get("/core/", "/tmp/cofs-core-consumer/", {.recursive = true}); },
                    {"get /tmp/cofs-core-consumer/", "(cofs::local) is not linked"},
                    "get names the missing local backend");
  try {
    cofs::IoLoop loop(cofs::IoLoop::Options{.reactor = cofs::ReactorKind::uring});
    check(false, "a loop that requires io_uring fails without cofs::uring");
  } catch (const cofs::Error& e) {
    std::printf("  %s\n", e.what());
    check(contains(e.what(), "cofs::uring"),
          "a loop that requires io_uring fails without cofs::uring");
  }
  return failures == 0 ? 0 : 1;
}
