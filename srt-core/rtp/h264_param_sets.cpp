#include "rtp/h264_param_sets.hpp"

namespace srtcore::rtp::h264 {

std::optional<std::string> ParameterSets::profile_level_id() const {
  const auto *sps = first_of_kind(0);
  if (!sps) return std::nullopt;
  return h264::profile_level_id(*sps);
}

}  // namespace srtcore::rtp::h264
