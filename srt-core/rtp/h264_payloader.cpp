#include "rtp/h264_payloader.hpp"

#include "rtp/nal_payloader_impl.hpp"

template class srtcore::rtp::nal::Payloader<srtcore::rtp::h264::Traits,
                                            srtcore::rtp::h264::ParameterSets>;

namespace srtcore::rtp::h264 {

bool Payloader::set_avc_codec_data(ByteSpan avcc) {
  auto cfg = parse_avcc(avcc);
  if (!cfg) return false;
  nal::NalList sets = cfg->sps;
  sets.insert(sets.end(), cfg->pps.begin(), cfg->pps.end());
  set_codec_config(cfg->nal_length_size, sets);
  return true;
}

}  // namespace srtcore::rtp::h264
