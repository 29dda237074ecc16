#include "rtp/h264_depayloader.hpp"

#include <string>

#include "rtp/nal_depayloader_impl.hpp"

template class srtcore::rtp::nal::Depayloader<srtcore::rtp::h264::Traits,
                                              srtcore::rtp::h264::ParameterSets,
                                              srtcore::rtp::h264::Depacketizer>;

namespace srtcore::rtp::h264 {
namespace {

bool counts_vcl(ByteSpan nal) {
  return !nal.empty() && is_vcl(nal_type(nal[0]));
}

nal::DepayShape shape_of(const DepayloaderConfig &c) {
  nal::DepayShape s;
  s.length_prefixed = s.params_in_band = false;
  if (c.format == OutputFormat::kByteStream) s.params_in_band = true;
  if (c.format == OutputFormat::kAvc) s.length_prefixed = true;
  s.alignment = c.alignment;
  s.reorder = c.mode == PacketizationMode::kInterleaved;
  s.reorder_params = c.deinterleave;
  // RFC 6184 7.2.2: interleaving depth counts VCL NAL units.
  s.reorder_params.counts_toward_depth = counts_vcl;
  s.max_fu_size = c.max_fu_size;
  s.wait_for_keyframe = c.wait_for_keyframe;
  return s;
}

}  // namespace

Depayloader::Depayloader(const DepayloaderConfig &config)
    : nal::Depayloader<Traits, ParameterSets, Depacketizer>(
          shape_of(config), Depacketizer(config.mode, config.max_fu_size)) {}

void Depayloader::configure(const DepayloaderConfig &config) {
  depacketizer().configure(config.mode, config.max_fu_size);
  configure_shape(shape_of(config));
}

bool Depayloader::set_sprop_parameter_sets(std::string_view sprop) {
  const std::string before = params().sprop();
  const bool ok = params().parse_sprop(sprop);
  if (params().sprop() != before) note_codec_data_changed();
  return ok;
}

}  // namespace srtcore::rtp::h264
