#include "fec/ulpfec_recovery.hpp"

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

UlpfecRecovery::UlpfecRecovery(const UlpfecRecoveryConfig &config) : config_(config) {
  config_.max_packet = std::max(config_.max_packet, kRtp);
  // An FEC packet protects packets of at most max_packet bytes: its payload
  // is at most the long headers plus that, less the RTP header.
  fec_max_ = ulpfec_headers_size(true) + config_.max_packet - kRtp;
  stride_ = std::max(config_.max_packet, fec_max_);
  slots_.assign(kSlots, Slot{});
  bytes_.assign(kSlots * stride_, 0);
  fec_slots_.reserve(kSlots);
  scratch_.assign(fec_max_, 0);
  memory_bytes_.assign(config_.remembered * config_.max_packet, 0);
  memory_len_.assign(config_.remembered, 0);
  memory_time_.assign(config_.remembered, 0);
}

void UlpfecRecovery::reset() {
  std::fill(slots_.begin(), slots_.end(), Slot{});
  fec_slots_.clear();
  memory_next_ = 0;
  memory_count_ = 0;
  now_ = 0;
}

std::optional<std::size_t> UlpfecRecovery::index(std::uint16_t seq) const {
  const int d = static_cast<std::int16_t>(seq - lost_);
  if (d < -kWindow || d > kWindow) return std::nullopt;
  return static_cast<std::size_t>(d + kWindow);
}

void UlpfecRecovery::begin(std::uint16_t lost, std::uint8_t fec_pt, std::uint32_t ssrc,
                           int media_pt, std::uint64_t now) {
  ++stats_.windows;
  now_ = std::max(now_, now);
  lost_ = lost;
  fec_pt_ = fec_pt & 0x7F;
  ssrc_ = ssrc;
  media_pt_ = media_pt;
  std::fill(slots_.begin(), slots_.end(), Slot{});
  fec_slots_.clear();
  pts_seen_.reset();
}

// Remembered packets join a window only where an FEC packet needs them.
void UlpfecRecovery::recall(std::size_t i) {
  const auto seq = static_cast<std::uint16_t>(lost_ + static_cast<int>(i) - kWindow);
  for (std::size_t k = 0; k < memory_count_; ++k) {
    const std::uint8_t *p = memory_bytes_.data() + k * config_.max_packet;
    if (load_be16(p + 2) != seq || load_be32(p + 8) != ssrc_ ||
        now_ - memory_time_[k] > config_.remember_ns)
      continue;
    std::memcpy(bytes(i), p, memory_len_[k]);
    slots_[i] = Slot{};
    slots_[i].kind = Kind::media;
    slots_[i].length = memory_len_[k];
    pts_seen_.set(p[1] & 0x7F);
    return;
  }
}

void UlpfecRecovery::add(std::span<const std::uint8_t> packet) {
  const auto p = rtp::parse_rtp(packet);
  if (p && p->header.payload_type == fec_pt_) {
    add_fec(packet);
  } else if (p) {
    add_media(packet, false);
  } else {
    ++stats_.media_dropped;
  }
}

void UlpfecRecovery::add_media(std::span<const std::uint8_t> packet, bool rebuilt) {
  ++stats_.media;
  const auto i = index(load_be16(&packet[2]));
  if (!i || packet.size() > config_.max_packet) {
    ++stats_.media_dropped;
    return;
  }
  if (slots_[*i].kind != Kind::none) return;
  pts_seen_.set(packet[1] & 0x7F);
  std::memcpy(bytes(*i), packet.data(), packet.size());
  slots_[*i] = Slot{};
  slots_[*i].kind = Kind::media;
  slots_[*i].rebuilt = rebuilt;
  slots_[*i].length = static_cast<std::uint16_t>(packet.size());
}

void UlpfecRecovery::add_fec(std::span<const std::uint8_t> packet) {
  ++stats_.fec;
  const auto p = rtp::parse_rtp(packet);
  // Padding is not part of the FEC payload (as gst reads it).
  const std::span<const std::uint8_t> payload = p->payload;
  UlpfecHeader h;
  if (parse_ulpfec(payload, h) != UlpfecParse::ok || h.mask == 0 || payload.size() > fec_max_) {
    ++stats_.fec_malformed;
    return;
  }
  for (unsigned d = 0; d < kUlpfecLongSpan; ++d) {
    if ((h.mask & ulpfec_mask_bit(d)) && !index(static_cast<std::uint16_t>(h.sn_base + d))) {
      ++stats_.fec_stale;
      return;
    }
  }
  const auto i = index(p->header.sequence);
  if (!i) {
    ++stats_.fec_stale;
    return;
  }
  if (slots_[*i].kind != Kind::none) {
    ++stats_.fec_duplicate;
    return;
  }
  Slot &s = slots_[*i];
  s = Slot{};
  s.kind = Kind::fec;
  s.long_mask = h.l;
  s.length = static_cast<std::uint16_t>(payload.size());
  s.sn_base = h.sn_base;
  s.mask = h.mask;
  std::memcpy(bytes(*i), payload.data(), payload.size());
  fec_slots_.push_back(static_cast<std::uint16_t>(*i));
}

