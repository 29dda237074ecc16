#include "rtp/h265_depayloader.hpp"

#include <cstring>

#include "rtp/h265_nal.hpp"

namespace srtcore::rtp::h265 {
namespace {

constexpr std::size_t kPrefixLen = 4;  // start code or length

unsigned kind_bit(std::uint8_t type) {
  return 1u << (type - kVps);  // VPS 1, SPS 2, PPS 4
}

}  // namespace

Depayloader::Depayloader(const DepayloaderConfig &config)
    : config_(config), depacketizer_(config.donl, config.max_fu_size), reorder_(config.reorder) {
  reset();
}

void Depayloader::configure(const DepayloaderConfig &config) {
  config_ = config;
  depacketizer_.configure(config.donl, config.max_fu_size);
  reorder_.configure(config.reorder);
  reset();
}

void Depayloader::reset() {
  depacketizer_.reset();
  reorder_.reset();
  out_bytes_.clear();
  out_.clear();
  carry_start_ = 0;
  held_ = false;
  reset_au_state();
  discont_pending_ = false;
  waiting_keyframe_ = config_.wait_for_keyframe;
  keyframe_request_ = false;
  request_blocked_ = false;
  started_ = false;
  markers_seen_ = false;
}

bool Depayloader::add_sprop(std::string_view sprop) {
  const std::vector<std::uint8_t> before = params_.hvcc(false);
  const bool ok = params_.parse_sprop(sprop);
  if (params_.hvcc(false) != before) codec_data_changed_ = true;
  return ok;
}

std::vector<std::uint8_t> Depayloader::codec_data() const {
  return params_.hvcc(config_.format == OutputFormat::kHvc1);
}

bool Depayloader::take_codec_data_changed() {
  const bool changed = codec_data_changed_;
  codec_data_changed_ = false;
  return changed;
}

bool Depayloader::take_keyframe_request() {
  const bool req = keyframe_request_;
  keyframe_request_ = false;
  return req;
}

const DepayloaderStats &Depayloader::stats() const {
  stats_.depacketizer = depacketizer_.stats();
  stats_.reorder = reorder_.stats();
  return stats_;
}

std::optional<std::vector<std::uint8_t>> Depayloader::take_output_storage(const DepayOutput &out) {
  if (out_.size() != 1 || out.data.data() != out_bytes_.data() ||
      out.data.size() != out_bytes_.size() || out.data.empty())
    return std::nullopt;
  std::vector<std::uint8_t> taken;
  taken.swap(out_bytes_);
  // The next access unit is likely about as large as this one.
  out_bytes_.reserve(taken.capacity());
  carry_start_ = 0;
  return taken;
}

void Depayloader::begin_call() {
  out_.clear();
  // Earlier outputs were delivered; keep only the unfinished tail, which is
  // usually one packet's worth.
  if (carry_start_ > 0) {
    out_bytes_.erase(out_bytes_.begin(),
                     out_bytes_.begin() + static_cast<std::ptrdiff_t>(carry_start_));
    carry_start_ = 0;
  }
}

DepayResult Depayloader::push_impl(ByteSpan payload, std::uint32_t rtp_timestamp, bool marker,
                                   bool lost_before) {
  if (lost_before && started_) note_loss();  // a DISCONT on the first packet loses nothing
  started_ = true;

  auto dropped = [this] {
    const DepacketizerStats &s = depacketizer_.stats();
    return s.malformed() + s.dropped_fu_incomplete;
  };
  const std::uint64_t dropped_before = dropped();
  const std::uint64_t late_before = reorder_.stats().late;
  // Whatever this packet dropped (an abandoned FU, a bad packet) happened
  // before the units it delivers, so the loss is noted first.
  bool checked = false;
  auto check_drops = [&] {
    if (checked) return;
    checked = true;
    if (dropped() != dropped_before) note_loss();
  };
  auto deliver = [this](ByteSpan nal, std::uint32_t ts) { on_nal(nal, ts); };

  const DepayResult r =
      depacketizer_.push(payload, rtp_timestamp, lost_before, [&](const RecoveredNal &n) {
        check_drops();
        if (config_.donl) {
          if (n.don) reorder_.push(*n.don, n.data, n.rtp_timestamp, deliver);
        } else {
          on_nal(n.data, n.rtp_timestamp);
        }
      });
  check_drops();
  if (reorder_.stats().late != late_before) note_loss();
  // With DONL the marker follows transmission order, not decoding order.
  if (marker && !config_.donl) {
    markers_seen_ = true;
    finish_au();
  }
  return r;
}

void Depayloader::drain_impl() {
  if (config_.donl) reorder_.drain([this](ByteSpan nal, std::uint32_t ts) { on_nal(nal, ts); });
  finish_au();
}

bool Depayloader::starts_new_au(ByteSpan nal, std::uint32_t rtp_ts) const {
  // After a loss the timestamp is the best guide left.
  if (au_loss_ && rtp_ts != au_ts_) return true;
  // An access unit ends only after its picture: parameter sets or SEI sent
  // with another timestamp stay with the picture they precede.
  if (!au_seen_vcl_) return false;
  const std::uint8_t type = nal_type(nal[0]);
  // H.265 7.4.2.4.4: a base-layer picture's first slice segment, or one of
  // the prefix types after a picture, begins the next access unit.
  const bool begins = is_vcl(type)
                          ? layer_id(nal[0], nal[1]) == 0 && first_slice_segment_in_pic(nal)
                          : starts_au_after_vcl(type);
  // rtph265pay fed alignment=nal stamps later units of a picture with other
  // timestamps: a unit that continues the picture stays in it. Markers may be
  // missing, and with DONL they follow transmission order: the bitstream says
  // where pictures end.
  if (rtp_ts != au_ts_ || !is_param_set(type)) return begins;
  // rtph265pay (config-interval=-1) also repeats VPS/SPS/PPS before every
  // slice of an IRAP picture: where markers end access units, such a
  // repetition does not begin a new one.
  return begins && !(markers_seen_ && !config_.donl);
}

void Depayloader::on_nal(ByteSpan nal, std::uint32_t rtp_ts) {
  if (nal.size() < kNalHeaderSize) return;
  if (au_active_ && starts_new_au(nal, rtp_ts)) finish_au();
  if (!au_active_) {
    au_active_ = true;
    au_ts_ = rtp_ts;
  }
  const std::uint8_t type = nal_type(nal[0]);
  const bool param_set = is_param_set(type);
  const bool key_nal = is_irap(type);
  const bool changed = param_set && params_.update(nal);
  if (changed) codec_data_changed_ = true;
  // A known parameter set between the slices of a picture (see starts_new_au)
  // is dropped: the decoder has it, and it does not belong there.
  if (param_set && !changed && au_seen_vcl_) return;
  if (is_vcl(type)) au_seen_vcl_ = true;

  if (waiting_keyframe_) {
    if (!key_nal) {
      // Parameter sets were stored above and come back in before the keyframe.
      ++stats_.dropped_waiting_keyframe;
      discont_pending_ = true;
      raise_keyframe_request();
      return;
    }
    waiting_keyframe_ = false;
  }
  const bool in_band = config_.format != OutputFormat::kHvc1;
  if (param_set && in_band) au_param_kinds_ |= kind_bit(type);
  if (key_nal && !au_keyframe_) {
    au_keyframe_ = true;
    const unsigned known = (params_.has_vps() ? kind_bit(kVps) : 0) |
                           (params_.has_sps() ? kind_bit(kSps) : 0) |
                           (params_.has_pps() ? kind_bit(kPps) : 0);
    if (in_band && known != 0 && (au_param_kinds_ & known) != known) insert_param_sets();
  }
  if (param_set && !in_band) return;  // they travel in codec_data
  append_nal(nal);
}

void Depayloader::append_nal(ByteSpan nal) {
  if (config_.alignment == Alignment::kNal && held_) emit_held(false);
  if (config_.alignment == Alignment::kAu &&
      out_bytes_.size() - carry_start_ + kPrefixLen + nal.size() > kMaxAuSize) {
    ++stats_.dropped_au_too_large;
    discard_au(false);
    note_loss();
    if (waiting_keyframe_) return;
  }
  const bool first = out_bytes_.size() == carry_start_;
  const bool lengths = config_.format != OutputFormat::kByteStream;
  std::uint8_t prefix[kPrefixLen];
  store_be32(prefix, lengths ? static_cast<std::uint32_t>(nal.size()) : 1u);
  out_bytes_.insert(out_bytes_.end(), prefix, prefix + kPrefixLen);
  out_bytes_.insert(out_bytes_.end(), nal.begin(), nal.end());
  ++au_nal_count_;
  if (config_.alignment == Alignment::kNal) {
    held_ = true;
    // Parameter sets are what a decoder needs to start: never delta units.
    held_keyframe_ = au_keyframe_ || is_param_set(nal_type(nal[0]));
  } else if (first && nal_type(nal[0]) == kAud) {
    au_insert_pos_ = kPrefixLen + nal.size();
  }
}

void Depayloader::insert_param_sets() {
  ++stats_.param_set_insertions;
  const bool lengths = config_.format != OutputFormat::kByteStream;
  auto prefix_of = [lengths](ByteSpan ps) {
    return lengths ? static_cast<std::uint32_t>(ps.size()) : 1u;
  };
  if (config_.alignment == Alignment::kNal) {
    // Each parameter set is its own output, right before the keyframe unit.
    if (held_) emit_held(false);
    params_.for_each([&](ByteSpan ps) {
      const std::size_t pos = out_bytes_.size();
      out_bytes_.resize(pos + kPrefixLen);
      store_be32(out_bytes_.data() + pos, prefix_of(ps));
      out_bytes_.insert(out_bytes_.end(), ps.begin(), ps.end());
      emit(pos, kPrefixLen + ps.size(), true, false);
    });
    return;
  }
  std::size_t total = 0;
  params_.for_each([&total](ByteSpan ps) { total += kPrefixLen + ps.size(); });
  const std::size_t at = carry_start_ + au_insert_pos_;
  out_bytes_.insert(out_bytes_.begin() + static_cast<std::ptrdiff_t>(at), total, 0);
  std::uint8_t *p = out_bytes_.data() + at;
  params_.for_each([&](ByteSpan ps) {
    store_be32(p, prefix_of(ps));
    std::memcpy(p + kPrefixLen, ps.data(), ps.size());
    p += kPrefixLen + ps.size();
  });
}

void Depayloader::emit(std::size_t offset, std::size_t size, bool keyframe, bool au_end) {
  out_.push_back(Pending{offset, size, au_ts_, keyframe, discont_pending_, au_end});
  discont_pending_ = false;
  if (keyframe) request_blocked_ = false;
  carry_start_ = out_bytes_.size();
}

void Depayloader::emit_held(bool au_end) {
  held_ = false;
  emit(carry_start_, out_bytes_.size() - carry_start_, held_keyframe_, au_end);
}

void Depayloader::finish_au() {
  if (config_.alignment == Alignment::kNal) {
    if (held_) {
      emit_held(true);
      ++stats_.access_units;
    }
  } else if (out_bytes_.size() > carry_start_) {
    emit(carry_start_, out_bytes_.size() - carry_start_, au_keyframe_, true);
    ++stats_.access_units;
  }
  reset_au_state();
}

void Depayloader::reset_au_state() {
  au_active_ = false;
  au_keyframe_ = false;
  au_seen_vcl_ = false;
  au_loss_ = false;
  au_param_kinds_ = 0;
  au_insert_pos_ = 0;
  au_nal_count_ = 0;
}

void Depayloader::discard_au(bool count_as_waiting) {
  // Units of the current AU that were not output yet are dropped.
  const std::size_t units = config_.alignment == Alignment::kNal ? (held_ ? 1 : 0) : au_nal_count_;
  if (count_as_waiting) stats_.dropped_waiting_keyframe += units;
  held_ = false;
  out_bytes_.resize(carry_start_);
  au_nal_count_ = 0;
  au_insert_pos_ = 0;
  au_param_kinds_ = 0;
  au_keyframe_ = false;
}

void Depayloader::note_loss() {
  discont_pending_ = true;
  au_loss_ = au_active_;
  raise_keyframe_request();
  if (config_.wait_for_keyframe) {
    // A broken access unit is not worth decoding: drop it and wait again.
    discard_au(true);
    waiting_keyframe_ = true;
  }
}

void Depayloader::raise_keyframe_request() {
  if (request_blocked_) return;
  keyframe_request_ = true;
  request_blocked_ = true;
}

}  // namespace srtcore::rtp::h265
