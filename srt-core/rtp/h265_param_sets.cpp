#include "rtp/h265_param_sets.hpp"

#include <algorithm>

#include "rtp/base64.hpp"

namespace srtcore::rtp::h265 {
namespace {
// hvcC stores 16-bit lengths; anything longer is not a real parameter set and
// would let a stream grow our memory.
constexpr std::size_t kMaxParamSetSize = 0xffff;

bool store(std::map<std::uint32_t, std::vector<std::uint8_t>> &m, std::uint32_t id, ByteSpan nal) {
  auto &slot = m[id];
  if (slot.size() == nal.size() && std::equal(nal.begin(), nal.end(), slot.begin())) return false;
  slot.assign(nal.begin(), nal.end());
  return true;
}
}  // namespace

bool ParameterSets::update(ByteSpan nal) {
  if (nal.size() < kNalHeaderSize || nal.size() > kMaxParamSetSize) return false;
  switch (nal_type(nal[0])) {
    case kVps:
      if (auto id = vps_id(nal)) return store(vps_, *id, nal);
      return false;
    case kSps:
      if (auto id = sps_id(nal)) return store(sps_, *id, nal);
      return false;
    case kPps:
      if (auto id = pps_id(nal)) return store(pps_, *id, nal);
      return false;
    default:
      return false;
  }
}

void ParameterSets::clear() {
  vps_.clear();
  sps_.clear();
  pps_.clear();
}

std::string ParameterSets::sprop(NalType kind) const {
  const Map &m = kind == kVps ? vps_ : kind == kSps ? sps_ : pps_;
  std::string out;
  for (const auto &[id, nal] : m) {
    if (!out.empty()) out += ',';
    out += base64_encode(nal);
  }
  return out;
}

bool ParameterSets::parse_sprop(std::string_view text) {
  bool all_ok = true;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (item.empty()) continue;  // tolerate "a,,b" and a trailing comma
    auto nal = base64_decode(item);
    if (!nal || nal->size() < kNalHeaderSize || nal->size() > kMaxParamSetSize) {
      all_ok = false;
      continue;
    }
    const std::uint8_t type = nal_type((*nal)[0]);
    const bool parsable = type == kVps   ? vps_id(*nal).has_value()
                          : type == kSps ? sps_id(*nal).has_value()
                          : type == kPps ? pps_id(*nal).has_value()
                                         : false;
    if (!parsable) {
      all_ok = false;
      continue;
    }
    update(*nal);
  }
  return all_ok;
}

std::optional<ProfileTierLevel> ParameterSets::profile_tier_level() const {
  if (sps_.empty()) return std::nullopt;
  auto info = parse_sps(sps_.begin()->second);
  if (!info) return std::nullopt;
  return ProfileTierLevel{info->profile_space(), info->profile_idc(), info->tier_flag(),
                          info->level_idc()};
}

NalList ParameterSets::list(const Map &m) {
  NalList v;
  for (const auto &[id, nal] : m) v.push_back(nal);
  return v;
}

std::vector<std::uint8_t> ParameterSets::hvcc(bool complete_arrays) const {
  return build_hvcc(list(vps_), list(sps_), list(pps_), complete_arrays);
}

}  // namespace srtcore::rtp::h265
