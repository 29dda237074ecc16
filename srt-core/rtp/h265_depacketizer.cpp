#include "rtp/h265_depacketizer.hpp"

#include "rtp/nal_depacketizer_impl.hpp"

template class srtcore::rtp::nal::Depacketizer<srtcore::rtp::h265::Traits,
                                               srtcore::rtp::h265::Depacketizer>;

namespace srtcore::rtp::h265 {
namespace {
constexpr std::size_t kDonlSize = 2;
constexpr std::size_t kPaciHeader = 4;  // PayloadHdr + A/cType/PHSsize/F0..2/Y
}  // namespace

Depacketizer::Depacketizer(bool donl, std::size_t max_fu_size)
    : nal::Depacketizer<Traits, Depacketizer>(max_fu_size), donl_(donl) {}

void Depacketizer::configure(bool donl, std::size_t max_fu_size) {
  donl_ = donl;
  set_max_fu_size(max_fu_size);
  reset();
}

DepayResult Depacketizer::parse(ByteSpan payload, std::uint32_t ts, bool inside_paci) {
  if (payload.empty()) return drop(stats_.dropped_empty);
  const std::uint8_t type = nal_type(payload[0]);
  // Anything but an FU continuation means the active FU lost its end. A PACI
  // may carry one, so it decides once unwrapped.
  if (type != kFu && !(type == kPaci && !inside_paci)) abandon_fu();
  if (payload.size() < kNalHeaderSize) return drop_with_fu(stats_.dropped_truncated);
  if (forbidden_bit(payload[0])) return drop_with_fu(stats_.dropped_forbidden_bit);
  if (tid(payload[1]) == 0) return drop_with_fu(stats_.dropped_tid_zero);
  switch (type) {
    case kAp:
      return parse_ap(payload, ts);
    case kFu:
      return parse_fu(payload, ts, donl_ ? kDonlSize : 0);
    case kPaci:
      if (inside_paci) return drop(stats_.dropped_bad_paci);  // PACIs do not nest
      return parse_paci(payload, ts);
    default:
      if (type > kPaci) return drop(stats_.dropped_reserved_type);
      return parse_single(payload, ts);
  }
}

DepayResult Depacketizer::parse_single(ByteSpan payload, std::uint32_t ts) {
  if (!donl_) {
    emit(payload, ts, std::nullopt);
    return DepayResult::kOk;
  }
  // PayloadHdr (the unit's own header), DONL, then the rest of the unit.
  if (payload.size() < kNalHeaderSize + kDonlSize) return drop(stats_.dropped_truncated);
  const std::uint16_t don = load_be16(&payload[kNalHeaderSize]);
  single_buf_.assign(payload.begin(), payload.begin() + kNalHeaderSize);
  single_buf_.insert(single_buf_.end(), payload.begin() + kNalHeaderSize + kDonlSize,
                     payload.end());
  emit(single_buf_, ts, don);
  return DepayResult::kOk;
}

DepayResult Depacketizer::parse_ap(ByteSpan payload, std::uint32_t ts) {
  if (!donl_) return parse_aggregate(payload, ts, kNalHeaderSize, std::nullopt, false);
  // DONL before the first unit, DOND before the others.
  if (payload.size() - kNalHeaderSize < kDonlSize) return drop(stats_.dropped_truncated);
  return parse_aggregate(payload, ts, kNalHeaderSize + kDonlSize,
                         load_be16(&payload[kNalHeaderSize]), true);
}

DepayResult Depacketizer::parse_paci(ByteSpan payload, std::uint32_t ts) {
  // RFC 7798 4.4.4: PayloadHdr (Type 50), A, cType, PHSsize, F0..F2, Y, then
  // PHSsize bytes of PHES, then the payload of a single NAL unit packet, AP or
  // FU without its PayloadHdr: that header is rebuilt from A (its F bit),
  // cType (its type) and the LayerId and TID of the PACI's own header.
  if (payload.size() < kPaciHeader) return drop_with_fu(stats_.dropped_truncated);
  const std::uint8_t a = payload[2] & 0x80;
  const std::uint8_t ctype = (payload[2] >> 1) & 0x3f;
  const std::size_t phs_size =
      static_cast<std::size_t>(((payload[2] & 0x01) << 4) | (payload[3] >> 4));
  if (payload.size() - kPaciHeader < phs_size) return drop_with_fu(stats_.dropped_truncated);
  ++stats_.paci_unwrapped;
  paci_buf_.clear();
  paci_buf_.push_back(static_cast<std::uint8_t>(a | (ctype << 1) | (payload[0] & 0x01)));
  paci_buf_.push_back(payload[1]);
  paci_buf_.insert(paci_buf_.end(),
                   payload.begin() + static_cast<std::ptrdiff_t>(kPaciHeader + phs_size),
                   payload.end());
  return parse(paci_buf_, ts, true);
}

}  // namespace srtcore::rtp::h265
