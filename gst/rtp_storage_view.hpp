// Read access to gst-plugins-good's RtpStorage (the object the rtpstorage
// element exposes as `internal-storage`, and rtpbin's get-internal-storage
// signal returns), so that rtpulpfecdec2 takes the same `storage` as
// rtpulpfecdec. In GStreamer 1.22 RtpStorage has no public API and no
// action signal (only "packet-recovered"): its functions are internal to
// libgstrtp. We read the object through its 1.22 layout, under its own
// locks, and only after checking the type name and the instance size; any
// other object is refused (the element says so).
#pragma once

#include <gst/gst.h>

#include <functional>

#include "rtp/bytes.hpp"

namespace srtrtp {

// Whether `storage` is an RtpStorage this code knows how to read.
bool rtp_storage_supported(GObject *storage);

// Calls `visit` with every packet of stream `ssrc` whose sequence number is
// within `window` of `around` and that `want` (sequence number, payload
// type: known without reading the packet) accepts, as whole RTP packets
// (padding included), under the storage's locks. Returns false if the
// stream is unknown.
bool rtp_storage_visit(GObject *storage, guint32 ssrc, guint16 around, int window,
                       const std::function<bool(guint16, guint8)> &want,
                       const std::function<void(srtcore::ByteSpan)> &visit);

}  // namespace srtrtp
