#include "rtp/h265_payloader.hpp"

#include "rtp/h265_nal.hpp"
#include "rtp/nal_scan.hpp"

namespace srtcore::rtp::h265 {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

// Forwards to the caller's sink and counts packets for the stats.
class CountingSink final : public PacketSink {
 public:
  CountingSink(PacketSink &inner, std::uint64_t &packets) : inner_(inner), packets_(packets) {}
  std::span<std::uint8_t> begin_packet(std::size_t payload_size) override {
    return inner_.begin_packet(payload_size);
  }
  void end_packet(bool marker) override {
    ++packets_;
    inner_.end_packet(marker);
  }

 private:
  PacketSink &inner_;
  std::uint64_t &packets_;
};

unsigned kind_bit(std::uint8_t type) {
  return 1u << (type - kVps);  // VPS 1, SPS 2, PPS 4
}

// Kinds of parameter set a decoder has been given so far.
unsigned known_kinds(const ParameterSets &p) {
  return (p.has_vps() ? kind_bit(kVps) : 0) | (p.has_sps() ? kind_bit(kSps) : 0) |
         (p.has_pps() ? kind_bit(kPps) : 0);
}

// RTP cannot carry units of types 48..63 (they are its own payload
// structures or reserved), nor anything shorter than a header.
bool carriable(ByteSpan nal) {
  return nal.size() >= kNalHeaderSize && nal_type(nal[0]) < kAp;
}

}  // namespace

Payloader::Payloader(const PayloaderConfig &config)
    : config_(config), packetizer_(config.max_payload, config.aggregate) {}

void Payloader::configure(const PayloaderConfig &config) {
  config_ = config;
  packetizer_.configure(config.max_payload, config.aggregate);
}

bool Payloader::set_hvcc_codec_data(ByteSpan hvcc) {
  auto cfg = parse_hvcc(hvcc);
  if (!cfg) return false;
  nal_length_size_ = cfg->nal_length_size;
  for (const NalList *list : {&cfg->vps, &cfg->sps, &cfg->pps})
    for (const auto &nal : *list) caps_changed_ |= params_.update(nal);
  return true;
}

void Payloader::set_input_format(InputFormat format) {
  format_ = format;
}

bool Payloader::take_caps_changed() {
  const bool changed = caps_changed_;
  caps_changed_ = false;
  return changed;
}

void Payloader::reset() {
  packetizer_.reset();
  has_pending_ = false;
  pending_ = {};
  end_au();
  last_headers_time_ = kNoTime;
  headers_ever_sent_ = false;
}

bool Payloader::push(ByteSpan data, bool au_end, std::int64_t time_ns, bool keyframe_hint,
                     PacketSink &sink) {
  CountingSink out(sink, stats_.packets);
  nals_.clear();
  bool ok = true;
  auto collect = [this](ByteSpan nal) {
    if (carriable(nal))
      nals_.push_back(nal);
    else
      ++stats_.dropped_units;
  };
  if (data.empty()) {
    ok = false;
  } else if (format_ == InputFormat::kByteStream) {
    for_each_annexb_nal(data, collect);
  } else {
    ok = for_each_length_prefixed_nal(data, nal_length_size_, collect);
  }
  if (!ok) ++stats_.malformed_buffers;

  for (std::size_t i = 0; i < nals_.size(); ++i) process_nal(i, time_ns, keyframe_hint, out);

  if (has_pending_) {
    if (au_end) {
      send_pending(true, out);
    } else if (input_marks_au_ || starts_au_after_vcl(nal_type(pending_[0]))) {
      send_pending(false, out);  // the input says, or the unit cannot end an AU
    } else if (pending_.data() != pending_copy_.data()) {
      // Whether it ends the access unit is known only from what comes next.
      pending_copy_.assign(pending_.begin(), pending_.end());
      pending_ = pending_copy_;
    }
  } else if (au_end && in_au_) {
    packetizer_.flush(true, out);
    end_au();
  }
  return ok;
}

void Payloader::flush(PacketSink &sink) {
  CountingSink out(sink, stats_.packets);
  if (has_pending_) {
    send_pending(true, out);
  } else {
    packetizer_.flush(true, out);
    end_au();
  }
}

