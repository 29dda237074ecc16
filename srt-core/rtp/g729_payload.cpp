#include "rtp/g729_payload.hpp"

namespace srtcore::rtp::g729 {

std::optional<Frames> split(ByteSpan data) {
  const std::size_t rest = data.size() % kFrameBytes;
  if (rest != 0 && rest != kSidBytes) return std::nullopt;
  const std::size_t speech = data.size() - rest;
  return Frames{data.first(speech), data.subspan(speech)};
}

PayloadCheck check_payload(std::size_t size) {
  if (size == 0) return PayloadCheck::kEmpty;
  const std::size_t rest = size % kFrameBytes;
  return rest == 0 || rest == kSidBytes ? PayloadCheck::kOk : PayloadCheck::kBadLength;
}

}  // namespace srtcore::rtp::g729
