// RFC 6184 depacketization: single NAL, STAP-A, STAP-B, MTAP16, MTAP24, FU-A,
// FU-B payloads back into NAL units, with bounded FU reassembly. Malformed
// payloads are dropped and counted, never trusted.
//
// Modes 0 and 1 are treated alike: senders often use STAP-A and FU-A without
// signalling packetization-mode=1. STAP-B, MTAP16/24 and FU-B outside mode 2
// are dropped as wrong-mode, since their DONs cannot be honoured without the
// interleaving parameters. In mode 2, single NAL unit packets, STAP-A and an
// FU-A first fragment (which lacks a DON) are wrong-mode.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "rtp/bytes.hpp"

namespace srtcore::rtp::h264 {

enum class PacketizationMode { kSingleNal = 0, kNonInterleaved = 1, kInterleaved = 2 };

struct DepacketizerStats {
  std::uint64_t packets = 0;
  std::uint64_t nal_units = 0;
  std::uint64_t dropped_truncated = 0;         // payload too short for its header
  std::uint64_t dropped_bad_aggregate = 0;     // STAP/MTAP length overruns or empty unit
  std::uint64_t dropped_fu_without_start = 0;  // FU middle/end with nothing started
  std::uint64_t dropped_fu_start_and_end = 0;  // FU with S and E both set
  std::uint64_t dropped_fu_incomplete = 0;     // reassembly abandoned (loss, new start)
  std::uint64_t dropped_fu_too_large = 0;      // over max_fu_size
  std::uint64_t dropped_reserved_type = 0;     // NAL type 0, 30, 31
  std::uint64_t dropped_empty = 0;             // zero-length payload
  std::uint64_t dropped_wrong_mode = 0;        // type not allowed in the packetization mode
  std::uint64_t malformed() const {
    return dropped_truncated + dropped_bad_aggregate + dropped_fu_without_start +
           dropped_fu_start_and_end + dropped_fu_too_large + dropped_reserved_type + dropped_empty +
           dropped_wrong_mode;
  }
};

// One NAL unit recovered from a payload. `data` stays valid until the next
// call into the depacketizer.
struct RecoveredNal {
  ByteSpan data;
  std::uint32_t rtp_timestamp = 0;   // packet timestamp, plus the MTAP offset
  std::optional<std::uint16_t> don;  // decoding order number (interleaved mode)
  bool last_of_packet = false;       // last unit recovered from this packet
};

enum class DepayResult {
  kOk,          // zero or more NAL units delivered
  kIncomplete,  // FU fragment stored, nothing delivered yet
  kDropped,     // payload malformed or unusable; counted in stats
};

class Depacketizer {
 public:
  Depacketizer(PacketizationMode mode, std::size_t max_fu_size);
  void configure(PacketizationMode mode, std::size_t max_fu_size);

  // One RTP payload. `lost_before`: packets were lost (sequence gap) or the
  // input is DISCONT just before this one, so a pending FU is abandoned.
  // fn(const RecoveredNal&) is called for each unit in order.
  template <typename Fn>
  DepayResult push(ByteSpan payload, std::uint32_t rtp_timestamp, bool lost_before, Fn &&fn);

  void reset();
  bool fu_pending() const { return fu_active_; }
  const DepacketizerStats &stats() const { return stats_; }
  DepacketizerStats &stats() { return stats_; }

 private:
  // Fills out_ with the units of one payload; returns the result.
  DepayResult parse(ByteSpan payload, std::uint32_t rtp_timestamp, bool lost_before);
  DepayResult parse_stap(ByteSpan payload, std::uint32_t ts, std::size_t pos,
                         std::optional<std::uint16_t> don);
  DepayResult parse_mtap(ByteSpan payload, std::uint32_t ts, std::size_t ts_len);
  DepayResult parse_fu(ByteSpan payload, std::uint32_t ts);
  // Counts the active FU as incomplete (unless already dropped) and forgets it.
  void abandon_fu();
  DepayResult drop(std::uint64_t &counter);

  PacketizationMode mode_;
  std::size_t max_fu_size_;
  DepacketizerStats stats_;
  bool fu_active_ = false;
  bool fu_oversize_ = false;
  std::uint32_t fu_timestamp_ = 0;
  std::optional<std::uint16_t> fu_don_;
  std::vector<std::uint8_t> fu_buf_;
  std::vector<RecoveredNal> out_;
};

template <typename Fn>
DepayResult Depacketizer::push(ByteSpan payload, std::uint32_t rtp_timestamp, bool lost_before,
                               Fn &&fn) {
  DepayResult r = parse(payload, rtp_timestamp, lost_before);
  for (const RecoveredNal &n : out_) fn(n);
  return r;
}

}  // namespace srtcore::rtp::h264
