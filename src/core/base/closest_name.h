// ClosestName: the known name a typo is most likely to mean, for "did you mean ...?" messages
// (unknown fields, commands and options). Pure.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace pop {

// Edits (insert, delete, replace, swap of neighbours) between a and b.
size_t EditDistance(const std::string& a, const std::string& b);

// The candidate fewest edits from `word`, if within `max_edits` (the first on a tie); "" when
// none is.
std::string ClosestName(const std::string& word, const std::vector<std::string>& candidates,
                        size_t max_edits = 2);

}  // namespace pop
