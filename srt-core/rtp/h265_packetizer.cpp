#include "rtp/h265_packetizer.hpp"

#include <algorithm>
#include <cstring>

#include "rtp/h265_nal.hpp"

namespace srtcore::rtp::h265 {
namespace {
// An FU needs its payload header, FU header and at least one byte of the unit.
constexpr std::size_t kFuHeader = 3;
constexpr std::size_t kMinPayload = kFuHeader + 1;
constexpr std::size_t kApHeader = 2;
constexpr std::size_t kApLength = 2;

// Units after which zero-latency sends what it holds: VCL units and the
// units that follow them in an access unit (suffix SEI, EOS, EOB, reserved
// and unspecified suffix types), as rtph265pay does.
bool ends_zero_latency_bundle(std::uint8_t type) {
  return is_vcl(type) || type == kEos || type == kEob || type == kSuffixSei ||
         (type >= 45 && type <= 47) || type >= 56;
}
}  // namespace

Packetizer::Packetizer(std::size_t max_payload, AggregateMode mode)
    : max_payload_(std::max(max_payload, kMinPayload)), mode_(mode) {}

void Packetizer::configure(std::size_t max_payload, AggregateMode mode) {
  max_payload_ = std::max(max_payload, kMinPayload);
  mode_ = mode;
}

void Packetizer::reset() {
  held_.clear();
  held_bytes_.clear();
}

std::size_t Packetizer::ap_size_with(std::size_t nal_size) const {
  return kApHeader + kApLength * (held_.size() + 1) + held_bytes_.size() + nal_size;
}

void Packetizer::push(ByteSpan nal, bool au_end, PacketSink &sink) {
  if (nal.size() < kNalHeaderSize) {
    if (au_end) flush(true, sink);
    return;
  }
  auto send_alone = [&] {
    if (nal.size() <= max_payload_)
      emit_single(nal, au_end, sink);
    else
      emit_fu(nal, au_end, sink);
  };
  if (mode_ == AggregateMode::kNone) {
    send_alone();
    return;
  }
  if (!held_.empty() && ap_size_with(nal.size()) > max_payload_) emit_held(false, sink);
  if (kApHeader + kApLength + nal.size() > max_payload_ || nal.size() > 0xffff) {
    // Too big to share a packet with anything (or for a 16-bit AP length).
    // What is held goes first, so that the order of units is kept.
    if (!held_.empty()) emit_held(false, sink);
    send_alone();
    return;
  }
  held_.push_back(Held{held_bytes_.size(), nal.size()});
  held_bytes_.insert(held_bytes_.end(), nal.begin(), nal.end());
  if (au_end)
    emit_held(true, sink);
  else if (mode_ == AggregateMode::kZeroLatency && ends_zero_latency_bundle(nal_type(nal[0])))
    emit_held(false, sink);  // zero-latency: never hold a picture back
}

void Packetizer::flush(bool marker, PacketSink &sink) {
  if (!held_.empty()) emit_held(marker, sink);
}

void Packetizer::emit_single(ByteSpan nal, bool marker, PacketSink &sink) {
  std::span<std::uint8_t> out = sink.begin_packet(nal.size());
  std::memcpy(out.data(), nal.data(), nal.size());
  sink.end_packet(marker);
}

void Packetizer::emit_fu(ByteSpan nal, bool marker, PacketSink &sink) {
  // PayloadHdr: F, LayerId and TID of the unit, Type 49. FU header: S, E, FuType.
  const std::uint8_t hdr0 = static_cast<std::uint8_t>((nal[0] & 0x81) | (kFu << 1));
  const std::uint8_t hdr1 = nal[1];
  const std::uint8_t type = nal_type(nal[0]);
  const std::size_t chunk = max_payload_ - kFuHeader;
  ByteSpan rest = nal.subspan(kNalHeaderSize);  // the unit header travels in the FU bytes
  bool first = true;
  while (!rest.empty()) {
    const std::size_t n = std::min(chunk, rest.size());
    const bool last = n == rest.size();
    std::span<std::uint8_t> out = sink.begin_packet(n + kFuHeader);
    out[0] = hdr0;
    out[1] = hdr1;
    out[2] = static_cast<std::uint8_t>((first ? 0x80 : 0) | (last ? 0x40 : 0) | type);
    std::memcpy(out.data() + kFuHeader, rest.data(), n);
    sink.end_packet(marker && last);
    rest = rest.subspan(n);
    first = false;
  }
}

void Packetizer::emit_held(bool marker, PacketSink &sink) {
  if (held_.size() == 1) {
    // An AP of one unit is not allowed (RFC 7798 4.4.2) and only costs bytes.
    emit_single(ByteSpan(held_bytes_).subspan(held_[0].offset, held_[0].size), marker, sink);
  } else {
    // RFC 7798 4.4.2: F is the OR of the units' F bits; LayerId and TID are
    // the lowest of the units'.
    std::size_t size = kApHeader;
    std::uint8_t f = 0, layer = 0x3f, t = 0x07;
    for (const Held &h : held_) {
      size += kApLength + h.size;
      const std::uint8_t *hdr = held_bytes_.data() + h.offset;
      f |= hdr[0] & 0x80;
      layer = std::min(layer, layer_id(hdr[0], hdr[1]));
      t = std::min(t, tid(hdr[1]));
    }
    std::span<std::uint8_t> out = sink.begin_packet(size);
    std::uint8_t *p = out.data();
    *p++ = static_cast<std::uint8_t>(f | (kAp << 1) | (layer >> 5));
    *p++ = static_cast<std::uint8_t>(((layer & 0x1f) << 3) | t);
    for (const Held &h : held_) {
      store_be16(p, static_cast<std::uint16_t>(h.size));
      std::memcpy(p + kApLength, held_bytes_.data() + h.offset, h.size);
      p += kApLength + h.size;
    }
    sink.end_packet(marker);
  }
  reset();
}

}  // namespace srtcore::rtp::h265
