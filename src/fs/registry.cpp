#include "cofs/fs/registry.hpp"

#include <algorithm>
#include <map>
#include <mutex>

#include <fmt/format.h>

#include "cofs/fs/path.hpp"
#include "link_hooks.hpp"
#include "runtime/fork_locks.hpp"

namespace cofs {
namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::string, FileSystemFactory, std::less<>> factories;
  std::map<std::string, std::shared_ptr<FileSystem>, std::less<>> instances;
  bool builtins = false;
};

Registry& registry() {
  static Registry r;
  static const bool fork_safe = [] {
    detail::register_fork_lock(detail::ForkLockRank::registry,
                               {+[]() noexcept { registry().mutex.lock(); },
                                +[]() noexcept { registry().mutex.unlock(); }});
    return true;
  }();
  (void)fork_safe;
  return r;
}

bool valid_protocol(std::string_view p) {
  if (p.empty() || !(p[0] >= 'a' && p[0] <= 'z')) return false;
  return std::all_of(p.begin(), p.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
  });
}

void ensure_builtins() {
  Registry& r = registry();
  {
    std::lock_guard lock(r.mutex);
    if (r.builtins) return;
    r.builtins = true;
  }
  detail::register_builtin_filesystems();
}

std::string cache_key(std::string_view protocol, const Options& options, const IoLoop* loop) {
  std::string key(protocol);
  key += '\n';
  key += std::to_string(reinterpret_cast<std::uintptr_t>(loop));
  for (const auto& [k, v] : options) {
    key += '\n';
    key += k;
    key += '=';
    key += v;
  }
  return key;
}

}  // namespace

void register_filesystem(std::string_view protocol, FileSystemFactory factory, bool clobber) {
  if (!valid_protocol(protocol))
    throw InvalidArgumentError("register_filesystem", protocol,
                               "not a valid protocol name ([a-z][a-z0-9+.-]*)");
  if (!factory) throw InvalidArgumentError("register_filesystem", protocol, "empty factory");
  ensure_builtins();
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  auto it = r.factories.find(protocol);
  if (it != r.factories.end() && !clobber)
    throw InvalidArgumentError("register_filesystem", protocol,
                               "the protocol is already registered (pass clobber=true to replace)");
  r.factories.insert_or_assign(std::string(protocol), std::move(factory));
  // Cached instances of a replaced protocol must not be served any more.
  for (auto i = r.instances.begin(); i != r.instances.end();) {
    if (i->first.compare(0, protocol.size() + 1, std::string(protocol) + "\n") == 0) {
      i = r.instances.erase(i);
    } else {
      ++i;
    }
  }
}

std::vector<std::string> available_protocols() {
  ensure_builtins();
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  std::vector<std::string> out;
  for (const auto& [k, v] : r.factories) out.push_back(k);
  return out;
}

std::shared_ptr<FileSystem> filesystem(std::string_view protocol, const Options& options,
                                       std::shared_ptr<IoLoop> loop) {
  ensure_builtins();
  if (!loop) loop = default_loop();
  Registry& r = registry();
  const std::string key = cache_key(protocol, options, loop.get());
  FileSystemFactory factory;
  {
    std::lock_guard lock(r.mutex);
    if (auto it = r.instances.find(key); it != r.instances.end()) {
      return it->second;
    }
    auto it = r.factories.find(protocol);
    if (it == r.factories.end()) {
      if (const char* library = detail::unlinked_builtin(protocol))
        throw NotSupportedError("filesystem", protocol,
                                fmt::format("{} is not linked into this program", library));
      std::string known;
      for (const auto& [k, v] : r.factories) known += (known.empty() ? "" : ", ") + k;
      throw InvalidArgumentError("filesystem", protocol, "unknown protocol; known: " + known);
    }
    factory = it->second;
  }
  std::shared_ptr<FileSystem> fs = factory(options, loop);
  std::lock_guard lock(r.mutex);
  auto it = r.instances.try_emplace(key, fs).first;
  return it->second;  // another thread's, when it made one first
}

void clear_instance_cache() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.instances.clear();
}

std::pair<std::shared_ptr<FileSystem>, std::string> url_to_fs(std::string_view url,
                                                              const Options& options) {
  if (url.empty()) throw InvalidArgumentError("url_to_fs", url, "empty URL");
  std::string protocol = "file";
  if (auto sep = url.find("://"); sep != std::string_view::npos) {
    auto p = path::protocol_of(url);
    if (!p || !valid_protocol(*p))
      throw InvalidArgumentError("url_to_fs", url,
                                 "malformed URL: the scheme must match [a-z][a-z0-9+.-]*");
    protocol = *p;
  } else if (url.find(':') != std::string_view::npos && url.front() != '/' &&
             url.find(':') < url.find('/')) {
    throw InvalidArgumentError("url_to_fs", url,
                               "malformed URL: expected 'protocol://path' or a local path");
  }
  auto fs = filesystem(protocol, options);
  return {fs, fs->strip_protocol(url)};
}

File open(std::string_view url, std::string_view mode, const Options& options) {
  auto [fs, p] = url_to_fs(url, options);
  return fs->open(p, std::string(mode));
}

Task<std::unique_ptr<AsyncFile>> open_async(std::string url, std::string mode, Options options) {
  auto [fs, p] = url_to_fs(url, options);
  co_return co_await fs->async_open(p, mode);
}

}  // namespace cofs
