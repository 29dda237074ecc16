#include "fec/ulpfec_encoder.hpp"

#include <algorithm>
#include <cstring>

#include "fec/ulpfec_header.hpp"
#include "fec/xor_parity.hpp"
#include "rtp/bytes.hpp"
#include "rtp/rtp_header.hpp"

namespace srtcore::fec {

namespace {
constexpr std::size_t kRtp = rtp::kRtpHeaderSize;
}  // namespace

UlpfecEncoder::UlpfecEncoder(const UlpfecEncoderConfig &config)
    : config_(config), out_stride_(kRtp + ulpfec_headers_size(true) + config.max_packet) {
  config_.max_packet = std::max(config_.max_packet, kRtp);
  config_.max_fec_per_frame = std::max<std::size_t>(config_.max_fec_per_frame, 1);
  held_bytes_.assign(kUlpfecLongSpan * config_.max_packet, 0);
  held_len_.assign(kUlpfecLongSpan, 0);
  out_bytes_.assign(config_.max_fec_per_frame * out_stride_, 0);
  out_len_.assign(config_.max_fec_per_frame, 0);
  configure(config.percentage, config.percentage_important, config.multipacket,
            config.payload_type);
}

void UlpfecEncoder::configure(unsigned percentage, unsigned percentage_important, bool multipacket,
                              std::uint8_t payload_type) {
  config_.percentage = std::min(percentage, 100u);
  config_.percentage_important = std::min(percentage_important, 100u);
  config_.multipacket = multipacket;
  config_.payload_type = payload_type;
  fec_nth_ = config_.percentage ? 100 / config_.percentage : 0;
  // As the C element: the stream increment keeps its last non-zero value
  // when the percentage goes to 0.
  if (config_.percentage) budget_inc_ = config_.percentage / 100.;
  budget_inc_important_ = config_.percentage > config_.percentage_important
                              ? budget_inc_
                              : config_.percentage_important / 100.;
}

void UlpfecEncoder::increment_budget(bool important) {
  if (config_.percentage == 0 && config_.percentage_important == 0) {
    if (budget_ > 0) {
      budget_ = 0;
      budget_important_ = 0;
    }
    if (budget_ < 0) budget_ += budget_inc_;
    return;
  }
  budget_ += budget_inc_;
  if (important) budget_important_ += budget_inc_important_;
}

unsigned UlpfecEncoder::fec_count() const {
  if (budget_important_ >= 1.) return static_cast<unsigned>(budget_important_);
  return budget_ > 0. ? static_cast<unsigned>(budget_) : 0;
}

// FEC packet k of n over the held frame: the C element's even split, at
// most 48 packets each, the mask anchored at the oldest protected packet.
std::size_t UlpfecEncoder::build(unsigned k, unsigned n, std::uint16_t seq, std::uint32_t ts,
                                 std::uint32_t ssrc, std::uint8_t *dst) {
  const std::size_t m = count_;
  const std::size_t start = k * m / n;
  std::size_t end = ((k + 1) * m + n - 1) / n - 1;
  const std::size_t len = std::min<std::size_t>(end - start + 1, kUlpfecLongSpan);
  end = start + len - 1;

  std::uint16_t base = 0;
  std::uint64_t mask = 0;
  std::size_t longest = 0;
  for (std::size_t i = start; i <= end; ++i) {
    const std::size_t slot = (head_ + i) % kUlpfecLongSpan;
    const std::uint16_t s = load_be16(held(slot) + 2);
    if (mask == 0) {
      base = s;
    } else if (const auto d = static_cast<std::int16_t>(s - base); d < 0) {
      base = s;
      mask = -d >= 48 ? 0 : mask >> -d;
    }
    const auto delta = static_cast<std::int16_t>(s - base);
    if (delta >= 0 && delta < static_cast<int>(kUlpfecLongSpan))
      mask |= ulpfec_mask_bit(static_cast<unsigned>(delta));
    longest = std::max<std::size_t>(longest, held_len_[slot] - kRtp);
  }
  const bool long_mask = ulpfec_mask_is_long(mask);
  const std::size_t headers = ulpfec_headers_size(long_mask);
  std::uint8_t *fec = dst + kRtp;
  std::memset(fec, 0, headers + longest);
  std::uint64_t left = mask;
  for (std::size_t i = start; i <= end; ++i) {
    const std::size_t slot = (head_ + i) % kUlpfecLongSpan;
    const std::uint8_t *p = held(slot);
    const auto delta = static_cast<std::int16_t>(load_be16(p + 2) - base);
    if (delta < 0 || delta >= static_cast<int>(kUlpfecLongSpan)) continue;
    const std::uint64_t bit = ulpfec_mask_bit(static_cast<unsigned>(delta));
    if ((left & bit) == 0) continue;  // a duplicate sequence number: once only
    left ^= bit;
    const std::size_t body = held_len_[slot] - kRtp;
    std::uint8_t len_be[2];
    store_be16(len_be, static_cast<std::uint16_t>(body));
    xor_into(std::span(fec, 8), std::span(p, 8));  // V/P/X/CC, M/PT, SN, TS
    xor_into(std::span(fec + 8, 2), std::span<const std::uint8_t>(len_be, 2));
    xor_into(std::span(fec + headers, body), std::span(p + kRtp, body));
  }
  UlpfecHeader h;
  h.l = long_mask;
  h.byte0 = fec[0];
  h.byte1 = fec[1];
  h.sn_base = base;
  h.ts_recovery = load_be32(fec + 4);
  h.length_recovery = load_be16(fec + 8);
  h.protection_length = static_cast<std::uint16_t>(longest);
  h.mask = mask;
  write_ulpfec_header(fec, h);

  rtp::RtpHeader rh;
  rh.payload_type = config_.payload_type & 0x7F;
  rh.sequence = seq;
  rh.timestamp = ts;
  rh.ssrc = ssrc;
  rtp::write_rtp_header(dst, rh);
  return kRtp + headers + longest;
}

std::uint16_t UlpfecEncoder::add(std::span<const std::uint8_t> rtp, bool important) {
  out_count_ = 0;
  out_next_ = 0;
  ++stats_.received;
  const auto seq = static_cast<std::uint16_t>(load_be16(&rtp[2]) + seq_offset_);
  const bool marker = (rtp[1] & 0x80) != 0;
  const std::uint32_t ts = load_be32(&rtp[4]);
  const std::uint32_t ssrc = load_be32(&rtp[8]);

  const auto hold = [&] {
    if (rtp.size() > config_.max_packet) {
      ++stats_.too_large;
      return;
    }
    std::size_t slot;
    if (count_ == kUlpfecLongSpan) {  // the oldest gives way
      slot = head_;
      head_ = (head_ + 1) % kUlpfecLongSpan;
    } else {
      slot = (head_ + count_++) % kUlpfecLongSpan;
    }
    std::memcpy(held(slot), rtp.data(), rtp.size());
    store_be16(held(slot) + 2, seq);
    held_len_[slot] = static_cast<std::uint16_t>(rtp.size());
  };

  bool push = false;
  bool empty = false;
  if (config_.multipacket) {
    hold();
    increment_budget(important);
    push = empty = marker;
  } else {
    count_ = 0;
    head_ = 0;
    hold();
    push = fec_nth_ != 0 && stats_.received % fec_nth_ == 0;
    budget_ = push ? 1 : 0;
    budget_important_ = 0;
  }

  if (push) {
    const unsigned n = fec_count();
    if (n != 0 && count_ != 0) {
      const unsigned built = std::min<unsigned>(n, config_.max_fec_per_frame);
      stats_.capped += n - built;
      for (unsigned k = 0; k < built; ++k) {
        out_len_[k] = build(k, n, static_cast<std::uint16_t>(seq + 1 + k), ts, ssrc, out(k));
      }
      out_count_ = built;
      stats_.protected_packets += count_;
      stats_.fec += built;
      seq_offset_ = static_cast<std::uint16_t>(seq_offset_ + built);
    }
    if (budget_important_ >= 1.) budget_important_ -= n;
    budget_ -= n;
  }
  if (empty) {
    count_ = 0;
    head_ = 0;
  }
  return seq;
}

std::optional<std::span<const std::uint8_t>> UlpfecEncoder::poll() {
  if (out_next_ >= out_count_) return std::nullopt;
  const std::size_t i = out_next_++;
  return std::span<const std::uint8_t>(out(i), out_len_[i]);
}

}  // namespace srtcore::fec
