// The registry: filesystems by protocol name, URLs split into a filesystem and a path, and open()
// of a URL. Built-in: memory, file/local, http/https. Users register their own backends.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cofs/export.hpp"
#include "cofs/fs/file.hpp"
#include "cofs/fs/filesystem.hpp"
#include "cofs/fs/options.hpp"

namespace cofs {

using FileSystemFactory = std::function<std::shared_ptr<FileSystem>(const Options& options,
                                                                    std::shared_ptr<IoLoop> loop)>;

/// Registers `factory` under `protocol`. Throws InvalidArgumentError when the name is taken and
/// `clobber` is false, or when it is not a valid protocol name ([a-z][a-z0-9+.-]*).
COFS_API void register_filesystem(std::string_view protocol, FileSystemFactory factory,
                                  bool clobber = false);
COFS_API std::vector<std::string> available_protocols();

/// The filesystem for `protocol` with `options`, served by `loop` (nullptr: the default loop).
/// Instances are cached: the same protocol, options and loop give the same instance, so that
/// url_to_fs("memory://x") and open("memory://x") see the same store. Throws
/// InvalidArgumentError for an unknown protocol, naming the known ones.
COFS_API std::shared_ptr<FileSystem> filesystem(std::string_view protocol,
                                                const Options& options = {},
                                                std::shared_ptr<IoLoop> loop = nullptr);

/// "memory://a/b" -> (the memory filesystem, "/a/b"); a path without a protocol is a local file.
/// Throws InvalidArgumentError for a malformed URL.
COFS_API std::pair<std::shared_ptr<FileSystem>, std::string> url_to_fs(std::string_view url,
                                                                       const Options& options = {});

/// Opens the file a URL names, as a blocking File.
COFS_API File open(std::string_view url, std::string_view mode = "rb", const Options& options = {});
/// The same, as an AsyncFile.
COFS_API Task<std::unique_ptr<AsyncFile>> open_async(std::string url, std::string mode = "rb",
                                                     Options options = {});

/// Drops the cached instances (each lives on while someone holds it).
COFS_API void clear_instance_cache();

namespace detail {
/// Registers the backends built into the library (defined beside them).
void register_builtin_filesystems();
}  // namespace detail

}  // namespace cofs
