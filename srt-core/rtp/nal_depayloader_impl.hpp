// Template bodies for nal_depayloader.hpp, included by the one file per codec
// that instantiates them (h264_depayloader.cpp, h265_depayloader.cpp).
#pragma once

#include <cstring>
#include <utility>

#include "rtp/nal_depayloader.hpp"

namespace srtcore::rtp::nal {
namespace detail {
constexpr std::size_t kPrefixLen = 4;  // start code or length
}  // namespace detail

template <typename Traits, typename ParamSets, typename Depack>
Depayloader<Traits, ParamSets, Depack>::Depayloader(const DepayShape &shape, Depack depacketizer)
    : shape_(shape), depacketizer_(std::move(depacketizer)), reorder_(shape.reorder_params) {
  reset();
}

template <typename Traits, typename ParamSets, typename Depack>
void Depayloader<Traits, ParamSets, Depack>::configure_shape(const DepayShape &shape) {
  shape_ = shape;
  reorder_.configure(shape.reorder_params);
  reset();
}

template <typename Traits, typename ParamSets, typename Depack>
void Depayloader<Traits, ParamSets, Depack>::reset() {
  depacketizer_.reset();
  reorder_.reset();
  out_bytes_.clear();
  out_.clear();
  carry_start_ = 0;
  held_ = false;
  reset_au_state();
  discont_pending_ = false;
  waiting_keyframe_ = shape_.wait_for_keyframe;
  keyframe_request_ = false;
  request_blocked_ = false;
  started_ = false;
  markers_seen_ = false;
}

template <typename Traits, typename ParamSets, typename Depack>
bool Depayloader<Traits, ParamSets, Depack>::take_codec_data_changed() {
  const bool changed = codec_data_changed_;
  codec_data_changed_ = false;
  return changed;
}

template <typename Traits, typename ParamSets, typename Depack>
bool Depayloader<Traits, ParamSets, Depack>::take_keyframe_request() {
  const bool req = keyframe_request_;
  keyframe_request_ = false;
  return req;
}

template <typename Traits, typename ParamSets, typename Depack>
const DepayloaderStats &Depayloader<Traits, ParamSets, Depack>::stats() const {
  stats_.depacketizer = depacketizer_.stats();
  stats_.reorder = reorder_.stats();
  return stats_;
}

template <typename Traits, typename ParamSets, typename Depack>
std::optional<std::vector<std::uint8_t>>
Depayloader<Traits, ParamSets, Depack>::take_output_storage(const DepayOutput &out) {
  if (out_.size() != 1 || out.data.data() != out_bytes_.data() ||
      out.data.size() != out_bytes_.size() || out.data.empty())
    return std::nullopt;
  std::vector<std::uint8_t> taken;
  taken.swap(out_bytes_);
  // The next access unit is likely about as large as this one: reserved when
  // it starts, so that an idle stream holds no access unit's worth of memory.
  out_hint_ = taken.capacity();
  carry_start_ = 0;
  return taken;
}

template <typename Traits, typename ParamSets, typename Depack>
void Depayloader<Traits, ParamSets, Depack>::begin_call() {
  out_.clear();
  // Earlier outputs were delivered; keep only the unfinished tail, which is
  // usually one packet's worth.
  if (carry_start_ > 0) {
    out_bytes_.erase(out_bytes_.begin(),
                     out_bytes_.begin() + static_cast<std::ptrdiff_t>(carry_start_));
    carry_start_ = 0;
  }
}

template <typename Traits, typename ParamSets, typename Depack>
DepayResult Depayloader<Traits, ParamSets, Depack>::push_impl(ByteSpan payload,
                                                              std::uint32_t rtp_timestamp,
                                                              bool marker, bool lost_before) {
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
        if (shape_.reorder) {
          if (n.don) reorder_.push(*n.don, n.data, n.rtp_timestamp, deliver);
        } else {
          on_nal(n.data, n.rtp_timestamp);
        }
      });
  depacketizer_.release_storage();  // its units are copied out by now
  check_drops();
  if (reorder_.stats().late != late_before) note_loss();
  // With DONs the marker follows transmission order, not decoding order.
  if (marker && !shape_.reorder) {
    markers_seen_ = true;
    finish_au();
  }
  return r;
}

