#include "rtp/h264_depacketizer.hpp"

#include "rtp/h264_nal.hpp"

namespace srtcore::rtp::h264 {
namespace {

constexpr std::uint8_t kFuStart = 0x80;
constexpr std::uint8_t kFuEnd = 0x40;

// Types that can never be a NAL unit inside an aggregate or an FU.
bool bad_inner_type(std::uint8_t type) {
  return type == 0 || type >= kStapA;
}

}  // namespace

Depacketizer::Depacketizer(PacketizationMode mode, std::size_t max_fu_size)
    : mode_(mode), max_fu_size_(max_fu_size) {}

void Depacketizer::configure(PacketizationMode mode, std::size_t max_fu_size) {
  mode_ = mode;
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

DepayResult Depacketizer::parse(ByteSpan payload, std::uint32_t rtp_timestamp, bool lost_before) {
  out_.clear();
  ++stats_.packets;
  if (lost_before) abandon_fu();
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
      return parse_stap(payload, rtp_timestamp, 1, std::nullopt);
    case kStapB:
      if (!interleaved) return drop(stats_.dropped_wrong_mode);
      if (payload.size() < 3) return drop(stats_.dropped_truncated);
      return parse_stap(payload, rtp_timestamp, 3, load_be16(&payload[1]));
    case kMtap16:
    case kMtap24:
      if (!interleaved) return drop(stats_.dropped_wrong_mode);
      return parse_mtap(payload, rtp_timestamp, type == kMtap16 ? 2 : 3);
    case kFuA:
    case kFuB:
      return parse_fu(payload, rtp_timestamp);
    default:  // 1..23: single NAL unit packet
      if (interleaved) return drop(stats_.dropped_wrong_mode);
      out_.push_back(RecoveredNal{payload, rtp_timestamp, std::nullopt, true});
      ++stats_.nal_units;
      return DepayResult::kOk;
  }
}

DepayResult Depacketizer::parse_stap(ByteSpan payload, std::uint32_t ts, std::size_t pos,
                                     std::optional<std::uint16_t> don) {
  if (payload.size() - pos < 2) return drop(stats_.dropped_truncated);
  while (pos < payload.size()) {
    if (payload.size() - pos < 2) return drop(stats_.dropped_bad_aggregate);
    const std::size_t len = load_be16(&payload[pos]);
    pos += 2;
    if (len == 0 || len > payload.size() - pos || bad_inner_type(nal_type(payload[pos])))
      return drop(stats_.dropped_bad_aggregate);
    out_.push_back(RecoveredNal{payload.subspan(pos, len), ts, don, false});
    if (don) don = static_cast<std::uint16_t>(*don + 1);  // STAP-B: DON+1 per unit
    pos += len;
  }
  out_.back().last_of_packet = true;
  stats_.nal_units += out_.size();
  return DepayResult::kOk;
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
    if (bad_inner_type(nal_type(nal[0]))) return drop(stats_.dropped_bad_aggregate);
    out_.push_back(RecoveredNal{nal, ts + offset, static_cast<std::uint16_t>(donb + dond), false});
    pos += len;
  }
  out_.back().last_of_packet = true;
  stats_.nal_units += out_.size();
  return DepayResult::kOk;
}

DepayResult Depacketizer::parse_fu(ByteSpan payload, std::uint32_t ts) {
  const bool fu_b = nal_type(payload[0]) == kFuB;
  const bool interleaved = mode_ == PacketizationMode::kInterleaved;
  const std::size_t hdr_len = fu_b ? 4 : 2;
  if (fu_b && !interleaved) return drop(stats_.dropped_wrong_mode);
  if (payload.size() < hdr_len) {
    abandon_fu();
    return drop(stats_.dropped_truncated);
  }
  const std::uint8_t fu_hdr = payload[1];
  const bool start = (fu_hdr & kFuStart) != 0;
  const bool end = (fu_hdr & kFuEnd) != 0;
  const std::uint8_t inner = nal_type(fu_hdr);

  // FU-B exists only as a first fragment; in interleaved mode a first
  // fragment must be an FU-B, which carries the DON.
  if (fu_b && !start) return drop(stats_.dropped_fu_without_start);
  if (interleaved && start && !fu_b) {
    abandon_fu();
    return drop(stats_.dropped_wrong_mode);
  }
  if (start && end) {
    abandon_fu();
    return drop(stats_.dropped_fu_start_and_end);
  }
  if (bad_inner_type(inner)) {
    abandon_fu();
    return drop(stats_.dropped_reserved_type);
  }
  const ByteSpan data = payload.subspan(hdr_len);

  if (start) {
    abandon_fu();  // a new start while one is active: the old one lost its end
    fu_active_ = true;
    fu_timestamp_ = ts;
    fu_don_ = fu_b ? std::optional<std::uint16_t>(load_be16(&payload[2])) : std::nullopt;
    fu_buf_.clear();
    fu_buf_.push_back(static_cast<std::uint8_t>((payload[0] & 0xe0) | inner));
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
  out_.push_back(RecoveredNal{ByteSpan(fu_buf_), fu_timestamp_, fu_don_, true});
  ++stats_.nal_units;
  return DepayResult::kOk;
}

}  // namespace srtcore::rtp::h264
