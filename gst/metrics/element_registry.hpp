// The srtrtp elements alive in this process, each with its time-in-element
// histogram. Elements add themselves when they are made; the list is read
// at scrape time only.
#pragma once

#include <gst/gst.h>

#include <memory>
#include <mutex>
#include <vector>

#include "buffer_timer.hpp"

namespace srtrtp::metrics {

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

  // Adds `element` (one of ours) and returns its metrics.
  std::shared_ptr<ElementMetrics> add(GstElement *element);
  // Every element still alive (the dead are forgotten here).
  std::vector<ElementRef> live();

 private:
  struct Entry {
    std::unique_ptr<GWeakRef, void (*)(GWeakRef *)> ref;
    std::shared_ptr<ElementMetrics> metrics;
  };
  void forget_dead();  // under lock_

  std::mutex lock_;
  std::vector<Entry> entries_;
};

}  // namespace srtrtp::metrics
