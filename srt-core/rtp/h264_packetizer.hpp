// RFC 6184 packetization mode 1: single NAL unit packets, STAP-A aggregation
// and FU-A fragmentation of NAL units into RTP payloads.
#pragma once

#include <cstddef>
#include <vector>

#include "rtp/bytes.hpp"
#include "rtp/packet_sink.hpp"

namespace srtcore::rtp::h264 {

// Same meaning as rtph264pay's aggregate-mode.
enum class AggregateMode {
  kNone,         // never aggregate
  kZeroLatency,  // aggregate non-VCL units with the VCL unit that follows them
  kMaxStap,      // aggregate all units of an access unit that fit in one packet
};

class Packetizer {
 public:
  Packetizer(std::size_t max_payload, AggregateMode mode);
  void configure(std::size_t max_payload, AggregateMode mode);
  std::size_t max_payload() const { return max_payload_; }

  // One NAL unit (header byte first, no start code). `au_end`: last unit of the
  // access unit, so its last packet carries the marker bit. With aggregation,
  // units may be held (copied) until a later push or flush().
  void push(ByteSpan nal, bool au_end, PacketSink &sink);
  // Sends whatever is held; `marker` goes on the last packet sent.
  void flush(bool marker, PacketSink &sink);
  // Drops held units (flush-stop, caps change).
  void reset();
  bool has_pending() const { return !held_.empty(); }

 private:
  struct Held {
    std::size_t offset;
    std::size_t size;
    bool vcl;
  };
  void emit_single(ByteSpan nal, bool marker, PacketSink &sink);
  void emit_fu_a(ByteSpan nal, bool marker, PacketSink &sink);
  void emit_held(bool marker, PacketSink &sink);
  std::size_t stap_size_with(std::size_t nal_size) const;

  std::size_t max_payload_;
  AggregateMode mode_;
  std::vector<std::uint8_t> held_bytes_;  // copies of held units, capacity reused
  std::vector<Held> held_;
};

}  // namespace srtcore::rtp::h264
