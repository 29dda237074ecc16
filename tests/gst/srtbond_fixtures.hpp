// Helpers for the srtbondsink/srtbondsrc tests: pipelines from launch lines,
// bus errors, free loopback ports, appsrc/appsink message exchange and
// signal recorders that tests can wait on (no sleeps).
#pragma once

#include <gst/gst.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace srtfx {

using Bytes = std::vector<std::uint8_t>;
constexpr auto kWait = std::chrono::seconds(20);  // generous: only a broken build hits it

struct PipelineDeleter {
  void operator()(GstElement *p) const;
};
using PipelinePtr = std::unique_ptr<GstElement, PipelineDeleter>;

PipelinePtr launch(const std::string &description);
GstElement *by_name(GstElement *pipeline, const char *name);  // borrowed

// "text / debug" of the first error on the bus within `timeout`, "" if none.
std::string wait_error(GstElement *pipeline, std::chrono::milliseconds timeout);
// Error text of a failed state change to `state` ("" if it succeeded).
std::string start_error(GstElement *pipeline, GstState state = GST_STATE_PAUSED);

// A UDP port on 127.0.0.1 that was free a moment ago.
std::uint16_t free_udp_port();

Bytes pattern(std::size_t n, std::uint8_t seed);
GstBuffer *buffer_of(const Bytes &b);
// Pulls `n` buffers from an appsink; fewer if the wait runs out.
struct Received {
  Bytes data;
  bool discont = false;
  GstClockTime pts = GST_CLOCK_TIME_NONE;
};
std::vector<Received> pull(GstElement *appsink, std::size_t n, std::chrono::milliseconds timeout);

// "appsrc name=in (octet-stream) ! srtbondsink name=out sync=false <props>".
PipelinePtr sender(const std::string &sink_props);
// "srtbondsrc name=in <props> ! appsink name=out".
PipelinePtr receiver(const std::string &src_props);
// Pushes `b` into the pipeline's appsrc "in"; a failure is a test failure.
void push(GstElement *pipeline, const Bytes &b);

// Thread-safe log of signal emissions (they come from the reactor thread).
class SignalLog {
 public:
  void add(std::string entry);
  bool wait_count(std::size_t n, std::chrono::milliseconds timeout);
  std::vector<std::string> entries();

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<std::string> entries_;
};

// Records caller-added / caller-removed / caller-rejected / caller-connecting
// ("added 127.0.0.1", "connecting <streamid>", ...). caller-connecting
// accepts when `accept` is empty or returns true for the stream id.
struct CallerSignals {
  SignalLog log;
  std::function<bool(const std::string &)> accept;
  void connect(GstElement *element);
};

}  // namespace srtfx
