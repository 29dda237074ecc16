// Everything rtph264depay2 does that is not GStreamer: the shared NAL
// depayloader with H.264 traits (packetization modes, de-interleaving by DON),
// plus sprop-parameter-sets and avcC codec_data.
#pragma once

#include <string_view>
#include <vector>

#include "rtp/h264_depacketizer.hpp"
#include "rtp/h264_param_sets.hpp"
#include "rtp/nal_depayloader.hpp"

namespace srtcore::rtp::h264 {

enum class OutputFormat { kByteStream, kAvc };  // avc: 4-byte lengths, SPS/PPS in codec_data
using nal::Alignment;
using nal::DepayloaderStats;
using nal::DepayOutput;

struct DepayloaderConfig {
  OutputFormat format = OutputFormat::kByteStream;
  Alignment alignment = Alignment::kAu;
  PacketizationMode mode = PacketizationMode::kNonInterleaved;
  DonReorderParams deinterleave;       // from sprop-interleaving-depth etc.
  std::size_t max_fu_size = 4u << 20;  // bytes one FU reassembly may grow to
  bool wait_for_keyframe = false;      // drop until a keyframe, at start and after loss
};

class Depayloader : public nal::Depayloader<Traits, ParameterSets, Depacketizer> {
 public:
  explicit Depayloader(const DepayloaderConfig &config);
  // Keeps parameter sets; resets assembly state.
  void configure(const DepayloaderConfig &config);

  // From caps: sprop-parameter-sets. Returns false if some item was invalid.
  bool set_sprop_parameter_sets(std::string_view sprop);
  std::vector<std::uint8_t> codec_data() const { return params().avcc(); }
  bool has_codec_data() const { return params().has_sps() && params().has_pps(); }
};

}  // namespace srtcore::rtp::h264

extern template class srtcore::rtp::nal::Depayloader<srtcore::rtp::h264::Traits,
                                                     srtcore::rtp::h264::ParameterSets,
                                                     srtcore::rtp::h264::Depacketizer>;
