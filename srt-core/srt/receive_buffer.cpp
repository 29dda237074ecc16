#include "srt/receive_buffer.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace srtcore::srt {

namespace {

constexpr std::size_t kWordBits = 64;

bool is_fragment_tail(PacketPosition p) {
  return p == PacketPosition::kMiddle || p == PacketPosition::kLast;
}

}  // namespace

ReceiveBuffer::ReceiveBuffer(const ReceiveBufferConfig &config, std::uint32_t isn)
    : config_(config),
      tsbpd_(config.latency, config.drift_tracer),
      store_(std::max<std::size_t>(config.capacity, 1), config.max_payload),
      used_bits_((store_.size() + kWordBits - 1) / kWordBits),
      packet_bits_(used_bits_.size()),
      start_(isn & kSeqMask),
      ack_(start_),
      end_(start_) {}

std::size_t ReceiveBuffer::phys(std::size_t offset) const {
  const std::size_t p = head_ + offset;
  return p >= store_.size() ? p - store_.size() : p;
}

std::size_t ReceiveBuffer::window() const {
  return static_cast<std::size_t>(seq_diff(end_, start_));
}

std::size_t ReceiveBuffer::available() const {
  return store_.size() - window();
}

bool ReceiveBuffer::bit(const std::vector<std::uint64_t> &bits, std::size_t p) {
  return (bits[p / kWordBits] >> (p % kWordBits)) & 1U;
}

void ReceiveBuffer::set_bit(std::vector<std::uint64_t> &bits, std::size_t p, bool on) {
  const std::uint64_t m = std::uint64_t{1} << (p % kWordBits);
  if (on) {
    bits[p / kWordBits] |= m;
  } else {
    bits[p / kWordBits] &= ~m;
  }
}

// First offset in [from, to) whose bit equals `set`, or `to`. Walks the ring
// a word at a time, so a hostile sequence far ahead costs capacity/64 steps.
std::size_t ReceiveBuffer::find_next(const std::vector<std::uint64_t> &bits, std::size_t from,
                                     std::size_t to, bool set) const {
  std::size_t off = from;
  while (off < to) {
    const std::size_t p = phys(off);
    const std::size_t bit = p % kWordBits;
    const std::size_t chunk = std::min({kWordBits - bit, to - off, store_.size() - p});
    std::uint64_t w = bits[p / kWordBits] >> bit;
    if (!set) w = ~w;
    if (chunk < kWordBits) w &= (std::uint64_t{1} << chunk) - 1;
    if (w != 0) return off + static_cast<std::size_t>(std::countr_zero(w));
    off += chunk;
  }
  return to;
}

void ReceiveBuffer::advance_ack() {
  if (seq_lt(ack_, start_)) ack_ = start_;
  const auto from = static_cast<std::size_t>(seq_diff(ack_, start_));
  const std::size_t first_hole = find_next(used_bits_, from, window(), false);
  ack_ = seq_add(start_, static_cast<std::int32_t>(first_hole));
}

