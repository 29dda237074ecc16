#include "srt/control.hpp"

#include <cstring>

#include "srt/seq.hpp"

namespace srtcore::srt {

namespace {

constexpr std::uint32_t kLossRangeBit = 0x80000000;

// Header plus a single zero word, the way libsrt sends body-less messages.
std::size_t write_padded_empty(ControlType type, std::uint32_t type_specific,
                               std::uint32_t timestamp, std::uint32_t dest_socket,
                               MutableByteSpan out) {
  if (out.size() < kEmptyControlPacketSize) return 0;
  const ControlHeader h{type, 0, type_specific, timestamp, dest_socket};
  if (write_control_header(h, out) == 0) return 0;
  put_u32(out.data() + kHeaderSize, 0);
  return kEmptyControlPacketSize;
}

bool range_valid(const SeqRange &r) {
  return seq_valid(r.first) && seq_valid(r.last) && seq_le(r.first, r.last);
}

}  // namespace

// ---- ACK ----------------------------------------------------------------

Parsed<Ack> parse_ack(const ControlPacketView &pkt) {
  if (pkt.header.type != ControlType::kAck) return WireError::kWrongType;
  const ByteSpan b = pkt.body;
  // libsrt sends whole words only; an unaligned body is not an ACK we know.
  if (b.size() % 4 != 0) return WireError::kBadLength;
  Ack a;
  a.ack_number = pkt.header.type_specific;
  if (b.size() < kLightAckBodySize) return WireError::kTruncated;
  const std::uint8_t *p = b.data();
  a.last_ack_seq = get_u32(p);
  if (!seq_valid(a.last_ack_seq)) return WireError::kBadValue;
  if (b.size() == kLightAckBodySize) {
    a.kind = AckKind::kLight;
    a.has_recv_rate_bytes = false;
    return a;
  }
  if (b.size() < kSmallAckBodySize) return WireError::kBadLength;
  a.rtt_us = get_u32(p + 4);
  a.rtt_var_us = get_u32(p + 8);
  a.avail_buffer = get_u32(p + 12);
  if (b.size() < kFullAckNoByteRateBodySize) {
    a.kind = AckKind::kSmall;
    a.has_recv_rate_bytes = false;
    return a;
  }
  a.kind = AckKind::kFull;
  a.packet_recv_rate = get_u32(p + 16);
  a.link_capacity = get_u32(p + 20);
  // Words past the 7th (libsrt 1.0.2's extra rate) are ignored.
  a.has_recv_rate_bytes = b.size() >= kFullAckBodySize;
  if (a.has_recv_rate_bytes) a.recv_rate_bytes = get_u32(p + 24);
  return a;
}

std::size_t write_ack(const Ack &ack, std::uint32_t timestamp, std::uint32_t dest_socket,
                      MutableByteSpan out) {
  if (!seq_valid(ack.last_ack_seq)) return 0;
  std::size_t body = kFullAckBodySize;
  if (ack.kind == AckKind::kLight) body = kLightAckBodySize;
  if (ack.kind == AckKind::kSmall) body = kSmallAckBodySize;
  if (out.size() < kHeaderSize + body) return 0;
  const ControlHeader h{ControlType::kAck, 0, ack.ack_number, timestamp, dest_socket};
  if (write_control_header(h, out) == 0) return 0;
  std::uint8_t *p = out.data() + kHeaderSize;
  put_u32(p, ack.last_ack_seq);
  if (ack.kind != AckKind::kLight) {
    put_u32(p + 4, ack.rtt_us);
    put_u32(p + 8, ack.rtt_var_us);
    put_u32(p + 12, ack.avail_buffer);
  }
  if (ack.kind == AckKind::kFull) {
    put_u32(p + 16, ack.packet_recv_rate);
    put_u32(p + 20, ack.link_capacity);
    put_u32(p + 24, ack.recv_rate_bytes);
  }
  return kHeaderSize + body;
}

// ---- ACKACK -------------------------------------------------------------

Parsed<std::uint32_t> parse_ackack(const ControlPacketView &pkt) {
  if (pkt.header.type != ControlType::kAckAck) return WireError::kWrongType;
  return pkt.header.type_specific;
}

std::size_t write_ackack(std::uint32_t ack_number, std::uint32_t timestamp,
                         std::uint32_t dest_socket, MutableByteSpan out) {
  return write_padded_empty(ControlType::kAckAck, ack_number, timestamp, dest_socket, out);
}

// ---- NAK ----------------------------------------------------------------

SeqRange LossListView::iterator::operator*() const {
  const std::uint32_t w = get_u32(p_);
  if (w & kLossRangeBit) return SeqRange{w & kSeqMask, get_u32(p_ + 4)};
  return SeqRange{w, w};
}

LossListView::iterator &LossListView::iterator::operator++() {
  p_ += (get_u32(p_) & kLossRangeBit) ? 8 : 4;
  return *this;
}

std::vector<SeqRange> LossListView::to_vector() const {
  std::vector<SeqRange> v;
  for (const SeqRange r : *this) v.push_back(r);
  return v;
}

Parsed<LossListView> parse_loss_list(ByteSpan body) {
  if (body.empty()) return WireError::kTruncated;
  if (body.size() % 4 != 0) return WireError::kBadLength;
  const std::uint8_t *p = body.data();
  const std::size_t n = body.size() / 4;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t w = get_u32(p + 4 * i);
    if (!(w & kLossRangeBit)) continue;
    if (i + 1 >= n) return WireError::kTruncated;  // range start without its end
    const std::uint32_t last = get_u32(p + 4 * (i + 1));
    if (last & kLossRangeBit) return WireError::kBadValue;  // two range starts in a row
    if (!seq_le(w & kSeqMask, last)) return WireError::kBadRange;
    ++i;
  }
  return LossListView(body);
}

