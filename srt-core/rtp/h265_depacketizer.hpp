// RFC 7798 depacketization on the shared NAL depacketizer: single NAL unit
// packets, aggregation packets (48), fragmentation units (49) and PACI
// packets (50, unwrapped to the single/AP/FU they carry), with DONL/DOND when
// the stream has them (sprop-max-don-diff > 0). Malformed payloads are
// dropped and counted, never trusted.
#pragma once

#include <vector>

#include "rtp/h265_traits.hpp"
#include "rtp/nal_depacketizer.hpp"

namespace srtcore::rtp::h265 {

using nal::DepacketizerStats;
using nal::DepayResult;
using nal::RecoveredNal;

class Depacketizer : public nal::Depacketizer<Traits, Depacketizer> {
 public:
  // `donl`: payloads carry DONL/DOND fields (sprop-max-don-diff > 0).
  Depacketizer(bool donl, std::size_t max_fu_size);
  void configure(bool donl, std::size_t max_fu_size);

 private:
  friend class nal::Depacketizer<Traits, Depacketizer>;
  DepayResult parse(ByteSpan payload, std::uint32_t ts) { return parse(payload, ts, false); }
  DepayResult parse(ByteSpan payload, std::uint32_t ts, bool inside_paci);
  DepayResult parse_single(ByteSpan payload, std::uint32_t ts);
  DepayResult parse_ap(ByteSpan payload, std::uint32_t ts);
  DepayResult parse_paci(ByteSpan payload, std::uint32_t ts);

  bool donl_;
  // A single NAL unit with DONL is not contiguous in the payload (header, DONL,
  // body), nor is a PACI payload (rebuilt header, body): rebuilt here.
  std::vector<std::uint8_t> single_buf_;
  std::vector<std::uint8_t> paci_buf_;
};

}  // namespace srtcore::rtp::h265

extern template class srtcore::rtp::nal::Depacketizer<srtcore::rtp::h265::Traits,
                                                      srtcore::rtp::h265::Depacketizer>;
