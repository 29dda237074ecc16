// What FlexFEC (RFC 8627) can rebuild in theory, modelled from the RFC
// independently of srt-core, for the unit and element tests.
#pragma once

#include <cstdint>
#include <set>
#include <vector>

namespace srtcore::fec::flexfec_test {

// RFC 8627 section 1.1, counted from the first packet: row r holds
// r*L .. r*L+L-1; column c of matrix m holds m*L*D + c + j*L, j < D.
struct Group {
  bool row = false;
  std::vector<std::int64_t> members;
};

inline std::vector<Group> model_groups(int l, int d, bool rows, bool columns, std::int64_t n) {
  std::vector<Group> out;
  if (rows)
    for (std::int64_t r = 0; (r + 1) * l <= n; ++r) {
      Group g{true, {}};
      for (int k = 0; k < l; ++k) g.members.push_back(r * l + k);
      out.push_back(g);
    }
  if (columns && d >= 2)
    for (std::int64_t m = 0; (m + 1) * l * d <= n; ++m)
      for (int c = 0; c < l; ++c) {
        Group g{false, {}};
        for (int j = 0; j < d; ++j) g.members.push_back(m * l * d + c + std::int64_t{j} * l);
        out.push_back(g);
      }
  return out;
}

// What XOR parity can rebuild: a group whose repair packet arrived and that
// misses exactly one packet gives it back, until nothing changes.
inline std::set<std::int64_t> peel(const std::vector<Group> &gs, const std::vector<bool> &arrived,
                                   const std::set<std::int64_t> &lost) {
  std::set<std::int64_t> missing = lost, rebuilt;
  for (bool progress = true; progress;) {
    progress = false;
    for (std::size_t i = 0; i < gs.size(); ++i) {
      if (!arrived[i]) continue;
      int n = 0;
      std::int64_t which = 0;
      for (std::int64_t s : gs[i].members)
        if (missing.count(s)) {
          ++n;
          which = s;
        }
      if (n != 1) continue;
      missing.erase(which);
      rebuilt.insert(which);
      progress = true;
    }
  }
  return rebuilt;
}

}  // namespace srtcore::fec::flexfec_test
