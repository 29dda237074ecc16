// Helpers for the G.722 / G.729 element tests: harness setup, buffers, RTP
// packets in and out, stats and error messages.
#pragma once

#include <gst/gst.h>
#include <gst/check/gstharness.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace audiofx {

using Bytes = std::vector<std::uint8_t>;
inline constexpr GstClockTime kMs = GST_MSECOND;

struct HarnessDeleter {
  void operator()(GstHarness *h) const { gst_harness_teardown(h); }
};
using HarnessPtr = std::unique_ptr<GstHarness, HarnessDeleter>;
struct BufferUnref {
  void operator()(GstBuffer *b) const { gst_buffer_unref(b); }
};
using BufferPtr = std::unique_ptr<GstBuffer, BufferUnref>;

// `element` with "name=value ..." properties, input caps and (optionally)
// the caps the downstream end of the harness insists on.
HarnessPtr make(const char *element, const std::string &props, const char *src_caps,
                const char *sink_caps = nullptr);

// `n` bytes counting up from `seed`.
Bytes pattern(std::size_t n, std::uint8_t seed = 0);
GstBuffer *buffer(const Bytes &data, GstClockTime pts, bool discont = false);
GstBuffer *rtp_packet(const Bytes &payload, std::uint16_t seq, std::uint32_t ts, bool marker,
                      GstClockTime pts = GST_CLOCK_TIME_NONE, std::uint8_t pt = 96);

struct Rtp {
  bool marker = false;
  std::uint8_t pt = 0;
  std::uint16_t seq = 0;
  std::uint32_t ts = 0;
  Bytes payload;
  GstClockTime pts = GST_CLOCK_TIME_NONE;
  bool discont = false;
};
// Gives `b` what no output may inherit from its input: DTS, duration, offsets,
// DELTA_UNIT and DROPPABLE flags and a reference-timestamp meta.
void add_foreign_metadata(GstBuffer *b);
// Whether `b` carries any of it (duration not checked: depayloaders set one).
bool has_foreign_metadata(GstBuffer *b);
std::vector<Rtp> pull_rtp(GstHarness *h);  // everything the element has output so far
std::vector<BufferPtr> pull_buffers(GstHarness *h);
Bytes bytes_of(GstBuffer *b);

std::string current_caps(GstHarness *h);  // what the element sent downstream
guint64 stat_u64(GstHarness *h, const char *field);
guint stat_uint(GstHarness *h, const char *field);

// Sends EOS and tells whether it came out of the element.
bool eos_passed(GstHarness *h);
// Flush start and stop, then a fresh time segment.
void flush(GstHarness *h);

// Collects the element's error messages.
class ErrorWatch {
 public:
  explicit ErrorWatch(GstElement *element);
  ~ErrorWatch();
  ErrorWatch(const ErrorWatch &) = delete;
  ErrorWatch &operator=(const ErrorWatch &) = delete;
  // "message / debug" of the first error, "" if none.
  std::string first_error();

 private:
  GstElement *element_;
  GstBus *bus_;
};

}  // namespace audiofx
