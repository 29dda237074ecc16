// Everything rtph265pay2 does that is not GStreamer: splitting input buffers
// into NAL units, tracking VPS/SPS/PPS, inserting them before keyframes as
// config-interval asks, access-unit boundaries and packetization.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rtp/bytes.hpp"
#include "rtp/h265_packetizer.hpp"
#include "rtp/h265_param_sets.hpp"
#include "rtp/packet_sink.hpp"

namespace srtcore::rtp::h265 {

// byte-stream: Annex B; hvc: length-prefixed (hvc1 or hev1) with hvcC codec_data.
enum class InputFormat { kByteStream, kHvc };

inline constexpr std::int64_t kNoTime = -1;

struct PayloaderConfig {
  std::size_t max_payload = 1400 - 12;
  AggregateMode aggregate = AggregateMode::kNone;
  // 0: never insert VPS/SPS/PPS; -1: before every keyframe (IRAP); N > 0:
  // before a keyframe when N seconds have passed since they were last sent.
  int config_interval = 0;
};

struct PayloaderStats {
  std::uint64_t nal_units = 0;
  std::uint64_t packets = 0;
  std::uint64_t param_set_insertions = 0;  // access units that got VPS/SPS/PPS from us
  std::uint64_t malformed_buffers = 0;     // length overrun, empty buffers
  std::uint64_t dropped_units = 0;  // shorter than a header, or of a type RTP cannot carry (48..63)
};

class Payloader {
 public:
  explicit Payloader(const PayloaderConfig &config);
  void configure(const PayloaderConfig &config);

  // hvc1/hev1 input: hvcC from caps codec_data (length size and parameter
  // sets). Returns false if codec_data is malformed.
  bool set_hvcc_codec_data(ByteSpan hvcc);
  void set_input_format(InputFormat format);
  // nal-aligned input that flags the last unit of each access unit (au_end,
  // as h265parse's MARKER): units go out at once. Without it the last unit
  // that could end an AU is held until the next push, to place the marker.
  void set_input_marks_au(bool marks) { input_marks_au_ = marks; }

  // One input buffer. `au_end`: the buffer ends an access unit (alignment=au,
  // or GST_BUFFER_FLAG_MARKER on alignment=nal input). `time_ns`: stream time
  // of the buffer (kNoTime if unknown), for config-interval and access-unit
  // changes. `keyframe_hint`: upstream flagged the buffer as a keyframe; NAL
  // inspection (IRAP types) is used too. Returns false (and counts) if the
  // buffer was malformed; good units before the fault are still sent.
  bool push(ByteSpan data, bool au_end, std::int64_t time_ns, bool keyframe_hint, PacketSink &sink);
  // Ends the current access unit (EOS, timestamp change on nal input).
  void flush(PacketSink &sink);
  // force-key-unit with all-headers=true: VPS/SPS/PPS go before the next access unit.
  void request_headers() { headers_requested_ = true; }
  void reset();

  // Parameter sets seen (codec_data or in-band) for src caps.
  bool take_caps_changed();
  const ParameterSets &parameter_sets() const { return params_; }
  const PayloaderStats &stats() const { return stats_; }

 private:
  void process_nal(std::size_t index, std::int64_t time_ns, bool keyframe_hint, PacketSink &sink);
  bool starts_new_au(ByteSpan nal) const;
  void maybe_insert_headers(std::size_t index, std::int64_t time_ns, PacketSink &sink);
  bool interval_due(std::int64_t time_ns) const;
  void note_headers_sent(std::int64_t time_ns);
  void send_pending(bool au_end, PacketSink &sink);
  void end_au();

  PayloaderConfig config_;
  Packetizer packetizer_;
  ParameterSets params_;
  PayloaderStats stats_;
  InputFormat format_ = InputFormat::kByteStream;
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
  unsigned au_param_kinds_ = 0;   // bit per VPS/SPS/PPS carried in-band by this AU
  bool au_headers_done_ = false;  // parameter sets handled (inserted or in-band) for this AU
  bool au_seen_vcl_ = false;      // a slice of the current AU was seen: no insertion after it
  bool au_keyframe_ = false;
  std::int64_t au_time_ = kNoTime;
  std::int64_t last_headers_time_ = kNoTime;
  bool headers_ever_sent_ = false;
};

}  // namespace srtcore::rtp::h265