InsertResult ReceiveBuffer::insert(TimePoint now, const DataHeader &header, ByteSpan payload) {
  InsertResult r;
  ++stats_.received;
  stats_.received_bytes += payload.size();
  if (header.retransmitted) ++stats_.retransmitted;
  if (payload.size() > config_.max_payload) {
    ++stats_.oversized;
    r.status = InsertStatus::kOversized;
    return r;
  }
  const std::int32_t d = seq_diff(header.seq & kSeqMask, start_);
  if (d < 0) {
    ++stats_.belated;
    r.status = InsertStatus::kBelated;
    return r;
  }
  if (static_cast<std::size_t>(d) >= store_.size()) {
    ++stats_.out_of_window;
    r.status = InsertStatus::kOutOfWindow;
    return r;
  }
  const std::size_t p = phys(static_cast<std::size_t>(d));
  if (bit(used_bits_, p)) {
    if (bit(packet_bits_, p)) {
      ++stats_.duplicates;
      r.status = InsertStatus::kDuplicate;
    } else {
      ++stats_.belated;  // given up already
      r.status = InsertStatus::kBelated;
    }
    return r;
  }

  const auto dst = store_.claim(p);
  if (!payload.empty()) std::memcpy(dst.data(), payload.data(), payload.size());
  Slot &s = store_.meta(p);
  s.position = header.position;
  s.size = static_cast<std::uint16_t>(payload.size());
  s.msgno = header.msgno;
  s.timestamp = header.timestamp;
  tsbpd_.advance(now);
  s.ts = tsbpd_.unwrap(header.timestamp);
  set_bit(used_bits_, p, true);
  set_bit(packet_bits_, p, true);

  const std::uint32_t seq = header.seq & kSeqMask;
  if (seq_ge(seq, end_)) {
    if (seq != end_) r.gap = SeqRange{end_, seq_prev(seq)};
    end_ = seq_next(seq);
  }
  if (seq == ack_) advance_ack();
  normalize_head(now);
  return r;
}

ReceiveBuffer::DropResult ReceiveBuffer::drop_range(TimePoint now, std::uint32_t first,
                                                    std::uint32_t last) {
  DropResult res;
  if (!seq_valid(first) || !seq_valid(last) || seq_gt(first, last)) return res;
  if (seq_lt(last, start_)) return res;
  if (seq_lt(first, start_)) first = start_;
  const std::uint32_t max_last = seq_add(start_, static_cast<std::int32_t>(store_.size() - 1));
  if (seq_gt(last, max_last)) last = max_last;
  if (seq_gt(first, end_)) res.gap = SeqRange{end_, seq_prev(first)};

  // Packets we already hold stay: they are still worth delivering.
  const auto from = static_cast<std::size_t>(seq_diff(first, start_));
  const auto to = static_cast<std::size_t>(seq_diff(last, start_)) + 1;
  for (std::size_t off = from; off < to; ++off) {
    const std::size_t p = phys(off);
    if (bit(used_bits_, p)) continue;
    set_bit(used_bits_, p, true);  // given up
    ++res.marked;
  }
  if (seq_ge(last, end_)) end_ = seq_next(last);
  advance_ack();
  normalize_head(now);
  return res;
}

void ReceiveBuffer::skip(TimePoint now, std::size_t n) {
  for (std::size_t off = 0; off < n; ++off) {
    const std::size_t p = phys(off);
    if (bit(packet_bits_, p)) {
      stats_.dropped_bytes += store_.meta(p).size;
      store_.release(p);
    }
    set_bit(used_bits_, p, false);
    set_bit(packet_bits_, p, false);
  }
  const std::uint32_t last = seq_add(start_, static_cast<std::int32_t>(n - 1));
  const auto count = static_cast<std::uint32_t>(n);
  if (pending_drop_) {
    pending_drop_->last_seq = last;
    pending_drop_->packets += count;
  } else {
    Delivery d;
    d.kind = Delivery::Kind::kDrop;
    d.first_seq = start_;
    d.last_seq = last;
    d.packets = count;
    pending_drop_ = d;
    pending_since_ = now;
  }
  stats_.dropped_packets += n;
  head_ = phys(n);
  start_ = seq_next(last);
  advance_ack();
}

// Given-up sequences and tails of messages whose start is gone can never be
// delivered: move them out of the way at once.
void ReceiveBuffer::normalize_head(TimePoint now) {
  const std::size_t w = window();
  std::size_t n = 0;
  while (n < w) {
    const std::size_t p = phys(n);
    if (!bit(used_bits_, p)) break;
    const bool dead = !bit(packet_bits_, p) || is_fragment_tail(store_.meta(p).position);
    if (!dead) break;
    ++n;
  }
  if (n > 0) skip(now, n);
}

