// Everything rtph265depay2 does that is not GStreamer: the shared NAL
// depayloader with H.265 traits (reordering by DONL/DOND), plus sprop-vps/
// -sps/-pps and hvcC codec_data for hvc1/hev1 output.
#pragma once

#include <string_view>
#include <vector>

#include "rtp/h265_depacketizer.hpp"
#include "rtp/h265_param_sets.hpp"
#include "rtp/nal_depayloader.hpp"

namespace srtcore::rtp::h265 {

// byte-stream: start codes, parameter sets in-band. hvc1: 4-byte lengths,
// parameter sets in codec_data only. hev1: 4-byte lengths, parameter sets in
// codec_data and in-band.
enum class OutputFormat { kByteStream, kHvc1, kHev1 };
using nal::Alignment;
using nal::DepayloaderStats;
using nal::DepayOutput;

struct DepayloaderConfig {
  OutputFormat format = OutputFormat::kByteStream;
  Alignment alignment = Alignment::kAu;
  // DONL/DOND present (sprop-max-don-diff > 0): units are reordered by DON.
  bool donl = false;
  DonReorderParams reorder;            // from sprop-depack-buf-nalus/-bytes, sprop-max-don-diff
  std::size_t max_fu_size = 4u << 20;  // bytes one FU reassembly may grow to
  bool wait_for_keyframe = false;      // drop until a keyframe, at start and after loss
};

class Depayloader : public nal::Depayloader<Traits, ParameterSets, Depacketizer> {
 public:
  explicit Depayloader(const DepayloaderConfig &config);
  // Keeps parameter sets; resets assembly state.
  void configure(const DepayloaderConfig &config);

  // From caps: one of sprop-vps, sprop-sps, sprop-pps. Returns false if some
  // item was invalid.
  bool add_sprop(std::string_view sprop);
  std::vector<std::uint8_t> codec_data() const { return params().hvcc(hvc1_); }
  bool has_codec_data() const { return params().complete(); }

 private:
  bool hvc1_ = false;
};

}  // namespace srtcore::rtp::h265

extern template class srtcore::rtp::nal::Depayloader<srtcore::rtp::h265::Traits,
                                                     srtcore::rtp::h265::ParameterSets,
                                                     srtcore::rtp::h265::Depacketizer>;
