// RFC 7798 packetization (single RTP stream, no DONL): single NAL unit
// packets, aggregation packets (AP, type 48) and fragmentation units (FU,
// type 49), by the shared NAL packetizer.
#pragma once

#include "rtp/h265_traits.hpp"
#include "rtp/nal_packetizer.hpp"

namespace srtcore::rtp::h265 {
using AggregateMode = nal::AggregateMode;
using Packetizer = nal::Packetizer<Traits>;
}  // namespace srtcore::rtp::h265

extern template class srtcore::rtp::nal::Packetizer<srtcore::rtp::h265::Traits>;
