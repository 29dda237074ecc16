#include "fec/st2022_1_decoder.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

#include "fec/st2022_1_header.hpp"
#include "fec/xor_parity.hpp"
#include "rtp/rtp_header.hpp"

namespace srtcore::fec {

namespace {
// Extended sequence numbers start far from zero so that packets before the
// first one never go negative.
constexpr std::int64_t kFirst = std::int64_t{1} << 32;
constexpr std::size_t kHeader = rtp::kRtpHeaderSize;

std::size_t window_for(const St2022DecoderConfig &c, unsigned l, unsigned d) {
  // A column's FEC packet leaves up to L*D + L*(D-1) packets after the
  // column's first packet (gst's delay); twice a matrix covers that plus
  // reordering.
  const std::size_t want = 2 * std::size_t{l} * std::max(d, 1u) + 2 * std::size_t{l} + 64;
  return std::min(std::bit_ceil(std::max(c.min_window, want)), std::bit_ceil(c.max_window));
}

std::size_t fec_slots_for(unsigned l, unsigned d) {
  return 4 * (std::size_t{std::max(l, 1u)} + std::max(d, 1u)) + 16;
}
}  // namespace

St2022Decoder::St2022Decoder(const St2022DecoderConfig &config) : config_(config) {
  resize(window_for(config_, 0, 0), fec_slots_for(0, 0));
}

void St2022Decoder::reset() {
  l_ = 0;
  d_ = 0;
  started_ = false;
  now_ = 0;
  media_.clear();
  fec_.clear();
  active_.clear();
  resize(window_for(config_, 0, 0), fec_slots_for(0, 0));
}

std::int64_t St2022Decoder::extend(std::uint16_t seq) const {
  const auto delta = static_cast<std::int16_t>(seq - static_cast<std::uint16_t>(highest_));
  return highest_ + delta;
}

bool St2022Decoder::in_window(std::int64_t ext) const {
  return ext > highest_ - static_cast<std::int64_t>(media_.size());
}

bool St2022Decoder::present(std::int64_t ext) const {
  const MediaSlot &s = slot(ext);
  return s.ext == ext && now_ - s.arrival < config_.hold_ns;
}

std::uint8_t *St2022Decoder::slot_bytes(std::int64_t ext) {
  return media_bytes_.data() +
         (static_cast<std::size_t>(ext) & mask_) * (kHeader + config_.max_payload);
}

void St2022Decoder::resize(std::size_t window, std::size_t fec_slots) {
  const std::size_t stride = kHeader + config_.max_payload;
  std::vector<MediaSlot> media(window);
  std::vector<std::uint8_t> media_bytes(window * stride);
  const std::size_t mask = window - 1;
  for (std::size_t i = 0; i < media_.size(); ++i) {
    const MediaSlot &s = media_[i];
    if (s.ext < 0 || s.ext <= highest_ - static_cast<std::int64_t>(window)) continue;
    const std::size_t j = static_cast<std::size_t>(s.ext) & mask;
    media[j] = s;
    std::memcpy(media_bytes.data() + j * stride, media_bytes_.data() + i * stride, stride);
  }
  std::vector<FecSlot> fec(std::max(fec_slots, active_.size()));
  std::vector<std::uint8_t> new_fec_bytes(fec.size() * config_.max_payload);
  std::vector<std::size_t> active;
  active.reserve(fec.size());
  for (std::size_t i : active_) {
    const std::size_t j = active.size();
    fec[j] = fec_[i];
    fec[j].queued = false;
    std::memcpy(new_fec_bytes.data() + j * config_.max_payload, fec_bytes(i), config_.max_payload);
    active.push_back(j);
  }
  media_ = std::move(media);
  media_bytes_ = std::move(media_bytes);
  mask_ = mask;
  fec_ = std::move(fec);
  fec_bytes_ = std::move(new_fec_bytes);
  active_ = std::move(active);
  work_.clear();
  work_.reserve(fec_.size());
  out_.clear();
  out_.reserve(fec_.size() + 1);
  out_next_ = 0;
}

bool St2022Decoder::learn(bool row, unsigned l, unsigned d) {
  if (l_ != 0 && l != l_) return false;
  if (!row && d_ != 0 && d != d_) return false;
  const bool changed = l_ != l || (!row && d_ != d);
  l_ = l;
  if (!row) d_ = d;
  if (changed) {
    const std::size_t w = window_for(config_, l_, d_);
    const std::size_t f = fec_slots_for(l_, d_);
    if (w > media_.size() || f > fec_.size())
      resize(std::max(w, media_.size()), std::max(f, fec_.size()));
  }
  return true;
}

void St2022Decoder::free_fec(std::size_t i) {
  fec_[i].used = false;
  fec_[i].queued = false;
  const auto it = std::find(active_.begin(), active_.end(), i);
  if (it != active_.end()) {
    *it = active_.back();
    active_.pop_back();
  }
}

void St2022Decoder::expire() {
  for (std::size_t k = active_.size(); k-- > 0;) {
    const std::size_t i = active_[k];
    const FecSlot &f = fec_[i];
    const std::int64_t newest = f.base + std::int64_t{f.na - 1} * f.offset;
    if (!in_window(newest) || now_ - f.arrival >= config_.hold_ns) {
      ++stats_.fec_stale;
      free_fec(i);
    }
  }
}

void St2022Decoder::queue_covering(std::int64_t ext) {
  for (std::size_t i : active_) {
    FecSlot &f = fec_[i];
    const std::int64_t d = ext - f.base;
    if (f.queued || d < 0 || d % f.offset != 0 || d / f.offset >= f.na) continue;
    f.queued = true;
    work_.push_back(i);
  }
}

bool St2022Decoder::rebuild(const FecSlot &f, std::size_t i, std::int64_t target) {
  std::uint16_t length = f.length_recovery;
  std::uint8_t pt = f.pt_recovery;
  bool marker = f.marker;
  std::uint32_t ts = f.ts_recovery;
  for (unsigned k = 0; k < f.na; ++k) {
    const std::int64_t s = f.base + std::int64_t{k} * f.offset;
    if (s == target) continue;
    const MediaSlot &m = slot(s);
    if (m.oversize) return false;
    length ^= m.length;
    pt ^= m.pt;
    marker ^= m.marker;
    ts ^= m.timestamp;
  }
  if (length > f.payload_length || length > config_.max_payload) return false;
  std::uint8_t *dst = slot_bytes(target);
  const std::span<std::uint8_t> payload(dst + kHeader, length);
  std::memcpy(payload.data(), fec_bytes(i), length);
  for (unsigned k = 0; k < f.na; ++k) {
    const std::int64_t s = f.base + std::int64_t{k} * f.offset;
    if (s == target) continue;
    const MediaSlot &m = slot(s);
    xor_into(payload, std::span<const std::uint8_t>(slot_bytes(s) + kHeader,
                                                    std::min<std::size_t>(m.length, length)));
  }
  rtp::RtpHeader h;
  h.marker = marker;
  h.payload_type = pt & 0x7F;
  h.sequence = static_cast<std::uint16_t>(target);
  h.timestamp = ts;
  h.ssrc = ssrc_;
  rtp::write_rtp_header(dst, h);
  MediaSlot &m = slot(target);
  m = MediaSlot{target, now_, length, static_cast<std::uint8_t>(pt & 0x7F), marker, false, ts};
  highest_ = std::max(highest_, target);
  out_.push_back(target);
  ++stats_.recovered;
  return true;
}

St2022FecResult St2022Decoder::check(std::size_t i) {
  const FecSlot f = fec_[i];
  unsigned missing = 0;
  std::int64_t target = 0;
  for (unsigned k = 0; k < f.na && missing < 2; ++k) {
    const std::int64_t s = f.base + std::int64_t{k} * f.offset;
    if (present(s)) continue;
    ++missing;
    target = s;
  }
  if (missing >= 2) return St2022FecResult::held;
  free_fec(i);
  if (missing == 0) return St2022FecResult::complete;
  if (!in_window(target)) {
    ++stats_.fec_stale;
    return St2022FecResult::stale;
  }
  if (!rebuild(f, i, target)) {
    ++stats_.fec_malformed;
    return St2022FecResult::malformed;
  }
  queue_covering(target);
  return St2022FecResult::used;
}

void St2022Decoder::run() {
  while (!work_.empty()) {
    const std::size_t i = work_.back();
    work_.pop_back();
    fec_[i].queued = false;
    if (fec_[i].used) (void)check(i);
  }
}

St2022MediaResult St2022Decoder::on_media(std::span<const std::uint8_t> packet, std::uint64_t now) {
  out_.clear();
  out_next_ = 0;
  now_ = std::max(now_, now);
  const auto p = rtp::parse_rtp(packet);
  if (!p) {
    ++stats_.media_invalid;
    return St2022MediaResult::invalid;
  }
  ++stats_.media;
  if (!started_) {
    started_ = true;
    highest_ = kFirst + p->header.sequence;
  }
  const std::int64_t ext = extend(p->header.sequence);
  if (!in_window(ext)) {
    ++stats_.media_unusable;
    return St2022MediaResult::fresh;
  }
  if (present(ext)) {
    ++stats_.media_duplicate;
    return St2022MediaResult::duplicate;
  }
  ssrc_ = p->header.ssrc;
  highest_ = std::max(highest_, ext);
  const bool oversize = p->payload.size() > config_.max_payload;
  if (oversize) ++stats_.media_unusable;
  slot(ext) = MediaSlot{ext,
                        now_,
                        static_cast<std::uint16_t>(p->payload.size()),
                        p->header.payload_type,
                        p->header.marker,
                        oversize,
                        p->header.timestamp};
  if (!oversize) std::memcpy(slot_bytes(ext) + kHeader, p->payload.data(), p->payload.size());
  expire();
  queue_covering(ext);
  run();
  return St2022MediaResult::fresh;
}

St2022FecResult St2022Decoder::on_fec(std::span<const std::uint8_t> packet, std::uint64_t now) {
  out_.clear();
  out_next_ = 0;
  now_ = std::max(now_, now);
  ++stats_.fec;
  const auto malformed = [this] {
    ++stats_.fec_malformed;
    return St2022FecResult::malformed;
  };
  const auto p = rtp::parse_rtp(packet);
  if (!p) return malformed();
  const auto h = parse_st2022_header(p->payload);
  if (!h || h->type != 0 || h->n || h->na == 0 || h->offset == 0) return malformed();
  if (h->d && h->offset != 1) return malformed();
  const unsigned l = h->d ? h->na : h->offset;
  const unsigned d = h->d ? d_ : h->na;
  // Judged before anything is learned: a bogus packet must not fix the geometry.
  const std::int64_t span = std::int64_t{h->na - 1} * h->offset + 1;
  const auto body = p->payload.subspan(kSt2022HeaderSize);
  if (span > static_cast<std::int64_t>(window_for(config_, l, d) / 2) ||
      body.size() > config_.max_payload)
    return malformed();
  if (!learn(h->d, l, d)) return malformed();
  if (!started_) {
    started_ = true;
    highest_ = kFirst + h->sn_base;
  }
  const std::int64_t base = extend(h->sn_base);
  if (base > highest_ + static_cast<std::int64_t>(media_.size() / 2)) return malformed();
  if (!in_window(base + span - 1)) {
    ++stats_.fec_stale;
    return St2022FecResult::stale;
  }
  expire();
  std::size_t i = 0;
  while (i < fec_.size() && fec_[i].used) ++i;
  if (i == fec_.size()) {
    // No room: the FEC packet that waited longest gives way.
    const auto oldest = std::min_element(active_.begin(), active_.end(), [this](auto a, auto b) {
      return fec_[a].arrival < fec_[b].arrival;
    });
    i = *oldest;
    free_fec(i);
    ++stats_.fec_evicted;
  }
  fec_[i] = FecSlot{true,
                    false,
                    base,
                    h->offset,
                    h->na,
                    h->length_recovery,
                    h->pt_recovery,
                    p->header.marker,
                    h->ts_recovery,
                    static_cast<std::uint16_t>(body.size()),
                    now_};
  std::memcpy(fec_bytes(i), body.data(), body.size());
  std::memset(fec_bytes(i) + body.size(), 0, config_.max_payload - body.size());
  active_.push_back(i);
  const St2022FecResult result = check(i);
  run();
  return result;
}

std::optional<std::span<const std::uint8_t>> St2022Decoder::poll_recovered() {
  while (out_next_ < out_.size()) {
    const std::int64_t ext = out_[out_next_++];
    const MediaSlot &m = slot(ext);
    if (m.ext != ext) continue;  // overwritten by a later rebuild in the same call
    return std::span<const std::uint8_t>(slot_bytes(ext), kHeader + m.length);
  }
  return std::nullopt;
}

}  // namespace srtcore::fec
