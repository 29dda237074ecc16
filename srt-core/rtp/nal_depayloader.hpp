// Everything an H.264/H.265 depayloader element does that is not GStreamer:
// depacketization, reordering by DON, access-unit assembly, byte-stream or
// length-prefixed output with parameter sets, keyframe and loss tracking.
// Codec rules come from the traits; the codec classes (h264_depayloader.hpp,
// h265_depayloader.hpp) add their caps fields and codec_data.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "rtp/bytes.hpp"
#include "rtp/don_reorder.hpp"
#include "rtp/nal_depacketizer.hpp"

namespace srtcore::rtp::nal {

// alignment=nal: a NAL unit is output when the next one (or the AU end) is
// seen, so that the last one of an AU can carry au_end.
enum class Alignment { kNal, kAu };

// The codec-independent part of a depayloader configuration.
struct DepayShape {
  bool length_prefixed = false;  // 4-byte lengths instead of start codes
  bool params_in_band = true;    // parameter sets in the stream, not only in codec_data
  Alignment alignment = Alignment::kAu;
  bool reorder = false;  // units carry DONs and are put in decoding order
  DonReorderParams reorder_params;
  std::size_t max_fu_size = 4u << 20;  // bytes one FU reassembly may grow to
  bool wait_for_keyframe = false;      // drop until a keyframe, at start and after loss
};

// One output buffer. `data` is valid until the next call into the depayloader.
struct DepayOutput {
  ByteSpan data;
  std::uint32_t rtp_timestamp = 0;
  bool keyframe = false;  // AU (or NAL of an AU) with a keyframe unit
  bool discont = false;   // something was lost or dropped before this output
  bool au_end = false;    // last buffer of an access unit (alignment=nal: MARKER flag)
};

struct DepayloaderStats {
  DepacketizerStats depacketizer;
  DonReorderStats reorder;
  std::uint64_t access_units = 0;
  std::uint64_t dropped_waiting_keyframe = 0;  // NAL units dropped by wait-for-keyframe
  std::uint64_t param_set_insertions = 0;      // parameter sets put before a keyframe by us
  std::uint64_t dropped_au_too_large = 0;      // AU over kMaxAuSize: discarded
};

// What the traits' access-unit rule may look at besides the unit.
struct AuView {
  bool ts_changed = false;    // the unit has another RTP timestamp than the AU
  bool loss = false;          // data was lost since the AU began
  bool seen_vcl = false;      // a picture unit of the AU was seen
  bool markers_seen = false;  // the sender marks access-unit ends
  bool reordered = false;     // DON order: markers follow transmission order
};

template <typename Traits, typename ParamSets, typename Depack>
class Depayloader {
 public:
  // Bound on one assembled access unit (a stream without markers or timestamp
  // changes must not grow memory without end).
  static constexpr std::size_t kMaxAuSize = 64u << 20;

  // One RTP payload. `marker`: RTP marker bit. `lost_before`: sequence gap or
  // DISCONT before this packet (ignored on the first packet after construction
  // or reset(): nothing was lost yet). fn(const DepayOutput&) for each output buffer.
  template <typename Fn>
  DepayResult push(ByteSpan payload, std::uint32_t rtp_timestamp, bool marker, bool lost_before,
                   Fn &&fn) {
    begin_call();
    DepayResult r = push_impl(payload, rtp_timestamp, marker, lost_before);
    deliver(fn);
    return r;
  }
  // EOS: drain the reorder buffer and the pending access unit.
  template <typename Fn>
  void drain(Fn &&fn) {
    begin_call();
    drain_impl();
    deliver(fn);
  }
  // Flush-stop: forget pending data (parameter sets are kept).
  void reset();

  // Length-prefixed output: parameter sets changed since the last call, so
  // caps need new codec_data.
  bool take_codec_data_changed();
  // request-keyframe: true once after data was lost, until a keyframe is output.
  bool take_keyframe_request();
  const DepayloaderStats &stats() const;

  // From inside the push()/drain() callback: hands over the storage of an
  // output that is all the depayloader holds (the usual alignment=au case), so
  // the caller can wrap it instead of copying. nullopt when the output shares
  // storage with other data; copy it then.
  std::optional<std::vector<std::uint8_t>> take_output_storage(const DepayOutput &out);

 protected:
  Depayloader(const DepayShape &shape, Depack depacketizer);
  // Keeps parameter sets; resets assembly state.
  void configure_shape(const DepayShape &shape);
  Depack &depacketizer() { return depacketizer_; }
  ParamSets &params() { return params_; }
  const ParamSets &params() const { return params_; }
  void note_codec_data_changed() { codec_data_changed_ = true; }

 private:
  template <typename Fn>
  void deliver(Fn &fn) {
    for (const Pending &p : out_)
      fn(DepayOutput{ByteSpan(out_bytes_).subspan(p.offset, p.size), p.rtp_ts, p.keyframe,
                     p.discont, p.au_end});
  }
  // Moves the unfinished output (AU or held NAL) to the front of out_bytes_.
  void begin_call();
  DepayResult push_impl(ByteSpan payload, std::uint32_t rtp_timestamp, bool marker,
                        bool lost_before);
  void drain_impl();
  // NAL unit in decoding order -> access unit assembly.
  void on_nal(ByteSpan nal, std::uint32_t rtp_ts);
  bool starts_new_au(ByteSpan nal, std::uint32_t rtp_ts) const;
  void finish_au();
  void reset_au_state();
  void append_nal(ByteSpan nal);
  void insert_param_sets();
  void emit(std::size_t offset, std::size_t size, bool keyframe, bool au_end);
  void emit_held(bool au_end);
  void note_loss();
  void raise_keyframe_request();
  void discard_au(bool count_as_waiting);

  DepayShape shape_;
  Depack depacketizer_;
  DonReorder reorder_;
  ParamSets params_;
  mutable DepayloaderStats stats_;

  // Current access unit. Its bytes (alignment=au) or the last NAL unit not yet
  // known to end the AU (alignment=nal) live at out_bytes_[carry_start_, end).
  std::size_t carry_start_ = 0;
  bool au_active_ = false;  // a unit of the current AU was seen
  std::uint32_t au_ts_ = 0;
  bool au_keyframe_ = false;
  bool au_seen_vcl_ = false;
  bool au_loss_ = false;           // data was lost since this AU began
  unsigned au_param_kinds_ = 0;    // parameter-set kinds carried in-band by this AU (bits)
  std::size_t au_insert_pos_ = 0;  // offset in the AU where parameter sets go (after an AUD)
  std::size_t au_nal_count_ = 0;
  bool held_ = false;  // alignment=nal: a NAL unit waits at carry_start_
  bool held_keyframe_ = false;
  bool discont_pending_ = false;
  bool waiting_keyframe_ = false;
  bool keyframe_request_ = false;
  bool request_blocked_ = false;  // a request was raised; no more until a keyframe is output
  bool codec_data_changed_ = false;
  bool started_ = false;       // a packet was seen since start/reset
  bool markers_seen_ = false;  // the sender marks access-unit ends

  // Outputs of one call, delivered by the template front-ends.
  struct Pending {
    std::size_t offset, size;
    std::uint32_t rtp_ts;
    bool keyframe, discont, au_end;
  };
  std::vector<std::uint8_t> out_bytes_;
  std::size_t out_hint_ = 0;  // capacity of the last access unit handed over
  std::vector<Pending> out_;
};

}  // namespace srtcore::rtp::nal
