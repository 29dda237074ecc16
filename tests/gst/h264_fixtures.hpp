// Hand-built H.264 NAL units and RTP packets for element tests: small, exact,
// with the header bits the elements look at (types, first_mb_in_slice, SEI).
#pragma once

#include <gst/gst.h>
#include <gst/check/gstharness.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace fixtures {

using Bytes = std::vector<std::uint8_t>;

Bytes sps();  // profile 0x64 (high), level 0x28, id 0
Bytes pps();  // id 0
Bytes aud();  // access unit delimiter
Bytes idr_slice(std::size_t size, bool first_in_picture = true);
Bytes p_slice(std::size_t size, bool first_in_picture = true);
Bytes sei_recovery_point();

// Annex B buffer with 4-byte start codes.
Bytes annexb(const std::vector<Bytes> &nals);
// avc buffer with 4-byte lengths.
Bytes length_prefixed(const std::vector<Bytes> &nals);
Bytes avcc(const Bytes &sps, const Bytes &pps);

GstBuffer *buffer(const Bytes &data, GstClockTime pts, bool delta = false);

// Parsed RTP packet from the harness.
struct Rtp {
  bool marker;
  std::uint8_t pt;
  std::uint16_t seq;
  std::uint32_t ts;
  std::uint32_t ssrc;
  Bytes payload;
  bool discont;
};
Rtp parse(GstBuffer *buf);  // unrefs buf
std::vector<Rtp> pull_all(GstHarness *h);

// RTP packet for depayloader input.
GstBuffer *rtp_packet(const Bytes &payload, std::uint16_t seq, std::uint32_t ts, bool marker,
                      GstClockTime pts = GST_CLOCK_TIME_NONE);
Bytes fu_a(const Bytes &nal, std::size_t offset, std::size_t len, bool start, bool end);
Bytes stap_a(const std::vector<Bytes> &nals);

Bytes to_bytes(GstBuffer *buf);                        // does not unref
std::vector<GstBuffer *> pull_buffers(GstHarness *h);  // everything the harness has
void unref_all(std::vector<GstBuffer *> &v);           // and empties v
std::string caps_string(GstHarness *h);                // current src caps of the element under test
// A string field of those caps ("" when absent).
std::string caps_field(GstHarness *h, const char *name);

// Sets "name=value name=value" properties the way gst-launch would.
void set_props(GstElement *element, const std::string &props);

struct HarnessDeleter {
  void operator()(GstHarness *h) const { gst_harness_teardown(h); }
};
using HarnessPtr = std::unique_ptr<GstHarness, HarnessDeleter>;

}  // namespace fixtures
