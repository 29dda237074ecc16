// Template bodies for nal_depacketizer.hpp, included by the one file per
// codec that instantiates them (h264_depacketizer.cpp, h265_depacketizer.cpp).
#pragma once

#include "rtp/nal_depacketizer.hpp"

namespace srtcore::rtp::nal {

template <typename Traits, typename Codec>
void Depacketizer<Traits, Codec>::reset() {
  fu_active_ = false;
  fu_oversize_ = false;
  fu_don_.reset();
  fu_buf_.clear();
  out_.clear();
}

template <typename Traits, typename Codec>
void Depacketizer<Traits, Codec>::abandon_fu() {
  if (fu_active_ && !fu_oversize_) ++stats_.dropped_fu_incomplete;
  fu_active_ = false;
  fu_oversize_ = false;
  fu_buf_.clear();
}

template <typename Traits, typename Codec>
DepayResult Depacketizer<Traits, Codec>::parse_aggregate(ByteSpan payload, std::uint32_t ts,
                                                         std::size_t pos,
                                                         std::optional<std::uint16_t> don,
                                                         bool dond) {
  if (payload.size() - pos < 2) return drop(stats_.dropped_truncated);
  bool first = true;
  while (pos < payload.size()) {
    if (don && !first) {
      std::uint16_t step = 1;
      if (dond) step = static_cast<std::uint16_t>(step + payload[pos++]);
      don = static_cast<std::uint16_t>(*don + step);
    }
    if (payload.size() - pos < 2) return drop(stats_.dropped_bad_aggregate);
    const std::size_t len = load_be16(&payload[pos]);
    pos += 2;
    if (len > payload.size() - pos) return drop(stats_.dropped_bad_aggregate);
    const ByteSpan nal = payload.subspan(pos, len);
    if (!Traits::valid_unit(nal)) return drop(stats_.dropped_bad_aggregate);
    emit(nal, ts, don);
    pos += len;
    first = false;
  }
  return DepayResult::kOk;
}

template <typename Traits, typename Codec>
DepayResult Depacketizer<Traits, Codec>::parse_fu(ByteSpan payload, std::uint32_t ts,
                                                  std::size_t don_size) {
  constexpr std::size_t kFuHeader = Traits::kHeaderSize + 1;
  constexpr std::uint8_t kFuStart = 0x80;
  constexpr std::uint8_t kFuEnd = 0x40;
  if (payload.size() < kFuHeader) return drop_with_fu(stats_.dropped_truncated);
  const std::uint8_t fu_hdr = payload[Traits::kHeaderSize];
  const bool start = (fu_hdr & kFuStart) != 0;
  const bool end = (fu_hdr & kFuEnd) != 0;
  const std::uint8_t inner = fu_hdr & Traits::kFuTypeMask;
  if (start && end) return drop_with_fu(stats_.dropped_fu_start_and_end);
  if (!Traits::valid_unit_type(inner)) return drop_with_fu(stats_.dropped_reserved_type);
  // The DON is only in the first fragment.
  const std::size_t hdr_len = start ? kFuHeader + don_size : kFuHeader;
  if (payload.size() < hdr_len) return drop_with_fu(stats_.dropped_truncated);
  const ByteSpan data = payload.subspan(hdr_len);

  if (start) {
    abandon_fu();  // a new start while one is active: the old one lost its end
    fu_active_ = true;
    fu_timestamp_ = ts;
    fu_don_ =
        don_size ? std::optional<std::uint16_t>(load_be16(&payload[kFuHeader])) : std::nullopt;
    // The unit's header: the payload header's fields with the FU header's type.
    if (fu_buf_.capacity() < fu_hint_) fu_buf_.reserve(fu_hint_);
    fu_buf_.resize(Traits::kHeaderSize);
    Traits::with_type(payload.data(), inner, fu_buf_.data());
  } else {
    if (!fu_active_) return drop(stats_.dropped_fu_without_start);
    if (fu_oversize_) {
      // Rest of an FU already dropped (and counted) as too large.
      if (end) fu_active_ = fu_oversize_ = false;
      out_.clear();
      return DepayResult::kDropped;
    }
    if (ts != fu_timestamp_ || inner != Traits::type(fu_buf_.data()))
      return drop_with_fu(stats_.dropped_fu_without_start);  // not a continuation of what we hold
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

}  // namespace srtcore::rtp::nal
