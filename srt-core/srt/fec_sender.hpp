// Sending side of SRT's FEC packet filter (sans-I/O): every new data packet
// as it goes on the wire (encrypted, if it is) is XORed into its row and
// column groups; when a group's last packet has gone, its FEC packet is
// ready and goes out before the next data packet (libsrt sends it "instead
// of" the next one). FEC packets take no sequence number of their own.
// Memory: one accumulator per row and column, and a few ready packets, all
// allocated at construction; nothing per packet.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fec/xor_parity.hpp"
#include "srt/fec_geometry.hpp"
#include "srt/fec_packet.hpp"

namespace srtcore::srt {

class FecSender {
 public:
  // `isn`: the first sequence number we send; `clip_size`: SRTO_PAYLOADSIZE
  // (payloads are padded to it; the FEC packet carries that many bytes).
  FecSender(const FecParams &params, std::uint32_t isn, std::size_t clip_size);

  // A new data packet as sent (not for retransmissions).
  void feed(const DataHeader &h, ByteSpan payload);

  bool has_ready() const { return ready_count_ > 0; }
  // Writes the oldest ready FEC packet for `dest_socket`; 0 when none is
  // ready or `out` is too small.
  std::size_t pop(std::uint32_t dest_socket, MutableByteSpan out);

  std::uint64_t packets_sent() const { return sent_; }  // pktSndFilterExtra
  // Ready packets overwritten before they could go (the pacer fell behind).
  std::uint64_t packets_overrun() const { return overrun_; }
  std::size_t packet_size() const { return kHeaderSize + kFecHeaderSize + clip_size_; }

 private:
  void emit(const fec::ParityGroup &g, std::int8_t index, std::uint32_t seq, KeyFlags key);

  FecGeometry geo_;
  std::size_t clip_size_;
  std::uint32_t last_seq_;
  std::int64_t last_off_ = -1;
  std::vector<std::uint8_t> memory_;
  fec::ParityGroup row_;
  std::int64_t row_index_ = 0;
  std::vector<fec::ParityGroup> cols_;
  std::vector<std::int64_t> col_series_;

  static constexpr std::size_t kReady = 8;
  struct Ready {
    std::size_t size = 0;
  };
  std::array<Ready, kReady> ready_{};
  std::size_t ready_head_ = 0;
  std::size_t ready_count_ = 0;
  std::vector<std::uint8_t> ready_mem_;
  std::uint64_t sent_ = 0;
  std::uint64_t overrun_ = 0;
};

}  // namespace srtcore::srt
