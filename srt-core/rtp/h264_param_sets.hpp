// Latest SPS and PPS of a stream, keyed by id; source of sprop-parameter-sets,
// profile-level-id, avcC and in-band re-insertion.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rtp/bytes.hpp"

namespace srtcore::rtp::h264 {

class ParameterSets {
 public:
  // Stores an SPS (type 7) or PPS (type 8) NAL unit; ignores others and
  // unparsable ones. Returns true when the stored set changed.
  bool update(ByteSpan nal);
  void clear();
  bool empty() const { return sps_.empty() && pps_.empty(); }
  bool has_sps() const { return !sps_.empty(); }
  bool has_pps() const { return !pps_.empty(); }

  // Comma-separated base64 SPS then PPS, as in SDP sprop-parameter-sets.
  std::string sprop() const;
  // Parses sprop-parameter-sets; returns false if any item is not valid base64
  // or not an SPS/PPS (the valid ones are still stored).
  bool parse_sprop(std::string_view text);
  std::optional<std::string> profile_level_id() const;
  std::vector<std::uint8_t> avcc() const;

  // SPS then PPS NAL units in id order, for insertion before keyframes.
  template <typename Fn>
  void for_each(Fn &&fn) const {
    for (const auto &[id, nal] : sps_) fn(ByteSpan(nal));
    for (const auto &[id, nal] : pps_) fn(ByteSpan(nal));
  }
  std::vector<std::vector<std::uint8_t>> sps_list() const;
  std::vector<std::vector<std::uint8_t>> pps_list() const;

 private:
  std::map<std::uint32_t, std::vector<std::uint8_t>> sps_;
  std::map<std::uint32_t, std::vector<std::uint8_t>> pps_;
};

}  // namespace srtcore::rtp::h264