ReceiveBuffer::Scan ReceiveBuffer::scan_head() const {
  const std::size_t w = window();
  if (w == 0) return {};
  std::size_t hole = 0;
  if (bit(packet_bits_, head_)) {
    if (store_.meta(head_).position == PacketPosition::kSolo) return {Scan::What::kMessage, 1};
    std::size_t k = 1;  // head is a kFirst: look for its kLast
    for (; k < w; ++k) {
      const std::size_t p = phys(k);
      if (!bit(used_bits_, p)) break;
      if (!bit(packet_bits_, p)) return {Scan::What::kDropNow, k};  // given up
      const Slot &s = store_.meta(p);
      if (s.position == PacketPosition::kMiddle) continue;
      if (s.position == PacketPosition::kLast) return {Scan::What::kMessage, k + 1};
      return {Scan::What::kDropNow, k};  // a new message before this one ended
    }
    if (k == w) return {};  // the rest has not arrived yet
    hole = k;
  }
  const std::size_t q = find_next(packet_bits_, hole + 1, w, true);
  if (q >= w) return {};
  return {Scan::What::kDropWhenDue, q};
}

std::optional<TimePoint> ReceiveBuffer::due_time(const Scan &scan) const {
  switch (scan.what) {
    case Scan::What::kNothing:
      return std::nullopt;
    case Scan::What::kDropNow:
      return TimePoint::min();
    case Scan::What::kMessage:
      return tsbpd_.enabled() ? tsbpd_.play_time(store_.meta(head_).ts) : TimePoint::min();
    case Scan::What::kDropWhenDue:
      if (!config_.tlpktdrop || !tsbpd_.enabled()) return std::nullopt;
      return tsbpd_.play_time(store_.meta(phys(scan.count)).ts);
  }
  return std::nullopt;
}

std::optional<Delivery> ReceiveBuffer::poll(TimePoint now, MutableByteSpan out) {
  for (;;) {
    const Scan scan = scan_head();
    const auto due = due_time(scan);
    if (!due || *due > now) break;
    if (scan.what == Scan::What::kMessage) {
      if (pending_drop_) break;  // report what was given up first, in order
      return deliver(now, scan.count, out);
    }
    skip(now, scan.count);
    normalize_head(now);
  }
  if (pending_drop_) {
    const Delivery d = *pending_drop_;
    pending_drop_.reset();
    return d;
  }
  return std::nullopt;
}

std::optional<TimePoint> ReceiveBuffer::next_delivery_time() const {
  if (pending_drop_) return pending_since_;
  return due_time(scan_head());
}

Delivery ReceiveBuffer::deliver(TimePoint now, std::size_t n, MutableByteSpan out) {
  const Slot &h = store_.meta(head_);
  Delivery d;
  d.kind = Delivery::Kind::kMessage;
  d.first_seq = start_;
  d.last_seq = seq_add(start_, static_cast<std::int32_t>(n - 1));
  d.packets = static_cast<std::uint32_t>(n);
  d.msgno = h.msgno;
  d.timestamp = h.timestamp;
  d.play_time = tsbpd_.enabled() ? tsbpd_.play_time(h.ts) : now;
  for (std::size_t off = 0; off < n; ++off) {
    const std::size_t p = phys(off);
    const Slot &s = store_.meta(p);
    const std::size_t room = out.size() > d.size ? out.size() - d.size : 0;
    const std::size_t copy = std::min<std::size_t>(room, s.size);
    if (copy > 0) std::memcpy(out.data() + d.size, store_.slot(p).data(), copy);
    if (copy < s.size) d.truncated = true;
    d.size += s.size;
    store_.release(p);
    set_bit(used_bits_, p, false);
    set_bit(packet_bits_, p, false);
  }
  ++stats_.delivered_messages;
  stats_.delivered_packets += n;
  stats_.delivered_bytes += d.size;
  head_ = phys(n);
  start_ = seq_next(d.last_seq);
  advance_ack();
  normalize_head(now);
  return d;
}

}  // namespace srtcore::srt
