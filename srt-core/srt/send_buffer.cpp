#include "srt/send_buffer.hpp"

#include <algorithm>
#include <cstring>

namespace srtcore::srt {

SendBuffer::SendBuffer(const SendBufferConfig &config, std::uint32_t isn)
    : config_(config),
      store_(std::max<std::size_t>(config.capacity, 1),
             std::max<std::size_t>(config.max_payload, 1)),
      first_(isn & kSeqMask),
      send_(first_),
      end_(first_) {}

std::size_t SendBuffer::phys(std::uint32_t seq) const {
  const std::size_t p = head_ + static_cast<std::size_t>(seq_diff(seq, first_));
  return p >= store_.size() ? p - store_.size() : p;
}

std::size_t SendBuffer::push(ByteSpan message, TimePoint origin, bool in_order) {
  return push_impl(message, origin, in_order, next_msgno_, false);
}

std::size_t SendBuffer::push_numbered(ByteSpan message, TimePoint origin, std::uint32_t msgno,
                                      bool elsewhere) {
  return push_impl(message, origin, false, msgno, elsewhere);
}

void SendBuffer::pass_elsewhere() {
  while (send_ != end_ && store_.meta(phys(send_)).elsewhere) send_ = seq_next(send_);
}

void SendBuffer::rebase(std::uint32_t seq, TimePoint start_time) {
  release_front(size());
  head_ = 0;
  first_ = send_ = end_ = seq & kSeqMask;
  config_.start_time = start_time;
}

void SendBuffer::release_before(std::uint32_t seq) {
  if (!seq_valid(seq) || seq_le(seq, first_)) return;
  if (seq_gt(seq, end_)) seq = end_;
  release_front(static_cast<std::size_t>(seq_diff(seq, first_)));
  if (seq_lt(send_, first_)) send_ = first_;
}

std::optional<SendPacket> SendBuffer::peek(std::uint32_t seq) const {
  if (!seq_valid(seq) || seq_lt(seq, first_) || seq_ge(seq, end_)) return std::nullopt;
  return view(seq, false);
}

std::size_t SendBuffer::push_impl(ByteSpan message, TimePoint origin, bool in_order,
                                  std::uint32_t msgno, bool elsewhere) {
  const std::size_t max = store_.slot_bytes();
  const std::size_t n = (message.size() + max - 1) / max;
  if (n == 0 || n > free()) {
    if (n != 0) ++stats_.rejected_messages;
    return 0;
  }
  next_msgno_ = msgno_next(msgno);
  const std::uint32_t ts = wire_timestamp(config_.start_time, origin);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t p = phys(end_);
    const std::size_t off = i * max;
    const std::size_t len = std::min(max, message.size() - off);
    std::memcpy(store_.claim(p).data(), message.data() + off, len);
    Slot &s = store_.meta(p);
    if (n == 1) {
      s.position = PacketPosition::kSolo;
    } else if (i == 0) {
      s.position = PacketPosition::kFirst;
    } else if (i + 1 == n) {
      s.position = PacketPosition::kLast;
    } else {
      s.position = PacketPosition::kMiddle;
    }
    s.in_order = in_order;
    s.size = static_cast<std::uint16_t>(len);
    s.msgno = msgno;
    s.timestamp = ts;
    s.sends = 0;
    s.origin = origin;
    s.last_sent = TimePoint{};
    s.elsewhere = elsewhere;
    bytes_ += len;
    end_ = seq_next(end_);
  }
  pass_elsewhere();
  return n;
}

SendPacket SendBuffer::view(std::uint32_t seq, bool retransmitted) const {
  const std::size_t p = phys(seq);
  const Slot &s = store_.meta(p);
  SendPacket out;
  out.header.seq = seq;
  out.header.position = s.position;
  out.header.in_order = s.in_order;
  out.header.retransmitted = retransmitted;
  out.header.msgno = s.msgno;
  out.header.timestamp = s.timestamp;
  out.payload = ByteSpan(store_.slot(p).data(), s.size);
  out.origin = s.origin;
  out.sends = s.sends;
  return out;
}

