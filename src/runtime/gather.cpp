// gather's out-of-line part: what needs <algorithm>, kept from every includer of gather.hpp.
#include <algorithm>

#include "cofs/runtime/gather.hpp"

namespace cofs::detail {

void sort_by_index(std::vector<std::pair<std::size_t, std::exception_ptr>>& errors) {
  std::sort(errors.begin(), errors.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
}

}  // namespace cofs::detail
