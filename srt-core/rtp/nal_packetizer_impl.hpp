// Template bodies for nal_packetizer.hpp, included by the one file per codec
// that instantiates them (h264_packetizer.cpp, h265_packetizer.cpp).
#pragma once

#include <algorithm>
#include <cstring>

#include "rtp/nal_packetizer.hpp"

namespace srtcore::rtp::nal {
namespace detail {
constexpr std::size_t kLengthField = 2;  // 16-bit unit size in an aggregation packet
constexpr std::uint8_t kFuStart = 0x80;
constexpr std::uint8_t kFuEnd = 0x40;
}  // namespace detail

// An FU needs its payload header, FU header and at least one byte of the unit.
template <typename Traits>
constexpr std::size_t kFuHeaderSize = Traits::kHeaderSize + 1;

template <typename Traits>
Packetizer<Traits>::Packetizer(std::size_t max_payload, AggregateMode mode) {
  configure(max_payload, mode);
}

template <typename Traits>
void Packetizer<Traits>::configure(std::size_t max_payload, AggregateMode mode) {
  max_payload_ = std::max(max_payload, kFuHeaderSize<Traits> + 1);
  mode_ = mode;
}

template <typename Traits>
void Packetizer<Traits>::reset() {
  held_.clear();
  held_bytes_.clear();
}

template <typename Traits>
std::size_t Packetizer<Traits>::aggregate_size_with(std::size_t nal_size) const {
  return Traits::kHeaderSize + detail::kLengthField * (held_.size() + 1) + held_bytes_.size() +
         nal_size;
}

template <typename Traits>
void Packetizer<Traits>::push(ByteSpan nal, bool au_end, PacketSink &sink) {
  if (nal.size() < Traits::kHeaderSize) {
    if (au_end) flush(true, sink);
    return;
  }
  if (mode_ == AggregateMode::kNone) {
    send_alone(nal, au_end, sink);
    return;
  }
  if (!held_.empty() && aggregate_size_with(nal.size()) > max_payload_) emit_held(false, sink);
  if (Traits::kHeaderSize + detail::kLengthField + nal.size() > max_payload_ ||
      nal.size() > 0xffff) {
    // Too big to share a packet with anything (or for a 16-bit length). What
    // is held goes first, so that the order of units is kept.
    if (!held_.empty()) emit_held(false, sink);
    send_alone(nal, au_end, sink);
    return;
  }
  held_.push_back(Held{held_bytes_.size(), nal.size()});
  held_bytes_.insert(held_bytes_.end(), nal.begin(), nal.end());
  if (au_end)
    emit_held(true, sink);
  else if (mode_ == AggregateMode::kZeroLatency &&
           Traits::closes_zero_latency_bundle(Traits::type(nal.data())))
    emit_held(false, sink);  // zero-latency: never hold a picture back
}

template <typename Traits>
void Packetizer<Traits>::flush(bool marker, PacketSink &sink) {
  if (!held_.empty()) emit_held(marker, sink);
}

template <typename Traits>
void Packetizer<Traits>::send_alone(ByteSpan nal, bool marker, PacketSink &sink) {
  if (nal.size() <= max_payload_)
    emit_single(nal, marker, sink);
  else
    emit_fu(nal, marker, sink);
}

template <typename Traits>
void Packetizer<Traits>::emit_single(ByteSpan nal, bool marker, PacketSink &sink) {
  std::span<std::uint8_t> out = sink.begin_packet(nal.size());
  std::memcpy(out.data(), nal.data(), nal.size());
  sink.end_packet(marker);
}

template <typename Traits>
void Packetizer<Traits>::emit_fu(ByteSpan nal, bool marker, PacketSink &sink) {
  // Payload header: the unit's header with the FU type. FU header: S, E, type.
  constexpr std::size_t kHdr = kFuHeaderSize<Traits>;
  std::uint8_t payload_hdr[Traits::kHeaderSize];
  Traits::with_type(nal.data(), Traits::kFuType, payload_hdr);
  const std::uint8_t type = Traits::type(nal.data());
  const std::size_t chunk = max_payload_ - kHdr;
  ByteSpan rest = nal.subspan(Traits::kHeaderSize);  // the unit header travels in the FU bytes
  bool first = true;
  while (!rest.empty()) {
    const std::size_t n = std::min(chunk, rest.size());
    const bool last = n == rest.size();
    std::span<std::uint8_t> out = sink.begin_packet(n + kHdr);
    std::memcpy(out.data(), payload_hdr, Traits::kHeaderSize);
    out[Traits::kHeaderSize] = static_cast<std::uint8_t>((first ? detail::kFuStart : 0) |
                                                         (last ? detail::kFuEnd : 0) | type);
    std::memcpy(out.data() + kHdr, rest.data(), n);
    sink.end_packet(marker && last);
    rest = rest.subspan(n);
    first = false;
  }
}

template <typename Traits>
void Packetizer<Traits>::emit_held(bool marker, PacketSink &sink) {
  // Held units were sized for the max_payload of their time; it may have
  // shrunk since (a later input's CSRCs or extensions, a new mtu), so they go
  // in as many packets as the current one needs.
  std::size_t first = 0;
  std::size_t size = Traits::kHeaderSize;
  for (std::size_t i = 0; i < held_.size(); ++i) {
    const std::size_t add = detail::kLengthField + held_[i].size;
    if (i > first && size + add > max_payload_) {
      emit_group(first, i, false, sink);
      first = i;
      size = Traits::kHeaderSize;
    }
    size += add;
  }
  emit_group(first, held_.size(), marker, sink);
  reset();
}

template <typename Traits>
void Packetizer<Traits>::emit_group(std::size_t first, std::size_t end, bool marker,
                                    PacketSink &sink) {
  if (end - first == 1) {
    // An aggregate of one unit only costs bytes (and RFC 7798 4.4.2 forbids it).
    send_alone(ByteSpan(held_bytes_).subspan(held_[first].offset, held_[first].size), marker, sink);
    return;
  }
  std::size_t size = Traits::kHeaderSize;
  typename Traits::AggregateHeader header;
  for (std::size_t i = first; i < end; ++i) {
    size += detail::kLengthField + held_[i].size;
    header.add(held_bytes_.data() + held_[i].offset);
  }
  std::span<std::uint8_t> out = sink.begin_packet(size);
  std::uint8_t *p = out.data();
  header.write(p);
  p += Traits::kHeaderSize;
  for (std::size_t i = first; i < end; ++i) {
    const Held &h = held_[i];
    store_be16(p, static_cast<std::uint16_t>(h.size));
    std::memcpy(p + detail::kLengthField, held_bytes_.data() + h.offset, h.size);
    p += detail::kLengthField + h.size;
  }
  sink.end_packet(marker);
}

}  // namespace srtcore::rtp::nal
