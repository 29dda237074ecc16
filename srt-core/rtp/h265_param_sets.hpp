// Latest VPS, SPS and PPS of a stream (the shared NAL parameter-set store),
// plus what H.265 derives from them: sprop-vps/-sps/-pps, profile-id,
// tier-flag, level-id and hvcC.
#pragma once

#include <optional>
#include <string>

#include "rtp/h265_traits.hpp"
#include "rtp/nal_param_sets.hpp"

namespace srtcore::rtp::h265 {

// SDP profile-id / tier-flag / level-id of the first SPS (RFC 7798 7.1).
struct ProfileTierLevel {
  unsigned profile_space = 0;
  unsigned profile_id = 0;
  unsigned tier_flag = 0;
  unsigned level_id = 0;
};

class ParameterSets : public nal::ParameterSets<Traits> {
 public:
  bool has_vps() const { return has_kind(kind_of(kVps)); }
  bool has_sps() const { return has_kind(kind_of(kSps)); }
  bool has_pps() const { return has_kind(kind_of(kPps)); }
  // Everything a decoder needs before the first picture.
  bool complete() const { return has_vps() && has_sps() && has_pps(); }
  // Comma-separated base64 units of one kind, as in SDP sprop-vps etc.
  std::string sprop(NalType kind) const { return sprop_of_kind(kind_of(kind)); }
  std::optional<ProfileTierLevel> profile_tier_level() const;
  std::vector<std::uint8_t> hvcc(bool complete_arrays) const {
    return build_hvcc(list_of_kind(0), list_of_kind(1), list_of_kind(2), complete_arrays);
  }

 private:
  static std::size_t kind_of(NalType t) {
    return static_cast<std::size_t>(Traits::param_set_kind(t));
  }
};

}  // namespace srtcore::rtp::h265
