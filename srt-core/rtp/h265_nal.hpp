// H.265 NAL unit facts (ITU-T H.265 section 7): the two-byte header, unit
// types, access-unit boundaries, parameter-set ids, the SPS fields that SDP
// and hvcC carry, and hvcC codec_data (ISO/IEC 14496-15 8.3.3).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "rtp/bytes.hpp"

namespace srtcore::rtp::h265 {

inline constexpr std::size_t kNalHeaderSize = 2;

enum NalType : std::uint8_t {
  kTrailN = 0,
  kTrailR = 1,
  kRaslR = 9,
  kBlaWLp = 16,
  kIdrWRadl = 19,
  kIdrNLp = 20,
  kCra = 21,
  kVps = 32,
  kSps = 33,
  kPps = 34,
  kAud = 35,
  kEos = 36,
  kEob = 37,
  kFd = 38,
  kPrefixSei = 39,
  kSuffixSei = 40,
  // RFC 7798 payload structures
  kAp = 48,
  kFu = 49,
  kPaci = 50,
};

inline std::uint8_t nal_type(std::uint8_t header0) {
  return (header0 >> 1) & 0x3f;
}
inline bool forbidden_bit(std::uint8_t header0) {
  return (header0 & 0x80) != 0;
}
inline std::uint8_t layer_id(std::uint8_t header0, std::uint8_t header1) {
  return static_cast<std::uint8_t>(((header0 & 0x01) << 5) | (header1 >> 3));
}
// nuh_temporal_id_plus1: 0 is forbidden.
inline std::uint8_t tid(std::uint8_t header1) {
  return header1 & 0x07;
}
inline bool is_vcl(std::uint8_t type) {
  return type < 32;
}
// Intra random access point pictures: BLA, IDR, CRA and the reserved IRAP types.
inline bool is_irap(std::uint8_t type) {
  return type >= 16 && type <= 23;
}
inline bool is_param_set(std::uint8_t type) {
  return type == kVps || type == kSps || type == kPps;
}
// Units that, after a VCL unit, begin the next access unit (H.265 7.4.2.4.4):
// AUD, VPS, SPS, PPS, prefix SEI and types 41..44, 48..55.
inline bool starts_au_after_vcl(std::uint8_t type) {
  return (type >= kVps && type <= kAud) || type == kPrefixSei || (type >= 41 && type <= 44) ||
         (type >= 48 && type <= 55);
}

// first_slice_segment_in_pic_flag of a VCL unit (the first bit after the header).
bool first_slice_segment_in_pic(ByteSpan nal);
// Parameter-set ids; nullopt if the unit is of another type or unreadable.
std::optional<std::uint32_t> vps_id(ByteSpan vps);
std::optional<std::uint32_t> sps_id(ByteSpan sps);
std::optional<std::uint32_t> pps_id(ByteSpan pps);

// The SPS fields that SDP (profile-id, tier-flag, level-id) and hvcC need.
struct SpsInfo {
  std::uint32_t sps_id = 0;
  std::uint8_t max_sub_layers_minus1 = 0;
  bool temporal_id_nesting = false;
  // general_profile_space .. general_level_idc, emulation prevention removed.
  std::array<std::uint8_t, 12> general_ptl{};
  std::uint32_t chroma_format_idc = 1;
  std::uint32_t bit_depth_luma_minus8 = 0;
  std::uint32_t bit_depth_chroma_minus8 = 0;

  unsigned profile_space() const { return general_ptl[0] >> 6; }
  unsigned tier_flag() const { return (general_ptl[0] >> 5) & 1; }
  unsigned profile_idc() const { return general_ptl[0] & 0x1f; }
  unsigned level_idc() const { return general_ptl[11]; }
};
std::optional<SpsInfo> parse_sps(ByteSpan sps);

using NalList = std::vector<std::vector<std::uint8_t>>;

// Parsed HEVCDecoderConfigurationRecord. Arrays of other types (SEI) are skipped.
struct HvccConfig {
  unsigned nal_length_size = 4;
  NalList vps, sps, pps;
};
std::optional<HvccConfig> parse_hvcc(ByteSpan codec_data);
// Builds hvcC (4-byte lengths) from parameter sets; empty if there is no SPS.
// `complete`: array_completeness, set when no parameter sets travel in-band (hvc1).
std::vector<std::uint8_t> build_hvcc(const NalList &vps, const NalList &sps, const NalList &pps,
                                     bool complete);

}  // namespace srtcore::rtp::h265
