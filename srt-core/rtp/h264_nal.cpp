#include "rtp/h264_nal.hpp"

#include "rtp/bit_reader.hpp"

namespace srtcore::rtp::h264 {

bool slice_is_first_in_picture(ByteSpan nal) {
  if (nal.size() < 2) return false;
  const std::uint8_t type = nal_type(nal[0]);
  // Partitions B and C (3, 4) start with slice_id, not first_mb_in_slice.
  if (type != kSlice && type != kSliceDpa && type != kIdr) return false;
  // ue(v) == 0 is the single bit '1'; the byte after the header cannot be an
  // emulation prevention byte, so no unescaping is needed.
  return (nal[1] & 0x80) != 0;
}

bool sei_has_recovery_point(ByteSpan nal) {
  if (nal.size() < 2 || nal_type(nal[0]) != kSei) return false;
  RbspBitReader r(nal.subspan(1));
  while (r.more_bytes()) {
    auto b = r.byte();
    if (!b) return false;
    if (*b == 0x80 && !r.more_bytes()) return false;  // rbsp_trailing_bits
    std::uint32_t type = *b;
    while (*b == 0xff) {
      b = r.byte();
      if (!b) return false;
      type += *b;
    }
    std::uint32_t size = 0;
    do {
      b = r.byte();
      if (!b) return false;
      size += *b;
    } while (*b == 0xff);
    if (type == 6) return true;
    for (std::uint32_t i = 0; i < size; ++i)
      if (!r.byte()) return false;
  }
  return false;
}

std::optional<std::uint32_t> sps_id(ByteSpan sps) {
  if (sps.size() < 5 || nal_type(sps[0]) != kSps) return std::nullopt;
  RbspBitReader r(sps.subspan(1));
  r.bits(24);  // profile_idc, constraint flags, level_idc
  auto id = r.ue();
  if (!id || *id > 31) return std::nullopt;
  return id;
}

std::optional<std::uint32_t> pps_id(ByteSpan pps) {
  if (pps.size() < 2 || nal_type(pps[0]) != kPps) return std::nullopt;
  RbspBitReader r(pps.subspan(1));
  auto id = r.ue();
  if (!id || *id > 255) return std::nullopt;
  return id;
}

std::optional<std::string> profile_level_id(ByteSpan sps) {
  if (sps.size() < 4 || nal_type(sps[0]) != kSps) return std::nullopt;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(6);
  for (std::size_t i = 1; i < 4; ++i) {
    s += kHex[sps[i] >> 4];
    s += kHex[sps[i] & 0xf];
  }
  return s;
}

std::optional<AvcConfig> parse_avcc(ByteSpan d) {
  // version, profile, compat, level, 0xfc|lengthSizeMinusOne, 0xe0|numSps
  if (d.size() < 7 || d[0] != 1) return std::nullopt;
  AvcConfig cfg;
  cfg.nal_length_size = (d[4] & 0x03) + 1u;
  std::size_t pos = 6;
  auto read_sets = [&](unsigned count, std::vector<std::vector<std::uint8_t>> &dst) {
    for (unsigned i = 0; i < count; ++i) {
      if (d.size() - pos < 2) return false;
      const std::size_t len = load_be16(&d[pos]);
      pos += 2;
      if (len == 0 || len > d.size() - pos) return false;
      dst.emplace_back(d.begin() + static_cast<std::ptrdiff_t>(pos),
                       d.begin() + static_cast<std::ptrdiff_t>(pos + len));
      pos += len;
    }
    return true;
  };
  if (!read_sets(d[5] & 0x1f, cfg.sps)) return std::nullopt;
  if (pos >= d.size()) return std::nullopt;
  const unsigned num_pps = d[pos++];
  if (!read_sets(num_pps, cfg.pps)) return std::nullopt;
  // Trailing bytes (High profile chroma/bit-depth extension) are ignored.
  return cfg;
}

std::vector<std::uint8_t> build_avcc(const std::vector<std::vector<std::uint8_t>> &sps,
                                     const std::vector<std::vector<std::uint8_t>> &pps) {
  std::vector<std::uint8_t> out;
  if (sps.empty() || sps.front().size() < 4) return out;
  const std::size_t nsps = sps.size() < 31 ? sps.size() : 31;
  const std::size_t npps = pps.size() < 255 ? pps.size() : 255;
  out.push_back(1);
  out.push_back(sps.front()[1]);
  out.push_back(sps.front()[2]);
  out.push_back(sps.front()[3]);
  out.push_back(0xff);  // lengthSizeMinusOne = 3
  out.push_back(static_cast<std::uint8_t>(0xe0 | nsps));
  auto put = [&out](const std::vector<std::uint8_t> &nal) {
    const std::size_t len = nal.size() < 0xffff ? nal.size() : 0xffff;
    out.push_back(static_cast<std::uint8_t>(len >> 8));
    out.push_back(static_cast<std::uint8_t>(len));
    out.insert(out.end(), nal.begin(), nal.begin() + static_cast<std::ptrdiff_t>(len));
  };
  for (std::size_t i = 0; i < nsps; ++i) put(sps[i]);
  out.push_back(static_cast<std::uint8_t>(npps));
  for (std::size_t i = 0; i < npps; ++i) put(pps[i]);
  return out;
}

}  // namespace srtcore::rtp::h264
