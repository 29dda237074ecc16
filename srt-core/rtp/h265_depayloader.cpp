#include "rtp/h265_depayloader.hpp"

#include "rtp/nal_depayloader_impl.hpp"

template class srtcore::rtp::nal::Depayloader<srtcore::rtp::h265::Traits,
                                              srtcore::rtp::h265::ParameterSets,
                                              srtcore::rtp::h265::Depacketizer>;

namespace srtcore::rtp::h265 {
namespace {

nal::DepayShape shape_of(const DepayloaderConfig &c) {
  nal::DepayShape s;
  s.length_prefixed = c.format != OutputFormat::kByteStream;
  s.params_in_band = c.format != OutputFormat::kHvc1;
  s.alignment = c.alignment;
  s.reorder = c.donl;
  s.reorder_params = c.reorder;
  s.max_fu_size = c.max_fu_size;
  s.wait_for_keyframe = c.wait_for_keyframe;
  return s;
}

}  // namespace

Depayloader::Depayloader(const DepayloaderConfig &config)
    : nal::Depayloader<Traits, ParameterSets, Depacketizer>(
          shape_of(config), Depacketizer(config.donl, config.max_fu_size)),
      hvc1_(config.format == OutputFormat::kHvc1) {}

void Depayloader::configure(const DepayloaderConfig &config) {
  hvc1_ = config.format == OutputFormat::kHvc1;
  depacketizer().configure(config.donl, config.max_fu_size);
  configure_shape(shape_of(config));
}

bool Depayloader::add_sprop(std::string_view sprop) {
  const std::vector<std::uint8_t> before = params().hvcc(false);
  const bool ok = params().parse_sprop(sprop);
  if (params().hvcc(false) != before) note_codec_data_changed();
  return ok;
}

}  // namespace srtcore::rtp::h265
