#include <cofs/cofs.hpp>
#include <cstdio>

int main() {
  auto fs = cofs::filesystem("memory");
  fs->pipe_file("/consumer.txt", std::string_view("found by find_package"));
  std::printf("%s\n", fs->cat_file("/consumer.txt").str().c_str());
  return fs->cat_file("/consumer.txt").view() == "found by find_package" ? 0 : 1;
}
