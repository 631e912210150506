#include "child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace cofs::test {
namespace fs = std::filesystem;
namespace {

// util-linux's setpriv (Essential on Debian) sets PR_SET_PDEATHSIG and execs the program, which
// keeps it: posix_spawn cannot run prctl in the child itself.
constexpr const char* kSetpriv = "/usr/bin/setpriv";

// Run between setpriv and the program: a parent that died before setpriv's prctl sends no
// signal, so the program starts only if its parent is still this process.
std::string parent_check() {
  return "[ \"$PPID\" = " + std::to_string(getpid()) + " ] && exec \"$@\"";
}

std::string joined(const std::vector<std::string>& argv) {
  std::string s;
  for (const std::string& a : argv) s += (s.empty() ? "" : " ") + a;
  return s;
}

// Owns what posix_spawn needs, released on every path.
struct SpawnSetup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
};

}  // namespace

bool is_executable(const fs::path& path) {
  return access(path.c_str(), X_OK) == 0;
}

pid_t spawn_child(const std::vector<std::string>& argv, const fs::path& output) {
  if (!is_executable(kSetpriv))
    throw std::runtime_error("test fixture: /usr/bin/setpriv (util-linux) is missing");
  std::vector<std::string> args = {kSetpriv,  "--pdeathsig", "KILL",         "--",
                                   "/bin/sh", "-c",          parent_check(), "cofs-child"};
  args.insert(args.end(), argv.begin(), argv.end());
  std::vector<char*> cargv;
  for (std::string& a : args) cargv.push_back(a.data());
  cargv.push_back(nullptr);

  SpawnSetup s;
  posix_spawn_file_actions_addopen(&s.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&s.actions, STDOUT_FILENO, output.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&s.actions, STDOUT_FILENO, STDERR_FILENO);
  // A server must not hold the test program's sockets, rings or pipes open past its end.
  posix_spawn_file_actions_addclosefrom_np(&s.actions, STDERR_FILENO + 1);
  // Signals a test program blocks or ignores (SIGPIPE) would otherwise stay so in the child.
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&s.attr, &none);
  posix_spawnattr_setsigdefault(&s.attr, &all);
  posix_spawnattr_setflags(&s.attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  pid_t pid = -1;
  if (int rc = posix_spawn(&pid, kSetpriv, &s.actions, &s.attr, cargv.data(), environ); rc != 0)
    throw std::runtime_error("test fixture: cannot start " + joined(argv) + ": " +
                             std::strerror(rc));
  return pid;
}

bool child_ended(pid_t pid, int& status) {
  pid_t r;
  do r = waitpid(pid, &status, WNOHANG);
  while (r < 0 && errno == EINTR);
  return r == pid || (r < 0 && errno == ECHILD);
}

bool wait_child(pid_t pid, std::chrono::milliseconds timeout, int& status) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::milliseconds(1);
  while (!child_ended(pid, status)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
  return true;
}

void kill_child(pid_t pid) {
  if (pid <= 0) return;
  int status = 0;
  if (child_ended(pid, status)) return;
  kill(pid, SIGKILL);
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

RunningCommand start_command(const std::vector<std::string>& argv, const fs::path& scratch) {
  { std::ofstream truncate(scratch, std::ios::trunc); }
  return {spawn_child(argv, scratch), scratch};
}

bool command_ended(RunningCommand& command) {
  if (!command.ended) command.ended = child_ended(command.pid, command.status);
  return command.ended;
}

CommandResult finish_command(RunningCommand& command, std::chrono::milliseconds timeout) {
  CommandResult result;
  if (!command.ended) command.ended = wait_child(command.pid, timeout, command.status);
  if (!command.ended) {
    kill_child(command.pid);
    command.ended = true;
  } else if (WIFEXITED(command.status)) {
    result.exit_code = WEXITSTATUS(command.status);
  }
  std::ifstream in(command.scratch, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  result.output = out.str();
  std::error_code ec;
  fs::remove(command.scratch, ec);
  return result;
}

CommandResult run_command(const std::vector<std::string>& argv, const fs::path& scratch,
                          std::chrono::milliseconds timeout) {
  RunningCommand command = start_command(argv, scratch);
  return finish_command(command, timeout);
}

}  // namespace cofs::test
