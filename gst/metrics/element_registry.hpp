// The srtrtp elements the tracer has seen, each with its time-in-element
// histogram. Streaming threads only read a pad's parent and a type table;
// the list itself is touched when elements appear and at scrape time.
#pragma once

#include <gst/gst.h>

#include <memory>
#include <mutex>
#include <vector>

#include "histogram.hpp"

namespace srtrtp::metrics {

struct ElementMetrics {
  Histogram time_in_element;
};

// A strong reference to a live element for the length of one scrape.
struct ElementRef {
  struct Unref {
    void operator()(GstElement *e) const { gst_object_unref(e); }
  };
  std::unique_ptr<GstElement, Unref> element;
  std::shared_ptr<ElementMetrics> metrics;
};

class ElementRegistry {
 public:
  static ElementRegistry &instance();

  // Starts tracking `element` if it comes from the srtrtp plugin (idempotent).
  void track(GstElement *element);
  // The metrics of a tracked element, or null. Cheap for foreign elements:
  // a scan of the few srtrtp types before any per-object lookup.
  ElementMetrics *find(GstElement *element) const;
  // Every tracked element still alive (the dead are forgotten here).
  std::vector<ElementRef> live();

 private:
  ElementRegistry();
  bool is_tracked_type(GType type) const;

  struct Entry {
    std::unique_ptr<GWeakRef, void (*)(GWeakRef *)> ref;
    std::shared_ptr<ElementMetrics> metrics;
  };
  GQuark quark_;
  mutable std::mutex lock_;
  std::vector<Entry> entries_;
  // Element types seen so far; written under lock_, read lock-free.
  static constexpr std::size_t kMaxTypes = 32;
  std::array<std::atomic<GType>, kMaxTypes> types_{};
  std::atomic<std::size_t> type_count_{0};
};

}  // namespace srtrtp::metrics
