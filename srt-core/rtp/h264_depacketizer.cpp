#include "rtp/h264_depacketizer.hpp"

#include "rtp/nal_depacketizer_impl.hpp"

template class srtcore::rtp::nal::Depacketizer<srtcore::rtp::h264::Traits,
                                               srtcore::rtp::h264::Depacketizer>;

namespace srtcore::rtp::h264 {
namespace {
constexpr std::uint8_t kFuStart = 0x80;
constexpr std::size_t kDonSize = 2;
}  // namespace

Depacketizer::Depacketizer(PacketizationMode mode, std::size_t max_fu_size)
    : nal::Depacketizer<Traits, Depacketizer>(max_fu_size), mode_(mode) {}

void Depacketizer::configure(PacketizationMode mode, std::size_t max_fu_size) {
  mode_ = mode;
  set_max_fu_size(max_fu_size);
  reset();
}

DepayResult Depacketizer::parse(ByteSpan payload, std::uint32_t rtp_timestamp) {
  if (payload.empty()) return drop(stats_.dropped_empty);

  const std::uint8_t type = nal_type(payload[0]);
  const bool interleaved = mode_ == PacketizationMode::kInterleaved;
  // Anything but an FU continuation means the active FU lost its end.
  if (type != kFuA) abandon_fu();

  switch (type) {
    case 0:
    case 30:
    case 31:
      return drop(stats_.dropped_reserved_type);
    case kStapA:
      if (interleaved) return drop(stats_.dropped_wrong_mode);
      return parse_aggregate(payload, rtp_timestamp, 1, std::nullopt, false);
    case kStapB:
      if (!interleaved) return drop(stats_.dropped_wrong_mode);
      if (payload.size() < 1 + kDonSize) return drop(stats_.dropped_truncated);
      return parse_aggregate(payload, rtp_timestamp, 1 + kDonSize, load_be16(&payload[1]), false);
    case kMtap16:
    case kMtap24:
      if (!interleaved) return drop(stats_.dropped_wrong_mode);
      return parse_mtap(payload, rtp_timestamp, type == kMtap16 ? 2 : 3);
    case kFuA:
      // In interleaved mode a first fragment must be an FU-B, which carries the DON.
      if (interleaved && payload.size() >= 2 && (payload[1] & kFuStart))
        return drop_with_fu(stats_.dropped_wrong_mode);
      return parse_fu(payload, rtp_timestamp, 0);
    case kFuB:
      if (!interleaved) return drop(stats_.dropped_wrong_mode);
      if (payload.size() < 2 + kDonSize) return drop(stats_.dropped_truncated);
      // FU-B exists only as a first fragment.
      if (!(payload[1] & kFuStart)) return drop(stats_.dropped_fu_without_start);
      return parse_fu(payload, rtp_timestamp, kDonSize);
    default:  // 1..23: single NAL unit packet
      if (interleaved) return drop(stats_.dropped_wrong_mode);
      emit(payload, rtp_timestamp, std::nullopt);
      return DepayResult::kOk;
  }
}

DepayResult Depacketizer::parse_mtap(ByteSpan payload, std::uint32_t ts, std::size_t ts_len) {
  // header, DONB, then units of: size(16) DOND(8) TS offset(16|24) NAL
  const std::size_t unit_hdr = 1 + ts_len;
  if (payload.size() < 3 + 2 + unit_hdr + 1) return drop(stats_.dropped_truncated);
  const std::uint16_t donb = load_be16(&payload[1]);
  std::size_t pos = 3;
  while (pos < payload.size()) {
    if (payload.size() - pos < 2) return drop(stats_.dropped_bad_aggregate);
    const std::size_t len = load_be16(&payload[pos]);
    pos += 2;
    if (len <= unit_hdr || len > payload.size() - pos) return drop(stats_.dropped_bad_aggregate);
    const std::uint8_t dond = payload[pos];
    const std::uint32_t offset =
        ts_len == 2 ? load_be16(&payload[pos + 1]) : load_be24(&payload[pos + 1]);
    const ByteSpan nal = payload.subspan(pos + unit_hdr, len - unit_hdr);
    if (!Traits::valid_unit(nal)) return drop(stats_.dropped_bad_aggregate);
    emit(nal, ts + offset, static_cast<std::uint16_t>(donb + dond));
    pos += len;
  }
  return DepayResult::kOk;
}

}  // namespace srtcore::rtp::h264
