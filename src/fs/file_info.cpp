#include "cofs/fs/file_info.hpp"

namespace cofs {

const char* to_string(FileType t) noexcept {
  switch (t) {
    case FileType::file:
      return "file";
    case FileType::directory:
      return "directory";
    case FileType::other:
      return "other";
  }
  return "other";
}

}  // namespace cofs
