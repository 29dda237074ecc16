// Time a buffer spends in one of our elements, measured by the element itself
// (chain entry to its first push, or to the chain's return when it pushes
// nothing). Not through GStreamer's tracer hooks: once any hook is
// registered, every pad push of every element pays the hook dispatch (two
// table lookups and a clock read per hook point), several times the cost of a
// small RTP element. Here an element pays one relaxed load per buffer until
// an endpoint has been scraped, then a countdown, and two clock reads
// (tick_clock.hpp) for one buffer in kSampleEvery.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <cstdint>
#include <ctime>
#include <memory>

#include "histogram.hpp"
#include "tick_clock.hpp"

namespace srtrtp::metrics {

struct ElementMetrics {
  Histogram time_in_element;
};

// Endpoints in this process that have been scraped; timing is on while there is one.
inline std::atomic<int> serving{0};

class BufferTimer {
 public:
  // Registers the element with the metrics registry (once, at init).
  void attach(GstElement *element);

  // One buffer in kSampleEvery is timed and counts for kSampleEvery: two
  // clock reads (about 10 ns together) are 20% of a video depayloader's
  // work on a packet that completes no frame; one in 16 is lost in the noise.
  static constexpr std::uint32_t kSampleEvery = 16;

  void enter() {
    entered_ = 0;
    if (serving.load(std::memory_order_relaxed) <= 0 || --countdown_ != 0) return;
    countdown_ = kSampleEvery;
    entered_ = ticks() | 1;  // never 0
  }
  // Before a push, and at the chain's return: the first one after enter() counts.
  void done() {
    if (!entered_) return;
    if (metrics_) metrics_->time_in_element.observe(ticks() - entered_, kSampleEvery);
    entered_ = 0;
  }

 private:
  std::shared_ptr<ElementMetrics> metrics_;
  std::uint64_t entered_ = 0;
  std::uint32_t countdown_ = 1;  // the first buffer is timed
};

// Times one chain call: enter() now, done() when it goes out of scope.
class ChainScope {
 public:
  explicit ChainScope(BufferTimer &t) : t_(t) { t_.enter(); }
  ~ChainScope() { t_.done(); }
  ChainScope(const ChainScope &) = delete;
  ChainScope &operator=(const ChainScope &) = delete;

 private:
  BufferTimer &t_;
};

}  // namespace srtrtp::metrics
