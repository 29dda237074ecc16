#include "rtp/g722_payload.hpp"

namespace srtcore::rtp::g722 {

PayloadCheck check_payload(std::size_t size, unsigned channels) {
  if (size == 0) return PayloadCheck::kEmpty;
  if (channels == 0 || size % channels != 0) return PayloadCheck::kBadLength;
  return PayloadCheck::kOk;
}

std::uint32_t payload_ticks(std::size_t size, unsigned channels) {
  return channels == 0 ? 0 : static_cast<std::uint32_t>(size / channels);
}

std::uint32_t sample_rate_for_clock(std::uint32_t clock_rate) {
  // Other clock rates only come from non-standard SDP; take them at their word.
  return clock_rate == kClockRate ? kSampleRate : clock_rate;
}

}  // namespace srtcore::rtp::g722
