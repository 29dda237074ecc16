// RFC 6184 packetization mode 1: single NAL unit packets, STAP-A aggregation
// and FU-A fragmentation, by the shared NAL packetizer.
#pragma once

#include "rtp/h264_traits.hpp"
#include "rtp/nal_packetizer.hpp"

namespace srtcore::rtp::h264 {
using AggregateMode = nal::AggregateMode;
using Packetizer = nal::Packetizer<Traits>;
}  // namespace srtcore::rtp::h264

extern template class srtcore::rtp::nal::Packetizer<srtcore::rtp::h264::Traits>;
