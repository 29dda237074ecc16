// Latest VPS, SPS and PPS of a stream, keyed by id: source of sprop-vps,
// sprop-sps, sprop-pps, profile-id, tier-flag, level-id, hvcC and in-band
// re-insertion.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rtp/bytes.hpp"
#include "rtp/h265_nal.hpp"

namespace srtcore::rtp::h265 {

// SDP profile-id / tier-flag / level-id of the first SPS (RFC 7798 7.1).
struct ProfileTierLevel {
  unsigned profile_space = 0;
  unsigned profile_id = 0;
  unsigned tier_flag = 0;
  unsigned level_id = 0;
};

class ParameterSets {
 public:
  // Stores a VPS, SPS or PPS; ignores other and unparsable units. Returns
  // true when the stored set changed.
  bool update(ByteSpan nal);
  void clear();
  bool empty() const { return vps_.empty() && sps_.empty() && pps_.empty(); }
  bool has_vps() const { return !vps_.empty(); }
  bool has_sps() const { return !sps_.empty(); }
  bool has_pps() const { return !pps_.empty(); }
  // Everything a decoder needs before the first picture.
  bool complete() const { return has_vps() && has_sps() && has_pps(); }

  // Comma-separated base64 units of one kind, as in SDP sprop-vps etc.
  std::string sprop(NalType kind) const;
  // Parses one sprop-* value. Units of any parameter-set type are stored
  // wherever they appear; returns false if some item was invalid (the valid
  // ones are still stored).
  bool parse_sprop(std::string_view text);
  std::optional<ProfileTierLevel> profile_tier_level() const;
  std::vector<std::uint8_t> hvcc(bool complete_arrays) const;

  // VPS, SPS then PPS units in id order, for insertion before keyframes.
  template <typename Fn>
  void for_each(Fn &&fn) const {
    for (const auto &[id, nal] : vps_) fn(ByteSpan(nal));
    for (const auto &[id, nal] : sps_) fn(ByteSpan(nal));
    for (const auto &[id, nal] : pps_) fn(ByteSpan(nal));
  }

 private:
  using Map = std::map<std::uint32_t, std::vector<std::uint8_t>>;
  static NalList list(const Map &m);
  Map vps_, sps_, pps_;
};

}  // namespace srtcore::rtp::h265
