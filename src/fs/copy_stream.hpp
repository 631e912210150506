// Streams one open file into another (the defaults of get_file and put_file, a transaction's
// cp_file).
#pragma once

#include "cofs/fs/callback.hpp"
#include "cofs/fs/file.hpp"
#include "cofs/runtime/task.hpp"

namespace cofs::detail {

/// Copies src to dst in 1 MiB chunks and closes dst; src is closed however it ends. After a
/// failure dst is not closed: dropping it leaves the old file (an atomic target) or stores
/// nothing (a staged one).
Task<void> copy_stream(AsyncFile& src, AsyncFile& dst, Callback* cb);

}  // namespace cofs::detail
