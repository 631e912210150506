// Links of an HTML page, as HTTPFileSystem::ls reads a listing: the href of every <a> tag (and,
// with simple_links, bare http(s) URLs in the text), resolved against the page's URL. Tolerant of
// broken markup: what cannot be read as a link is skipped.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cofs/export.hpp"

namespace cofs::http {

/// Every link of `html`, resolved against `base_url` (relative, rooted and absolute links alike),
/// without fragments, in page order, without duplicates. Only http and https links are kept.
COFS_API std::vector<std::string> parse_links(std::string_view html, std::string_view base_url,
                                              bool simple_links = false);

/// The links that name a direct child of `dir_url` (which ends with '/'): one more path part,
/// with a trailing slash for a directory; no queries, no parents, not the directory itself.
COFS_API std::vector<std::string> child_links(const std::vector<std::string>& links,
                                              std::string_view dir_url);

}  // namespace cofs::http
