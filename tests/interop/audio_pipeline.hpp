// Runs GStreamer pipelines over in-memory audio for the interop tests: feeds
// an encoded stream through appsrc "src", collects appsink "sink", records
// the RTP packets leaving the element named "pay", and waits for EOS on
// the bus (generous timeout; a timeout is an error, not a sleep).
#pragma once

#include <gst/gst.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace audiointerop {

using Bytes = std::vector<std::uint8_t>;

struct Chunk {
  Bytes data;
  GstClockTime pts = GST_CLOCK_TIME_NONE;
  GstClockTime duration = GST_CLOCK_TIME_NONE;
  bool discont = false;
};

struct Stream {
  std::string caps;
  std::vector<Chunk> chunks;
};

// An RTP packet as GstRTPBuffer (gst-plugins-base) reads it.
struct RtpPacket {
  bool marker = false;
  std::uint8_t pt = 0;
  std::uint16_t seq = 0;
  std::uint32_t ts = 0;
  Bytes payload;
  GstClockTime pts = GST_CLOCK_TIME_NONE;
};

struct RunResult {
  std::vector<Chunk> out;
  std::vector<RtpPacket> rtp;
  std::string rtp_caps;
  std::string error;  // empty when the pipeline reached EOS
  bool ok() const { return error.empty(); }
};

// `input` may be null when the pipeline has its own source.
RunResult run(const std::string &launch, const Stream *input,
              std::chrono::seconds timeout = std::chrono::seconds(120));

bool element_available(const std::string &factory);
std::vector<std::string> missing_elements(const std::vector<std::string> &factories);

Bytes concat(const std::vector<Chunk> &chunks);
// "identical (N bytes)" or where and how two decodes differ.
std::string compare(const Bytes &want, const Bytes &got, std::size_t bytes_per_sample = 2);

}  // namespace audiointerop
