// Per-loop services (cofs/backend/service.hpp): made on first use, one per type and loop, shut
// down when the loop stops and destroyed with it, newest first; told about fork() in a child.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "cofs/backend/service.hpp"
#include "cofs/runtime/error.hpp"
#include "cofs/runtime/io_loop.hpp"
#include "cofs/runtime/sync.hpp"

namespace {

std::vector<std::string> g_events;  // what the services saw, in order

template <int N>
struct Recorder : cofs::backend::LoopService {
  explicit Recorder(cofs::IoLoop& l) : LoopService(l) { g_events.push_back("make" + name()); }
  ~Recorder() override { g_events.push_back("destroy" + name()); }
  void shutdown() noexcept override {
    // Operations have ended, the loop is not closed yet (still its thread).
    g_events.push_back("shutdown" + name() + (loop().stopped() ? " closed" : ""));
  }
  void fork_child() noexcept override { g_events.push_back("fork" + name()); }
  static std::string name() { return std::to_string(N); }
};

/// A service whose constructor uses another: the other is made first, destroyed last.
struct Dependent : cofs::backend::LoopService {
  explicit Dependent(cofs::IoLoop& l)
      : LoopService(l), base(cofs::backend::use_service<Recorder<9>>(l)) {
    g_events.push_back("makeD");
  }
  ~Dependent() override { g_events.push_back("destroyD"); }
  void shutdown() noexcept override { g_events.push_back("shutdownD"); }
  Recorder<9>& base;
};

cofs::Task<int> use_on_loop(cofs::IoLoop& loop) {
  co_return cofs::backend::use_service<Recorder<1>>(loop).name() == "1" ? 1 : 0;
}

}  // namespace

TEST_CASE("services: one per type and loop, made on first use", "[runtime][services]") {
  g_events.clear();
  cofs::IoLoop a, b;
  CHECK(cofs::backend::has_service<Recorder<1>>(a) == nullptr);
  auto& s1 = cofs::backend::use_service<Recorder<1>>(a);
  CHECK(&cofs::backend::use_service<Recorder<1>>(a) == &s1);
  CHECK(cofs::backend::has_service<Recorder<1>>(a) == &s1);
  CHECK(&s1.loop() == &a);
  auto& s2 = cofs::backend::use_service<Recorder<1>>(b);  // another loop: another instance
  CHECK(&s2 != &s1);
  CHECK(&cofs::backend::use_service<Recorder<2>>(a) != static_cast<void*>(&s1));
  CHECK(g_events == std::vector<std::string>{"make1", "make1", "make2"});
}

TEST_CASE("services: shut down at the stop, destroyed with the loop, newest first",
          "[runtime][services]") {
  g_events.clear();
  {
    cofs::IoLoop loop;
    loop.start_thread();
    REQUIRE(cofs::sync(loop, use_on_loop(loop)) == 1);  // made on the loop's thread
    cofs::backend::use_service<Recorder<2>>(loop);      // ...or any other
    cofs::backend::use_service<Dependent>(loop);
    CHECK(g_events == std::vector<std::string>{"make1", "make2", "make9", "makeD"});
    g_events.clear();
    loop.stop();
    loop.wait_stopped();
    CHECK(g_events == std::vector<std::string>{"shutdownD", "shutdown9", "shutdown2", "shutdown1"});
    // Refused clearly once shut down.
    CHECK_THROWS_AS(cofs::backend::use_service<Recorder<3>>(loop), cofs::LoopStoppedError);
    CHECK_THROWS_WITH(cofs::backend::use_service<Recorder<1>>(loop),
                      Catch::Contains("use_service") && Catch::Contains("stopped"));
    g_events.clear();
  }
  CHECK(g_events == std::vector<std::string>{"destroyD", "destroy9", "destroy2", "destroy1"});
}

TEST_CASE("services: a loop never run to its end shuts them down when destroyed",
          "[runtime][services]") {
  g_events.clear();
  {
    cofs::IoLoop loop;
    cofs::backend::use_service<Recorder<1>>(loop);
    cofs::backend::use_service<Recorder<2>>(loop);
    loop.run_once();
  }
  CHECK(g_events == std::vector<std::string>{"make1", "make2", "shutdown2", "shutdown1", "destroy2",
                                             "destroy1"});
}

TEST_CASE("services: a forked child tells the parent loop's services, then frees them",
          "[runtime][services][fork]") {
  g_events.clear();
  auto* loop = new cofs::IoLoop();
  loop->start_thread();
  cofs::backend::use_service<Recorder<1>>(*loop);
  cofs::backend::use_service<Recorder<2>>(*loop);
  pid_t pid = ::fork();
  if (pid == 0) {
    int code = 0;
    try {
      g_events.clear();
      // The parent's loop refuses its services here...
      try {
        cofs::backend::use_service<Recorder<3>>(*loop);
        code = 3;
      } catch (const cofs::LoopStoppedError& e) {
        if (std::string(e.what()).find("fork") == std::string::npos) code = 4;
      }
      // ...and letting it go tells them, newest first, without shutting them down.
      delete loop;
      if (g_events != std::vector<std::string>{"fork2", "fork1", "destroy2", "destroy1"}) code = 5;
    } catch (...) {
      code = 2;
    }
    ::_exit(code);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK((WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status)) == 0);
  CHECK(g_events == std::vector<std::string>{"make1", "make2"});  // the parent's untouched
  delete loop;
  CHECK(g_events == std::vector<std::string>{"make1", "make2", "shutdown2", "shutdown1", "destroy2",
                                             "destroy1"});
}
