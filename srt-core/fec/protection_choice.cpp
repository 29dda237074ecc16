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

FlexFecChoice flexfec_choice(unsigned level, unsigned max_columns, unsigned rows, bool row_enabled,
                             bool column_enabled) {
  if (level == 0 || max_columns == 0) return {};
  const bool columns_available = column_enabled && rows >= 2;
  if (!row_enabled)
    return columns_available ? FlexFecChoice{max_columns, false, true} : FlexFecChoice{};
  // level <= 100 leaves L >= 1: a row of 1 is a copy, enough for any level.
  const unsigned row_l = std::clamp(100 / std::max(level, 1u), 1u, max_columns);
  if (columns_available && enough(rows, level) && rows >= row_l) return {max_columns, false, true};
  return {row_l, true, false};
}

}  // namespace srtcore::fec
