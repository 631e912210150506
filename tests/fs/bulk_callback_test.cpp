// A progress Callback that throws: the bulk call fails with its exception and cancels the rest,
// whatever on_error says (on_error is about the files, not about the caller's callback).
#include <catch2/catch.hpp>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "cofs/fs/callback.hpp"
#include "cofs/memory/memory_fs.hpp"
#include "cofs/runtime/io_loop.hpp"

namespace {

struct DisplayBroke : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::shared_ptr<cofs::MemoryFileSystem> tree_of(int files) {
  auto fs = std::make_shared<cofs::MemoryFileSystem>();  // a private store
  for (int i = 0; i < files; ++i)
    fs->pipe_file("/cb/f" + std::to_string(i), std::string_view("0123456789"));
  return fs;
}

std::vector<std::string> paths_of(int files) {
  std::vector<std::string> p;
  for (int i = 0; i < files; ++i) p.push_back("/cb/f" + std::to_string(i));
  return p;
}

}  // namespace

TEST_CASE("bulk call: a callback whose update throws fails the call", "[callback]") {
  auto fs = tree_of(50);
  for (auto on_error : {cofs::OnError::raise, cofs::OnError::return_, cofs::OnError::omit}) {
    INFO("on_error " << static_cast<int>(on_error));
    int updates = 0;
    cofs::FunctionCallback cb;
    cb.on_update = [&updates](std::uint64_t, std::optional<std::uint64_t>) {
      ++updates;
      throw DisplayBroke("progress bar gone");
    };
    CHECK_THROWS_AS(fs->cat(paths_of(50), {.on_error = on_error, .batch_size = 4, .callback = &cb}),
                    DisplayBroke);
    CHECK(updates == 1);  // the first throw ended the call; the callback is not called again
  }
  int updates = 0;
  cofs::FunctionCallback cb;
  cb.on_update = [&updates](std::uint64_t, std::optional<std::uint64_t>) {
    if (++updates == 10) throw DisplayBroke("progress bar gone");
  };
  CHECK_THROWS_AS(fs->rm(paths_of(50), {.on_error = cofs::OnError::return_, .callback = &cb}),
                  DisplayBroke);
  CHECK(updates == 10);
  // The filesystem and its loop still work.
  CHECK(fs->cat_file("/cb/f49").view() == "0123456789");
}

TEST_CASE("bulk call: a callback whose set_size throws fails the call", "[callback]") {
  auto fs = tree_of(3);
  cofs::FunctionCallback cb;
  cb.on_size = [](std::optional<std::uint64_t>) { throw DisplayBroke("no size for you"); };
  CHECK_THROWS_AS(fs->cat(paths_of(3), {.callback = &cb}), DisplayBroke);
}

TEST_CASE("bulk transfer: a throwing child callback fails the whole call", "[callback]") {
  auto fs = tree_of(20);
  auto dir = std::filesystem::temp_directory_path() / ("cofs-cb-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  for (auto on_error : {cofs::OnError::raise, cofs::OnError::return_}) {
    INFO("on_error " << static_cast<int>(on_error));
    int branches = 0;
    cofs::FunctionCallback parent;
    parent.on_branch = [&branches](std::string_view src,
                                   std::string_view) -> std::unique_ptr<cofs::Callback> {
      ++branches;
      auto child = std::make_unique<cofs::FunctionCallback>();
      if (src.ends_with("/f3")) {
        child->on_update = [](std::uint64_t, std::optional<std::uint64_t>) {
          throw DisplayBroke("child bar gone");
        };
      }
      return child;
    };
    CHECK_THROWS_AS(fs->get("/cb/", dir.string() + "/",
                            {.recursive = true, .on_error = on_error, .callback = &parent}),
                    DisplayBroke);
    CHECK(branches == 20);
    // No partial copy of the file whose callback threw is left behind.
    CHECK_FALSE(std::filesystem::exists(dir / "f3"));
  }
  std::filesystem::remove_all(dir);
}
