// What makes H.265 (RFC 7798) different from other NAL-unit payload formats:
// the two-byte NAL header (LayerId, TID), AP/FU, VPS/SPS/PPS, IRAP keyframes
// and where access units begin. The shared nal_* machinery reads only this.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "rtp/bytes.hpp"
#include "rtp/h265_nal.hpp"

namespace srtcore::rtp::h265 {

struct Traits {
  static constexpr std::size_t kHeaderSize = kNalHeaderSize;
  static constexpr std::uint8_t kAggregateType = kAp;
  static constexpr std::uint8_t kFuType = kFu;
  static constexpr std::uint8_t kFuTypeMask = 0x3f;
  static constexpr std::uint8_t kAud = h265::kAud;
  // Types 48..63 are RFC 7798 payload structures or reserved: never sent as units.
  static constexpr std::uint8_t kFirstPayloadType = kAp;
  static constexpr std::uint8_t kParamSetTypes[] = {kVps, kSps, kPps};

  static std::uint8_t type(const std::uint8_t *hdr) { return nal_type(hdr[0]); }
  // The header with another type (F, LayerId and TID kept), for FU PayloadHdrs.
  static void with_type(const std::uint8_t *hdr, std::uint8_t t, std::uint8_t *out) {
    out[0] = static_cast<std::uint8_t>((hdr[0] & 0x81) | (t << 1));
    out[1] = hdr[1];
  }
  static bool is_vcl(std::uint8_t t) { return h265::is_vcl(t); }
  // A type a NAL unit inside an AP or an FU may have: one the bitstream may contain.
  static bool valid_unit_type(std::uint8_t t) { return t < kFirstPayloadType; }
  // A whole, well-formed unit: F clear, TID not 0.
  static bool valid_unit(ByteSpan nal) {
    return nal.size() >= kNalHeaderSize && !forbidden_bit(nal[0]) && tid(nal[1]) != 0 &&
           valid_unit_type(nal_type(nal[0]));
  }

  // RFC 7798 4.4.2: F is the OR of the units' F bits; LayerId and TID are the
  // lowest of the units'.
  class AggregateHeader {
   public:
    void add(const std::uint8_t *hdr) {
      f_ |= hdr[0] & 0x80;
      layer_ = std::min(layer_, layer_id(hdr[0], hdr[1]));
      tid_ = std::min(tid_, tid(hdr[1]));
    }
    void write(std::uint8_t *out) const {
      out[0] = static_cast<std::uint8_t>(f_ | (kAp << 1) | (layer_ >> 5));
      out[1] = static_cast<std::uint8_t>(((layer_ & 0x1f) << 3) | tid_);
    }

   private:
    std::uint8_t f_ = 0, layer_ = 0x3f, tid_ = 0x07;
  };
  // zero-latency sends what it holds after VCL units and the units that follow
  // them in an access unit (suffix SEI, EOS, EOB, reserved and unspecified
  // suffix types), as rtph265pay does.
  static bool closes_zero_latency_bundle(std::uint8_t t) {
    return h265::is_vcl(t) || t == kEos || t == kEob || t == kSuffixSei || (t >= 45 && t <= 47) ||
           t >= 56;
  }

  static bool starts_au_after_vcl(std::uint8_t t) { return h265::starts_au_after_vcl(t); }
  // A base-layer picture's first slice segment.
  static bool first_of_picture(ByteSpan nal) {
    return layer_id(nal[0], nal[1]) == 0 && first_slice_segment_in_pic(nal);
  }
  // The bitstream alone says where access units begin (H.265 7.4.2.4.4):
  // h265parse alignment=nal stamps later units of a picture with other times.
  static constexpr bool kTimeSplitsAu = false;
  static bool is_keyframe_unit(ByteSpan nal) { return is_irap(nal_type(nal[0])); }

  // Depayloader: whether `nal` begins the next access unit (H.265 rules).
  template <typename AuView>
  static bool depay_starts_new_au(ByteSpan nal, const AuView &au) {
    // After a loss the timestamp is the best guide left.
    if (au.loss && au.ts_changed) return true;
    // An access unit ends only after its picture.
    if (!au.seen_vcl) return false;
    const std::uint8_t t = nal_type(nal[0]);
    const bool begins = h265::is_vcl(t) ? first_of_picture(nal) : h265::starts_au_after_vcl(t);
    // rtph265pay fed alignment=nal stamps later units of a picture with other
    // timestamps: a unit that continues the picture stays in it. Markers may
    // be missing, and with DONL they follow transmission order: the bitstream
    // says where pictures end.
    if (au.ts_changed || !is_param_set(t)) return begins;
    // rtph265pay (config-interval=-1) also repeats VPS/SPS/PPS before every
    // slice of an IRAP picture: where markers end access units, such a
    // repetition does not begin a new one.
    return begins && !(au.markers_seen && !au.reordered);
  }
  // A known parameter set between the slices of a picture (see above) is
  // dropped: the decoder has it, and it does not belong there.
  static constexpr bool kDropRepeatedParamSetsInPicture = true;

  static int param_set_kind(std::uint8_t t) { return is_param_set(t) ? t - kVps : -1; }
  static std::optional<std::uint32_t> param_set_id(int kind, ByteSpan nal) {
    return kind == 0 ? vps_id(nal) : kind == 1 ? sps_id(nal) : pps_id(nal);
  }
};

}  // namespace srtcore::rtp::h265
