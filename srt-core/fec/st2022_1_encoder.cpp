#include "fec/st2022_1_encoder.hpp"

#include <algorithm>
#include <cstring>

#include "fec/st2022_1_header.hpp"

namespace srtcore::fec {

namespace {
constexpr std::size_t kFecOverhead = rtp::kRtpHeaderSize + kSt2022HeaderSize;

std::uint8_t flags_of(const rtp::ParsedRtp &m) {
  return static_cast<std::uint8_t>((m.header.payload_type & 0x7F) | (m.header.marker ? 0x80 : 0));
}
}  // namespace

St2022Encoder::St2022Encoder(const St2022EncoderConfig &config)
    : config_(config), packet_stride_(kFecOverhead + config.max_payload) {
  const std::size_t l = config_.columns;
  // Column packets of one matrix go out within L*D + L media packets of
  // their completion, so at most 2L wait at any time.
  const std::size_t held_slots = 2 * l + 1;
  parity_storage_.assign((1 + l) * config_.max_payload, 0);
  packets_.assign((1 + held_slots) * packet_stride_, 0);
  row_.parity = ParityGroup(std::span(parity_storage_).first(config_.max_payload));
  columns_.resize(l);
  for (std::size_t i = 0; i < l; ++i) {
    columns_[i].parity = ParityGroup(
        std::span(parity_storage_).subspan((1 + i) * config_.max_payload, config_.max_payload));
  }
  held_.resize(held_slots);
}

void St2022Encoder::add_to(Group &g, const rtp::ParsedRtp &m) {
  if (g.parity.count() == 0) {
    g.sn_base = m.header.sequence;
    g.longest = 0;
    g.marker = false;
  }
  g.parity.add(Clip{static_cast<std::uint16_t>(m.payload.size()), flags_of(m), m.header.timestamp},
               m.payload);
  g.longest = std::max(g.longest, m.payload.size());
  g.marker ^= m.header.marker;
}

std::size_t St2022Encoder::build(Group &g, bool row, std::uint8_t *dst) {
  rtp::RtpHeader rh;
  rh.marker = g.marker;
  rh.payload_type = config_.payload_type;
  rh.sequence = row ? row_seq_++ : column_seq_++;
  rh.timestamp = last_timestamp_;  // a column packet's is set when it leaves
  rh.ssrc = 0;
  rtp::write_rtp_header(dst, rh);
  St2022Header h;
  h.sn_base = g.sn_base;
  h.length_recovery = g.parity.clip().length;
  h.pt_recovery = g.parity.clip().flags & 0x7F;
  h.ts_recovery = g.parity.clip().timestamp;
  h.d = row;
  h.offset = static_cast<std::uint8_t>(row ? 1 : config_.columns);
  h.na = static_cast<std::uint8_t>(g.parity.count());
  write_st2022_header(dst + rtp::kRtpHeaderSize, h);
  std::memcpy(dst + kFecOverhead, g.parity.payload().data(), g.longest);
  g.parity.reset();
  return kFecOverhead + g.longest;
}

St2022EncodeResult St2022Encoder::add(const rtp::ParsedRtp &m, bool row_on, bool column_on) {
  row_ready_ = false;
  column_ready_.reset();
  const std::uint16_t seq = m.header.sequence;
  if (last_seq_ && static_cast<std::uint16_t>(*last_seq_ + 1) != seq)
    return St2022EncodeResult::not_consecutive;
  if (m.payload.size() > config_.max_payload) return St2022EncodeResult::payload_too_large;
  last_seq_ = seq;
  last_timestamp_ = m.header.timestamp;
  const std::size_t l = config_.columns;

  if (!row_on && row_.parity.count() != 0) reset_rows();
  if (row_on && l != 0) {
    add_to(row_, m);
    if (row_.parity.count() == l) {
      row_size_ = build(row_, true, slot(0));
      row_ready_ = true;
    }
  }

  if (!column_on && columns_started_) {
    // Off at a matrix start: the column packets still held back belong to
    // complete columns and still go out; mid-matrix, as GStreamer's, all goes.
    if (at_matrix_start())
      columns_started_ = false;
    else
      reset_columns();
  }
  if (column_on && l != 0 && config_.rows != 0) {
    columns_started_ = true;
    Group &g = columns_[column_];
    add_to(g, m);
    if (g.parity.count() == config_.rows && held_count_ < held_.size()) {
      const std::size_t i = (held_head_ + held_count_) % held_.size();
      held_[i].size = build(g, false, slot(1 + i));
      held_[i].after_seq = static_cast<std::uint16_t>(seq + l - column_ + config_.rows * column_);
      ++held_count_;
    }
    column_ = (column_ + 1) % l;
  }

  if (l != 0) matrix_pos_ = (matrix_pos_ + 1) % (l * std::max<std::size_t>(config_.rows, 1));

  if (held_count_ != 0 && held_[held_head_].after_seq == seq) {
    std::uint8_t *p = slot(1 + held_head_);
    store_be32(p + 4, m.header.timestamp);
    column_ready_ = held_head_;
    column_ready_size_ = held_[held_head_].size;
    held_head_ = (held_head_ + 1) % held_.size();
    --held_count_;
  }
  return St2022EncodeResult::ok;
}

std::optional<St2022FecPacket> St2022Encoder::poll() {
  if (row_ready_) {
    row_ready_ = false;
    return St2022FecPacket{true, std::span<const std::uint8_t>(slot(0), row_size_)};
  }
  if (column_ready_) {
    const std::size_t i = *column_ready_;
    column_ready_.reset();
    return St2022FecPacket{false, std::span<const std::uint8_t>(slot(1 + i), column_ready_size_)};
  }
  return std::nullopt;
}

bool St2022Encoder::at_matrix_start() const {
  if (matrix_pos_ != 0 || row_.parity.count() != 0 || column_ != 0) return false;
  for (const Group &c : columns_)
    if (c.parity.count() != 0) return false;
  return true;
}

void St2022Encoder::reset_rows() {
  row_.parity.reset();
  row_ready_ = false;
}

void St2022Encoder::reset_columns() {
  columns_started_ = false;
  for (auto &c : columns_) c.parity.reset();
  column_ = 0;
  column_seq_ = 0;
  held_head_ = 0;
  held_count_ = 0;
  column_ready_.reset();
}

void St2022Encoder::reset() {
  matrix_pos_ = 0;
  reset_rows();
  const std::uint16_t column_seq = column_seq_;
  reset_columns();
  column_seq_ = column_seq;
  last_seq_.reset();
}

}  // namespace srtcore::fec
