// Bodies of the SRT control packets other than the handshake: ACK, ACKACK,
// NAK loss lists, drop request, peer error, keepalive, shutdown, congestion
// warning and the user-defined KMREQ/KMRSP carriers.
//
// Parsers take a parsed control packet (header + body) and check its type.
// Writers produce a whole packet (header + body) into caller memory and
// return its size, or 0 if `out` is too small or a value is out of range.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <vector>

#include "srt/bytes.hpp"
#include "srt/packet.hpp"

namespace srtcore::srt {

// ---- ACK ----------------------------------------------------------------
// Variants are told apart only by body length: light 4 bytes (every 64
// packets, ACK number 0), small 16 bytes, full 24 or 28 bytes (every 10 ms).
enum class AckKind : std::uint8_t { kLight, kSmall, kFull };

inline constexpr std::size_t kLightAckBodySize = 4;
inline constexpr std::size_t kSmallAckBodySize = 16;
inline constexpr std::size_t kFullAckBodySize = 28;
inline constexpr std::size_t kFullAckNoByteRateBodySize = 24;  // UDT-era full ACK

struct Ack {
  std::uint32_t ack_number = 0;  // header word; echoed by ACKACK; 0 in a light ACK
  AckKind kind = AckKind::kFull;
  std::uint32_t last_ack_seq = 0;  // first sequence number not yet received in order
  // Small and full:
  std::uint32_t rtt_us = 0;
  std::uint32_t rtt_var_us = 0;
  std::uint32_t avail_buffer = 0;  // packets
  // Full only:
  std::uint32_t packet_recv_rate = 0;  // packets/s
  std::uint32_t link_capacity = 0;     // packets/s
  std::uint32_t recv_rate_bytes = 0;   // bytes/s
  bool has_recv_rate_bytes = true;     // false for a 24-byte full ACK (parse only)

  friend bool operator==(const Ack &, const Ack &) = default;
};

Parsed<Ack> parse_ack(const ControlPacketView &pkt);
[[nodiscard]] std::size_t write_ack(const Ack &ack, std::uint32_t timestamp,
                                    std::uint32_t dest_socket, MutableByteSpan out);

// ---- ACKACK -------------------------------------------------------------
Parsed<std::uint32_t> parse_ackack(const ControlPacketView &pkt);  // the ACK number
[[nodiscard]] std::size_t write_ackack(std::uint32_t ack_number, std::uint32_t timestamp,
                                       std::uint32_t dest_socket, MutableByteSpan out);

// ---- NAK (loss report) --------------------------------------------------
// A single loss is one word with the top bit clear; a range is its first
// sequence with the top bit set followed by its last (top bit clear).
struct SeqRange {
  std::uint32_t first = 0;
  std::uint32_t last = 0;  // inclusive
  friend bool operator==(const SeqRange &, const SeqRange &) = default;
};

// A validated loss list; iterating yields SeqRange without allocating.
class LossListView {
 public:
  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = SeqRange;
    using difference_type = std::ptrdiff_t;
    using pointer = const SeqRange *;
    using reference = SeqRange;

    iterator() = default;
    SeqRange operator*() const;
    iterator &operator++();
    iterator operator++(int) {
      iterator t = *this;
      ++*this;
      return t;
    }
    friend bool operator==(const iterator &a, const iterator &b) { return a.p_ == b.p_; }

   private:
    friend class LossListView;
    explicit iterator(const std::uint8_t *p) : p_(p) {}
    const std::uint8_t *p_ = nullptr;
  };

  iterator begin() const { return iterator(words_.data()); }
  iterator end() const { return iterator(words_.data() + words_.size()); }
  ByteSpan raw() const { return words_; }
  std::vector<SeqRange> to_vector() const;  // convenience for tests and logs

 private:
  friend Parsed<LossListView> parse_loss_list(ByteSpan body);
  explicit LossListView(ByteSpan words) : words_(words) {}
  ByteSpan words_;
};

