// The demo's SRT legs: the same encoded stream through rtph264pay2 !
// srtbondsink -> one or more srt-linkemu paths -> srtbondsrc (listener) !
// rtph264depay2 ! avdec_h264, with every decoded frame kept for comparison.
// One path: a plain SRT connection, pushed as fast as it goes. Several paths:
// a bonded group (bond-mode broadcast or backup), one link per path, played
// live, with per-link statistics sampled while it plays.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "framecheck.hpp"
#include "udp_relay.hpp"

namespace demo {

// One emulated path (a UdpRelay) from the sender to the srtbondsrc listener.
struct PathSpec {
  std::string name;                     // for tables and the plot: "A", "B", ..
  double loss = 0.0;                    // each direction
  std::chrono::milliseconds delay{10};  // each direction
  std::string local_address;            // bonded legs: the link's localaddress=
  int weight = 0;                       // bonded legs: the link's weight=
  bool cut_middle_third = false;        // down from 1/3 to 2/3 of the stream's frames

  std::string describe() const;  // "10 ms, 5% loss, cut 1/3..2/3"
};

struct SrtLegOptions {
  std::vector<PathSpec> paths{{"link", 0.05, std::chrono::milliseconds(10)}};
  std::string bond_mode;  // "broadcast" or "backup": bonded (several paths); "": one plain link
  std::chrono::milliseconds stats_interval{200};  // bonded legs: per-link sampling period
  std::uint64_t seed = 20261121;
  int latency_ms = 125;  // srtsrc/srtsink's default
  std::chrono::seconds timeout{120};

  bool bonded() const { return !bond_mode.empty(); }
};

// The sink's per-link statistics at one moment (bonded legs).
struct LinkSample {
  double seconds = 0;                     // sender's running time = stream time
  std::vector<std::uint64_t> bytes_sent;  // per path, in SrtLegOptions::paths order
  // Per path: UDP bytes the emulated path delivered towards the receiver.
  std::vector<std::uint64_t> bytes_delivered;
};

// One link's final state and counters, from srtbondsink's `stats` (bonded legs).
struct LinkSummary {
  std::string uri;
  std::string state = "?";  // GstSrtBondLinkState nick: pending, idle, running, broken
  std::int64_t packets_sent = 0, packets_retransmitted = 0, packets_lost = 0;
  std::uint64_t bytes_sent = 0;
  double rtt_ms = 0;
  bool found = false;  // the link was in the stats structure
};

struct LinkStateChange {
  double seconds = 0;
  std::string uri, from, to;
};

struct SrtLegResult {
  std::string error;  // empty when the pipelines ran to the end
  std::vector<framecheck::Digest> frames;
  std::size_t packets_sent = 0;                      // RTP packets out of rtph264pay2
  std::size_t packets_received = 0;                  // RTP packets out of srtbondsrc
  std::vector<srtcore::linkemu::RelayStats> relays;  // per path
  // Bonded legs only:
  std::vector<LinkSummary> links;  // per path
  std::vector<LinkSample> samples;
  std::vector<LinkStateChange> state_changes;
  double cut_from = -1, cut_to = -1;  // stream seconds the cut path was down
  double duration = 0;                // stream seconds until every packet was in
};

SrtLegResult decode_over_srt(const framecheck::EncodedStream &stream, std::size_t frames,
                             const SrtLegOptions &options);

// "forward in=.. delivered=..\nbackward .." for one path's relay.
std::string format_relay(const srtcore::linkemu::RelayStats &stats);

}  // namespace demo
