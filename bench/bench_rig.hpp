// The harness every element runs in during bench-rtp, the same for ours,
// theirs and the baseline. Cheaper than GstHarness, so that the fixed cost per
// buffer hides less of the elements' own cost: input goes straight into the
// element's sink pad (gst_pad_chain, no upstream pad to push through), and
// output lands on an unparented sink pad that counts and drops it, without
// locks or GstHarness's bookkeeping.
#pragma once

#include <gst/gst.h>

#include <string>
#include <vector>

#include "framecheck.hpp"

namespace bench {

// Runs `launch` (a pipeline ending in "appsink name=sink") to EOS and keeps
// every buffer it delivers, with the caps of the first. Throws fc::Error.
framecheck::EncodedStream capture(const std::string &launch);
// G.729 for the payloaders, which do not decode: `buffers` buffers of
// `frames_per_buffer` 10-byte frames (10 ms each) of pseudo-random bits.
framecheck::EncodedStream synth_g729(int buffers, int frames_per_buffer);

// Registers "benchpassthrough": an element that pushes every input buffer out
// unchanged, so a run with it costs the harness plus one element hop (a chain
// call in, a pad push out) and nothing else: the baseline.
void register_passthrough();

// What a run delivered, when kept (the depayloaders' input is made this way).
struct Output {
  framecheck::CapsPtr caps;
  std::vector<framecheck::BufferPtr> buffers;
};

class Rig {
 public:
  // Takes `element` (floating or owned). `sink_caps` (may be empty: anything)
  // is what the output side accepts. With `keep`, output buffers are kept.
  Rig(GstElement *element, GstCaps *input_caps, const std::string &sink_caps, Output *keep)
      : Rig(std::vector<GstElement *>{element}, input_caps, sink_caps, keep) {}
  // A chain of elements (each floating or owned), linked in order: input goes
  // into the first one's sink pad, the last one's output into the counting sink.
  Rig(const std::vector<GstElement *> &stages, GstCaps *input_caps, const std::string &sink_caps,
      Output *keep);
  ~Rig();
  Rig(const Rig &) = delete;
  Rig &operator=(const Rig &) = delete;

  // Takes the buffer, as gst_pad_chain does.
  GstFlowReturn push(GstBuffer *buffer) { return gst_pad_chain(element_sink_, buffer); }
  // Takes the list, as gst_pad_chain_list does.
  GstFlowReturn push_list(GstBufferList *list) { return gst_pad_chain_list(element_sink_, list); }
  void push_eos();
  size_t received() const { return received_; }

 private:
  static GstFlowReturn chain(GstPad *pad, GstObject *, GstBuffer *buffer);
  static GstFlowReturn chain_list(GstPad *pad, GstObject *, GstBufferList *list);
  static gboolean event(GstPad *pad, GstObject *, GstEvent *event);
  static gboolean query(GstPad *pad, GstObject *, GstQuery *query);

  std::vector<GstElement *> elements_;
  GstPad *element_sink_;
  GstPad *element_src_;
  GstPad *sink_;
  framecheck::CapsPtr sink_caps_;  // null: anything
  Output *keep_;
  size_t received_ = 0;
};

}  // namespace bench
