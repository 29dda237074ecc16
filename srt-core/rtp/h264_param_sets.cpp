#include "rtp/h264_param_sets.hpp"

#include <algorithm>

#include "rtp/base64.hpp"
#include "rtp/h264_nal.hpp"

namespace srtcore::rtp::h264 {
namespace {
// avcC stores 16-bit lengths; anything longer is not a real parameter set and
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
  if (nal.empty() || nal.size() > kMaxParamSetSize) return false;
  switch (nal_type(nal[0])) {
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
  sps_.clear();
  pps_.clear();
}

std::string ParameterSets::sprop() const {
  std::string out;
  for_each([&out](ByteSpan nal) {
    if (!out.empty()) out += ',';
    out += base64_encode(nal);
  });
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
    if (!nal || nal->empty()) {
      all_ok = false;
      continue;
    }
    const std::uint8_t type = nal_type((*nal)[0]);
    const bool parsable = type == kSps   ? sps_id(*nal).has_value()
                          : type == kPps ? pps_id(*nal).has_value()
                                         : false;
    if (!parsable || nal->size() > kMaxParamSetSize) {
      all_ok = false;
      continue;
    }
    update(*nal);
  }
  return all_ok;
}

std::optional<std::string> ParameterSets::profile_level_id() const {
  if (sps_.empty()) return std::nullopt;
  return h264::profile_level_id(sps_.begin()->second);
}

std::vector<std::uint8_t> ParameterSets::avcc() const {
  return build_avcc(sps_list(), pps_list());
}

std::vector<std::vector<std::uint8_t>> ParameterSets::sps_list() const {
  std::vector<std::vector<std::uint8_t>> v;
  for (const auto &[id, nal] : sps_) v.push_back(nal);
  return v;
}

std::vector<std::vector<std::uint8_t>> ParameterSets::pps_list() const {
  std::vector<std::vector<std::uint8_t>> v;
  for (const auto &[id, nal] : pps_) v.push_back(nal);
  return v;
}

}  // namespace srtcore::rtp::h264
