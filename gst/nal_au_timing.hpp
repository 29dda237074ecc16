// Access-unit timing of nal-aligned H.264/H.265 payloader input. RFC 6184 and
// 7798 want one RTP timestamp per access unit, but h264parse/h265parse with
// alignment=nal stamp only the first unit and sometimes interpolate others into
// the next frame: once the input marks access-unit ends (MARKER), every unit
// takes the time of the first one. Unmarked input has only the timestamp to go
// by, so a new one starts an access unit.
#pragma once

#include <gst/gst.h>

namespace srtrtp {

class NalAuTiming {
 public:
  struct Step {
    bool ends_previous;  // send what is held with au_pts() first, then restart()
    bool marks_learnt;   // the input was just found to flag access-unit ends
  };

  Step next(GstBuffer *buffer) {
    Step step{false, false};
    const GstClockTime pts = GST_BUFFER_PTS(buffer);
    if (GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_MARKER) && !input_marks_au_) {
      input_marks_au_ = true;
      step.marks_learnt = true;
    }
    if (!in_au_) {
      in_au_ = true;
      if (GST_CLOCK_TIME_IS_VALID(pts)) au_pts_ = pts;
    } else if (GST_CLOCK_TIME_IS_VALID(pts) && pts != au_pts_) {
      if (!GST_CLOCK_TIME_IS_VALID(au_pts_))
        au_pts_ = pts;
      else if (!input_marks_au_)
        step.ends_previous = true;
    }
    return step;
  }
  // After ends_previous: the buffer starts the next access unit.
  void restart(GstClockTime pts) { au_pts_ = pts; }
  void end_au() { in_au_ = false; }
  // Flush: forget the access unit in progress.
  void reset() {
    in_au_ = false;
    au_pts_ = GST_CLOCK_TIME_NONE;
  }
  // New caps: whether the input marks access units is learnt again.
  void new_stream() { input_marks_au_ = false; }
  GstClockTime au_pts() const { return au_pts_; }

 private:
  bool in_au_ = false;
  bool input_marks_au_ = false;
  GstClockTime au_pts_ = GST_CLOCK_TIME_NONE;
};

}  // namespace srtrtp