std::optional<SendPacket> SendBuffer::next_unsent(TimePoint now) {
  if (send_ == end_) return std::nullopt;
  Slot &s = store_.meta(phys(send_));
  ++s.sends;
  s.last_sent = now;
  const std::uint32_t seq = send_;
  send_ = seq_next(send_);
  pass_elsewhere();
  return view(seq, false);
}

std::optional<SendPacket> SendBuffer::retransmit(std::uint32_t seq, TimePoint now) {
  if (!seq_valid(seq) || seq_lt(seq, first_) || seq_ge(seq, send_)) return std::nullopt;
  Slot &s = store_.meta(phys(seq));
  ++s.sends;
  s.last_sent = now;
  s.last_retransmit = now;
  return view(seq, true);
}

bool SendBuffer::retransmit_allowed(std::uint32_t seq, TimePoint now, Duration srtt,
                                    Duration rttvar) const {
  if (!seq_valid(seq) || seq_lt(seq, first_) || seq_ge(seq, send_)) return false;
  const Slot &s = store_.meta(phys(seq));
  if (s.sends < 2) return true;
  return s.last_retransmit <= now - (srtt - 4 * rttvar);
}

std::optional<TimePoint> SendBuffer::last_send_time(std::uint32_t seq) const {
  if (!seq_valid(seq) || seq_lt(seq, first_) || seq_ge(seq, send_)) return std::nullopt;
  const Slot &s = store_.meta(phys(seq));
  if (s.sends == 0) return std::nullopt;  // another link carried it
  return s.last_sent;
}

void SendBuffer::release_front(std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    bytes_ -= store_.meta(head_).size;
    store_.release(head_);
    head_ = head_ + 1 == store_.size() ? 0 : head_ + 1;
    first_ = seq_next(first_);
  }
}

std::optional<std::uint32_t> SendBuffer::ack(std::uint32_t ack_seq) {
  if (!seq_valid(ack_seq) || seq_gt(ack_seq, send_)) return std::nullopt;
  if (seq_le(ack_seq, first_)) return 0;
  const auto n = static_cast<std::uint32_t>(seq_diff(ack_seq, first_));
  release_front(n);
  return n;
}

std::optional<DropRequest> SendBuffer::drop_too_late(TimePoint now, Duration threshold) {
  const TimePoint too_late = now - threshold;
  std::size_t n = 0;
  const std::size_t held = size();
  if (held == 0) return std::nullopt;
  // The request names a message only when it is exactly one whole message.
  const PacketPosition head_pos = store_.meta(head_).position;
  bool one_message = head_pos == PacketPosition::kFirst || head_pos == PacketPosition::kSolo;
  const std::uint32_t msgno = store_.meta(head_).msgno;
  std::uint64_t dropped_bytes = 0;
  while (n < held) {
    const Slot &s = store_.meta(phys(seq_add(first_, static_cast<std::int32_t>(n))));
    if (s.origin >= too_late) break;
    one_message = one_message && s.msgno == msgno;
    dropped_bytes += s.size;
    ++n;
  }
  if (n == 0) return std::nullopt;
  DropRequest req;
  req.first = first_;
  req.last = seq_add(first_, static_cast<std::int32_t>(n - 1));
  const bool whole = n == held || store_.meta(phys(seq_next(req.last))).msgno != msgno;
  req.msgno = one_message && whole ? msgno : 0;
  release_front(n);
  if (seq_lt(send_, first_)) send_ = first_;
  stats_.dropped_packets += n;
  stats_.dropped_bytes += dropped_bytes;
  return req;
}

std::optional<Duration> SendBuffer::drop_threshold(Duration peer_latency, Duration snd_drop_delay) {
  if (snd_drop_delay.count() < 0) return std::nullopt;
  return std::max(peer_latency + snd_drop_delay, kMinDropThreshold) + kDropMargin;
}

std::optional<TimePoint> SendBuffer::oldest_origin() const {
  if (size() == 0) return std::nullopt;
  return store_.meta(head_).origin;
}

}  // namespace srtcore::srt
