#include "rtp/audio_payloader.hpp"

#include <algorithm>

namespace srtcore::rtp::audio {

FramePayloader::FramePayloader(const FrameFormat &format)
    : format_(format), timeline_(format.clock_rate, format.frame_ns() / 2) {}

bool FramePayloader::configure(const PtimeSettings &settings) {
  const auto limits = packet_limits(format_, settings);
  if (!limits) return false;
  settings_ = settings;
  limits_ = *limits;
  return true;
}

void FramePayloader::reset() {
  queue_.clear();
  head_ = 0;
  out_.clear();
  tail_size_ = 0;
  timeline_.reset();
  marks_.clear();
  consumed_ = 0;
  mark_next_ = talkspurt_pending_ = discont_next_ = true;
}

void FramePayloader::set_input_times(bool on) {
  if (on == input_times_) return;
  input_times_ = on;
  marks_.clear();  // inputs queued meanwhile have no mark: their packets get none
}

void FramePayloader::begin_call() {
  // Bytes handed out by the previous call are no longer referenced.
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(head_));
  head_ = 0;
  out_.clear();
  tail_size_ = 0;
  direct_ = {};
}

// Whole frames that the limits send as one packet as soon as they are queued.
bool FramePayloader::is_whole_packet(std::size_t bytes) const {
  if (bytes == 0 || bytes % format_.frame_bytes != 0) return false;
  const std::size_t frames = bytes / format_.frame_bytes;
  return frames_for_next_packet(frames, limits_) == frames;
}

std::uint64_t FramePayloader::ticks_for(std::size_t bytes) const {
  return std::uint64_t{bytes} * format_.frame_ticks / format_.frame_bytes;
}

void FramePayloader::push_impl(ByteSpan frames, ByteSpan tail, const InputTime &t) {
  const bool first = !timeline_.started();
  const bool gap = timeline_.is_gap(t.pts, ticks_for(queued_bytes()));
  if (first) {
    timeline_.start(t.pts, t.rtp_time);
  } else if (t.discont || gap) {
    emit_all();  // what came before belongs to the old timeline
    timeline_.resync(t.pts);
    discont_next_ = true;
    // A DISCONT marks the next packet whatever it holds (as rtpg729pay does);
    // a gap in the input is silence (DTX), so the next frames start a talkspurt.
    if (t.discont) {
      mark_next_ = true;
      ++stats_.disconts;
    }
    if (gap) {
      talkspurt_pending_ = true;
      ++stats_.gaps;
    }
  }
  if (input_times_ && t.pts != kNoTime) {
    const std::uint64_t pos = consumed_ + queued_bytes();
    if (!marks_.empty() && marks_.back().pos == pos) marks_.pop_back();  // an empty input
    marks_.push_back(InputMark{pos, t.pts});
  }
  if (tail.empty() && queued_bytes() == 0 && is_whole_packet(frames.size())) {
    // The usual case (encoder buffers of one packet time): no copy.
    direct_ = frames;
    emit(frames.size(), false, true);
    return;
  }
  queue_.insert(queue_.end(), frames.begin(), frames.end());
  if (tail.empty()) {
    emit_ready();
    return;
  }
  tail_size_ = std::min(tail.size(), kMaxTail);
  std::copy_n(tail.begin(), tail_size_, tail_.begin());
  emit_with_tail();
}

void FramePayloader::emit_ready() {
  while (const std::size_t n =
             frames_for_next_packet(queued_bytes() / format_.frame_bytes, limits_))
    emit(n * format_.frame_bytes, false);
}

std::size_t FramePayloader::drain_chunk() const {
  return std::min(queued_bytes(), limits_.max_frames * format_.frame_bytes);
}

void FramePayloader::emit_all() {
  while (queued_bytes() > 0) emit(drain_chunk(), false);
}

void FramePayloader::emit_with_tail() {
  // The tail ends its packet and may not push that packet past the limits, so
  // queued frames that cannot share it go first, in full packets.
  for (std::size_t q = queued_bytes(); q > 0; q = queued_bytes()) {
    const std::size_t frames = (q + format_.frame_bytes - 1) / format_.frame_bytes;
    if (frames + 1 <= limits_.max_frames && q + tail_size_ <= settings_.max_payload) break;
    emit(drain_chunk(), false);
  }
  emit(queued_bytes(), true);
}

std::int64_t FramePayloader::input_pts_at(std::uint64_t pos) {
  // The last input that starts at or before `pos`; older ones are done.
  std::size_t k = 0;
  while (k + 1 < marks_.size() && marks_[k + 1].pos <= pos) ++k;
  marks_.erase(marks_.begin(), marks_.begin() + static_cast<std::ptrdiff_t>(k));
  if (marks_.empty() || marks_.front().pos > pos) return kNoTime;
  // Usually the packet starts where an input does: no division then.
  if (marks_.front().pos == pos) return marks_.front().pts;
  return marks_.front().pts +
         ticks_to_ns(ticks_for(static_cast<std::size_t>(pos - marks_.front().pos)),
                     format_.clock_rate);
}

void FramePayloader::emit(std::size_t bytes, bool with_tail, bool direct) {
  const bool has_frames = bytes > 0;
  Pending p{};
  p.offset = direct ? 0 : head_;
  p.size = bytes;
  p.direct = direct;
  p.tail = with_tail;
  p.ticks = static_cast<std::uint32_t>(ticks_for(bytes) + (with_tail ? format_.frame_ticks : 0));
  p.stamp = timeline_.take(p.ticks);
  p.input_pts = input_times_ ? input_pts_at(consumed_) : kNoTime;
  consumed_ += bytes;
  p.marker = mark_next_ || (talkspurt_pending_ && has_frames);
  p.discont = discont_next_;
  mark_next_ = discont_next_ = false;
  if (has_frames) talkspurt_pending_ = false;
  if (with_tail) {
    // A SID frame starts silence: the next frames begin a talkspurt.
    talkspurt_pending_ = true;
    ++stats_.tail_frames;
  }
  if (!direct) head_ += bytes;
  ++stats_.packets;
  out_.push_back(p);
}

}  // namespace srtcore::rtp::audio
