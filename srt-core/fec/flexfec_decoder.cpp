#include "fec/flexfec_decoder.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

#include "fec/xor_parity.hpp"
#include "rtp/rtp_header.hpp"

namespace srtcore::fec {

namespace {
// Extended sequence numbers start far from zero so that packets before a
// stream's first one never go negative.
constexpr std::int64_t kFirst = std::int64_t{1} << 32;
constexpr std::size_t kHeader = rtp::kRtpHeaderSize;
}  // namespace

FlexFecDecoder::FlexFecDecoder(const FlexFecDecoderConfig &config)
    : config_(config),
      window_(std::bit_ceil(std::max<std::size_t>(config.window, 64))),
      mask_(window_ - 1),
      stride_(kHeader + config.max_payload) {
  config_.max_streams = std::clamp<std::size_t>(config_.max_streams, 1, kFlexFecMaxStreams);
  config_.fec_slots = std::max<std::size_t>(config_.fec_slots, 1);
  streams_.resize(config_.max_streams);
  fec_.resize(config_.fec_slots);
  covers_.resize(config_.fec_slots * config_.max_streams);
  repair_.assign(config_.fec_slots * config_.max_payload, 0);
  active_.reserve(config_.fec_slots);
  work_.reserve(config_.fec_slots);
  // Each rebuild frees its repair slot, and a retransmission adds one.
  out_.reserve(config_.fec_slots + 1);
  // The first stream's window now (most sessions have one); others on first use.
  streams_[0].slots.resize(window_);
  streams_[0].bytes.assign(window_ * stride_, 0);
}

void FlexFecDecoder::reset() {
  for (Stream &s : streams_) s.used = false;
  for (FecSlot &f : fec_) f = FecSlot{};
  active_.clear();
  work_.clear();
  out_.clear();
  out_next_ = 0;
  now_ = 0;
}

std::int64_t FlexFecDecoder::extend(const Stream &s, std::uint16_t seq) const {
  const auto delta = static_cast<std::int16_t>(seq - static_cast<std::uint16_t>(s.highest));
  return s.highest + delta;
}

bool FlexFecDecoder::in_window(const Stream &s, std::int64_t ext) const {
  return ext > s.highest - static_cast<std::int64_t>(window_);
}

bool FlexFecDecoder::present(const Stream &s, std::int64_t ext) const {
  return in_window(s, ext) && s.slots[static_cast<std::size_t>(ext) & mask_].ext == ext;
}

std::uint8_t *FlexFecDecoder::bytes_of(Stream &s, std::int64_t ext) {
  return s.bytes.data() + (static_cast<std::size_t>(ext) & mask_) * stride_;
}

int FlexFecDecoder::find_stream(std::uint32_t ssrc) const {
  for (std::size_t i = 0; i < streams_.size(); ++i)
    if (streams_[i].used && streams_[i].ssrc == ssrc) return static_cast<int>(i);
  return -1;
}

// A new source SSRC takes a free stream, or the one quiet for longest once
// it has been quiet for the hold time (a restarted sender, not a flood).
int FlexFecDecoder::open_stream(std::uint32_t ssrc, std::uint16_t seq, std::uint64_t now) {
  std::size_t pick = streams_.size();
  for (std::size_t i = 0; i < streams_.size(); ++i) {
    if (!streams_[i].used) {
      pick = i;
      break;
    }
    if (now - streams_[i].last_arrival >= config_.hold_ns &&
        (pick == streams_.size() || streams_[i].last_arrival < streams_[pick].last_arrival))
      pick = i;
  }
  if (pick == streams_.size()) return -1;
  Stream &s = streams_[pick];
  if (s.slots.empty()) {  // once per stream, on first use
    s.slots.resize(window_);
    s.bytes.assign(window_ * stride_, 0);
  }
  for (Slot &sl : s.slots) sl = Slot{};
  // Repair packets of the stream this one replaces can no longer help.
  for (std::size_t k = active_.size(); k-- > 0;) {
    const std::size_t i = active_[k];
    for (std::size_t c = 0; c < fec_[i].covers; ++c) {
      if (covers_of(i)[c].stream != pick) continue;
      ++stats_.fec_stale;
      free_fec(i);
      break;
    }
  }
  s.used = true;
  s.ssrc = ssrc;
  s.first = kFirst + seq;
  s.highest = s.first - 1;
  s.last_arrival = now;
  return static_cast<int>(pick);
}

// Moves the stream's newest packet to `ext`, counting the packets that
// leave the window without ever having been there.
void FlexFecDecoder::advance(Stream &s, std::int64_t ext) {
  if (ext <= s.highest) return;
  const std::int64_t w = static_cast<std::int64_t>(window_);
  const std::int64_t from = std::max(s.highest - w + 1, s.first);
  const std::int64_t to = ext - w;  // the last one leaving
  if (to >= from) {
    const std::int64_t checked_from = std::max(from, to - w + 1);
    stats_.unrecovered += static_cast<std::uint64_t>(checked_from - from);
    for (std::int64_t e = checked_from; e <= to; ++e)
      if (s.slots[static_cast<std::size_t>(e) & mask_].ext != e) ++stats_.unrecovered;
  }
  s.highest = ext;
}

bool FlexFecDecoder::store(std::size_t stream, std::int64_t ext, ByteSpan packet) {
  Stream &s = streams_[stream];
  advance(s, ext);
  std::memcpy(bytes_of(s, ext), packet.data(), packet.size());
  s.slots[static_cast<std::size_t>(ext) & mask_] =
      Slot{ext, static_cast<std::uint16_t>(packet.size())};
  return true;
}

bool FlexFecDecoder::covers(const FecSlot &f, const Cover &c, std::size_t stream,
                            std::int64_t ext) const {
  if (c.stream != stream) return false;
  const std::int64_t off = ext - c.base;
  if (off < 0) return false;
  if (!f.fixed)
    return off < static_cast<std::int64_t>(kFlexFecMaskBits) &&
           c.part.protects(static_cast<std::size_t>(off));
  if (c.part.d <= 1) return off < c.part.l;
  return off % c.part.l == 0 && off / c.part.l < c.part.d;
}

template <typename F>
void FlexFecDecoder::for_each_member(const FecSlot &f, const Cover &c, F &&fn) const {
  if (f.fixed) {
    const std::int64_t step = c.part.d <= 1 ? 1 : c.part.l;
    const unsigned n = c.part.d <= 1 ? c.part.l : c.part.d;
    for (unsigned j = 0; j < n; ++j)
      if (!fn(c.base + step * j)) return;
    return;
  }
  for (std::size_t w = 0; w < 2; ++w) {
    for (std::uint64_t bits = c.part.mask[w]; bits != 0; bits &= bits - 1) {
      const std::size_t i = w * 64 + static_cast<std::size_t>(std::countr_zero(bits));
      if (i >= kFlexFecMaskBits) return;
      if (!fn(c.base + static_cast<std::int64_t>(i))) return;
    }
  }
}

void FlexFecDecoder::free_fec(std::size_t i) {
  fec_[i].used = false;
  fec_[i].queued = false;
  const auto it = std::find(active_.begin(), active_.end(), i);
  if (it != active_.end()) {
    *it = active_.back();
    active_.pop_back();
  }
}

void FlexFecDecoder::expire() {
  for (std::size_t k = active_.size(); k-- > 0;) {
    const std::size_t i = active_[k];
    const FecSlot &f = fec_[i];
    bool gone = now_ - f.arrival >= config_.hold_ns;
    for (std::size_t c = 0; c < f.covers && !gone; ++c) {
      const Cover &cv = covers_of(i)[c];
      gone = !in_window(streams_[cv.stream], cv.newest);
    }
    if (gone) {
      ++stats_.fec_stale;
      free_fec(i);
    }
  }
}

void FlexFecDecoder::queue_covering(std::size_t stream, std::int64_t ext) {
  for (std::size_t i : active_) {
    FecSlot &f = fec_[i];
    if (f.queued) continue;
    for (std::size_t c = 0; c < f.covers; ++c) {
      if (!covers(f, covers_of(i)[c], stream, ext)) continue;
      f.queued = true;
      work_.push_back(i);
      break;
    }
  }
}

bool FlexFecDecoder::rebuild(std::size_t i, Ref target) {
  const FecSlot &f = fec_[i];
  std::uint8_t pxcc = f.pxcc;
  std::uint8_t b1 = f.b1;
  std::uint16_t length = f.length;
  std::uint32_t ts = f.ts;
  for (std::size_t c = 0; c < f.covers; ++c) {
    const Cover &cv = covers_of(i)[c];
    Stream &s = streams_[cv.stream];
    for_each_member(f, cv, [&](std::int64_t e) {
      if (cv.stream == target.stream && e == target.ext) return true;
      const std::uint8_t *p = bytes_of(s, e);
      pxcc ^= p[0] & 0x3F;
      b1 ^= p[1];
      length ^=
          static_cast<std::uint16_t>(s.slots[static_cast<std::size_t>(e) & mask_].size - kHeader);
      ts ^= load_be32(p + 4);
      return true;
    });
  }
  if (length > f.repair_size || length > config_.max_payload) return false;
  Stream &ts_stream = streams_[target.stream];
  // Built in the slot, which (once the window has moved) holds nothing the
  // window still needs.
  advance(ts_stream, target.ext);
  std::uint8_t *dst = bytes_of(ts_stream, target.ext);
  ts_stream.slots[static_cast<std::size_t>(target.ext) & mask_].ext = -1;
  const std::span<std::uint8_t> body(dst + kHeader, length);
  std::memcpy(body.data(), repair_of(i), length);
  for (std::size_t c = 0; c < f.covers; ++c) {
    const Cover &cv = covers_of(i)[c];
    Stream &s = streams_[cv.stream];
    for_each_member(f, cv, [&](std::int64_t e) {
      if (cv.stream == target.stream && e == target.ext) return true;
      const std::size_t size = s.slots[static_cast<std::size_t>(e) & mask_].size - kHeader;
      xor_into(body, ByteSpan(bytes_of(s, e) + kHeader, std::min<std::size_t>(size, length)));
      return true;
    });
  }
  dst[0] = static_cast<std::uint8_t>(0x80 | (pxcc & 0x3F));
  dst[1] = b1;
  store_be16(dst + 2, static_cast<std::uint16_t>(target.ext));
  store_be32(dst + 4, ts);
  store_be32(dst + 8, ts_stream.ssrc);
  const ByteSpan packet(dst, kHeader + length);
  if (!rtp::parse_rtp(packet)) return false;  // CSRCs, extension or padding overrun
  store(target.stream, target.ext, packet);
  out_.push_back(target);
  ++stats_.recovered;
  return true;
}

FlexFecResult FlexFecDecoder::check(std::size_t i) {
  const FecSlot &f = fec_[i];
  unsigned missing = 0;
  Ref target{0, 0};
  for (std::size_t c = 0; c < f.covers && missing < 2; ++c) {
    const Cover &cv = covers_of(i)[c];
    const Stream &s = streams_[cv.stream];
    for_each_member(f, cv, [&](std::int64_t e) {
      if (present(s, e)) return true;
      ++missing;
      target = Ref{cv.stream, e};
      return missing < 2;
    });
  }
  if (missing >= 2) return FlexFecResult::held;
  if (missing == 0) {
    free_fec(i);
    return FlexFecResult::complete;
  }
  if (!in_window(streams_[target.stream], target.ext)) {
    free_fec(i);
    ++stats_.fec_stale;
    return FlexFecResult::stale;
  }
  const bool ok = rebuild(i, target);
  free_fec(i);
  if (!ok) {
    ++stats_.fec_invalid;
    return FlexFecResult::invalid;
  }
  queue_covering(target.stream, target.ext);
  return FlexFecResult::used;
}

void FlexFecDecoder::run() {
  while (!work_.empty()) {
    const std::size_t i = work_.back();
    work_.pop_back();
    fec_[i].queued = false;
    if (fec_[i].used) (void)check(i);
  }
}

void FlexFecDecoder::begin(std::uint64_t now) {
  out_.clear();
  out_next_ = 0;
  now_ = std::max(now_, now);
}

FlexFecMediaResult FlexFecDecoder::on_media(ByteSpan packet, std::uint64_t now) {
  begin(now);
  const auto p = rtp::parse_rtp(packet);
  if (!p) {
    ++stats_.media_invalid;
    return FlexFecMediaResult::invalid;
  }
  ++stats_.media;
  int si = find_stream(p->header.ssrc);
  if (si < 0) si = open_stream(p->header.ssrc, p->header.sequence, now_);
  if (si < 0 || packet.size() > stride_) {
    ++stats_.media_untracked;
    return FlexFecMediaResult::fresh;
  }
  const auto stream = static_cast<std::size_t>(si);
  Stream &s = streams_[stream];
  s.last_arrival = now_;
  const std::int64_t ext = extend(s, p->header.sequence);
  if (!in_window(s, ext)) {
    ++stats_.media_untracked;
    return FlexFecMediaResult::fresh;
  }
  if (present(s, ext)) {
    ++stats_.media_duplicate;
    return FlexFecMediaResult::duplicate;
  }
  store(stream, ext, packet);
  expire();
  queue_covering(stream, ext);
  run();
  return FlexFecMediaResult::fresh;
}

FlexFecResult FlexFecDecoder::on_retransmission(const FlexFecPacket &p) {
  const FlexFecHeader &h = p.header;
  const int si = find_stream(h.retransmitted_ssrc);
  if (si < 0) {
    ++stats_.fec_unknown_stream;
    return FlexFecResult::unknown_stream;
  }
  if (p.repair.size() > config_.max_payload) {
    ++stats_.fec_invalid;
    return FlexFecResult::invalid;
  }
  const auto stream = static_cast<std::size_t>(si);
  Stream &s = streams_[stream];
  const std::int64_t ext = extend(s, h.length_recovery);
  if (!in_window(s, ext) || ext > s.highest + static_cast<std::int64_t>(window_ / 2)) {
    ++stats_.fec_stale;
    return FlexFecResult::stale;
  }
  if (present(s, ext)) return FlexFecResult::complete;
  advance(s, ext);
  std::uint8_t *dst = bytes_of(s, ext);
  s.slots[static_cast<std::size_t>(ext) & mask_].ext = -1;
  dst[0] = static_cast<std::uint8_t>(0x80 | h.pxcc_recovery);
  dst[1] = static_cast<std::uint8_t>((h.m ? 0x80 : 0) | h.pt_recovery);
  store_be16(dst + 2, h.length_recovery);
  store_be32(dst + 4, h.ts_recovery);
  store_be32(dst + 8, h.retransmitted_ssrc);
  std::memcpy(dst + kHeader, p.repair.data(), p.repair.size());
  const ByteSpan packet(dst, kHeader + p.repair.size());
  if (!rtp::parse_rtp(packet)) {
    ++stats_.fec_invalid;
    return FlexFecResult::invalid;
  }
  store(stream, ext, packet);
  out_.push_back(Ref{static_cast<std::uint8_t>(stream), ext});
  ++stats_.retransmitted;
  expire();
  queue_covering(stream, ext);
  run();
  return FlexFecResult::used;
}

FlexFecResult FlexFecDecoder::on_fec(ByteSpan packet, std::uint64_t now) {
  begin(now);
  ++stats_.fec;
  const auto invalid = [this] {
    ++stats_.fec_invalid;
    return FlexFecResult::invalid;
  };
  const FlexFecParse parsed = parse_flexfec(packet);
  if (parsed.error != FlexFecParseError::none) return invalid();
  const FlexFecPacket &p = parsed.packet;
  const FlexFecHeader &h = p.header;
  if (h.kind == FlexFecKind::retransmission) return on_retransmission(p);
  if (h.stream_count > config_.max_streams || p.repair.size() > config_.max_payload)
    return invalid();
  // Judged in full before anything is kept.
  std::array<Cover, kFlexFecMaxStreams> cv{};
  bool unknown = false;
  bool stale = true;
  for (std::size_t c = 0; c < h.stream_count; ++c) {
    const FlexFecStream &part = h.streams[c];
    for (std::size_t o = 0; o < c; ++o)
      if (h.streams[o].ssrc == part.ssrc) return invalid();
    const int end = part.span_end(h.kind);
    if (end < 0 || static_cast<std::size_t>(end) >= window_ / 2) return invalid();
    const int si = find_stream(part.ssrc);
    if (si < 0) {
      unknown = true;
      continue;
    }
    const Stream &s = streams_[static_cast<std::size_t>(si)];
    const std::int64_t base = extend(s, part.sn_base);
    if (base > s.highest + static_cast<std::int64_t>(window_ / 2)) return invalid();
    if (in_window(s, base + end)) stale = false;
    cv[c] = Cover{static_cast<std::uint8_t>(si), base, base + end, part};
  }
  if (unknown) {
    ++stats_.fec_unknown_stream;
    return FlexFecResult::unknown_stream;
  }
  if (stale) {
    ++stats_.fec_stale;
    return FlexFecResult::stale;
  }
  expire();
  std::size_t i = 0;
  while (i < fec_.size() && fec_[i].used) ++i;
  if (i == fec_.size()) {
    // No room: the repair packet that waited longest gives way.
    const auto oldest = std::min_element(active_.begin(), active_.end(), [this](auto a, auto b) {
      return fec_[a].arrival < fec_[b].arrival;
    });
    i = *oldest;
    free_fec(i);
    ++stats_.fec_evicted;
  }
  FecSlot &f = fec_[i];
  f = FecSlot{};
  f.used = true;
  f.fixed = h.kind == FlexFecKind::fixed;
  f.pxcc = h.pxcc_recovery;
  f.b1 = static_cast<std::uint8_t>((h.m ? 0x80 : 0) | h.pt_recovery);
  f.length = h.length_recovery;
  f.ts = h.ts_recovery;
  f.repair_size = static_cast<std::uint16_t>(p.repair.size());
  f.arrival = now_;
  f.covers = h.stream_count;
  std::copy_n(cv.begin(), h.stream_count, covers_of(i));
  std::memcpy(repair_of(i), p.repair.data(), p.repair.size());
  active_.push_back(i);
  const FlexFecResult result = check(i);
  run();
  return result;
}

std::optional<ByteSpan> FlexFecDecoder::poll_recovered() {
  while (out_next_ < out_.size()) {
    const Ref r = out_[out_next_++];
    Stream &s = streams_[r.stream];
    const Slot &sl = s.slots[static_cast<std::size_t>(r.ext) & mask_];
    if (sl.ext != r.ext) continue;  // overwritten by a later packet in the same call
    return ByteSpan(bytes_of(s, r.ext), sl.size);
  }
  return std::nullopt;
}

}  // namespace srtcore::fec
