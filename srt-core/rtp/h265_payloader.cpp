#include "rtp/h265_payloader.hpp"

#include "rtp/nal_payloader_impl.hpp"

template class srtcore::rtp::nal::Payloader<srtcore::rtp::h265::Traits,
                                            srtcore::rtp::h265::ParameterSets>;

namespace srtcore::rtp::h265 {

bool Payloader::set_hvcc_codec_data(ByteSpan hvcc) {
  auto cfg = parse_hvcc(hvcc);
  if (!cfg) return false;
  nal::NalList sets;
  for (const NalList *list : {&cfg->vps, &cfg->sps, &cfg->pps})
    sets.insert(sets.end(), list->begin(), list->end());
  set_codec_config(cfg->nal_length_size, sets);
  return true;
}

}  // namespace srtcore::rtp::h265
