#include "rtp/h264_payloader.hpp"

#include "rtp/h264_nal.hpp"
#include "rtp/nal_scan.hpp"

namespace srtcore::rtp::h264 {
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

// Units that may be the last of an access unit. AUD, SPS, PPS, SEI and types
// 14..18 after a slice start a new one (H.264 7.4.1.2.3), so they never are.
bool may_end_au(std::uint8_t type) {
  return !(type == kAud || type == kSps || type == kPps || type == kSei ||
           (type >= 14 && type <= 18));
}

}  // namespace

Payloader::Payloader(const PayloaderConfig &config)
    : config_(config), packetizer_(config.max_payload, config.aggregate) {}

void Payloader::configure(const PayloaderConfig &config) {
  config_ = config;
  packetizer_.configure(config.max_payload, config.aggregate);
}

bool Payloader::set_avc_codec_data(ByteSpan avcc) {
  auto cfg = parse_avcc(avcc);
  if (!cfg) return false;
  nal_length_size_ = cfg->nal_length_size;
  for (const auto &nal : cfg->sps) caps_changed_ |= params_.update(nal);
  for (const auto &nal : cfg->pps) caps_changed_ |= params_.update(nal);
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
  auto collect = [this](ByteSpan nal) { nals_.push_back(nal); };
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
    } else if (input_marks_au_ || !may_end_au(nal_type(pending_[0]))) {
      send_pending(false, out);
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

bool Payloader::starts_new_au(ByteSpan nal, std::int64_t time_ns) const {
  // An access unit ends only after its picture.
  if (!au_seen_vcl_) return false;
  const std::uint8_t type = nal_type(nal[0]);
  const bool slice = is_vcl(type);
  const bool first_slice = slice && slice_is_first_in_picture(nal);
  if (time_ns != kNoTime && au_time_ != kNoTime && time_ns != au_time_) {
    // h264parse alignment=nal stamps later slices of a picture with other
    // times (no PTS, a DTS); a slice that continues the picture stays in it.
    return !(slice && !first_slice);
  }
  if (slice) return first_slice;
  return !may_end_au(type);
}

void Payloader::process_nal(std::size_t index, std::int64_t time_ns, bool keyframe_hint,
                            PacketSink &sink) {
  const ByteSpan nal = nals_[index];
  const std::uint8_t type = nal_type(nal[0]);
  if (in_au_ && starts_new_au(nal, time_ns)) {
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

  if (type == kSps || type == kPps) {
    (type == kSps ? au_has_sps_ : au_has_pps_) = true;
    caps_changed_ |= params_.update(nal);
    if (au_has_sps_ && au_has_pps_) note_headers_sent(time_ns);
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
  // its SEI units too, not between them and the IDR slice.
  if (!au_keyframe_) {
    for (std::size_t j = index; j < nals_.size(); ++j) {
      const std::uint8_t t = nal_type(nals_[j][0]);
      if (t == kIdr || (t == kSei && sei_has_recovery_point(nals_[j]))) {
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
  au_has_sps_ = au_has_pps_ = false;
  au_headers_done_ = false;
  au_seen_vcl_ = false;
  au_keyframe_ = false;
  au_time_ = kNoTime;
}

}  // namespace srtcore::rtp::h264
