// Child processes for test fixtures that start servers (the Ceph daemons of rgw.hpp): started with
// posix_spawn (no fork of a test program that may run threads and a sanitizer), through
// `setpriv --pdeathsig KILL` and a check that the parent is still alive, so that a test program
// killed mid-way, even while starting one, takes its servers with it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace cofs::test {

/// Starts `argv` (argv[0] a path) with stdin from /dev/null and stdout and stderr appended to
/// `output`, no file descriptor of the test program but those, default signal handling and
/// an empty signal mask, and SIGKILL as its parent-death signal. The parent is the calling
/// *thread*: the child is killed when that thread ends. Returns the PID; throws
/// std::runtime_error when the program cannot be started.
pid_t spawn_child(const std::vector<std::string>& argv, const std::filesystem::path& output);

/// Waits for `pid` up to `timeout`; true with its wait status in `status` when it has ended.
bool wait_child(pid_t pid, std::chrono::milliseconds timeout, int& status);

/// Whether `pid` (a child of this process) has ended; reaps it then.
bool child_ended(pid_t pid, int& status);

/// Kills a child with SIGKILL and reaps it (nothing when `pid` <= 0 or it has been reaped).
void kill_child(pid_t pid);

struct CommandResult {
  int exit_code = -1;  // -1: killed by a signal or by the timeout
  std::string output;  // stdout and stderr together
};

/// A command started by start_command, to be finished by finish_command.
struct RunningCommand {
  pid_t pid = -1;
  std::filesystem::path scratch;
  bool ended = false;
  int status = 0;  // the wait status, once ended
};

/// Starts `argv`, its output collected through `scratch`, a file path unique to this command.
RunningCommand start_command(const std::vector<std::string>& argv,
                             const std::filesystem::path& scratch);
/// Whether a started command has ended (without waiting).
bool command_ended(RunningCommand& command);
/// Waits for a started command to end (killed after `timeout`); its exit code and output.
CommandResult finish_command(RunningCommand& command, std::chrono::milliseconds timeout);
/// Runs `argv` to its end: start_command, then finish_command.
CommandResult run_command(const std::vector<std::string>& argv,
                          const std::filesystem::path& scratch, std::chrono::milliseconds timeout);

/// Whether an executable file is at `path`.
bool is_executable(const std::filesystem::path& path);

}  // namespace cofs::test
