#include "fec/protection_choice.hpp"

#include <algorithm>

namespace srtcore::fec {

namespace {

// One parity packet per `group` media packets is enough for `level`.
bool enough(unsigned group, unsigned level) {
  return group > 0 && group * level <= 100;
}

}  // namespace

MatrixDirections matrix_directions(unsigned level, unsigned row_group, unsigned column_group) {
  if (level == 0) return {};
  const bool row_ok = enough(row_group, level);
  const bool column_ok = enough(column_group, level);
  if (column_ok && (!row_ok || column_group >= row_group)) return {false, true};
  if (row_ok) return {true, false};
  return {row_group > 0, column_group > 0};
}

unsigned red_distance(unsigned level, unsigned configured_distance) {
  return level == 0 ? 0 : std::max(1u, configured_distance);
}

}  // namespace srtcore::fec
