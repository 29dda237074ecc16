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

}  // namespace srtcore::fec
