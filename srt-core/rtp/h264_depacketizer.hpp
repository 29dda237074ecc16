// RFC 6184 depacketization: single NAL, STAP-A, STAP-B, MTAP16, MTAP24, FU-A,
// FU-B payloads back into NAL units, on the shared NAL depacketizer (bounded
// FU reassembly, aggregates). Malformed payloads are dropped and counted.
//
// Modes 0 and 1 are treated alike: senders often use STAP-A and FU-A without
// signalling packetization-mode=1. STAP-B, MTAP16/24 and FU-B outside mode 2
// are dropped as wrong-mode, since their DONs cannot be honoured without the
// interleaving parameters. In mode 2, single NAL unit packets, STAP-A and an
// FU-A first fragment (which lacks a DON) are wrong-mode.
#pragma once

#include "rtp/h264_traits.hpp"
#include "rtp/nal_depacketizer.hpp"

namespace srtcore::rtp::h264 {

enum class PacketizationMode { kSingleNal = 0, kNonInterleaved = 1, kInterleaved = 2 };

using nal::DepacketizerStats;
using nal::DepayResult;
using nal::RecoveredNal;

class Depacketizer : public nal::Depacketizer<Traits, Depacketizer> {
 public:
  Depacketizer(PacketizationMode mode, std::size_t max_fu_size);
  void configure(PacketizationMode mode, std::size_t max_fu_size);

 private:
  friend class nal::Depacketizer<Traits, Depacketizer>;
  DepayResult parse(ByteSpan payload, std::uint32_t rtp_timestamp);
  DepayResult parse_mtap(ByteSpan payload, std::uint32_t ts, std::size_t ts_len);

  PacketizationMode mode_;
};

}  // namespace srtcore::rtp::h264

extern template class srtcore::rtp::nal::Depacketizer<srtcore::rtp::h264::Traits,
                                                      srtcore::rtp::h264::Depacketizer>;
