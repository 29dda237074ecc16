// SMPTE 2022-1 matrices modelled independently of srt-core, from the
// standard: row r holds media packets r*L .. r*L+L-1 (counted from the first
// packet); column c of matrix m holds m*L*D + c + j*L for j < D. "Peeling"
// is what XOR parity can rebuild in theory: a group whose FEC packet
// arrived and that misses exactly one packet gives it back, until nothing
// changes.
#pragma once

#include <cstdint>
#include <set>
#include <vector>

namespace srtcore::fec::st2022_test {

// A matrix for a test case: L columns, D rows, which FEC is on.
struct Geometry {
  const char *name;
  int l;
  int d;
  bool rows;
  bool columns;
};

struct Group {
  bool row = false;
  std::vector<std::int64_t> members;  // offsets from the first media packet
};

// Complete groups of a stream of n media packets.
inline std::vector<Group> groups(int l, int d, bool rows, bool columns, std::int64_t n) {
  std::vector<Group> out;
  if (l <= 0) return out;
  if (rows) {
    for (std::int64_t r = 0; (r + 1) * l <= n; ++r) {
      Group g{true, {}};
      for (int k = 0; k < l; ++k) g.members.push_back(r * l + k);
      out.push_back(g);
    }
  }
  if (columns && d > 0) {
    for (std::int64_t m = 0; (m + 1) * l * d <= n; ++m) {
      for (int c = 0; c < l; ++c) {
        Group g{false, {}};
        for (int j = 0; j < d; ++j) g.members.push_back(m * l * d + c + std::int64_t{j} * l);
        out.push_back(g);
      }
    }
  }
  return out;
}

// `fec_arrived[i]`: whether group i's FEC packet reached the receiver.
inline std::set<std::int64_t> peel(const std::vector<Group> &gs,
                                   const std::vector<bool> &fec_arrived,
                                   const std::set<std::int64_t> &lost) {
  std::set<std::int64_t> missing = lost;
  std::set<std::int64_t> rebuilt;
  for (bool progress = true; progress;) {
    progress = false;
    for (std::size_t i = 0; i < gs.size(); ++i) {
      if (!fec_arrived[i]) continue;
      int n = 0;
      std::int64_t which = 0;
      for (std::int64_t s : gs[i].members) {
        if (missing.count(s)) {
          ++n;
          which = s;
        }
      }
      if (n != 1) continue;
      missing.erase(which);
      rebuilt.insert(which);
      progress = true;
    }
  }
  return rebuilt;
}

}  // namespace srtcore::fec::st2022_test