// Validates the whole list: non-empty, word-aligned, every range start
// followed by an end with the top bit clear, first <= last (circularly).
Parsed<LossListView> parse_loss_list(ByteSpan body);
Parsed<LossListView> parse_nak(const ControlPacketView &pkt);

// Bytes needed to encode `ranges` (4 per single loss, 8 per range).
std::size_t loss_list_size(std::span<const SeqRange> ranges);

struct LossListWrite {
  std::size_t bytes = 0;
  std::size_t ranges = 0;  // how many leading ranges were written
};
// Writes as many leading ranges as fit in `out` (a NAK must fit one packet;
// the rest goes in a later NAK). Writes nothing if any range is invalid.
LossListWrite write_loss_list(std::span<const SeqRange> ranges, MutableByteSpan out);
// Whole NAK packet; ranges that do not fit are left out (see *written).
[[nodiscard]] std::size_t write_nak(std::span<const SeqRange> ranges, std::uint32_t timestamp,
                                    std::uint32_t dest_socket, MutableByteSpan out,
                                    std::size_t *ranges_written = nullptr);

// ---- Drop request -------------------------------------------------------
struct DropRequest {
  std::uint32_t msgno = 0;  // 0: unknown, drop by sequence range only
  std::uint32_t first = 0;
  std::uint32_t last = 0;  // inclusive
  friend bool operator==(const DropRequest &, const DropRequest &) = default;
};
Parsed<DropRequest> parse_drop_request(const ControlPacketView &pkt);
[[nodiscard]] std::size_t write_drop_request(const DropRequest &d, std::uint32_t timestamp,
                                             std::uint32_t dest_socket, MutableByteSpan out);

// ---- Peer error ---------------------------------------------------------
inline constexpr std::uint32_t kPeerErrorFileSystem = 4000;
Parsed<std::uint32_t> parse_peer_error(const ControlPacketView &pkt);  // the error code
[[nodiscard]] std::size_t write_peer_error(std::uint32_t code, std::uint32_t timestamp,
                                           std::uint32_t dest_socket, MutableByteSpan out);

// ---- Body-less messages ---------------------------------------------------
// libsrt always sends these with a 4-byte zero body (20-byte packets); we do
// the same, and accept any body on receive.
inline constexpr std::size_t kEmptyControlPacketSize = kHeaderSize + 4;
[[nodiscard]] std::size_t write_keepalive(std::uint32_t timestamp, std::uint32_t dest_socket,
                                          MutableByteSpan out);
[[nodiscard]] std::size_t write_shutdown(std::uint32_t timestamp, std::uint32_t dest_socket,
                                         MutableByteSpan out);
[[nodiscard]] std::size_t write_congestion_warning(std::uint32_t timestamp,
                                                   std::uint32_t dest_socket, MutableByteSpan out);

// ---- User-defined KMREQ / KMRSP (key refresh after the handshake) ---------
// Key-material state, libsrt's SRT_KM_STATE numbering.
enum class KmState : std::uint32_t {
  kUnsecured = 0,
  kSecuring = 1,
  kSecured = 2,
  kNoSecret = 3,
  kBadSecret = 4,
  kBadCryptoMode = 5,  // SRT_KM_S_BADCRYPTOMODE (libsrt >= 1.5.2)
};

struct KmMessage {
  UserSubtype subtype = UserSubtype::kKmReq;  // kKmReq or kKmRsp
  ByteSpan km;  // the KM message, raw bytes as on the wire (first byte 0x12)
};
Parsed<KmMessage> parse_km_message(const ControlPacketView &pkt);
[[nodiscard]] std::size_t write_km_message(UserSubtype subtype, ByteSpan km,
                                           std::uint32_t timestamp, std::uint32_t dest_socket,
                                           MutableByteSpan out);

// A KMRSP (here or in the handshake) of exactly one word is an error report.
// libsrt writes that word as a host integer that survives its double swap,
// so it is little-endian on the wire.
inline constexpr std::size_t kKmErrorSize = 4;
std::optional<KmState> km_error_state(ByteSpan kmrsp);
[[nodiscard]] std::size_t write_km_error(KmState state, MutableByteSpan out);

}  // namespace srtcore::srt
