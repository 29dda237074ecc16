// The demo's SRT leg: the same encoded stream through rtph264pay2 !
// srtbondsink -> srt-linkemu (lossy) -> srtbondsrc ! rtph264depay2 !
// avdec_h264, with every decoded frame kept for comparison.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "framecheck.hpp"

namespace demo {

struct SrtLegOptions {
  double loss = 0.05;                   // each direction
  std::chrono::milliseconds delay{10};  // each direction: 20 ms RTT
  std::uint64_t seed = 20261121;
  int latency_ms = 125;  // srtsrc/srtsink's default
  std::chrono::seconds timeout{120};
};

struct SrtLegResult {
  std::string error;  // empty when the pipelines ran to the end
  std::vector<framecheck::Digest> frames;
  std::size_t packets_sent = 0;      // RTP packets out of rtph264pay2
  std::size_t packets_received = 0;  // RTP packets out of srtbondsrc
  std::string link;                  // the relay's statistics, one line per direction
};

SrtLegResult decode_over_srt(const framecheck::EncodedStream &stream, std::size_t frames,
                             const SrtLegOptions &options);

}  // namespace demo
