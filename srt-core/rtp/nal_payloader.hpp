// Everything an H.264/H.265 payloader element does that is not GStreamer:
// splitting input buffers into NAL units, tracking parameter sets, inserting
// them before keyframes as config-interval asks, access-unit boundaries and
// packetization. Codec rules come from the traits; the codec classes
// (h264_payloader.hpp, h265_payloader.hpp) add codec_data and caps fields.
#pragma once

#include <cstdint>
#include <vector>

#include "rtp/bytes.hpp"
#include "rtp/nal_packetizer.hpp"
#include "rtp/nal_param_sets.hpp"
#include "rtp/packet_sink.hpp"

namespace srtcore::rtp::nal {

inline constexpr std::int64_t kNoTime = -1;

struct PayloaderConfig {
  std::size_t max_payload = 1400 - 12;
  AggregateMode aggregate = AggregateMode::kNone;
  // 0: never insert parameter sets; -1: before every keyframe; N > 0: before
  // a keyframe when N seconds have passed since they were last sent.
  int config_interval = 0;
};

struct PayloaderStats {
  std::uint64_t nal_units = 0;
  std::uint64_t packets = 0;
  std::uint64_t param_set_insertions = 0;  // access units that got parameter sets from us
  std::uint64_t malformed_buffers = 0;     // length overrun, empty buffers
  std::uint64_t dropped_units = 0;         // shorter than a header, or of a type RTP cannot carry
};

template <typename Traits, typename ParamSets>
class Payloader {
 public:
  explicit Payloader(const PayloaderConfig &config);
  void configure(const PayloaderConfig &config);

  // Length-prefixed input (avc, hvc1/hev1) with `length_size`-byte lengths,
  // or Annex B byte-stream.
  void set_length_prefixed(bool prefixed) { length_prefixed_ = prefixed; }
  // nal-aligned input that flags the last unit of each access unit (au_end,
  // as h26xparse's MARKER): units go out at once. Without it the last unit
  // that could end an AU is held until the next push, to place the marker.
  void set_input_marks_au(bool marks) { input_marks_au_ = marks; }

  // One input buffer. `au_end`: the buffer ends an access unit (alignment=au,
  // or GST_BUFFER_FLAG_MARKER on alignment=nal input). `time_ns`: stream time
  // of the buffer (kNoTime if unknown), for config-interval and access-unit
  // changes. `keyframe_hint`: upstream flagged the buffer as a keyframe; NAL
  // inspection is used too. Returns false (and counts) if the buffer was
  // malformed; good units before the fault are still sent.
  bool push(ByteSpan data, bool au_end, std::int64_t time_ns, bool keyframe_hint, PacketSink &sink);
  // Ends the current access unit (EOS, timestamp change on nal input).
  void flush(PacketSink &sink);
  // force-key-unit with all-headers=true: parameter sets go before the next access unit.
  void request_headers() { headers_requested_ = true; }
  void reset();

  // Parameter sets seen (codec_data or in-band) for src caps.
  bool take_caps_changed();
  const ParamSets &parameter_sets() const { return params_; }
  const PayloaderStats &stats() const { return stats_; }

 protected:
  // codec_data: the length size and parameter sets it carries.
  void set_codec_config(unsigned nal_length_size, const NalList &param_sets);

 private:
  void process_nal(std::size_t index, std::int64_t time_ns, bool keyframe_hint, PacketSink &sink);
  bool starts_new_au(ByteSpan nal, std::int64_t time_ns) const;
  void maybe_insert_headers(std::size_t index, std::int64_t time_ns, PacketSink &sink);
  bool interval_due(std::int64_t time_ns) const;
  void note_headers_sent(std::int64_t time_ns);
  void send_pending(bool au_end, PacketSink &sink);
  void end_au();

  PayloaderConfig config_;
  Packetizer<Traits> packetizer_;
  ParamSets params_;
  PayloaderStats stats_;
  bool length_prefixed_ = false;
  unsigned nal_length_size_ = 4;
  bool caps_changed_ = false;
  bool input_marks_au_ = false;
  bool headers_requested_ = false;
  // NAL units of the buffer being pushed (spans into it), capacity reused.
  std::vector<ByteSpan> nals_;
  // The last unit seen is held back until we know whether it ends its access
  // unit (it needs the marker bit). Spans the input buffer, or pending_copy_
  // when it has to outlive push().
  ByteSpan pending_;
  bool has_pending_ = false;
  std::vector<std::uint8_t> pending_copy_;
  // Access-unit tracking
  bool in_au_ = false;            // some unit of the current AU was seen
  unsigned au_param_kinds_ = 0;   // bit per parameter-set kind carried in-band by this AU
  bool au_headers_done_ = false;  // parameter sets handled (inserted or in-band) for this AU
  bool au_seen_vcl_ = false;      // a slice of the current AU was seen: no insertion after it
  bool au_keyframe_ = false;
  std::int64_t au_time_ = kNoTime;
  std::int64_t last_headers_time_ = kNoTime;
  bool headers_ever_sent_ = false;
};

}  // namespace srtcore::rtp::nal