Parsed<LossListView> parse_nak(const ControlPacketView &pkt) {
  if (pkt.header.type != ControlType::kNak) return WireError::kWrongType;
  return parse_loss_list(pkt.body);
}

std::size_t loss_list_size(std::span<const SeqRange> ranges) {
  std::size_t n = 0;
  for (const SeqRange &r : ranges) n += r.first == r.last ? 4 : 8;
  return n;
}

LossListWrite write_loss_list(std::span<const SeqRange> ranges, MutableByteSpan out) {
  for (const SeqRange &r : ranges) {
    if (!range_valid(r)) return {};
  }
  LossListWrite res;
  std::uint8_t *p = out.data();
  for (const SeqRange &r : ranges) {
    const std::size_t need = r.first == r.last ? 4 : 8;
    if (out.size() - res.bytes < need) break;
    if (need == 4) {
      put_u32(p + res.bytes, r.first);
    } else {
      put_u32(p + res.bytes, r.first | kLossRangeBit);
      put_u32(p + res.bytes + 4, r.last);
    }
    res.bytes += need;
    ++res.ranges;
  }
  return res;
}

std::size_t write_nak(std::span<const SeqRange> ranges, std::uint32_t timestamp,
                      std::uint32_t dest_socket, MutableByteSpan out, std::size_t *ranges_written) {
  if (ranges_written) *ranges_written = 0;
  if (out.size() < kHeaderSize) return 0;
  const LossListWrite w = write_loss_list(ranges, out.subspan(kHeaderSize));
  if (w.ranges == 0) return 0;  // an empty NAK is meaningless
  const ControlHeader h{ControlType::kNak, 0, 0, timestamp, dest_socket};
  if (write_control_header(h, out) == 0) return 0;
  if (ranges_written) *ranges_written = w.ranges;
  return kHeaderSize + w.bytes;
}

// ---- Drop request -------------------------------------------------------

Parsed<DropRequest> parse_drop_request(const ControlPacketView &pkt) {
  if (pkt.header.type != ControlType::kDropRequest) return WireError::kWrongType;
  if (pkt.body.size() < 8) return WireError::kTruncated;
  DropRequest d;
  // Upper bits of the word may carry PP/O/KK/R flags; only the number counts.
  d.msgno = pkt.header.type_specific & kMsgNoMask;
  d.first = get_u32(pkt.body.data());
  d.last = get_u32(pkt.body.data() + 4);
  if (!seq_valid(d.first) || !seq_valid(d.last)) return WireError::kBadValue;
  if (!seq_le(d.first, d.last)) return WireError::kBadRange;
  return d;
}

