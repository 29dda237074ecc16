// Everything rtph265pay2 does that is not GStreamer: the shared NAL payloader
// with H.265 traits, plus hvcC codec_data.
#pragma once

#include "rtp/h265_packetizer.hpp"
#include "rtp/h265_param_sets.hpp"
#include "rtp/nal_payloader.hpp"

namespace srtcore::rtp::h265 {

// byte-stream: Annex B; hvc: length-prefixed (hvc1 or hev1) with hvcC codec_data.
enum class InputFormat { kByteStream, kHvc };

using nal::kNoTime;
using nal::PayloaderConfig;
using nal::PayloaderStats;

class Payloader : public nal::Payloader<Traits, ParameterSets> {
 public:
  using nal::Payloader<Traits, ParameterSets>::Payloader;

  // hvc1/hev1 input: hvcC from caps codec_data (length size and parameter
  // sets). Returns false if codec_data is malformed.
  bool set_hvcc_codec_data(ByteSpan hvcc);
  void set_input_format(InputFormat format) { set_length_prefixed(format == InputFormat::kHvc); }
};

}  // namespace srtcore::rtp::h265

extern template class srtcore::rtp::nal::Payloader<srtcore::rtp::h265::Traits,
                                                   srtcore::rtp::h265::ParameterSets>;
