// What an H.264/H.265 payloader accepts on its sink pad, given the RTP caps
// downstream allows: the profile and level that downstream asks for in
// profile-level-id (H.264) or profile-id/tier-flag/level-id (H.265) become
// video/x-h264|x-h265 profile and level fields, so that an encoder upstream
// produces a stream the far end can take (as rtph264pay/rtph265pay do).
#pragma once

#include <gst/gst.h>

namespace srtrtp {

// Adds to `out` the constraints of one downstream RTP structure; returns true
// when that structure leaves the stream unrestricted too (H.264 without
// profile-level-id means constrained baseline or anything).
using NalSinkConstraints = bool (*)(const GstStructure *rtp, GstStructure *out);
bool h264_sink_constraints(const GstStructure *rtp, GstStructure *out);
bool h265_sink_constraints(const GstStructure *rtp, GstStructure *out);

// The caps query answer of a payloader whose src pad is `srcpad` and whose sink
// template caps are `templ`: downstream's allowed caps turned into input
// constraints, intersected with the template and then with `filter` (may be NULL).
GstCaps *nal_sink_caps(GstPad *srcpad, GstCaps *templ, GstCaps *filter, const char *media_type,
                       NalSinkConstraints constraints);

}  // namespace srtrtp