bool Payloader::starts_new_au(ByteSpan nal) const {
  // The bitstream says where access units begin (H.265 7.4.2.4.4): a picture's
  // first slice segment, or a prefix unit after a picture. Not the time:
  // h265parse alignment=nal stamps later units of a picture with other times
  // (no PTS, a DTS), and those units stay in their picture. An AU ends only
  // after its picture.
  if (!au_seen_vcl_) return false;
  const std::uint8_t type = nal_type(nal[0]);
  if (is_vcl(type)) return layer_id(nal[0], nal[1]) == 0 && first_slice_segment_in_pic(nal);
  return starts_au_after_vcl(type);
}

void Payloader::process_nal(std::size_t index, std::int64_t time_ns, bool keyframe_hint,
                            PacketSink &sink) {
  const ByteSpan nal = nals_[index];
  const std::uint8_t type = nal_type(nal[0]);
  if (in_au_ && starts_new_au(nal)) {
    if (has_pending_) {
      send_pending(true, sink);
    } else {
      packetizer_.flush(true, sink);
      end_au();
    }
  }
  if (!in_au_) {
    in_au_ = true;
    au_time_ = time_ns;
  } else if (au_time_ == kNoTime) {
    au_time_ = time_ns;
  }
  au_keyframe_ |= keyframe_hint;

  if (is_param_set(type)) {
    au_param_kinds_ |= kind_bit(type);
    caps_changed_ |= params_.update(nal);
    // The access unit carries every kind we know of: nothing to add to it.
    const unsigned known = known_kinds(params_);
    if (known != 0 && (au_param_kinds_ & known) == known) note_headers_sent(time_ns);
  } else if (type != kAud && !au_headers_done_ && !au_seen_vcl_) {
    maybe_insert_headers(index, time_ns, sink);
  }
  if (is_vcl(type)) au_seen_vcl_ = true;

  if (has_pending_) send_pending(false, sink);
  pending_ = nal;
  has_pending_ = true;
}

void Payloader::maybe_insert_headers(std::size_t index, std::int64_t time_ns, PacketSink &sink) {
  // Look ahead to the first slice of this AU so that parameter sets go before
  // its prefix SEI units too, not between them and the IRAP slice.
  if (!au_keyframe_) {
    for (std::size_t j = index; j < nals_.size(); ++j) {
      const std::uint8_t t = nal_type(nals_[j][0]);
      if (is_irap(t)) {
        au_keyframe_ = true;
        break;
      }
      if (is_vcl(t)) break;
    }
  }
  const bool want = headers_requested_ || (au_keyframe_ && interval_due(time_ns));
  if (!want || params_.empty()) return;  // decided again at the next unit before a slice
  au_headers_done_ = true;
  if (has_pending_) send_pending(false, sink);  // an AUD goes first
  params_.for_each([&](ByteSpan ps) {
    packetizer_.push(ps, false, sink);
    ++stats_.nal_units;
  });
  ++stats_.param_set_insertions;
  note_headers_sent(time_ns);
}

bool Payloader::interval_due(std::int64_t time_ns) const {
  if (config_.config_interval == 0) return false;
  if (config_.config_interval < 0 || !headers_ever_sent_) return true;
  if (time_ns == kNoTime || last_headers_time_ == kNoTime) return true;
  // Time going backwards (seek, new segment) counts as due.
  return time_ns < last_headers_time_ ||
         time_ns - last_headers_time_ >= std::int64_t{config_.config_interval} * kSecond;
}

void Payloader::note_headers_sent(std::int64_t time_ns) {
  au_headers_done_ = true;
  headers_requested_ = false;
  headers_ever_sent_ = true;
  last_headers_time_ = time_ns;
}

void Payloader::send_pending(bool au_end, PacketSink &sink) {
  has_pending_ = false;
  packetizer_.push(pending_, au_end, sink);
  ++stats_.nal_units;
  if (au_end) end_au();
}

void Payloader::end_au() {
  in_au_ = false;
  au_param_kinds_ = 0;
  au_headers_done_ = false;
  au_seen_vcl_ = false;
  au_keyframe_ = false;
  au_time_ = kNoTime;
}

}  // namespace srtcore::rtp::h265