template <typename Traits, typename ParamSets, typename Depack>
void Depayloader<Traits, ParamSets, Depack>::drain_impl() {
  if (shape_.reorder) reorder_.drain([this](ByteSpan nal, std::uint32_t ts) { on_nal(nal, ts); });
  finish_au();
}

template <typename Traits, typename ParamSets, typename Depack>
bool Depayloader<Traits, ParamSets, Depack>::starts_new_au(ByteSpan nal,
                                                           std::uint32_t rtp_ts) const {
  return Traits::depay_starts_new_au(
      nal, AuView{rtp_ts != au_ts_, au_loss_, au_seen_vcl_, markers_seen_, shape_.reorder});
}

template <typename Traits, typename ParamSets, typename Depack>
void Depayloader<Traits, ParamSets, Depack>::on_nal(ByteSpan nal, std::uint32_t rtp_ts) {
  if (nal.size() < Traits::kHeaderSize) return;
  if (au_active_ && starts_new_au(nal, rtp_ts)) finish_au();
  if (!au_active_) {
    au_active_ = true;
    au_ts_ = rtp_ts;
  }
  const std::uint8_t type = Traits::type(nal.data());
  const int kind = Traits::param_set_kind(type);
  const bool param_set = kind >= 0;
  const bool key_nal = Traits::is_keyframe_unit(nal);
  const bool changed = param_set && params_.update(nal);
  if (changed) codec_data_changed_ = true;
  // A known parameter set between the slices of a picture (see starts_new_au)
  // is dropped: the decoder has it, and it does not belong there.
  if (Traits::kDropRepeatedParamSetsInPicture && param_set && !changed && au_seen_vcl_) return;
  if (Traits::is_vcl(type)) au_seen_vcl_ = true;

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
  const bool in_band = shape_.params_in_band;
  if (param_set && in_band) au_param_kinds_ |= 1u << kind;
  if (key_nal && !au_keyframe_) {
    au_keyframe_ = true;
    const unsigned known = params_.kinds();
    if (in_band && known != 0 && (au_param_kinds_ & known) != known) insert_param_sets();
  }
  if (param_set && !in_band) return;  // they travel in codec_data
  append_nal(nal);
}

template <typename Traits, typename ParamSets, typename Depack>
void Depayloader<Traits, ParamSets, Depack>::append_nal(ByteSpan nal) {
  if (shape_.alignment == Alignment::kNal && held_) emit_held(false);
  if (shape_.alignment == Alignment::kAu &&
      out_bytes_.size() - carry_start_ + detail::kPrefixLen + nal.size() > kMaxAuSize) {
    ++stats_.dropped_au_too_large;
    discard_au(false);
    note_loss();
    if (waiting_keyframe_) return;
  }
  const bool first = out_bytes_.size() == carry_start_;
  if (out_bytes_.capacity() == 0) out_bytes_.reserve(out_hint_);
  const bool lengths = shape_.length_prefixed;
  std::uint8_t prefix[detail::kPrefixLen];
  store_be32(prefix, lengths ? static_cast<std::uint32_t>(nal.size()) : 1u);
  out_bytes_.insert(out_bytes_.end(), prefix, prefix + detail::kPrefixLen);
  out_bytes_.insert(out_bytes_.end(), nal.begin(), nal.end());
  ++au_nal_count_;
  if (shape_.alignment == Alignment::kNal) {
    held_ = true;
    // Parameter sets are what a decoder needs to start: never delta units.
    held_keyframe_ = au_keyframe_ || Traits::param_set_kind(Traits::type(nal.data())) >= 0;
  } else if (first && Traits::type(nal.data()) == Traits::kAud) {
    au_insert_pos_ = detail::kPrefixLen + nal.size();
  }
}

