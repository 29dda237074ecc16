// The latest parameter sets of a NAL-video stream (H.264 SPS/PPS, H.265
// VPS/SPS/PPS), one map per kind keyed by id: the source of sprop-* caps
// fields, codec_data and in-band re-insertion. Kinds and ids come from the
// codec traits; h264_param_sets.hpp and h265_param_sets.hpp add what is
// derived from them (profile fields, avcC, hvcC).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "rtp/base64.hpp"
#include "rtp/bytes.hpp"

namespace srtcore::rtp::nal {

using NalList = std::vector<std::vector<std::uint8_t>>;

template <typename Traits>
class ParameterSets {
 public:
  static constexpr std::size_t kKinds = std::size(Traits::kParamSetTypes);

  // Stores a parameter set; ignores other and unparsable units. Returns true
  // when the stored set changed.
  bool update(ByteSpan nal) {
    if (nal.size() < Traits::kHeaderSize || nal.size() > kMaxSize) return false;
    const int kind = Traits::param_set_kind(Traits::type(nal.data()));
    if (kind < 0) return false;
    const auto id = Traits::param_set_id(kind, nal);
    if (!id) return false;
    auto &slot = sets_[kind][*id];
    if (std::ranges::equal(slot, nal)) return false;
    slot.assign(nal.begin(), nal.end());
    return true;
  }
  void clear() {
    for (auto &m : sets_) m.clear();
  }
  bool empty() const {
    return std::ranges::all_of(sets_, [](const Map &m) { return m.empty(); });
  }
  bool has_kind(std::size_t kind) const { return !sets_[kind].empty(); }
  // Bit per kind held (bit i: Traits::kParamSetTypes[i]).
  unsigned kinds() const {
    unsigned bits = 0;
    for (std::size_t k = 0; k < kKinds; ++k)
      if (!sets_[k].empty()) bits |= 1u << k;
    return bits;
  }

  // Comma-separated base64 units of one kind, or of all kinds in order.
  std::string sprop_of_kind(std::size_t kind) const {
    std::string out;
    for (const auto &[id, nal] : sets_[kind]) append_base64(out, nal);
    return out;
  }
  std::string sprop_all() const {
    std::string out;
    for_each([&out](ByteSpan nal) { append_base64(out, nal); });
    return out;
  }
  // Parses a comma-separated base64 list (sprop-parameter-sets, sprop-vps, ...).
  // Units of any parameter-set kind are stored; returns false if some item was
  // invalid (the valid ones are still stored).
  bool parse_sprop(std::string_view text) {
    bool all_ok = true;
    while (!text.empty()) {
      const std::size_t comma = text.find(',');
      const std::string_view item = text.substr(0, comma);
      text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
      if (item.empty()) continue;  // tolerate "a,,b" and a trailing comma
      auto nal = base64_decode(item);
      if (!nal || nal->size() < Traits::kHeaderSize || nal->size() > kMaxSize) {
        all_ok = false;
        continue;
      }
      const int kind = Traits::param_set_kind(Traits::type(nal->data()));
      if (kind < 0 || !Traits::param_set_id(kind, *nal)) {
        all_ok = false;
        continue;
      }
      update(*nal);
    }
    return all_ok;
  }

  // Units of every kind in kind then id order, for insertion before keyframes.
  template <typename Fn>
  void for_each(Fn &&fn) const {
    for (const Map &m : sets_)
      for (const auto &[id, nal] : m) fn(ByteSpan(nal));
  }
  NalList list_of_kind(std::size_t kind) const {
    NalList v;
    for (const auto &[id, nal] : sets_[kind]) v.push_back(nal);
    return v;
  }
  const std::vector<std::uint8_t> *first_of_kind(std::size_t kind) const {
    return sets_[kind].empty() ? nullptr : &sets_[kind].begin()->second;
  }

 private:
  // avcC and hvcC store 16-bit lengths; anything longer is not a real
  // parameter set and would let a stream grow our memory.
  static constexpr std::size_t kMaxSize = 0xffff;
  using Map = std::map<std::uint32_t, std::vector<std::uint8_t>>;
  static void append_base64(std::string &out, ByteSpan nal) {
    if (!out.empty()) out += ',';
    out += base64_encode(nal);
  }
  std::array<Map, kKinds> sets_;
};

}  // namespace srtcore::rtp::nal
