// Latest SPS and PPS of a stream (the shared NAL parameter-set store), plus
// what H.264 derives from them: profile-level-id and avcC.
#pragma once

#include <optional>
#include <string>

#include "rtp/h264_traits.hpp"
#include "rtp/nal_param_sets.hpp"

namespace srtcore::rtp::h264 {

class ParameterSets : public nal::ParameterSets<Traits> {
 public:
  bool has_sps() const { return has_kind(0); }
  bool has_pps() const { return has_kind(1); }
  // Comma-separated base64 SPS then PPS, as in SDP sprop-parameter-sets.
  std::string sprop() const { return sprop_all(); }
  std::optional<std::string> profile_level_id() const;
  std::vector<std::uint8_t> avcc() const { return build_avcc(sps_list(), pps_list()); }
  nal::NalList sps_list() const { return list_of_kind(0); }
  nal::NalList pps_list() const { return list_of_kind(1); }
};

}  // namespace srtcore::rtp::h264
