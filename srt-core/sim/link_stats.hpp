// Counters for every outcome of a simulated link.
#pragma once

#include <cstdint>
#include <string>

namespace srtcore::sim {

struct LinkStats {
  std::uint64_t in = 0;  // datagrams offered to the link
  std::uint64_t in_bytes = 0;
  std::uint64_t delivered = 0;  // datagrams handed out by poll(), copies included
  std::uint64_t delivered_bytes = 0;
  std::uint64_t lost_random = 0;    // independent loss
  std::uint64_t lost_burst = 0;     // Gilbert-Elliott loss
  std::uint64_t dropped_queue = 0;  // tail drop at the rate queue or the in-flight bound
  std::uint64_t dropped_cut = 0;    // offered while the link was down
  std::uint64_t duplicated = 0;     // extra copies made
  std::uint64_t reordered = 0;      // delivered after a datagram that entered later

  bool operator==(const LinkStats &) const = default;
};

// "in=.. delivered=.. lost_random=.. ..." on one line, for logs and the CLI.
std::string to_string(const LinkStats &stats);

}  // namespace srtcore::sim
