// cofs: one coroutine filesystem interface over local disks, HTTP(S) and memory.
#pragma once

#include "cofs/fs/async_wrapper.hpp"
#include "cofs/fs/filesystem.hpp"
#include "cofs/fs/path.hpp"
#include "cofs/fs/registry.hpp"
#include "cofs/local/local_fs.hpp"
#include "cofs/memory/memory_fs.hpp"
#include "cofs/runtime/gather.hpp"
#include "cofs/runtime/io_loop.hpp"
#include "cofs/runtime/sync.hpp"
#include "cofs/runtime/task.hpp"