bool UlpfecRecovery::rebuild(std::size_t f, std::size_t target) {
  const Slot &fec = slots_[f];
  const std::size_t headers = ulpfec_headers_size(fec.long_mask);
  std::uint8_t *s = scratch_.data();
  std::memcpy(s, bytes(f), fec.length);
  std::memset(s + fec.length, 0, scratch_.size() - fec.length);
  for (unsigned d = 0; d < kUlpfecLongSpan; ++d) {
    if (!(fec.mask & ulpfec_mask_bit(d))) continue;
    const std::size_t i = *index(static_cast<std::uint16_t>(fec.sn_base + d));
    if (i == target) continue;
    const std::uint8_t *m = bytes(i);
    const std::size_t body = slots_[i].length - kRtp;
    std::uint8_t len_be[2];
    store_be16(len_be, static_cast<std::uint16_t>(body));
    xor_into(std::span(s, 8), std::span(m, 8));
    xor_into(std::span(s + 8, 2), std::span<const std::uint8_t>(len_be, 2));
    xor_into(std::span(s + headers, scratch_.size() - headers), std::span(m + kRtp, body));
  }
  const std::size_t length = load_be16(s + 8);
  const std::uint8_t pt = s[1] & 0x7F;
  // The target's slot holds an FEC packet: a mask over FEC sequence numbers.
  if (slots_[target].kind != Kind::none || length > fec.length - headers ||
      kRtp + length > config_.max_packet || !pt_known(pt)) {
    ++stats_.fec_bad_rebuild;
    return false;
  }
  std::uint8_t *dst = bytes(target);
  dst[0] = static_cast<std::uint8_t>(0x80 | (s[0] & 0x3F));
  dst[1] = s[1];
  store_be16(dst + 2, static_cast<std::uint16_t>(lost_ + static_cast<int>(target) - kWindow));
  std::memcpy(dst + 4, s + 4, 4);
  store_be32(dst + 8, ssrc_);
  std::memcpy(dst + kRtp, s + headers, length);
  Slot &t = slots_[target];
  t = Slot{};
  t.kind = Kind::media;
  t.rebuilt = true;
  t.length = static_cast<std::uint16_t>(kRtp + length);
  ++stats_.recovered;
  remember(target);
  return true;
}

void UlpfecRecovery::remember(std::size_t i) {
  if (memory_len_.empty()) return;
  const std::size_t k = memory_next_;
  memory_next_ = (memory_next_ + 1) % memory_len_.size();
  memory_count_ = std::min(memory_count_ + 1, memory_len_.size());
  std::memcpy(memory_bytes_.data() + k * config_.max_packet, bytes(i), slots_[i].length);
  memory_len_[k] = slots_[i].length;
  memory_time_[k] = now_;
}

std::size_t UlpfecRecovery::run() {
  if (memory_count_ != 0) {
    for (const std::uint16_t f : fec_slots_) {
      const Slot &fec = slots_[f];
      for (unsigned d = 0; d < kUlpfecLongSpan; ++d) {
        if (!(fec.mask & ulpfec_mask_bit(d))) continue;
        const std::size_t i = *index(static_cast<std::uint16_t>(fec.sn_base + d));
        if (slots_[i].kind == Kind::none) recall(i);
      }
    }
  }
  std::size_t rebuilt = 0;
  for (bool progress = true; progress;) {
    progress = false;
    for (const std::uint16_t f : fec_slots_) {
      Slot &fec = slots_[f];
      if (fec.used) continue;
      unsigned missing = 0;
      std::size_t target = 0;
      for (unsigned d = 0; d < kUlpfecLongSpan && missing < 2; ++d) {
        if (!(fec.mask & ulpfec_mask_bit(d))) continue;
        const std::size_t i = *index(static_cast<std::uint16_t>(fec.sn_base + d));
        if (!is_media(i)) {
          ++missing;
          target = i;
        }
      }
      if (missing >= 2) continue;
      fec.used = true;  // complete, or it gives its one packet now (or never)
      if (missing == 1 && rebuild(f, target)) {
        ++rebuilt;
        progress = true;
      }
    }
  }
  return rebuilt;
}

std::optional<std::span<const std::uint8_t>> UlpfecRecovery::media(std::uint16_t seq) const {
  const auto i = index(seq);
  if (!i || !is_media(*i)) return std::nullopt;
  return std::span<const std::uint8_t>(bytes(*i), slots_[*i].length);
}

bool UlpfecRecovery::rebuilt(std::uint16_t seq) const {
  const auto i = index(seq);
  return i && is_media(*i) && slots_[*i].rebuilt;
}

std::optional<std::size_t> UlpfecSelection::index(std::uint16_t seq) const {
  const int d = static_cast<std::int16_t>(seq - lost_);
  if (d < -kWindow || d > kWindow) return std::nullopt;
  return static_cast<std::size_t>(d + kWindow);
}

void UlpfecSelection::begin(std::uint16_t lost) {
  lost_ = lost;
  wanted_.reset();
  wanted_.set(kWindow);
  count_ = 0;
}

void UlpfecSelection::fec(std::uint16_t seq, std::uint16_t sn_base, std::uint64_t mask) {
  const auto self = index(seq);
  if (count_ == fec_.size() || !self) return;
  Fec &f = fec_[count_++];
  f.protects.reset();
  f.protects.set(*self);
  f.in = false;
  for (unsigned d = 0; d < kUlpfecLongSpan; ++d) {
    if (!(mask & ulpfec_mask_bit(d))) continue;
    if (const auto i = index(static_cast<std::uint16_t>(sn_base + d))) f.protects.set(*i);
  }
}

// Grows the wanted set by every FEC packet that shares a packet with it,
// until none does: word-wide bit operations, a pass per step of the chain.
void UlpfecSelection::close() {
  for (bool grew = true; grew;) {
    grew = false;
    for (std::size_t k = 0; k < count_; ++k) {
      Fec &f = fec_[k];
      if (f.in || (f.protects & wanted_).none()) continue;
      f.in = grew = true;
      wanted_ |= f.protects;
    }
  }
}

bool UlpfecSelection::wanted(std::uint16_t seq) const {
  const auto i = index(seq);
  return i && wanted_.test(*i);
}

}  // namespace srtcore::fec
