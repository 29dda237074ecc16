// H.264 NAL unit facts (ITU-T H.264 section 7): types, slice and SEI peeks,
// SPS fields for profile-level-id, avcC codec_data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rtp/bytes.hpp"

namespace srtcore::rtp::h264 {

enum NalType : std::uint8_t {
  kSlice = 1,
  kSliceDpa = 2,
  kSliceDpb = 3,
  kSliceDpc = 4,
  kIdr = 5,
  kSei = 6,
  kSps = 7,
  kPps = 8,
  kAud = 9,
  kEndOfSeq = 10,
  kEndOfStream = 11,
  kFiller = 12,
  kSpsExt = 13,
  kPrefix = 14,
  kSubsetSps = 15,
  kSliceExt = 20,
  // RFC 6184 payload structures
  kStapA = 24,
  kStapB = 25,
  kMtap16 = 26,
  kMtap24 = 27,
  kFuA = 28,
  kFuB = 29,
};

inline std::uint8_t nal_type(std::uint8_t header) {
  return header & 0x1f;
}
inline std::uint8_t nal_ref_idc(std::uint8_t header) {
  return (header >> 5) & 0x3;
}
inline bool is_vcl(std::uint8_t type) {
  return type >= 1 && type <= 5;
}

// True when a slice NAL unit (type 1..5) starts a new picture: first_mb_in_slice == 0.
bool slice_is_first_in_picture(ByteSpan nal);
// True when an SEI NAL unit carries a recovery point message (payloadType 6).
bool sei_has_recovery_point(ByteSpan nal);
// seq_parameter_set_id of an SPS, pic_parameter_set_id of a PPS; nullopt if unreadable.
std::optional<std::uint32_t> sps_id(ByteSpan sps);
std::optional<std::uint32_t> pps_id(ByteSpan pps);
// "42e01f": profile_idc, constraint flags, level_idc of an SPS (bytes 1..3).
std::optional<std::string> profile_level_id(ByteSpan sps);

// Parsed AVCDecoderConfigurationRecord (ISO/IEC 14496-15).
struct AvcConfig {
  unsigned nal_length_size = 4;
  std::vector<std::vector<std::uint8_t>> sps;
  std::vector<std::vector<std::uint8_t>> pps;
};
std::optional<AvcConfig> parse_avcc(ByteSpan codec_data);
// Builds avcC from parameter sets (nal_length_size 4); empty if no SPS or it is < 4 bytes.
std::vector<std::uint8_t> build_avcc(const std::vector<std::vector<std::uint8_t>> &sps,
                                     const std::vector<std::vector<std::uint8_t>> &pps);

}  // namespace srtcore::rtp::h264
