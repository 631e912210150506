// The atomic writer of the local backend: a file written whole goes to a temporary file beside its
// final target and is renamed over the target only when complete, so that readers, and a crash,
// see the old contents or the new, and a failed or cancelled write leaves the target as it was.
// Every whole-file write goes through it: pipe_file, cp_file, get_file/put_file to local files
// (from any backend), file objects opened `atomic` or inside a transaction.
//
// - A symbolic link is kept and the file at the end of its chain replaced, as writing through
//   the link in place (cp(1), curl -o) would; a dangling link has the file it names created.
// - The replaced file's permission bits are kept (a new file gets 0666 less the umask).
// - A FIFO, socket or device is written in place (replacing /dev/null with a regular file would
//   be a disaster), as cp(1) writes it.
// - The temporary name fits NAME_MAX whatever the target's length: a prefix of the target's name
//   (cut at a UTF-8 character boundary), then a unique suffix.
// - Durable (the filesystem's `fsync` option): the file is fsync'ed before the rename and the
//   directory after, so that after a crash the target holds the old contents or the new, whole.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "local/engine.hpp"

namespace cofs::local {

struct Replacement {
  std::string target;    // where the bytes land: the path named, or the end of its chain of links
  std::string temp;      // the temporary file beside target; empty when written in place
  int fd = -1;           // open for writing (and reading, when asked for)
  Engine* io = nullptr;  // the engine for fd: the threads engine for a FIFO or device
  bool stream = false;   // written at the file position (FIFO, socket, terminal), no offsets
  bool in_place() const noexcept { return temp.empty(); }
};

/// A name for a temporary file in the directory of `target`, of at most NAME_MAX bytes, unique
/// in this process and unlikely to be taken by another.
std::string temp_name_beside(std::string_view target);

/// Opens what will replace `path`: `access` is O_WRONLY or O_RDWR. The new file gets the
/// replaced file's permission bits, or `create_mode` less the umask when there was none. A
/// directory is EISDIR. 0 or -errno; on failure nothing is left open or behind.
Task<int> begin_replace(Engine& e, const std::string& path, int access, mode_t create_mode,
                        Replacement& out);

/// Ends the writing of a replacement: fsync when `durable`, then close. 0 or -errno (the
/// temporary file is still there: commit or discard it).
Task<int> close_replace(Replacement& r, bool durable);

/// Closes (close_replace) if still open, renames the temporary file over the target and, when
/// `durable`, fsyncs the directory. 0 or -errno; on failure the temporary file is removed and
/// the target is as it was.
Task<int> commit_replace(Replacement& r, bool durable);

/// Drops a replacement that will not be committed: closes its descriptor and removes its
/// temporary file, at once (no loop round trip: for failures, cancellations and destructors).
void discard_replace(Replacement& r) noexcept;

// Blocking twins, for work already on the pool (cp_file's copy).
int begin_replace_blocking(const std::string& path, int access, mode_t create_mode,
                           Replacement& out);
int commit_replace_blocking(Replacement& r, bool durable);

}  // namespace cofs::local
