// A program that starts an RGW fixture, writes its directory and daemons' PIDs to the file named
// by its argument, and waits to be killed: rgw_fixture_test.cpp kills it with SIGKILL and checks
// that no daemon outlives it.
#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "support/rgw.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s REPORT_FILE\n", argv[0]);
    return 2;
  }
  try {
    cofs::test::Rgw server;
    const std::string report = argv[1];
    {
      std::ofstream out(report + ".tmp");
      out << server.dir().string() << "\n";
      for (pid_t pid : server.pids()) out << pid << "\n";
    }
    std::filesystem::rename(report + ".tmp", report);  // whole, or not there
    std::this_thread::sleep_for(std::chrono::minutes(5));
    std::fprintf(stderr, "rgw_orphan_maker: not killed within 5 minutes\n");
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rgw_orphan_maker: %s\n", e.what());
    return 1;
  }
}
