#include "fec/flexfec_encoder.hpp"

#include <algorithm>
#include <cstring>

#include "rtp/rtp_header.hpp"

namespace srtcore::fec {

namespace {
constexpr std::size_t kHeader = rtp::kRtpHeaderSize;
// Repair RTP header with one CSRC, then the largest one-stream FEC header.
constexpr std::size_t kOverhead = kHeader + 4 + kFlexFecBaseSize + 2 + 14;
}  // namespace

const char *flexfec_config_problem(const FlexFecEncoderConfig &c) {
  if (c.columns < 1 || c.columns > 255) return "columns (L) must be 1 to 255";
  if (c.rows == 1 || c.rows > 255) return "rows (D) must be 0 (no column FEC) or 2 to 255";
  if (!c.row_fec && !(c.column_fec && c.rows >= 2)) return "neither row nor column FEC is on";
  if (c.payload_type > 127) return "the payload type must be 0 to 127";
  if (c.max_payload == 0 || c.max_payload > 65535) return "max_payload must be 1 to 65535";
  if (c.mode == FlexFecMode::flexible) {
    if (c.row_fec && c.columns > kFlexFecMaskBits)
      return "a flexible mask holds rows of at most 110 packets";
    if (c.column_fec && c.rows >= 2 && (c.rows - 1) * c.columns + 1 > kFlexFecMaskBits)
      return "a flexible mask holds columns spanning at most 110 packets ((rows-1)*columns+1)";
  }
  return nullptr;
}

FlexFecEncoder::FlexFecEncoder(const FlexFecEncoderConfig &config)
    : config_(config), stride_(kOverhead + config.max_payload), sequence_(config.first_sequence) {
  const std::size_t l = config_.columns;
  parity_storage_.assign((1 + l) * config_.max_payload, 0);
  out_.assign(3 * stride_, 0);
  row_.parity = ParityGroup(std::span(parity_storage_).first(config_.max_payload));
  columns_.resize(l);
  for (std::size_t i = 0; i < l; ++i)
    columns_[i].parity = ParityGroup(
        std::span(parity_storage_).subspan((1 + i) * config_.max_payload, config_.max_payload));
}

void FlexFecEncoder::add_to(Group &g, ByteSpan s, std::uint16_t seq) {
  if (g.parity.count() == 0) {
    g.sn_base = seq;
    g.pxcc = 0;
    g.longest = 0;
  }
  const ByteSpan body = s.subspan(kHeader);
  g.parity.add(Clip{static_cast<std::uint16_t>(body.size()), s[1], load_be32(&s[4])}, body);
  g.pxcc ^= s[0] & 0x3F;
  g.longest = std::max(g.longest, body.size());
}

void FlexFecEncoder::emit(Group &g, bool row) {
  std::uint8_t *dst = slot(ready_count_);
  rtp::RtpHeader rh;
  rh.payload_type = config_.payload_type;
  rh.sequence = sequence_++;
  rh.timestamp = last_timestamp_;
  rh.ssrc = config_.ssrc;
  rh.csrc_count = 1;
  rtp::write_rtp_header(dst, rh);
  store_be32(dst + kHeader, source_ssrc_);
  FlexFecHeader h;
  h.kind = config_.mode == FlexFecMode::fixed ? FlexFecKind::fixed : FlexFecKind::flexible;
  h.pxcc_recovery = g.pxcc;
  h.m = (g.parity.clip().flags & 0x80) != 0;
  h.pt_recovery = g.parity.clip().flags & 0x7F;
  h.length_recovery = g.parity.clip().length;
  h.ts_recovery = g.parity.clip().timestamp;
  h.stream_count = 1;
  FlexFecStream &s = h.streams[0];
  s.ssrc = source_ssrc_;
  s.sn_base = g.sn_base;
  const bool columns_follow = config_.column_fec && config_.rows >= 2;
  if (h.kind == FlexFecKind::fixed) {
    s.l = static_cast<std::uint8_t>(config_.columns);
    s.d = static_cast<std::uint8_t>(row ? (columns_follow ? 1 : 0) : config_.rows);
  } else if (row) {
    for (std::size_t i = 0; i < config_.columns; ++i) s.set(i);
  } else {
    for (std::size_t j = 0; j < config_.rows; ++j) s.set(j * config_.columns);
  }
  std::size_t at = kHeader + 4;
  at += write_flexfec_header(dst + at, h);
  std::memcpy(dst + at, g.parity.payload().data(), g.longest);
  ready_[ready_count_++] = at + g.longest;
  g.parity.reset();
}

FlexFecEncodeResult FlexFecEncoder::add(ByteSpan s) {
  ready_count_ = 0;
  polled_ = 0;
  const auto p = rtp::parse_rtp(s);
  if (!p) return FlexFecEncodeResult::not_rtp;
  if (s.size() - kHeader > config_.max_payload) return FlexFecEncodeResult::too_large;
  const std::uint16_t seq = p->header.sequence;
  if (last_seq_ && p->header.ssrc != source_ssrc_) {
    reset();  // a new source stream: a new matrix series
  } else if (last_seq_ && static_cast<std::uint16_t>(*last_seq_ + 1) != seq) {
    return FlexFecEncodeResult::not_consecutive;
  }
  last_seq_ = seq;
  source_ssrc_ = p->header.ssrc;
  last_timestamp_ = p->header.timestamp;
  const std::size_t l = config_.columns;
  if (config_.row_fec) {
    add_to(row_, s, seq);
    if (row_.parity.count() == l) emit(row_, true);
  }
  if (config_.column_fec && config_.rows >= 2) {
    Group &g = columns_[index_ % l];
    add_to(g, s, seq);
    if (g.parity.count() == config_.rows) emit(g, false);
  }
  ++index_;
  return FlexFecEncodeResult::ok;
}

std::optional<ByteSpan> FlexFecEncoder::poll() {
  if (polled_ >= ready_count_) return std::nullopt;
  const std::size_t i = polled_++;
  return ByteSpan(slot(i), ready_[i]);
}

std::optional<ByteSpan> FlexFecEncoder::retransmit(ByteSpan s) {
  const auto p = rtp::parse_rtp(s);
  if (!p || s.size() - kHeader > config_.max_payload) return std::nullopt;
  std::uint8_t *dst = slot(2);
  rtp::RtpHeader rh;
  rh.payload_type = config_.payload_type;
  rh.sequence = sequence_++;
  rh.timestamp = p->header.timestamp;
  rh.ssrc = config_.ssrc;
  rtp::write_rtp_header(dst, rh);
  FlexFecHeader h;
  h.kind = FlexFecKind::retransmission;
  h.pxcc_recovery = s[0] & 0x3F;
  h.m = p->header.marker;
  h.pt_recovery = p->header.payload_type;
  h.length_recovery = p->header.sequence;
  h.ts_recovery = p->header.timestamp;
  h.retransmitted_ssrc = p->header.ssrc;
  std::size_t at = kHeader;
  at += write_flexfec_header(dst + at, h);
  std::memcpy(dst + at, s.data() + kHeader, s.size() - kHeader);
  return ByteSpan(dst, at + s.size() - kHeader);
}

void FlexFecEncoder::reset() {
  row_.parity.reset();
  for (auto &c : columns_) c.parity.reset();
  index_ = 0;
  last_seq_.reset();
  ready_count_ = 0;
  polled_ = 0;
}

}  // namespace srtcore::fec
