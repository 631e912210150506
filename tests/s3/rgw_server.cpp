// Starts the tests' RGW (support/rgw.hpp) for a program outside the tests, such as the README's
// demo (.ci/demo.sh): prints the endpoint and the credentials as shell assignments, then "ready",
// and stops the cluster when its standard input closes or on SIGINT / SIGTERM. Exits 77 where
// Ceph is not installed.
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <exception>

#include "support/rgw.hpp"

int main() {
  using cofs::test::Rgw;
  if (auto missing = Rgw::unavailable()) {
    std::fprintf(stderr, "rgw_server: %s\n", missing->c_str());
    return 77;
  }
  // The signals are taken by sigwait below, so that the cluster is stopped by the destructor.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  try {
    Rgw server;
    std::printf("COFS_DEMO_S3_ENDPOINT=%s\n", server.endpoint().c_str());
    std::printf("AWS_ACCESS_KEY_ID=%s\n", Rgw::owner().access_key.c_str());
    std::printf("AWS_SECRET_ACCESS_KEY=%s\n", Rgw::owner().secret_key.c_str());
    std::printf("AWS_REGION=%s\nready\n", Rgw::region);
    std::fflush(stdout);
    // Until stdin closes (its reader sees end of file or an error) or a signal comes.
    for (;;) {
      pollfd in{STDIN_FILENO, POLLIN, 0};
      timespec tick{0, 200'000'000};
      if (ppoll(&in, 1, &tick, nullptr) > 0) {
        char buf[256];
        if (read(STDIN_FILENO, buf, sizeof buf) <= 0) break;
      }
      timespec now{0, 0};
      if (sigtimedwait(&stop, nullptr, &now) > 0) break;
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rgw_server: %s\n", e.what());
    return 1;
  }
}
