// Where payloaders write RTP payloads: the caller owns the memory (a pooled
// GstBuffer in the plugin, a vector in tests), so payload bytes are written once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace srtcore::rtp {

class PacketSink {
 public:
  virtual ~PacketSink() = default;
  // Writable memory for exactly `payload_size` payload bytes of the next packet.
  virtual std::span<std::uint8_t> begin_packet(std::size_t payload_size) = 0;
  // The payload is written; `marker` is the RTP marker bit for this packet.
  virtual void end_packet(bool marker) = 0;
};

}  // namespace srtcore::rtp
