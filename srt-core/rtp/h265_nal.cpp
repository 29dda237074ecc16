#include "rtp/h265_nal.hpp"

#include "rtp/bit_reader.hpp"

namespace srtcore::rtp::h265 {
namespace {

constexpr std::size_t kHvccHeader = 23;

// Reads up to sps_seq_parameter_set_id; fills what it passes.
bool read_sps_head(RbspBitReader &r, SpsInfo &info) {
  r.bits(4);  // sps_video_parameter_set_id
  info.max_sub_layers_minus1 = static_cast<std::uint8_t>(r.bits(3));
  info.temporal_id_nesting = r.bit() != 0;
  if (info.max_sub_layers_minus1 > 6) return false;
  // profile_tier_level(1, max_sub_layers_minus1): 12 bytes of general fields.
  for (auto &b : info.general_ptl) b = static_cast<std::uint8_t>(r.bits(8));
  const unsigned sub = info.max_sub_layers_minus1;
  bool profile_present[8] = {}, level_present[8] = {};
  for (unsigned i = 0; i < sub; ++i) {
    profile_present[i] = r.bit() != 0;
    level_present[i] = r.bit() != 0;
  }
  if (sub > 0)
    for (unsigned i = sub; i < 8; ++i) r.bits(2);  // reserved_zero_2bits
  for (unsigned i = 0; i < sub; ++i) {
    if (profile_present[i])
      for (int k = 0; k < 11; ++k) r.bits(8);  // 88 bits of sub-layer profile
    if (level_present[i]) r.bits(8);
  }
  auto id = r.ue();
  if (!id || *id > 15) return false;
  info.sps_id = *id;
  return r.ok();
}

}  // namespace

bool first_slice_segment_in_pic(ByteSpan nal) {
  // The byte after the header cannot be an emulation prevention byte.
  return nal.size() > kNalHeaderSize && is_vcl(nal_type(nal[0])) && (nal[2] & 0x80) != 0;
}

std::optional<std::uint32_t> vps_id(ByteSpan vps) {
  if (vps.size() < 3 || nal_type(vps[0]) != kVps) return std::nullopt;
  return vps[2] >> 4;
}

std::optional<std::uint32_t> sps_id(ByteSpan sps) {
  if (sps.size() < 3 || nal_type(sps[0]) != kSps) return std::nullopt;
  RbspBitReader r(sps.subspan(kNalHeaderSize));
  SpsInfo info;
  if (!read_sps_head(r, info)) return std::nullopt;
  return info.sps_id;
}

std::optional<std::uint32_t> pps_id(ByteSpan pps) {
  if (pps.size() < 3 || nal_type(pps[0]) != kPps) return std::nullopt;
  RbspBitReader r(pps.subspan(kNalHeaderSize));
  auto id = r.ue();
  if (!id || *id > 63) return std::nullopt;
  return id;
}

std::optional<SpsInfo> parse_sps(ByteSpan sps) {
  if (sps.size() < 3 || nal_type(sps[0]) != kSps) return std::nullopt;
  RbspBitReader r(sps.subspan(kNalHeaderSize));
  SpsInfo info;
  if (!read_sps_head(r, info)) return std::nullopt;
  auto chroma = r.ue();
  if (!chroma || *chroma > 3) return std::nullopt;
  info.chroma_format_idc = *chroma;
  if (*chroma == 3) r.bit();  // separate_colour_plane_flag
  r.ue();                     // pic_width_in_luma_samples
  r.ue();                     // pic_height_in_luma_samples
  if (r.bit()) {              // conformance_window_flag
    for (int i = 0; i < 4; ++i) r.ue();
  }
  auto luma = r.ue();
  auto chroma_depth = r.ue();
  if (!luma || !chroma_depth || *luma > 8 || *chroma_depth > 8 || !r.ok()) return std::nullopt;
  info.bit_depth_luma_minus8 = *luma;
  info.bit_depth_chroma_minus8 = *chroma_depth;
  return info;
}

std::optional<HvccConfig> parse_hvcc(ByteSpan d) {
  if (d.size() < kHvccHeader || d[0] != 1) return std::nullopt;
  HvccConfig cfg;
  cfg.nal_length_size = (d[21] & 0x03) + 1u;
  if (cfg.nal_length_size == 3) return std::nullopt;  // not allowed by 14496-15
  const unsigned arrays = d[22];
  std::size_t pos = kHvccHeader;
  for (unsigned a = 0; a < arrays; ++a) {
    if (d.size() - pos < 3) return std::nullopt;
    const std::uint8_t type = d[pos] & 0x3f;
    const unsigned count = load_be16(&d[pos + 1]);
    pos += 3;
    for (unsigned i = 0; i < count; ++i) {
      if (d.size() - pos < 2) return std::nullopt;
      const std::size_t len = load_be16(&d[pos]);
      pos += 2;
      if (len > d.size() - pos) return std::nullopt;
      const ByteSpan nal = d.subspan(pos, len);
      pos += len;
      // The array type says what is meant; the unit's own header must agree.
      if (len < 3 || nal_type(nal[0]) != type) continue;
      NalList *dst = type == kVps   ? &cfg.vps
                     : type == kSps ? &cfg.sps
                     : type == kPps ? &cfg.pps
                                    : nullptr;
      if (dst) dst->emplace_back(nal.begin(), nal.end());
    }
  }
  return cfg;
}

std::vector<std::uint8_t> build_hvcc(const NalList &vps, const NalList &sps, const NalList &pps,
                                     bool complete) {
  std::vector<std::uint8_t> out;
  if (sps.empty()) return out;
  // Unparsable SPS: the header keeps neutral values; decoders read the arrays.
  const SpsInfo info = parse_sps(sps.front()).value_or(SpsInfo{});
  out.reserve(kHvccHeader + 64);
  out.push_back(1);  // configurationVersion
  out.insert(out.end(), info.general_ptl.begin(), info.general_ptl.end());
  out.push_back(0xf0);  // reserved, min_spatial_segmentation_idc = 0
  out.push_back(0x00);
  out.push_back(0xfc);  // parallelismType unknown
  out.push_back(static_cast<std::uint8_t>(0xfc | info.chroma_format_idc));
  out.push_back(static_cast<std::uint8_t>(0xf8 | info.bit_depth_luma_minus8));
  out.push_back(static_cast<std::uint8_t>(0xf8 | info.bit_depth_chroma_minus8));
  out.push_back(0);  // avgFrameRate unspecified
  out.push_back(0);
  // constantFrameRate 0, numTemporalLayers, temporalIdNested, lengthSizeMinusOne 3
  out.push_back(static_cast<std::uint8_t>(((info.max_sub_layers_minus1 + 1) << 3) |
                                          (info.temporal_id_nesting ? 0x04 : 0) | 0x03));
  const std::size_t arrays_at = out.size();
  out.push_back(0);
  auto put_array = [&](std::uint8_t type, const NalList &list) {
    if (list.empty()) return;
    const std::size_t n = list.size() < 0xffff ? list.size() : 0xffff;
    out.push_back(static_cast<std::uint8_t>((complete ? 0x80 : 0) | type));
    out.push_back(static_cast<std::uint8_t>(n >> 8));
    out.push_back(static_cast<std::uint8_t>(n));
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t len = list[i].size() < 0xffff ? list[i].size() : 0xffff;
      out.push_back(static_cast<std::uint8_t>(len >> 8));
      out.push_back(static_cast<std::uint8_t>(len));
      out.insert(out.end(), list[i].begin(), list[i].begin() + static_cast<std::ptrdiff_t>(len));
    }
    ++out[arrays_at];
  };
  put_array(kVps, vps);
  put_array(kSps, sps);
  put_array(kPps, pps);
  return out;
}

}  // namespace srtcore::rtp::h265