std::size_t write_drop_request(const DropRequest &d, std::uint32_t timestamp,
                               std::uint32_t dest_socket, MutableByteSpan out) {
  if (!msgno_valid(d.msgno) || !range_valid(SeqRange{d.first, d.last})) return 0;
  if (out.size() < kHeaderSize + 8) return 0;
  const ControlHeader h{ControlType::kDropRequest, 0, d.msgno, timestamp, dest_socket};
  if (write_control_header(h, out) == 0) return 0;
  put_u32(out.data() + kHeaderSize, d.first);
  put_u32(out.data() + kHeaderSize + 4, d.last);
  return kHeaderSize + 8;
}

// ---- Peer error ---------------------------------------------------------

Parsed<std::uint32_t> parse_peer_error(const ControlPacketView &pkt) {
  if (pkt.header.type != ControlType::kPeerError) return WireError::kWrongType;
  return pkt.header.type_specific;
}

std::size_t write_peer_error(std::uint32_t code, std::uint32_t timestamp, std::uint32_t dest_socket,
                             MutableByteSpan out) {
  return write_padded_empty(ControlType::kPeerError, code, timestamp, dest_socket, out);
}

// ---- Body-less ----------------------------------------------------------

std::size_t write_keepalive(std::uint32_t timestamp, std::uint32_t dest_socket,
                            MutableByteSpan out) {
  return write_padded_empty(ControlType::kKeepalive, 0, timestamp, dest_socket, out);
}

std::size_t write_shutdown(std::uint32_t timestamp, std::uint32_t dest_socket,
                           MutableByteSpan out) {
  return write_padded_empty(ControlType::kShutdown, 0, timestamp, dest_socket, out);
}

std::size_t write_congestion_warning(std::uint32_t timestamp, std::uint32_t dest_socket,
                                     MutableByteSpan out) {
  return write_padded_empty(ControlType::kCongestionWarning, 0, timestamp, dest_socket, out);
}

// ---- KMREQ / KMRSP --------------------------------------------------------

Parsed<KmMessage> parse_km_message(const ControlPacketView &pkt) {
  if (pkt.header.type != ControlType::kUserDefined) return WireError::kWrongType;
  const auto sub = static_cast<UserSubtype>(pkt.header.subtype);
  if (sub != UserSubtype::kKmReq && sub != UserSubtype::kKmRsp) return WireError::kWrongType;
  if (pkt.body.empty()) return WireError::kTruncated;
  if (pkt.body.size() % 4 != 0) return WireError::kBadLength;
  return KmMessage{sub, pkt.body};
}

std::size_t write_km_message(UserSubtype subtype, ByteSpan km, std::uint32_t timestamp,
                             std::uint32_t dest_socket, MutableByteSpan out) {
  if (subtype != UserSubtype::kKmReq && subtype != UserSubtype::kKmRsp) return 0;
  if (km.empty() || km.size() % 4 != 0) return 0;
  const ControlHeader h{ControlType::kUserDefined, static_cast<std::uint16_t>(subtype), 0,
                        timestamp, dest_socket};
  // KM bytes go out untouched: libsrt pre-swaps them to cancel its word swap.
  return write_control_packet(h, km, out);
}

std::optional<KmState> km_error_state(ByteSpan kmrsp) {
  if (kmrsp.size() != kKmErrorSize) return std::nullopt;
  return static_cast<KmState>(get_u32_le(kmrsp.data()));
}

std::size_t write_km_error(KmState state, MutableByteSpan out) {
  if (out.size() < kKmErrorSize) return 0;
  put_u32_le(out.data(), static_cast<std::uint32_t>(state));
  return kKmErrorSize;
}

}  // namespace srtcore::srt
