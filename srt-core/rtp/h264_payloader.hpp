// Everything rtph264pay2 does that is not GStreamer: the shared NAL payloader
// with H.264 traits, plus avc codec_data and the SDP fields of the caps.
#pragma once

#include <optional>
#include <string>

#include "rtp/h264_packetizer.hpp"
#include "rtp/h264_param_sets.hpp"
#include "rtp/nal_payloader.hpp"

namespace srtcore::rtp::h264 {

enum class InputFormat { kByteStream, kAvc };

using nal::kNoTime;
using nal::PayloaderConfig;
using nal::PayloaderStats;

class Payloader : public nal::Payloader<Traits, ParameterSets> {
 public:
  using nal::Payloader<Traits, ParameterSets>::Payloader;

  // avc input: avcC from caps codec_data (length size and parameter sets).
  // Returns false if codec_data is malformed.
  bool set_avc_codec_data(ByteSpan avcc);
  void set_input_format(InputFormat format) { set_length_prefixed(format == InputFormat::kAvc); }

  std::string sprop_parameter_sets() const { return parameter_sets().sprop(); }
  std::optional<std::string> profile_level_id() const {
    return parameter_sets().profile_level_id();
  }
};

}  // namespace srtcore::rtp::h264

extern template class srtcore::rtp::nal::Payloader<srtcore::rtp::h264::Traits,
                                                   srtcore::rtp::h264::ParameterSets>;
