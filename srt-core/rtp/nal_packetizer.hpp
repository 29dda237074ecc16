// Packetization shared by the NAL-unit payload formats (RFC 6184 mode 1,
// RFC 7798 without DONL): single NAL unit packets, aggregation packets
// (STAP-A, AP) and fragmentation units (FU-A, FU). What differs per codec
// comes from a traits type (h264_traits.hpp, h265_traits.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "rtp/bytes.hpp"
#include "rtp/packet_sink.hpp"

namespace srtcore::rtp::nal {

// Same meaning as rtph264pay's and rtph265pay's aggregate-mode.
enum class AggregateMode {
  kNone,         // never aggregate
  kZeroLatency,  // aggregate units until a picture (and what closes it) is included
  kMax,          // aggregate all units of an access unit that fit in one packet
  kMaxStap = kMax,
};

template <typename Traits>
class Packetizer {
 public:
  Packetizer(std::size_t max_payload, AggregateMode mode);
  void configure(std::size_t max_payload, AggregateMode mode);
  std::size_t max_payload() const { return max_payload_; }

  // One NAL unit (header first, no start code). `au_end`: last unit of the
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
  };
  void send_alone(ByteSpan nal, bool marker, PacketSink &sink);
  void emit_single(ByteSpan nal, bool marker, PacketSink &sink);
  void emit_fu(ByteSpan nal, bool marker, PacketSink &sink);
  void emit_held(bool marker, PacketSink &sink);
  // Held units [first, end) as one packet (an aggregate if several).
  void emit_group(std::size_t first, std::size_t end, bool marker, PacketSink &sink);
  std::size_t aggregate_size_with(std::size_t nal_size) const;

  std::size_t max_payload_;
  AggregateMode mode_;
  std::vector<std::uint8_t> held_bytes_;  // copies of held units, capacity reused
  std::vector<Held> held_;
};

}  // namespace srtcore::rtp::nal
