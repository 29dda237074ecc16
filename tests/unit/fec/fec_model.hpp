// The FEC matrix of SRT's packet filter modelled independently of
// srt-core, from libsrt's documentation: groups laid out by its rule
// (staircase: each column starts cols+1 after the previous, back to the top
// row every `rows` columns), and "peeling", what XOR parity can rebuild in
// theory: a group whose FEC packet arrived and that misses exactly one
// packet gives it back, until nothing changes. Offsets count from the
// initial sequence number.
#pragma once

#include <cstdint>
#include <set>
#include <utility>
#include <vector>

namespace srtcore::srt::fec_test {

struct Model {
  // Each group: its members (offsets) and the identity of its FEC packet.
  struct Group {
    std::vector<std::int64_t> members;
    std::pair<int, std::int64_t> fec_id;  // (index, offset of its sequence)
  };
  std::vector<Group> groups;
};

// The matrix as libsrt's documentation describes it, for n packets.
inline Model layout(int cols, int rows, bool staircase, int n) {
  Model m;
  const int col_size = rows < 0 ? -rows : rows;
  if (rows > 0) {
    for (std::int64_t r = 0; (r + 1) * cols <= n; ++r) {
      Model::Group g;
      for (int k = 0; k < cols; ++k) g.members.push_back(r * cols + k);
      g.fec_id = {-1, g.members.back()};
      m.groups.push_back(g);
    }
  }
  if (col_size >= 2) {
    std::vector<std::int64_t> start(static_cast<std::size_t>(cols));
    std::int64_t next = 0;
    for (int i = 0; i < cols; ++i) {
      start[static_cast<std::size_t>(i)] = staircase ? next : i;
      // Staircase: the next column starts one row and one column later,
      // until the stair reaches the bottom; then back to the top row.
      next = (i % col_size == col_size - 1) ? i + 1 : next + cols + 1;
    }
    const std::int64_t period = std::int64_t{cols} * col_size;
    for (int i = 0; i < cols; ++i) {
      for (std::int64_t s = 0;; ++s) {
        Model::Group g;
        for (int j = 0; j < col_size; ++j) {
          g.members.push_back(start[static_cast<std::size_t>(i)] + s * period + j * cols);
        }
        if (g.members.back() >= n) break;
        g.fec_id = {i, g.members.back()};
        m.groups.push_back(g);
      }
    }
  }
  return m;
}

inline std::set<std::int64_t> peel(const Model &m, std::set<std::int64_t> have,
                                   const std::set<std::pair<int, std::int64_t>> &fec_arrived) {
  std::set<std::int64_t> rebuilt;
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto &g : m.groups) {
      if (!fec_arrived.count(g.fec_id)) continue;
      std::int64_t missing = -1;
      int count = 0;
      for (auto o : g.members) {
        if (!have.count(o)) {
          missing = o;
          ++count;
        }
      }
      if (count == 1) {
        have.insert(missing);
        rebuilt.insert(missing);
        changed = true;
      }
    }
  }
  return rebuilt;
}

}  // namespace srtcore::srt::fec_test
