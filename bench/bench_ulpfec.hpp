// ULPFEC rows of bench-rtp-fec: the inputs (frames with markers, an encoded
// stream with packets taken out) and "benchjitter", a stand-in for
// rtpjitterbuffer do-lost without a clock: it holds back the last 64
// packets and, as each leaves, sends a GstRTPPacketLost event for every
// sequence number missing before it, so that the FEC decoders work as
// behind a real jitterbuffer.
#pragma once

#include <gst/gst.h>

#include <vector>

namespace bench {

void register_jitter();

// `media` with the marker set on every `frame`-th packet.
std::vector<std::vector<guint8>> with_markers(std::vector<std::vector<guint8>> media,
                                              std::size_t frame);

// `media` through `encoder` (a gst-launch description), every `nth` output
// packet (media or FEC) taken out.
std::vector<std::vector<guint8>> ulpfec_stream(const std::vector<std::vector<guint8>> &media,
                                               const char *encoder, const char *caps,
                                               std::size_t nth);

}  // namespace bench
