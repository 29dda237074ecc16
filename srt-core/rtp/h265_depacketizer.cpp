#include "rtp/h265_depacketizer.hpp"

#include "rtp/h265_nal.hpp"

namespace srtcore::rtp::h265 {
namespace {

constexpr std::uint8_t kFuStart = 0x80;
constexpr std::uint8_t kFuEnd = 0x40;
constexpr std::size_t kFuHeader = 3;  // PayloadHdr + FU header
constexpr std::size_t kDonlSize = 2;
constexpr std::size_t kPaciHeader = 4;  // PayloadHdr + A/cType/PHSsize/F0..2/Y

// A NAL unit inside an AP must be a whole, well-formed unit of a type that
// the bitstream itself may contain.
bool bad_inner_unit(ByteSpan nal) {
  return nal.size() < kNalHeaderSize || forbidden_bit(nal[0]) || tid(nal[1]) == 0 ||
         nal_type(nal[0]) >= kAp;
}

}  // namespace

Depacketizer::Depacketizer(bool donl, std::size_t max_fu_size)
    : donl_(donl), max_fu_size_(max_fu_size) {}

void Depacketizer::configure(bool donl, std::size_t max_fu_size) {
  donl_ = donl;
  max_fu_size_ = max_fu_size;
  reset();
}

void Depacketizer::reset() {
  fu_active_ = false;
  fu_oversize_ = false;
  fu_don_.reset();
  fu_buf_.clear();
  out_.clear();
}

void Depacketizer::abandon_fu() {
  if (fu_active_ && !fu_oversize_) ++stats_.dropped_fu_incomplete;
  fu_active_ = false;
  fu_oversize_ = false;
  fu_buf_.clear();
}

DepayResult Depacketizer::drop(std::uint64_t &counter) {
  ++counter;
  out_.clear();
  return DepayResult::kDropped;
}

void Depacketizer::emit(ByteSpan nal, std::uint32_t ts, std::optional<std::uint16_t> don) {
  out_.push_back(RecoveredNal{nal, ts, don, false});
}

DepayResult Depacketizer::parse(ByteSpan payload, std::uint32_t ts, bool inside_paci) {
  if (payload.empty()) return drop(stats_.dropped_empty);
  const std::uint8_t type = nal_type(payload[0]);
  // Anything but an FU continuation means the active FU lost its end. A PACI
  // may carry one, so it decides once unwrapped.
  if (type != kFu && !(type == kPaci && !inside_paci)) abandon_fu();
  if (payload.size() < kNalHeaderSize) {
    abandon_fu();
    return drop(stats_.dropped_truncated);
  }
  if (forbidden_bit(payload[0])) {
    abandon_fu();
    return drop(stats_.dropped_forbidden_bit);
  }
  if (tid(payload[1]) == 0) {
    abandon_fu();
    return drop(stats_.dropped_tid_zero);
  }
  switch (type) {
    case kAp:
      return parse_ap(payload, ts);
    case kFu:
      return parse_fu(payload, ts);
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
  std::size_t pos = kNalHeaderSize;
  std::optional<std::uint16_t> don;
  if (donl_) {
    if (payload.size() - pos < kDonlSize) return drop(stats_.dropped_truncated);
    don = load_be16(&payload[pos]);
    pos += kDonlSize;
  }
  if (payload.size() - pos < 2) return drop(stats_.dropped_truncated);
  bool first = true;
  while (pos < payload.size()) {
    // Units after the first: DOND, and DON = previous DON + DOND + 1.
    if (donl_ && !first) {
      don = static_cast<std::uint16_t>(*don + payload[pos] + 1);
      ++pos;
    }
    if (payload.size() - pos < 2) return drop(stats_.dropped_bad_aggregate);
    const std::size_t len = load_be16(&payload[pos]);
    pos += 2;
    if (len > payload.size() - pos) return drop(stats_.dropped_bad_aggregate);
    const ByteSpan nal = payload.subspan(pos, len);
    if (bad_inner_unit(nal)) return drop(stats_.dropped_bad_aggregate);
    emit(nal, ts, don);
    pos += len;
    first = false;
  }
  return DepayResult::kOk;
}

DepayResult Depacketizer::parse_fu(ByteSpan payload, std::uint32_t ts) {
  if (payload.size() < kFuHeader) {
    abandon_fu();
    return drop(stats_.dropped_truncated);
  }
  const std::uint8_t fu_hdr = payload[2];
  const bool start = (fu_hdr & kFuStart) != 0;
  const bool end = (fu_hdr & kFuEnd) != 0;
  const std::uint8_t inner = fu_hdr & 0x3f;
  if (start && end) {
    abandon_fu();
    return drop(stats_.dropped_fu_start_and_end);
  }
  if (inner >= kAp) {
    abandon_fu();
    return drop(stats_.dropped_reserved_type);
  }
  // DONL only in the first fragment.
  const std::size_t hdr_len = start && donl_ ? kFuHeader + kDonlSize : kFuHeader;
  if (payload.size() < hdr_len) {
    abandon_fu();
    return drop(stats_.dropped_truncated);
  }
  const ByteSpan data = payload.subspan(hdr_len);

  if (start) {
    abandon_fu();  // a new start while one is active: the old one lost its end
    fu_active_ = true;
    fu_timestamp_ = ts;
    fu_don_ = donl_ ? std::optional<std::uint16_t>(load_be16(&payload[kFuHeader])) : std::nullopt;
    fu_buf_.clear();
    // F, LayerId and TID from the PayloadHdr; the type from the FU header.
    fu_buf_.push_back(static_cast<std::uint8_t>((payload[0] & 0x81) | (inner << 1)));
    fu_buf_.push_back(payload[1]);
  } else {
    if (!fu_active_) return drop(stats_.dropped_fu_without_start);
    if (fu_oversize_) {
      // Rest of an FU already dropped (and counted) as too large.
      if (end) fu_active_ = fu_oversize_ = false;
      out_.clear();
      return DepayResult::kDropped;
    }
    if (ts != fu_timestamp_ || inner != nal_type(fu_buf_[0])) {
      abandon_fu();  // not a continuation of what we hold
      return drop(stats_.dropped_fu_without_start);
    }
  }
  if (fu_buf_.size() + data.size() > max_fu_size_) {
    ++stats_.dropped_fu_too_large;
    fu_buf_.clear();
    fu_oversize_ = !end;
    fu_active_ = !end;
    out_.clear();
    return DepayResult::kDropped;
  }
  fu_buf_.insert(fu_buf_.end(), data.begin(), data.end());
  if (!end) return DepayResult::kIncomplete;
  fu_active_ = false;
  emit(fu_buf_, fu_timestamp_, fu_don_);
  return DepayResult::kOk;
}

DepayResult Depacketizer::parse_paci(ByteSpan payload, std::uint32_t ts) {
  // RFC 7798 4.4.4: PayloadHdr (Type 50), A, cType, PHSsize, F0..F2, Y, then
  // PHSsize bytes of PHES, then the payload of a single NAL unit packet, AP or
  // FU without its PayloadHdr: that header is rebuilt from A (its F bit),
  // cType (its type) and the LayerId and TID of the PACI's own header.
  if (payload.size() < kPaciHeader) {
    abandon_fu();
    return drop(stats_.dropped_truncated);
  }
  const std::uint8_t a = payload[2] & 0x80;
  const std::uint8_t ctype = (payload[2] >> 1) & 0x3f;
  const std::size_t phs_size =
      static_cast<std::size_t>(((payload[2] & 0x01) << 4) | (payload[3] >> 4));
  if (payload.size() - kPaciHeader < phs_size) {
    abandon_fu();
    return drop(stats_.dropped_truncated);
  }
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
