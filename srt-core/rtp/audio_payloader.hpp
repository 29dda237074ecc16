// Frame-based RTP audio payloader (G.722, G.729): queues input, cuts it into
// packets of whole frames as PacketLimits allow, stamps them with perfect RTP
// timestamps and sets the marker bit at the start of each talkspurt. An
// optional trailing frame (G.729 Annex B SID) always ends its packet.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "rtp/audio_framing.hpp"
#include "rtp/audio_timeline.hpp"
#include "rtp/bytes.hpp"

namespace srtcore::rtp::audio {

struct InputTime {
  std::int64_t pts = kNoTime;  // ns
  std::uint32_t rtp_time = 0;  // RTP time of pts by the element's mapping (starts the timeline)
  bool discont = false;        // upstream flagged a discontinuity
};

struct AudioPacket {
  ByteSpan frames;  // whole frames (at EOS, sample-based codecs may end with part of one)
  ByteSpan tail;    // SID frame, or empty
  std::int64_t pts;
  std::uint32_t rtp_time;
  // The input's own time of the packet's first byte: the PTS of the input
  // buffer it is in plus the duration of the bytes before it there (kNoTime
  // when that input had none). For RTP time from PTS (perfect-rtptime off).
  std::int64_t input_pts;
  std::uint32_t ticks;  // duration in RTP clock ticks
  bool marker;
  bool discont;  // first packet after a discontinuity (or of the stream)
  std::size_t size() const { return frames.size() + tail.size(); }
};

struct PayloaderStats {
  std::uint64_t packets = 0;
  std::uint64_t tail_frames = 0;  // SID frames sent
  std::uint64_t gaps = 0;         // input later than the stream so far by more than half a frame
  std::uint64_t disconts = 0;     // DISCONT-flagged input after the start
};

class FramePayloader {
 public:
  static constexpr std::size_t kMaxTail = 8;

  explicit FramePayloader(const FrameFormat &format);
  // False if not even one frame fits settings.max_payload (limits unchanged).
  bool configure(const PtimeSettings &settings);

  // One input buffer: `frames` (whole frames unless the codec is sample-based)
  // then an optional `tail` of at most kMaxTail bytes that ends a packet.
  // fn(const AudioPacket&) for each packet ready; spans are valid during fn.
  // An input that is exactly the next packet (nothing queued) is handed out
  // as the caller's own bytes: packet.frames.data() == frames.data().
  template <typename Fn>
  void push(ByteSpan frames, ByteSpan tail, const InputTime &t, Fn &&fn);
  // EOS: everything queued goes out.
  template <typename Fn>
  void drain(Fn &&fn);
  // Flush: forget queued data; the next input starts a new timeline.
  void reset();

  // Whether packets carry AudioPacket::input_pts (kNoTime when off). Only RTP
  // time from PTS (perfect-rtptime off) needs it; it costs a division per
  // packet. On by default.
  void set_input_times(bool on);

  std::size_t queued_bytes() const { return queue_.size() - head_; }
  // InputTime::rtp_time is read only when a timeline starts (first input, after reset).
  bool needs_rtp_time() const { return !timeline_.started(); }
  const PacketLimits &limits() const { return limits_; }
  const PayloaderStats &stats() const { return stats_; }

 private:
  struct Pending {
    std::size_t offset, size;
    bool direct;  // the caller's bytes (direct_), not the queue's
    bool tail;
    Timeline::Stamp stamp;
    std::int64_t input_pts;
    std::uint32_t ticks;
    bool marker, discont;
  };
  // Where an input buffer's bytes start in the stream of frame bytes, and
  // its PTS: for AudioPacket::input_pts.
  struct InputMark {
    std::uint64_t pos;
    std::int64_t pts;
  };
  std::int64_t input_pts_at(std::uint64_t pos);

  void begin_call();
  void push_impl(ByteSpan frames, ByteSpan tail, const InputTime &t);
  void emit_ready();
  void emit_all();
  void emit_with_tail();
  void emit(std::size_t bytes, bool with_tail, bool direct = false);
  bool is_whole_packet(std::size_t bytes) const;
  std::size_t drain_chunk() const;
  std::uint64_t ticks_for(std::size_t bytes) const;
  template <typename Fn>
  void deliver(Fn &fn);

  FrameFormat format_;
  PtimeSettings settings_;
  PacketLimits limits_;
  Timeline timeline_;
  PayloaderStats stats_;
  bool mark_next_ = true;          // first packet after the start or a DISCONT
  bool talkspurt_pending_ = true;  // next packet with frames starts a talkspurt
  bool discont_next_ = true;

  std::vector<std::uint8_t> queue_;  // queue_[head_, end) not yet sent
  ByteSpan direct_;                  // this call's input, when sent without queueing
  std::size_t head_ = 0;
  std::array<std::uint8_t, kMaxTail> tail_{};
  std::size_t tail_size_ = 0;
  std::vector<Pending> out_;
  std::vector<InputMark> marks_;  // inputs still queued, oldest first
  std::uint64_t consumed_ = 0;    // frame bytes sent since the start or reset
  bool input_times_ = true;
};

template <typename Fn>
void FramePayloader::deliver(Fn &fn) {
  for (const Pending &p : out_) {
    const ByteSpan frames = p.direct ? direct_ : ByteSpan(queue_).subspan(p.offset, p.size);
    const ByteSpan tail = p.tail ? ByteSpan(tail_.data(), tail_size_) : ByteSpan();
    fn(AudioPacket{frames, tail, p.stamp.pts, p.stamp.rtp_time, p.input_pts, p.ticks, p.marker,
                   p.discont});
  }
}

template <typename Fn>
void FramePayloader::push(ByteSpan frames, ByteSpan tail, const InputTime &t, Fn &&fn) {
  begin_call();
  push_impl(frames, tail, t);
  deliver(fn);
}

template <typename Fn>
void FramePayloader::drain(Fn &&fn) {
  begin_call();
  emit_all();
  deliver(fn);
}

}  // namespace srtcore::rtp::audio
