// Every input layout a depayloader meets in a pipeline, for tests that feed
// one RTP stream in each and expect the same output: one memory held by the
// element alone (udpsrc), the same still held elsewhere (tee, jitter buffer,
// application), header and payload in two memories (the C payloaders), the
// header memory carrying the first payload bytes too (rtph264pay's FU-A),
// the payload split over two memories, and packets carved from one shared
// block (our payloaders); each as single buffers and as buffer lists.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <string>
#include <vector>

namespace layouts {

using Bytes = std::vector<std::uint8_t>;

// One RTP packet, whole, with the PTS and flags upstream gave it.
struct Packet {
  Bytes bytes;
  GstClockTime pts = GST_CLOCK_TIME_NONE;
  bool discont = false;
};

enum class Layout { kUnique, kShared, kTwoMem, kHeaderPlus2, kSplitPayload, kBlock, kBlockShared };
const char *name(Layout l);
inline constexpr Layout kAll[] = {Layout::kUnique,      Layout::kShared,       Layout::kTwoMem,
                                  Layout::kHeaderPlus2, Layout::kSplitPayload, Layout::kBlock,
                                  Layout::kBlockShared};

// What a depayloader output, field by field.
struct OutBuffer {
  Bytes bytes;
  GstClockTime pts, dts, duration;
  guint flags;  // the buffer flags a depayloader sets (not memory bookkeeping)
  bool operator==(const OutBuffer &) const = default;
};
std::string describe(const OutBuffer &b);

struct Outcome {
  std::vector<OutBuffer> out;
  std::string caps;
  // Empty when every input the test held on to had the same bytes after the
  // run as before (and as many memories); else what changed.
  std::string inputs_modified;
};

// Runs `element` (with src caps `rtp_caps`, sink caps `out_caps` (empty:
// anything), properties
// "name=value ...") over `packets` in `layout`, in lists of `list_size`
// (0: single buffers), then EOS.
Outcome run(const std::string &element, const std::string &props, const std::string &rtp_caps,
            const std::string &out_caps, const std::vector<Packet> &packets, Layout layout,
            guint list_size);

// gtest checks: every layout, single buffers and lists of 3, gives the output
// of the unique single-buffer run, and leaves the inputs it shares unchanged.
void expect_same_output_in_every_layout(const std::string &element, const std::string &props,
                                        const std::string &rtp_caps, const std::string &out_caps,
                                        const std::vector<Packet> &packets,
                                        size_t expected_outputs);

// An RTP packet: 12-byte header (version 2), then `payload`.
Bytes rtp(const Bytes &payload, std::uint16_t seq, std::uint32_t ts, bool marker, std::uint8_t pt);

}  // namespace layouts
