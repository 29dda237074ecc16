#include "rtp/h265_param_sets.hpp"

namespace srtcore::rtp::h265 {

std::optional<ProfileTierLevel> ParameterSets::profile_tier_level() const {
  const auto *sps = first_of_kind(kind_of(kSps));
  if (!sps) return std::nullopt;
  auto info = parse_sps(*sps);
  if (!info) return std::nullopt;
  return ProfileTierLevel{info->profile_space(), info->profile_idc(), info->tier_flag(),
                          info->level_idc()};
}

}  // namespace srtcore::rtp::h265
