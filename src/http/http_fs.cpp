#include "cofs/http/http_fs.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ranges>

#include "cofs/fs/file.hpp"
#include "cofs/fs/path.hpp"
#include "cofs/http/errors.hpp"
#include "cofs/http/links.hpp"
#include "cofs/runtime/gather.hpp"
#include "cofs/runtime/thread_pool.hpp"
#include "http/local_transfer.hpp"
#include "http_file.hpp"
#include "http_util.hpp"

namespace cofs {

using http::ByteRange;
using http::Request;
using http::Response;
using http::detail::iequals;
using http::detail::trim;
using http::detail::trim_slash;

namespace {

constexpr std::size_t kBigBuffer = 256 << 10;  // curl's receive buffer for large bodies
// ...and for a whole body of unknown size: a quarter of the recv calls of curl's 16 KiB default,
// still served by malloc's heap (a buffer of 128 KiB or more would be an mmap per small file).
constexpr std::size_t kMidBuffer = 64 << 10;
constexpr std::size_t kListingLimit = std::size_t{64} << 20;  // an HTML listing larger is refused
constexpr BatchSize kListingBatch = 64;                       // HEADs in flight for one ls
// A listing page larger than this is parsed on the blocking pool, not the loop's thread: 100,000
// links take a good part of a second to parse and resolve, and every transfer would wait.
constexpr std::size_t kParseOnLoop = 256 << 10;

const char* upload_verb(http::UploadMethod m) noexcept {
  return m == http::UploadMethod::post ? "POST" : "PUT";
}

bool ends_with_slash(std::string_view s) {
  return !s.empty() && s.back() == '/';
}

bool encoded(const Response& r) {
  const std::string* enc = r.header("Content-Encoding");
  return enc != nullptr && !trim(*enc).empty() && !iequals(trim(*enc), "identity");
}

/// What a response's headers say about the file at `url`.
FileInfo info_from(const std::string& url, const Response& r) {
  FileInfo i;
  i.name = std::string(trim_slash(url));
  i.type = ends_with_slash(r.url) || ends_with_slash(url) ? FileType::directory : FileType::file;
  std::optional<std::uint64_t> size;
  if (r.status == 206) {
    if (const std::string* cr = r.header("Content-Range")) {
      if (auto range = http::detail::parse_content_range(*cr)) size = range->total;
    }
  } else if (r.status == 416) {
    if (const std::string* cr = r.header("Content-Range"))
      size = http::detail::parse_unsatisfied_range(*cr);
  } else if (!encoded(r)) {
    // With a Content-Encoding, Content-Length counts the encoded bytes, not the file's.
    if (const std::string* cl = r.header("Content-Length"))
      size = http::detail::parse_uint(trim(*cl));
  }
  if (i.is_dir()) size = 0;
  i.size = size.value_or(0);
  i.size_known = size.has_value();
  if (const std::string* lm = r.header("Last-Modified")) {
    if (auto t = http::detail::parse_http_date(*lm))
      i.mtime = std::chrono::system_clock::time_point(std::chrono::seconds(*t));
  }
  if (const std::string* etag = r.header("ETag")) i.extra["etag"] = *etag;
  if (const std::string* ct = r.header("Content-Type")) i.extra["mimetype"] = *ct;
  i.extra["url"] = r.url;
  std::string ranges = "unknown";
  if (r.status == 206) {
    ranges = "bytes";
  } else if (const std::string* ar = r.header("Accept-Ranges")) {
    ranges = iequals(trim(*ar), "bytes") ? "bytes" : "none";
  }
  i.extra["accept_ranges"] = ranges;
  return i;
}

std::string ranges_of(const FileInfo& i) {
  auto it = i.extra.find("accept_ranges");
  return it == i.extra.end() ? "unknown" : it->second;
}

/// The entries of a listing page: its links that name direct children of `base`, named below
/// `prefix` (the URL as asked for, even when the listing came from a redirect).
std::vector<FileInfo> listing_entries(std::string_view page, const std::string& base,
                                      const std::string& prefix, bool simple_links) {
  std::vector<FileInfo> out;
  for (const std::string& link :
       http::child_links(http::parse_links(page, base, simple_links), base)) {
    FileInfo i;
    i.name = prefix + std::string(trim_slash(std::string_view(link).substr(base.size())));
    i.type = ends_with_slash(link) ? FileType::directory : FileType::file;
    i.extra["url"] = link;
    i.size_known = !i.is_file();
    out.push_back(std::move(i));
  }
  return out;
}

/// listing_entries, on the loop's blocking pool for a large page.
Task<std::vector<FileInfo>> parse_listing(IoLoop& loop, Bytes page, std::string base,
                                          std::string prefix, bool simple_links) {
  if (page.size() <= kParseOnLoop)
    co_return listing_entries(page.view(), base, prefix, simple_links);
  auto parse = run_blocking(
      loop, [page = std::move(page), base = std::move(base), prefix = std::move(prefix),
             simple_links] { return listing_entries(page.view(), base, prefix, simple_links); });
  co_return co_await parse;
}

}  // namespace

HTTPFileSystem::HTTPFileSystem(std::shared_ptr<IoLoop> loop, HTTPOptions options)
    : FileSystem(std::move(loop)),
      options_(std::move(options)),
      client_(FileSystem::loop(), options_.client) {
  if (options_.block_size == 0) options_.block_size = 5 << 20;
  if (options_.batch_size) set_batch_size(options_.batch_size);
}

HTTPFileSystem::~HTTPFileSystem() = default;

std::string HTTPFileSystem::strip_protocol(std::string_view p) const {
  return std::string(trim(p));
}

std::string HTTPFileSystem::unstrip_protocol(std::string_view p) const {
  return std::string(p);
}

Capabilities HTTPFileSystem::capabilities() const {
  const bool dav = options_.webdav;
  return {.write = dav,
          .directories = dav,
          .rmdir = dav,
          .read_write_modes = dav,
          .mtime = true,
          .created = false,
          .list = true,
          .atomic_mv = false};
}

// ---- info ---------------------------------------------------------------------------------------

Task<FileInfo> HTTPFileSystem::do_info(std::string url) {
  co_return co_await info_of(std::move(url), "info");
}

Task<std::optional<FileInfo>> HTTPFileSystem::do_try_info(std::string url) {
  co_return co_await lookup(std::move(url), "info", true);
}

Task<FileInfo> HTTPFileSystem::info_of(std::string url, const char* op) {
  co_return std::move(*co_await lookup(std::move(url), op, false));
}

namespace {
bool is_absent(long status) {
  return status == 404 || status == 410;
}
}  // namespace

Task<std::optional<FileInfo>> HTTPFileSystem::lookup(std::string url, const char* op,
                                                     bool absent_is_value) {
  Request head;
  head.method = "HEAD";
  head.url = url;
  head.operation = op;
  head.raise_for_status = false;
  Response r = co_await client_.fetch(std::move(head));
  if (absent_is_value && is_absent(r.status)) co_return std::nullopt;
  if (is_absent(r.status) || r.status == 401 || r.status == 403)
    std::rethrow_exception(http::status_error(r.status, op, url));
  if (r.status >= 200 && r.status < 300) {
    FileInfo i = info_from(url, r);
    if (i.is_dir() || i.size_known) co_return i;
  }
  // HEAD failed (not every server allows it) or gave no size: GET the first byte, whose
  // Content-Range (or, when Range is ignored, Content-Length) gives the size.
  Request get;
  get.url = url;
  get.operation = op;
  get.headers = {{"Range", "bytes=0-0"}, {"Accept-Encoding", "identity"}};
  get.raise_for_status = false;
  http::BodyStream s = co_await client_.stream(std::move(get));
  const Response& g = s.response();
  if (absent_is_value && is_absent(g.status)) co_return std::nullopt;
  if (g.status >= 400 && g.status != 416)
    std::rethrow_exception(http::status_error(g.status, op, url));
  co_return info_from(url, g);
}

// ---- ls -----------------------------------------------------------------------------------------

Task<std::vector<FileInfo>> HTTPFileSystem::do_ls(std::string url) {
  co_return co_await list(std::move(url), options_.ls_sizes);
}

Task<std::vector<FileInfo>> HTTPFileSystem::do_ls_types(std::string url) {
  co_return co_await list(std::move(url), false);
}

Task<std::vector<FileInfo>> HTTPFileSystem::list(std::string url, bool sizes) {
  Request get;
  get.url = url;
  get.operation = "ls";
  http::BodyStream s = co_await client_.stream(std::move(get));
  std::vector<FileInfo> out;
  if (!ends_with_slash(s.response().url) && !ends_with_slash(url)) {
    // A file lists itself, as in fsspec; its size and dates come from a proper info.
    out.push_back(co_await info_of(url, "ls"));
    co_return out;
  }
  Bytes page;
  for (;;) {
    auto chunk = co_await s.next(64 << 10);
    if (chunk.empty()) break;
    if (page.size() + chunk.size() > kListingLimit)
      throw NotSupportedError("ls", url, "the listing page is larger than 64 MiB");
    page.append(chunk);
  }
  std::string base = s.response().url;
  if (!ends_with_slash(base)) base += '/';
  base = http::detail::normalize_url(base);
  out = co_await parse_listing(FileSystem::loop(), std::move(page), std::move(base),
                               std::string(trim_slash(url)) + "/", options_.simple_links);
  std::vector<std::string> files;
  for (const FileInfo& i : out) {
    if (i.is_file()) files.push_back(i.name);
  }
  if (sizes && !files.empty()) {
    auto infos = co_await gather(
        files | std::views::transform([this](const std::string& f) { return info_of(f, "ls"); }),
        GatherOptions{.batch_size = kListingBatch, .return_exceptions = true});
    std::size_t k = 0;
    for (FileInfo& entry : out) {
      if (!entry.is_file()) continue;
      Outcome<FileInfo>& o = infos[k++];
      if (o.ok()) {
        std::string name = std::move(entry.name);
        entry = std::move(o.value());
        entry.name = std::move(name);
        entry.type = FileType::file;
      } else {
        // A listed entry the server will not describe keeps its name; a network failure is not
        // hidden.
        try {
          std::rethrow_exception(o.error());
        } catch (const http::NetworkError&) {
          throw;
        } catch (const TimeoutError&) {
          throw;
        } catch (const OperationCancelled&) {
          throw;
        } catch (const LoopStoppedError&) {
          throw;
        } catch (const Error&) {
          entry.size_known = false;
        }
      }
    }
  }
  co_return out;
}

// ---- reading ------------------------------------------------------------------------------------

Task<Bytes> HTTPFileSystem::do_cat_file(std::string url, std::optional<std::int64_t> start,
                                        std::optional<std::int64_t> end) {
  std::optional<ByteRange> range;
  const bool needs_size =
      (start && *start < 0 && end) || (end && *end < 0) || (start && end && *start == *end);
  if (needs_size) {
    FileInfo i = co_await info_of(url, "cat_file");
    if (i.size_known) {
      auto [s, e] = resolve_range("cat_file", url, start, end, i.size);
      if (s == e) co_return Bytes();
      range = ByteRange{static_cast<std::int64_t>(s), static_cast<std::int64_t>(e)};
    } else {
      // No size: read it all and cut here (never a guess at what the server meant).
      Request whole;
      whole.url = url;
      whole.operation = "cat_file";
      Response r = co_await client_.fetch(std::move(whole));
      auto [s, e] = resolve_range("cat_file", url, start, end, r.body.size());
      co_return Bytes(r.body.data() + s, e - s);
    }
  } else if ((start && *start != 0) || end) {
    range = ByteRange{start.value_or(0), end};
  }
  Request get;
  get.url = url;
  get.operation = "cat_file";
  get.range = range;
  get.raise_for_status = false;
  // curl allocates its receive buffer per transfer: a big one only where the body is known to be
  // big (most cat_file calls are small files, where it would cost more than it saves).
  if (range && range->end && *range->end - range->start >= static_cast<std::int64_t>(kBigBuffer))
    get.buffer_size = kBigBuffer;
  else if (!range || !range->end)
    get.buffer_size = kMidBuffer;
  Response r = co_await client_.fetch(std::move(get));
  // 416: nothing at start, which is at or past the end (a reversed range never gets here: it
  // was refused before, or resolved against the size above). Empty, as past the end anywhere.
  if (r.status == 416) co_return Bytes();
  if (r.status >= 400) std::rethrow_exception(http::status_error(r.status, "cat_file", url));
  co_return std::move(r.body);
}

Task<std::unique_ptr<AsyncFile>> HTTPFileSystem::do_open(std::string url, OpenMode mode,
                                                         OpenOptions options) {
  if (mode.write) {
    // Written files are staged and stored whole at close (PUT); through a transaction's view,
    // the default do_open_in_transaction defers that PUT to the commit.
    co_return co_await ObjectFile::open(*this, std::move(url), std::move(mode), options,
                                        options_.block_size);
  }
  FileInfo i = co_await info_of(url, "open");
  if (i.is_dir()) throw IsADirectoryError("open", url, "is a directory");
  std::optional<std::uint64_t> size;
  if (options.size) {
    size = options.size;
  } else if (i.size_known) {
    size = i.size;
  }
  std::string ranges = ranges_of(i);
  if (size && ranges == "unknown" && *size > 0) {
    // The server did not say: ask for one byte and see what comes back.
    Request probe;
    probe.url = url;
    probe.operation = "open";
    probe.headers = {{"Range", "bytes=0-0"}, {"Accept-Encoding", "identity"}};
    probe.raise_for_status = false;
    http::BodyStream s = co_await client_.stream(std::move(probe));
    ranges = s.response().status == 206 ? "bytes" : "none";
  }
  std::size_t block = options.block_size != 0 ? options.block_size : options_.block_size;
  auto keep = weak_from_this().lock();
  if (size && ranges == "bytes") {
    co_return std::make_unique<http::detail::RangeFile>(client_, std::move(keep), std::move(url),
                                                        std::move(mode), block,
                                                        options_.cache_blocks, *size);
  }
  co_return std::make_unique<http::detail::StreamFile>(client_, std::move(keep), std::move(url),
                                                       std::move(mode), block, size);
}

Task<void> HTTPFileSystem::do_get_file(std::string rpath, std::string lpath, Callback* cb) {
  Request get;
  get.url = rpath;
  get.operation = "get_file";
  get.buffer_size = kBigBuffer;
  http::BodyStream s = co_await client_.stream(std::move(get));
  if (ends_with_slash(s.response().url))
    throw IsADirectoryError("get_file", rpath, "is a directory: use get(recursive)");
  FileInfo head = info_from(rpath, s.response());
  if (cb) cb->set_size(head.size_known ? std::optional(head.size) : std::nullopt);
  // Written whole or not at all (the local backend's atomic writer): a body cut short, a reset
  // connection or a full disk leaves the old file as it was; the file is dropped unclosed.
  std::unique_ptr<AsyncFile> out = co_await open_get_target(lpath);
  co_await http::detail::store_body(s, *out, lpath, cb);
}

// ---- writing ------------------------------------------------------------------------------------

Task<void> HTTPFileSystem::do_pipe_file(std::string url, Bytes data) {
  Request put;
  put.method = upload_verb(options_.upload_method);
  put.url = url;
  put.operation = "pipe_file";
  put.body = data.span();
  co_await client_.fetch(std::move(put));
}

Task<void> HTTPFileSystem::do_put_file(std::string lpath, std::string rpath, Callback* cb) {
  auto in = co_await http::detail::UploadSource::open(FileSystem::loop(), lpath);
  if (cb) cb->set_size(in->size());
  Request put;
  put.method = upload_verb(options_.upload_method);
  put.url = rpath;
  put.operation = "put_file";
  put.source_size = in->size();
  put.source = in->body(cb);
  co_await client_.fetch(std::move(put));
}

Task<void> HTTPFileSystem::do_rm_file(std::string url) {
  Request del;
  del.method = "DELETE";
  del.url = url;
  del.operation = "rm_file";
  del.raise_for_status = false;
  Response r = co_await client_.fetch(std::move(del));
  if (r.status >= 200 && r.status < 300) co_return;
  if (r.status == 404 || r.status == 410)
    std::rethrow_exception(http::status_error(r.status, "rm_file", url));
  // A refusal may mean a directory (WebDAV wants those deleted as collections).
  FileInfo i = co_await info_of(url, "rm_file");
  if (i.is_dir()) throw IsADirectoryError("rm_file", url, "is a directory: use rm(recursive)");
  std::rethrow_exception(http::status_error(r.status, "rm_file", url));
}

Task<void> HTTPFileSystem::do_mkdir(std::string url, bool create_parents) {
  co_await make_collection(std::move(url), create_parents, 0);
}

Task<void> HTTPFileSystem::do_makedirs(std::string url, bool exist_ok) {
  // MKCOL first and look only when it fails: concurrent makedirs of one tree do not race.
  bool exists = false;
  try {
    co_await make_collection(url, true, 0);
  } catch (const FileExistsError&) {
    exists = true;
  }
  if (!exists) co_return;
  FileInfo i = co_await info_of(url, "makedirs");
  if (!i.is_dir()) throw FileExistsError("makedirs", url, "exists and is not a directory");
  if (!exist_ok) throw FileExistsError("makedirs", url, "the directory exists (exist_ok is false)");
}

Task<void> HTTPFileSystem::make_collection(std::string url, bool create_parents, int depth) {
  const std::string dir = std::string(trim_slash(url)) + "/";
  for (int attempt = 0; attempt < 2; ++attempt) {
    Request mk;
    mk.method = "MKCOL";
    mk.url = dir;
    mk.operation = "mkdir";
    mk.raise_for_status = false;
    Response r = co_await client_.fetch(std::move(mk));
    if (r.status >= 200 && r.status < 300) co_return;
    if (r.status == 401 || r.status == 403)
      std::rethrow_exception(http::status_error(r.status, "mkdir", url));
    if (r.status == 405) {
      // WebDAV's answer for a path that is taken (or a server without MKCOL).
      std::optional<FileInfo> taken = co_await lookup(std::string(trim_slash(url)), "mkdir", true);
      if (taken) throw FileExistsError("mkdir", url, "the path exists");
      throw NotSupportedError("mkdir", url, "the server does not allow MKCOL");
    }
    if (r.status == 409 && attempt == 0) {
      // The parent is missing.
      std::string parent = path::parent(std::string(trim_slash(url)));
      const std::size_t scheme_end = parent.find("://");
      const bool at_root =
          scheme_end == std::string::npos || parent.find('/', scheme_end + 3) == std::string::npos;
      if (!create_parents || depth > 64 || at_root)
        throw FileNotFoundError("mkdir", url, "the parent directory does not exist");
      try {
        co_await make_collection(parent, true, depth + 1);
      } catch (const FileExistsError&) {
      }
      continue;
    }
    std::rethrow_exception(http::status_error(r.status, "mkdir", url));
  }
  throw NotADirectoryError("mkdir", url, "a parent is not a directory");
}

Task<void> HTTPFileSystem::do_rmdir(std::string url) {
  FileInfo i = co_await info_of(url, "rmdir");
  if (!i.is_dir()) throw NotADirectoryError("rmdir", url, "not a directory");
  Request get;
  get.url = std::string(trim_slash(url)) + "/";
  get.operation = "rmdir";
  Response listing = co_await client_.fetch(std::move(get));
  std::string base = http::detail::normalize_url(listing.url);
  std::vector<FileInfo> children =
      co_await parse_listing(FileSystem::loop(), std::move(listing.body), base, base, false);
  if (!children.empty()) throw DirectoryNotEmptyError("rmdir", url, "the directory is not empty");
  Request del;
  del.method = "DELETE";
  del.url = std::string(trim_slash(url)) + "/";
  del.operation = "rmdir";
  co_await client_.fetch(std::move(del));
}

}  // namespace cofs
