#include "hooks.hpp"

#include <array>
#include <atomic>

#include "element_registry.hpp"

namespace srtrtp::metrics {

namespace {

// A chain call into a tracked element on this thread, until it returns.
// Nested frames are downstream srtrtp elements called from inside a push.
struct Frame {
  GstPad *pad;
  GstElement *element;
  ElementMetrics *metrics;
  guint64 entered;
  bool observed;
};

struct Frames {
  std::array<Frame, 16> stack;
  unsigned depth;
};

thread_local Frames frames{};

void enter(guint64 ts, GstPad *pad) {
  GstElement *element = GST_PAD_PARENT(pad);
  ElementMetrics *m = ElementRegistry::instance().find(element);
  if (!m || frames.depth == frames.stack.size()) return;
  frames.stack[frames.depth++] = Frame{pad, element, m, ts, false};
}

void leave(guint64 ts, GstPad *pad) {
  if (frames.depth == 0) return;
  Frame &top = frames.stack[frames.depth - 1];
  if (top.pad != pad) return;  // a chain of an element we do not track
  // Nothing pushed (a sink, or data held back): the whole call counts.
  if (!top.observed) top.metrics->time_in_element.observe(ts - top.entered);
  --frames.depth;
}

void pushed(guint64 ts, GstPad *pad) {
  if (frames.depth == 0) return;
  Frame &top = frames.stack[frames.depth - 1];
  if (top.observed || GST_PAD_PARENT(pad) != top.element) return;
  top.metrics->time_in_element.observe(ts - top.entered);
  top.observed = true;
}

void on_chain_pre(GstTracer *, guint64 ts, GstPad *pad, GstBuffer *) {
  enter(ts, pad);
}
void on_chain_list_pre(GstTracer *, guint64 ts, GstPad *pad, GstBufferList *) {
  enter(ts, pad);
}
void on_chain_post(GstTracer *, guint64 ts, GstPad *pad, GstFlowReturn) {
  leave(ts, pad);
}
void on_push_pre(GstTracer *, guint64 ts, GstPad *pad, GstBuffer *) {
  pushed(ts, pad);
}
void on_push_list_pre(GstTracer *, guint64 ts, GstPad *pad, GstBufferList *) {
  pushed(ts, pad);
}

void on_element_new(GstTracer *, guint64, GstElement *element) {
  ElementRegistry::instance().track(element);
}

// Elements made before the tracer existed are picked up when they change state.
void on_change_state_post(GstTracer *, guint64, GstElement *element, GstStateChange,
                          GstStateChangeReturn) {
  ElementRegistry::instance().track(element);
}

}  // namespace

void register_hooks(GstTracer *tracer) {
  static std::atomic<bool> done{false};
  if (done.exchange(true)) return;
  gst_tracing_register_hook(tracer, "pad-chain-pre", G_CALLBACK(on_chain_pre));
  gst_tracing_register_hook(tracer, "pad-chain-post", G_CALLBACK(on_chain_post));
  gst_tracing_register_hook(tracer, "pad-chain-list-pre", G_CALLBACK(on_chain_list_pre));
  gst_tracing_register_hook(tracer, "pad-chain-list-post", G_CALLBACK(on_chain_post));
  gst_tracing_register_hook(tracer, "pad-push-pre", G_CALLBACK(on_push_pre));
  gst_tracing_register_hook(tracer, "pad-push-list-pre", G_CALLBACK(on_push_list_pre));
  gst_tracing_register_hook(tracer, "element-new", G_CALLBACK(on_element_new));
  gst_tracing_register_hook(tracer, "element-change-state-post", G_CALLBACK(on_change_state_post));
}

}  // namespace srtrtp::metrics
