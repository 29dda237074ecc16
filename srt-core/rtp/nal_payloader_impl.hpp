// Template bodies for nal_payloader.hpp, included by the one file per codec
// that instantiates them (h264_payloader.cpp, h265_payloader.cpp).
#pragma once

#include "rtp/nal_payloader.hpp"
#include "rtp/nal_scan.hpp"

namespace srtcore::rtp::nal {
namespace detail {

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

}  // namespace detail

template <typename Traits, typename ParamSets>
Payloader<Traits, ParamSets>::Payloader(const PayloaderConfig &config)
    : config_(config), packetizer_(config.max_payload, config.aggregate) {}

template <typename Traits, typename ParamSets>
void Payloader<Traits, ParamSets>::configure(const PayloaderConfig &config) {
  config_ = config;
  packetizer_.configure(config.max_payload, config.aggregate);
}

template <typename Traits, typename ParamSets>
void Payloader<Traits, ParamSets>::set_codec_config(unsigned nal_length_size,
                                                    const NalList &param_sets) {
  nal_length_size_ = nal_length_size;
  for (const auto &nal : param_sets) caps_changed_ |= params_.update(nal);
}

template <typename Traits, typename ParamSets>
bool Payloader<Traits, ParamSets>::take_caps_changed() {
  const bool changed = caps_changed_;
  caps_changed_ = false;
  return changed;
}

template <typename Traits, typename ParamSets>
void Payloader<Traits, ParamSets>::reset() {
  packetizer_.reset();
  has_pending_ = false;
  pending_ = {};
  end_au();
  last_headers_time_ = kNoTime;
  headers_ever_sent_ = false;
}

template <typename Traits, typename ParamSets>
bool Payloader<Traits, ParamSets>::push(ByteSpan data, bool au_end, std::int64_t time_ns,
                                        bool keyframe_hint, PacketSink &sink) {
  detail::CountingSink out(sink, stats_.packets);
  nals_.clear();
  bool ok = true;
  auto collect = [this](ByteSpan nal) {
    // RTP cannot carry the payload format's own types, nor less than a header.
    if (nal.size() >= Traits::kHeaderSize && Traits::type(nal.data()) < Traits::kFirstPayloadType)
      nals_.push_back(nal);
    else
      ++stats_.dropped_units;
  };
  if (data.empty()) {
    ok = false;
  } else if (!length_prefixed_) {
    for_each_annexb_nal(data, collect);
  } else {
    ok = for_each_length_prefixed_nal(data, nal_length_size_, collect);
  }
  if (!ok) ++stats_.malformed_buffers;

  for (std::size_t i = 0; i < nals_.size(); ++i) process_nal(i, time_ns, keyframe_hint, out);

  if (has_pending_) {
    if (au_end) {
      send_pending(true, out);
    } else if (input_marks_au_ || Traits::starts_au_after_vcl(Traits::type(pending_.data()))) {
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

template <typename Traits, typename ParamSets>
void Payloader<Traits, ParamSets>::flush(PacketSink &sink) {
  detail::CountingSink out(sink, stats_.packets);
  if (has_pending_) {
    send_pending(true, out);
  } else {
    packetizer_.flush(true, out);
    end_au();
  }
}

template <typename Traits, typename ParamSets>
bool Payloader<Traits, ParamSets>::starts_new_au(ByteSpan nal, std::int64_t time_ns) const {
  // An access unit ends only after its picture.
  if (!au_seen_vcl_) return false;
  const std::uint8_t type = Traits::type(nal.data());
  const bool vcl = Traits::is_vcl(type);
  const bool first_of_picture = vcl && Traits::first_of_picture(nal);
  if (Traits::kTimeSplitsAu && time_ns != kNoTime && au_time_ != kNoTime && time_ns != au_time_) {
    // A slice that continues the picture stays in it whatever its time.
    return !(vcl && !first_of_picture);
  }
  return vcl ? first_of_picture : Traits::starts_au_after_vcl(type);
}

template <typename Traits, typename ParamSets>
void Payloader<Traits, ParamSets>::process_nal(std::size_t index, std::int64_t time_ns,
                                               bool keyframe_hint, PacketSink &sink) {
  const ByteSpan nal = nals_[index];
  const std::uint8_t type = Traits::type(nal.data());
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

  if (const int kind = Traits::param_set_kind(type); kind >= 0) {
    au_param_kinds_ |= 1u << kind;
    caps_changed_ |= params_.update(nal);
    // The access unit carries every kind we know of: nothing to add to it.
    const unsigned known = params_.kinds();
    if (known != 0 && (au_param_kinds_ & known) == known) note_headers_sent(time_ns);
  } else if (type != Traits::kAud && !au_headers_done_ && !au_seen_vcl_) {
    maybe_insert_headers(index, time_ns, sink);
  }
  if (Traits::is_vcl(type)) au_seen_vcl_ = true;

  if (has_pending_) send_pending(false, sink);
  pending_ = nal;
  has_pending_ = true;
}

template <typename Traits, typename ParamSets>
void Payloader<Traits, ParamSets>::maybe_insert_headers(std::size_t index, std::int64_t time_ns,
                                                        PacketSink &sink) {
  // Look ahead to the first slice of this AU so that parameter sets go before
  // its SEI units too, not between them and the keyframe slice.
  if (!au_keyframe_) {
    for (std::size_t j = index; j < nals_.size(); ++j) {
      if (Traits::is_keyframe_unit(nals_[j])) {
        au_keyframe_ = true;
        break;
      }
      if (Traits::is_vcl(Traits::type(nals_[j].data()))) break;
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

template <typename Traits, typename ParamSets>
bool Payloader<Traits, ParamSets>::interval_due(std::int64_t time_ns) const {
  if (config_.config_interval == 0) return false;
  if (config_.config_interval < 0 || !headers_ever_sent_) return true;
  if (time_ns == kNoTime || last_headers_time_ == kNoTime) return true;
  // Time going backwards (seek, new segment) counts as due.
  return time_ns < last_headers_time_ ||
         time_ns - last_headers_time_ >= std::int64_t{config_.config_interval} * detail::kSecond;
}

template <typename Traits, typename ParamSets>
void Payloader<Traits, ParamSets>::note_headers_sent(std::int64_t time_ns) {
  au_headers_done_ = true;
  headers_requested_ = false;
  headers_ever_sent_ = true;
  last_headers_time_ = time_ns;
}

template <typename Traits, typename ParamSets>
void Payloader<Traits, ParamSets>::send_pending(bool au_end, PacketSink &sink) {
  has_pending_ = false;
  packetizer_.push(pending_, au_end, sink);
  ++stats_.nal_units;
  if (au_end) end_au();
}

template <typename Traits, typename ParamSets>
void Payloader<Traits, ParamSets>::end_au() {
  in_au_ = false;
  au_param_kinds_ = 0;
  au_headers_done_ = false;
  au_seen_vcl_ = false;
  au_keyframe_ = false;
  au_time_ = kNoTime;
}

}  // namespace srtcore::rtp::nal
