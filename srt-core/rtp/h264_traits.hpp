// What makes H.264 (RFC 6184) different from other NAL-unit payload formats:
// the one-byte NAL header, STAP-A/FU-A, SPS/PPS, keyframes (IDR, recovery
// point SEI) and where access units begin. The shared nal_* machinery reads
// only this.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "rtp/bytes.hpp"
#include "rtp/h264_nal.hpp"

namespace srtcore::rtp::h264 {

struct Traits {
  static constexpr std::size_t kHeaderSize = 1;
  static constexpr std::uint8_t kAggregateType = kStapA;
  static constexpr std::uint8_t kFuType = kFuA;
  static constexpr std::uint8_t kFuTypeMask = 0x1f;  // type field of the FU header
  static constexpr std::uint8_t kAud = h264::kAud;
  // Types 24..31 are RFC 6184 payload structures or unspecified: never sent as units.
  static constexpr std::uint8_t kFirstPayloadType = kStapA;
  // Parameter-set kinds in the order they go before a keyframe.
  static constexpr std::uint8_t kParamSetTypes[] = {kSps, kPps};

  static std::uint8_t type(const std::uint8_t *hdr) { return nal_type(hdr[0]); }
  // The header with another type (F and NRI kept), for FU-A indicators.
  static void with_type(const std::uint8_t *hdr, std::uint8_t t, std::uint8_t *out) {
    out[0] = static_cast<std::uint8_t>((hdr[0] & 0xe0) | t);
  }
  static bool is_vcl(std::uint8_t t) { return h264::is_vcl(t); }
  // A type a NAL unit inside an aggregate or an FU may have (not 0, 24..31).
  static bool valid_unit_type(std::uint8_t t) { return t != 0 && t < kFirstPayloadType; }
  static bool valid_unit(ByteSpan nal) { return !nal.empty() && valid_unit_type(nal_type(nal[0])); }

  // STAP-A header: F is the OR of the units' F bits, NRI their highest.
  class AggregateHeader {
   public:
    void add(const std::uint8_t *hdr) {
      f_ |= hdr[0] & 0x80;
      nri_ = nri_ > (hdr[0] & 0x60) ? nri_ : static_cast<std::uint8_t>(hdr[0] & 0x60);
    }
    void write(std::uint8_t *out) const { out[0] = static_cast<std::uint8_t>(f_ | nri_ | kStapA); }

   private:
    std::uint8_t f_ = 0, nri_ = 0;
  };
  // zero-latency aggregation sends what it holds once a slice is in it.
  static bool closes_zero_latency_bundle(std::uint8_t t) { return h264::is_vcl(t); }

  // Units that begin a new access unit after a slice (H.264 7.4.1.2.3): AUD,
  // SPS, PPS, SEI and types 14..18.
  static bool starts_au_after_vcl(std::uint8_t t) {
    return t == kAud || t == kSps || t == kPps || t == kSei || (t >= 14 && t <= 18);
  }
  // A slice that begins a picture (first_mb_in_slice == 0).
  static bool first_of_picture(ByteSpan nal) { return slice_is_first_in_picture(nal); }
  // h264parse alignment=nal stamps later slices of a picture with other times;
  // any other unit with a new time begins the next access unit.
  static constexpr bool kTimeSplitsAu = true;
  static bool is_keyframe_unit(ByteSpan nal) {
    const std::uint8_t t = nal_type(nal[0]);
    return t == kIdr || (t == kSei && sei_has_recovery_point(nal));
  }

  // Depayloader: whether `nal` begins the next access unit (H.264 rules).
  template <typename AuView>
  static bool depay_starts_new_au(ByteSpan nal, const AuView &au) {
    // An access unit ends only after its picture: parameter sets or SEI sent
    // with another timestamp stay with the picture they precede.
    if (!au.seen_vcl) return false;
    const std::uint8_t t = nal_type(nal[0]);
    const bool slice = h264::is_vcl(t);
    const bool first_slice = slice && slice_is_first_in_picture(nal);
    // rtph264pay fed alignment=nal may stamp later slices of a picture with
    // other timestamps; a slice continuing the picture stays in it, unless
    // something was lost in between.
    if (au.ts_changed) return !(slice && !first_slice && !au.loss);
    // Same timestamp, marker lost or never set: a new picture or an AUD begins
    // the next AU. SPS/PPS/SEI do not: rtph264pay (config-interval) puts SPS
    // and PPS before every IDR slice, between slices of one picture.
    return slice ? first_slice : t == kAud;
  }
  // Such SPS/PPS between slices stay where they are.
  static constexpr bool kDropRepeatedParamSetsInPicture = false;

  static int param_set_kind(std::uint8_t t) { return t == kSps ? 0 : t == kPps ? 1 : -1; }
  static std::optional<std::uint32_t> param_set_id(int kind, ByteSpan nal) {
    return kind == 0 ? sps_id(nal) : pps_id(nal);
  }
};

}  // namespace srtcore::rtp::h264
