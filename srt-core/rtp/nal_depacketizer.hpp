// What the NAL-unit depacketizers (RFC 6184, RFC 7798) share: the result
// types, one stats record, bounded FU reassembly and aggregation-packet
// parsing. Each codec's depacketizer (h264_depacketizer.hpp,
// h265_depacketizer.hpp) derives from nal::Depacketizer and parses only the
// payload structures of its own RFC. Malformed payloads are dropped and
// counted, never trusted.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "rtp/bytes.hpp"

namespace srtcore::rtp::nal {

// Counters of both formats; those of structures a codec does not have stay 0.
struct DepacketizerStats {
  std::uint64_t packets = 0;
  std::uint64_t nal_units = 0;
  std::uint64_t paci_unwrapped = 0;            // H.265 PACI packets whose payload was used
  std::uint64_t dropped_truncated = 0;         // payload too short for its headers
  std::uint64_t dropped_bad_aggregate = 0;     // aggregate lengths overrun, empty or bad inner unit
  std::uint64_t dropped_fu_without_start = 0;  // FU middle/end with nothing started
  std::uint64_t dropped_fu_start_and_end = 0;  // FU with S and E both set
  std::uint64_t dropped_fu_incomplete = 0;     // reassembly abandoned (loss, new start)
  std::uint64_t dropped_fu_too_large = 0;      // over max_fu_size
  std::uint64_t dropped_reserved_type = 0;     // reserved payload type, or an FU of such a type
  std::uint64_t dropped_forbidden_bit = 0;     // H.265: F bit set in the payload header
  std::uint64_t dropped_tid_zero = 0;          // H.265: nuh_temporal_id_plus1 of 0
  std::uint64_t dropped_bad_paci = 0;          // H.265: PACI inside PACI
  std::uint64_t dropped_empty = 0;             // zero-length payload
  std::uint64_t dropped_wrong_mode = 0;        // H.264: type not allowed in the packetization mode
  std::uint64_t malformed() const {
    return dropped_truncated + dropped_bad_aggregate + dropped_fu_without_start +
           dropped_fu_start_and_end + dropped_fu_too_large + dropped_reserved_type +
           dropped_forbidden_bit + dropped_tid_zero + dropped_bad_paci + dropped_empty +
           dropped_wrong_mode;
  }
};

// One NAL unit recovered from a payload. `data` stays valid until the next
// call into the depacketizer.
struct RecoveredNal {
  ByteSpan data;
  std::uint32_t rtp_timestamp = 0;   // packet timestamp (plus an H.264 MTAP offset)
  std::optional<std::uint16_t> don;  // decoding order number, when the stream has them
  bool last_of_packet = false;       // last unit recovered from this packet
};

enum class DepayResult {
  kOk,          // zero or more NAL units delivered
  kIncomplete,  // FU fragment stored, nothing delivered yet
  kDropped,     // payload malformed or unusable; counted in stats
};

// `Codec` derives from this and has `DepayResult parse(ByteSpan, std::uint32_t)`.
template <typename Traits, typename Codec>
class Depacketizer {
 public:
  explicit Depacketizer(std::size_t max_fu_size) : max_fu_size_(max_fu_size) {}

  // One RTP payload. `lost_before`: packets were lost (sequence gap) or the
  // input is DISCONT just before this one, so a pending FU is abandoned.
  // fn(const RecoveredNal&) is called for each unit in order.
  template <typename Fn>
  DepayResult push(ByteSpan payload, std::uint32_t rtp_timestamp, bool lost_before, Fn &&fn) {
    out_.clear();
    ++stats_.packets;
    if (lost_before) abandon_fu();
    const DepayResult r = static_cast<Codec *>(this)->parse(payload, rtp_timestamp);
    if (!out_.empty()) out_.back().last_of_packet = true;
    stats_.nal_units += out_.size();
    for (const RecoveredNal &n : out_) fn(n);
    return r;
  }

  void reset();
  // Frees the reassembly buffer between fragmented units (their bytes were
  // copied out), remembering its size for the next one: an idle stream then
  // keeps no unit's worth of memory. Unfragmented streams never allocate it.
  void release_storage() {
    if (fu_active_ || fu_buf_.capacity() == 0) return;
    fu_hint_ = fu_buf_.capacity();
    std::vector<std::uint8_t>().swap(fu_buf_);
  }
  bool fu_pending() const { return fu_active_; }
  const DepacketizerStats &stats() const { return stats_; }
  DepacketizerStats &stats() { return stats_; }

 protected:
  void set_max_fu_size(std::size_t size) { max_fu_size_ = size; }
  // FU (FU-A/FU-B, FU): payload header, FU header, then `don_size` bytes of
  // DON in a start fragment (FU-B, DONL), then the fragment.
  DepayResult parse_fu(ByteSpan payload, std::uint32_t ts, std::size_t don_size);
  // Aggregation packet from `pos` on: 16-bit size and unit, repeated. With a
  // `don` (STAP-B, AP with DONL) each later unit's DON is the previous one
  // plus 1, plus a DOND byte before its size when `dond` (AP).
  DepayResult parse_aggregate(ByteSpan payload, std::uint32_t ts, std::size_t pos,
                              std::optional<std::uint16_t> don, bool dond);
  void emit(ByteSpan nal, std::uint32_t ts, std::optional<std::uint16_t> don) {
    out_.push_back(RecoveredNal{nal, ts, don, false});
  }
  // Counts the active FU as incomplete (unless already dropped) and forgets it.
  void abandon_fu();
  DepayResult drop(std::uint64_t &counter) {
    ++counter;
    out_.clear();
    return DepayResult::kDropped;
  }
  // Drops the packet and what it continued.
  DepayResult drop_with_fu(std::uint64_t &counter) {
    abandon_fu();
    return drop(counter);
  }

  DepacketizerStats stats_;

 private:
  std::size_t max_fu_size_;
  bool fu_active_ = false;
  bool fu_oversize_ = false;
  std::uint32_t fu_timestamp_ = 0;
  std::optional<std::uint16_t> fu_don_;
  std::vector<std::uint8_t> fu_buf_;
  std::size_t fu_hint_ = 0;  // capacity of the last reassembled unit
  std::vector<RecoveredNal> out_;
};

}  // namespace srtcore::rtp::nal
