#include "rtp/h264_packetizer.hpp"

#include <algorithm>
#include <cstring>

#include "rtp/h264_nal.hpp"

namespace srtcore::rtp::h264 {
namespace {
// An FU-A needs its two header bytes plus at least one byte of the unit.
constexpr std::size_t kMinPayload = 3;
constexpr std::size_t kStapHeader = 1;
constexpr std::size_t kStapLength = 2;
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

std::size_t Packetizer::stap_size_with(std::size_t nal_size) const {
  return kStapHeader + kStapLength * (held_.size() + 1) + held_bytes_.size() + nal_size;
}

void Packetizer::push(ByteSpan nal, bool au_end, PacketSink &sink) {
  if (nal.empty()) {
    if (au_end) flush(true, sink);
    return;
  }
  if (mode_ == AggregateMode::kNone) {
    if (nal.size() <= max_payload_)
      emit_single(nal, au_end, sink);
    else
      emit_fu_a(nal, au_end, sink);
    return;
  }

  if (!held_.empty() && stap_size_with(nal.size()) > max_payload_) emit_held(false, sink);
  if (kStapHeader + kStapLength + nal.size() > max_payload_ || nal.size() > 0xffff) {
    // Too big to share a packet with anything (or for a 16-bit STAP length).
    if (nal.size() <= max_payload_)
      emit_single(nal, au_end, sink);
    else
      emit_fu_a(nal, au_end, sink);
    return;
  }
  held_.push_back(Held{held_bytes_.size(), nal.size(), is_vcl(nal_type(nal[0]))});
  held_bytes_.insert(held_bytes_.end(), nal.begin(), nal.end());
  if (au_end)
    emit_held(true, sink);
  else if (mode_ == AggregateMode::kZeroLatency && held_.back().vcl)
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

void Packetizer::emit_fu_a(ByteSpan nal, bool marker, PacketSink &sink) {
  const std::uint8_t indicator = static_cast<std::uint8_t>((nal[0] & 0xe0) | kFuA);
  const std::uint8_t type = nal_type(nal[0]);
  const std::size_t chunk = max_payload_ - 2;
  ByteSpan rest = nal.subspan(1);  // the unit header travels in the FU bytes
  bool first = true;
  while (!rest.empty()) {
    const std::size_t n = std::min(chunk, rest.size());
    const bool last = n == rest.size();
    std::span<std::uint8_t> out = sink.begin_packet(n + 2);
    out[0] = indicator;
    out[1] = static_cast<std::uint8_t>((first ? 0x80 : 0) | (last ? 0x40 : 0) | type);
    std::memcpy(out.data() + 2, rest.data(), n);
    sink.end_packet(marker && last);
    rest = rest.subspan(n);
    first = false;
  }
}

void Packetizer::emit_held(bool marker, PacketSink &sink) {
  if (held_.size() == 1) {
    // A STAP of one unit only costs bytes: send the unit as it is.
    emit_single(ByteSpan(held_bytes_).subspan(held_[0].offset, held_[0].size), marker, sink);
  } else {
    std::size_t size = kStapHeader;
    std::uint8_t f = 0, nri = 0;
    for (const Held &h : held_) {
      size += kStapLength + h.size;
      const std::uint8_t hdr = held_bytes_[h.offset];
      f |= hdr & 0x80;
      nri = std::max<std::uint8_t>(nri, hdr & 0x60);
    }
    std::span<std::uint8_t> out = sink.begin_packet(size);
    std::uint8_t *p = out.data();
    *p++ = static_cast<std::uint8_t>(f | nri | kStapA);
    for (const Held &h : held_) {
      store_be16(p, static_cast<std::uint16_t>(h.size));
      std::memcpy(p + 2, held_bytes_.data() + h.offset, h.size);
      p += kStapLength + h.size;
    }
    sink.end_packet(marker);
  }
  reset();
}

}  // namespace srtcore::rtp::h264
