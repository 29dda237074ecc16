// RFC 7798 packetization (single RTP stream, no DONL): single NAL unit
// packets, aggregation packets (AP, type 48) and fragmentation units (FU,
// type 49).
#pragma once

#include <cstddef>
#include <vector>

#include "rtp/bytes.hpp"
#include "rtp/packet_sink.hpp"

namespace srtcore::rtp::h265 {

// Same meaning as rtph265pay's aggregate-mode.
enum class AggregateMode {
  kNone,         // never aggregate
  kZeroLatency,  // aggregate units until a VCL or suffix unit is included
  kMax,          // aggregate all units of an access unit that fit in one packet
};

class Packetizer {
 public:
  Packetizer(std::size_t max_payload, AggregateMode mode);
  void configure(std::size_t max_payload, AggregateMode mode);
  std::size_t max_payload() const { return max_payload_; }

  // One NAL unit (two-byte header first, no start code; at least 2 bytes).
  // `au_end`: last unit of the access unit, so its last packet carries the
  // marker bit. With aggregation, units may be held (copied) until a later
  // push or flush().
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
  };
  void emit_single(ByteSpan nal, bool marker, PacketSink &sink);
  void emit_fu(ByteSpan nal, bool marker, PacketSink &sink);
  void emit_held(bool marker, PacketSink &sink);
  std::size_t ap_size_with(std::size_t nal_size) const;

  std::size_t max_payload_;
  AggregateMode mode_;
  std::vector<std::uint8_t> held_bytes_;  // copies of held units, capacity reused
  std::vector<Held> held_;
};

}  // namespace srtcore::rtp::h265
