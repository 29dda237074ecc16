// ULPFEC (RFC 5109) modelled independently of srt-core: which media
// sequence numbers an FEC packet protects, read from its bytes by the RFC's
// layout (SN base at bytes 2-3 of the FEC header, L at bit 1 of byte 0, the
// mask after the level header's protection length, MSB first = SN base),
// and "peeling": an FEC packet that arrived and misses exactly one of its
// packets gives it back, until nothing changes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <vector>

namespace srtcore::fec::ulpfec_test {

// Sequence numbers protected by the ULPFEC packet `rtp` (a whole RTP
// packet with a 12-byte header).
inline std::vector<std::uint16_t> protected_seqs(const std::vector<std::uint8_t> &rtp) {
  const std::uint8_t *f = rtp.data() + 12;
  const bool long_mask = (f[0] & 0x40) != 0;
  const auto base = static_cast<std::uint16_t>(f[2] << 8 | f[3]);
  const int bytes = long_mask ? 6 : 2;
  std::vector<std::uint16_t> out;
  for (int i = 0; i < bytes * 8; ++i) {
    if (f[12 + i / 8] & (0x80 >> (i % 8))) out.push_back(static_cast<std::uint16_t>(base + i));
  }
  return out;
}

struct Group {
  std::vector<std::uint16_t> members;
};

inline std::set<std::uint16_t> peel(const std::vector<Group> &arrived,
                                    const std::set<std::uint16_t> &lost) {
  std::set<std::uint16_t> missing = lost;
  std::set<std::uint16_t> rebuilt;
  for (bool progress = true; progress;) {
    progress = false;
    for (const Group &g : arrived) {
      int n = 0;
      std::uint16_t which = 0;
      for (std::uint16_t s : g.members) {
        if (missing.count(s)) {
          ++n;
          which = s;
        }
      }
      if (n == 1) {
        missing.erase(which);
        rebuilt.insert(which);
        progress = true;
      }
    }
  }
  return rebuilt;
}

}  // namespace srtcore::fec::ulpfec_test
