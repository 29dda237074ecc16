// RFC 7798 depacketization: single NAL unit packets, aggregation packets
// (48), fragmentation units (49) and PACI packets (50, unwrapped to the
// single/AP/FU they carry), with DONL/DOND when the stream has them
// (sprop-max-don-diff > 0) and bounded FU reassembly. Malformed payloads are
// dropped and counted, never trusted.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "rtp/bytes.hpp"

namespace srtcore::rtp::h265 {

struct DepacketizerStats {
  std::uint64_t packets = 0;
  std::uint64_t nal_units = 0;
  std::uint64_t paci_unwrapped = 0;            // PACI packets whose payload was used
  std::uint64_t dropped_truncated = 0;         // payload too short for its headers
  std::uint64_t dropped_bad_aggregate = 0;     // AP lengths overrun, empty or bad inner unit
  std::uint64_t dropped_fu_without_start = 0;  // FU middle/end with nothing started
  std::uint64_t dropped_fu_start_and_end = 0;  // FU with S and E both set
  std::uint64_t dropped_fu_incomplete = 0;     // reassembly abandoned (loss, new start)
  std::uint64_t dropped_fu_too_large = 0;      // over max_fu_size
  std::uint64_t dropped_reserved_type = 0;     // types 51..63, or an FU of type 48..63
  std::uint64_t dropped_forbidden_bit = 0;     // F bit set in the payload header
  std::uint64_t dropped_tid_zero = 0;          // nuh_temporal_id_plus1 of 0
  std::uint64_t dropped_bad_paci = 0;          // PACI inside PACI
  std::uint64_t dropped_empty = 0;             // zero-length payload
  std::uint64_t malformed() const {
    return dropped_truncated + dropped_bad_aggregate + dropped_fu_without_start +
           dropped_fu_start_and_end + dropped_fu_too_large + dropped_reserved_type +
           dropped_forbidden_bit + dropped_tid_zero + dropped_bad_paci + dropped_empty;
  }
};

// One NAL unit recovered from a payload. `data` stays valid until the next
// call into the depacketizer.
struct RecoveredNal {
  ByteSpan data;
  std::uint32_t rtp_timestamp = 0;
  std::optional<std::uint16_t> don;  // decoding order number (DONL/DOND present)
  bool last_of_packet = false;       // last unit recovered from this packet
};

enum class DepayResult {
  kOk,          // zero or more NAL units delivered
  kIncomplete,  // FU fragment stored, nothing delivered yet
  kDropped,     // payload malformed or unusable; counted in stats
};

class Depacketizer {
 public:
  // `donl`: payloads carry DONL/DOND fields (sprop-max-don-diff > 0).
  Depacketizer(bool donl, std::size_t max_fu_size);
  void configure(bool donl, std::size_t max_fu_size);

  // One RTP payload. `lost_before`: packets were lost (sequence gap) or the
  // input is DISCONT just before this one, so a pending FU is abandoned.
  // fn(const RecoveredNal&) is called for each unit in order.
  template <typename Fn>
  DepayResult push(ByteSpan payload, std::uint32_t rtp_timestamp, bool lost_before, Fn &&fn);

  void reset();
  bool fu_pending() const { return fu_active_; }
  const DepacketizerStats &stats() const { return stats_; }

 private:
  // Fills out_ with the units of one payload; returns the result.
  DepayResult parse(ByteSpan payload, std::uint32_t ts, bool inside_paci);
  DepayResult parse_single(ByteSpan payload, std::uint32_t ts);
  DepayResult parse_ap(ByteSpan payload, std::uint32_t ts);
  DepayResult parse_fu(ByteSpan payload, std::uint32_t ts);
  DepayResult parse_paci(ByteSpan payload, std::uint32_t ts);
  void emit(ByteSpan nal, std::uint32_t ts, std::optional<std::uint16_t> don);
  // Counts the active FU as incomplete (unless already dropped) and forgets it.
  void abandon_fu();
  DepayResult drop(std::uint64_t &counter);

  bool donl_;
  std::size_t max_fu_size_;
  DepacketizerStats stats_;
  bool fu_active_ = false;
  bool fu_oversize_ = false;
  std::uint32_t fu_timestamp_ = 0;
  std::optional<std::uint16_t> fu_don_;
  std::vector<std::uint8_t> fu_buf_;
  // A single NAL unit with DONL is not contiguous in the payload (header, DONL,
  // body), nor is a PACI payload (rebuilt header, body): rebuilt here.
  std::vector<std::uint8_t> single_buf_;
  std::vector<std::uint8_t> paci_buf_;
  std::vector<RecoveredNal> out_;
};

template <typename Fn>
DepayResult Depacketizer::push(ByteSpan payload, std::uint32_t rtp_timestamp, bool lost_before,
                               Fn &&fn) {
  out_.clear();
  ++stats_.packets;
  if (lost_before) abandon_fu();
  DepayResult r = parse(payload, rtp_timestamp, false);
  if (!out_.empty()) out_.back().last_of_packet = true;
  stats_.nal_units += out_.size();
  for (const RecoveredNal &n : out_) fn(n);
  return r;
}

}  // namespace srtcore::rtp::h265
