// What an encoder whose knob is not a percentage does with a protection
// level (FEC packets per 100 media packets, from ProtectionPolicy). The
// level says: one parity packet per group of at most 100 / level media
// packets meets the recovery target (see protection_policy.hpp).
#pragma once

namespace srtcore::fec {

// A row/column matrix (SMPTE 2022-1; FlexFEC's fixed L x D form) with a
// fixed geometry, which receivers learn from the FEC packets or the SDP:
// only which directions are sent adapts, never L or D mid-stream.
struct MatrixDirections {
  bool rows = false;
  bool columns = false;
  bool operator==(const MatrixDirections &) const = default;
};

// row_group: packets per row FEC (L), column_group: per column FEC (D);
// 0: that direction is not available. Level 0: none. Otherwise the cheaper
// single direction whose group is small enough (columns on a tie: they
// also take bursts), else every available one (the best there is).
MatrixDirections matrix_directions(unsigned level, unsigned row_group, unsigned column_group);

// RED (RFC 2198) repeats one earlier payload, `distance` packets back:
// 100 % overhead whatever the level. Level 0: no redundancy (0); any other
// level: the configured distance, at least 1.
unsigned red_distance(unsigned level, unsigned configured_distance);

// FlexFEC (RFC 8627): each repair packet says what it protects (L and D, or
// a mask) and its SDP has no L or D, so receivers (rtpflexfecdec) take the
// geometry packet by packet: unlike 2022-1, the row length itself can follow
// the level. Rows of L packets, any L from 1 to the configured columns
// (one parity packet per L, rebuilding a loss with probability (1-p)^L);
// columns only as configured (an L0 x D matrix: one per D).
struct FlexFecChoice {
  unsigned columns = 0;  // L of the rows (and of the matrix when column_fec)
  bool row_fec = false;
  bool column_fec = false;  // neither: no repair packets
  bool operator==(const FlexFecChoice &) const = default;
};

// Level 0: nothing. Otherwise the cheaper of rows of the longest L (at most
// max_columns) with L * level <= 100, and columns of the configured
// max_columns x rows matrix if rows * level <= 100 (columns on a tie: they
// also take bursts); only the directions enabled, and columns all the same
// when rows are not enabled and columns are not enough (the best there is).
// rows: D, 0 or 1 for no column FEC.
FlexFecChoice flexfec_choice(unsigned level, unsigned max_columns, unsigned rows, bool row_enabled,
                             bool column_enabled);

}  // namespace srtcore::fec