template <typename Traits, typename ParamSets, typename Depack>
void Depayloader<Traits, ParamSets, Depack>::insert_param_sets() {
  ++stats_.param_set_insertions;
  const bool lengths = shape_.length_prefixed;
  auto prefix_of = [lengths](ByteSpan ps) {
    return lengths ? static_cast<std::uint32_t>(ps.size()) : 1u;
  };
  if (shape_.alignment == Alignment::kNal) {
    // Each parameter set is its own output, right before the keyframe unit.
    if (held_) emit_held(false);
    params_.for_each([&](ByteSpan ps) {
      const std::size_t pos = out_bytes_.size();
      out_bytes_.resize(pos + detail::kPrefixLen);
      store_be32(out_bytes_.data() + pos, prefix_of(ps));
      out_bytes_.insert(out_bytes_.end(), ps.begin(), ps.end());
      emit(pos, detail::kPrefixLen + ps.size(), true, false);
    });
    return;
  }
  std::size_t total = 0;
  params_.for_each([&total](ByteSpan ps) { total += detail::kPrefixLen + ps.size(); });
  const std::size_t at = carry_start_ + au_insert_pos_;
  out_bytes_.insert(out_bytes_.begin() + static_cast<std::ptrdiff_t>(at), total, 0);
  std::uint8_t *p = out_bytes_.data() + at;
  params_.for_each([&](ByteSpan ps) {
    store_be32(p, prefix_of(ps));
    std::memcpy(p + detail::kPrefixLen, ps.data(), ps.size());
    p += detail::kPrefixLen + ps.size();
  });
}

template <typename Traits, typename ParamSets, typename Depack>
void Depayloader<Traits, ParamSets, Depack>::emit(std::size_t offset, std::size_t size,
                                                  bool keyframe, bool au_end) {
  out_.push_back(Pending{offset, size, au_ts_, keyframe, discont_pending_, au_end});
  discont_pending_ = false;
  if (keyframe) request_blocked_ = false;
  carry_start_ = out_bytes_.size();
}

template <typename Traits, typename ParamSets, typename Depack>
void Depayloader<Traits, ParamSets, Depack>::emit_held(bool au_end) {
  held_ = false;
  emit(carry_start_, out_bytes_.size() - carry_start_, held_keyframe_, au_end);
}

template <typename Traits, typename ParamSets, typename Depack>
void Depayloader<Traits, ParamSets, Depack>::finish_au() {
  if (shape_.alignment == Alignment::kNal) {
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

template <typename Traits, typename ParamSets, typename Depack>
void Depayloader<Traits, ParamSets, Depack>::reset_au_state() {
  au_active_ = false;
  au_keyframe_ = false;
  au_seen_vcl_ = false;
  au_loss_ = false;
  au_param_kinds_ = 0;
  au_insert_pos_ = 0;
  au_nal_count_ = 0;
}

template <typename Traits, typename ParamSets, typename Depack>
void Depayloader<Traits, ParamSets, Depack>::discard_au(bool count_as_waiting) {
  // Units of the current AU that were not output yet are dropped.
  const std::size_t units = shape_.alignment == Alignment::kNal ? (held_ ? 1 : 0) : au_nal_count_;
  if (count_as_waiting) stats_.dropped_waiting_keyframe += units;
  held_ = false;
  out_bytes_.resize(carry_start_);
  au_nal_count_ = 0;
  au_insert_pos_ = 0;
  au_param_kinds_ = 0;
  au_keyframe_ = false;
}

template <typename Traits, typename ParamSets, typename Depack>
void Depayloader<Traits, ParamSets, Depack>::note_loss() {
  discont_pending_ = true;
  au_loss_ = au_active_;
  raise_keyframe_request();
  if (shape_.wait_for_keyframe) {
    // A broken access unit is not worth decoding: drop it and wait again.
    discard_au(true);
    waiting_keyframe_ = true;
  }
}

template <typename Traits, typename ParamSets, typename Depack>
void Depayloader<Traits, ParamSets, Depack>::raise_keyframe_request() {
  if (request_blocked_) return;
  keyframe_request_ = true;
  request_blocked_ = true;
}

}  // namespace srtcore::rtp::nal
