// ULPFEC (RFC 5109) encoder for one RTP stream (sans-I/O), with the wire
// behaviour of gst-plugins-good's rtpulpfecenc so either side can be
// GStreamer's:
// - FEC packets share the media stream's SSRC and sequence numbers: they
//   follow the media packet that triggered them with the next numbers, and
//   every later media packet is renumbered past them;
// - multipacket: packets are protected per frame (up to the marker, at most
//   the last 48); at the marker, floor(budget) FEC packets split the frame
//   into even runs. The budget grows by percentage/100 per packet, and
//   percentage-important/100 per important (non-droppable) packet, which
//   takes precedence when it reaches one;
// - otherwise every (100 / percentage)th packet gets one FEC packet that
//   protects it alone.
// Storage is allocated once; nothing per packet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace srtcore::fec {

struct UlpfecEncoderConfig {
  std::uint8_t payload_type = 127;  // of the FEC packets
  unsigned percentage = 0;          // 0..100
  unsigned percentage_important = 0;
  bool multipacket = true;
  std::size_t max_packet = 1500;  // largest media RTP packet protected
  std::size_t max_fec_per_frame = 96;
};

struct UlpfecEncoderStats {
  std::uint64_t received = 0;
  std::uint64_t protected_packets = 0;  // media packets in the frames FEC was sent for
  std::uint64_t fec = 0;
  std::uint64_t too_large = 0;  // above max_packet: sent unprotected
  std::uint64_t capped = 0;     // FEC packets a frame's budget asked beyond max_fec_per_frame
};

class UlpfecEncoder {
 public:
  explicit UlpfecEncoder(const UlpfecEncoderConfig &config);

  // Changes the percentages and mode as the C element does (the budget is kept).
  void configure(unsigned percentage, unsigned percentage_important, bool multipacket,
                 std::uint8_t payload_type);

  // A media RTP packet (already validated as RTP, at least 12 bytes).
  // Returns the sequence number it must be sent with; the FEC packets it
  // triggers are then available from poll() until the next call, to be
  // sent right after it.
  std::uint16_t add(std::span<const std::uint8_t> rtp, bool important);
  std::optional<std::span<const std::uint8_t>> poll();

  const UlpfecEncoderStats &stats() const { return stats_; }

 private:
  void increment_budget(bool important);
  unsigned fec_count() const;
  std::size_t build(unsigned k, unsigned n, std::uint16_t seq, std::uint32_t ts, std::uint32_t ssrc,
                    std::uint8_t *dst);
  std::uint8_t *held(std::size_t i) { return held_bytes_.data() + i * config_.max_packet; }
  std::uint8_t *out(std::size_t i) { return out_bytes_.data() + i * out_stride_; }

  UlpfecEncoderConfig config_;
  UlpfecEncoderStats stats_;
  unsigned fec_nth_ = 0;
  double budget_ = 0;
  double budget_important_ = 0;
  double budget_inc_ = 0;
  double budget_inc_important_ = 0;
  std::uint16_t seq_offset_ = 0;

  // The frame so far, oldest first: a ring of at most 48 packets.
  std::vector<std::uint8_t> held_bytes_;
  std::vector<std::uint16_t> held_len_;
  std::size_t head_ = 0;  // oldest
  std::size_t count_ = 0;

  std::size_t out_stride_;
  std::vector<std::uint8_t> out_bytes_;
  std::vector<std::size_t> out_len_;
  std::size_t out_count_ = 0;
  std::size_t out_next_ = 0;
};

}  // namespace srtcore::fec
