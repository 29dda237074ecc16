// What rtpredenc2 and rtpreddec2 read of an RTP packet held in a GstBuffer,
// without joining its memories: where the header ends and the payload
// (padding excluded) lies, and the header fields they use.
#pragma once

#include <gst/gst.h>

#include "buffer_bytes.hpp"

namespace srtrtp::red {

using BufferRef = srtrtp::BufferPtr;

struct PacketLayout {
  gsize header_size = 0;  // fixed header, CSRCs and extension
  gsize payload_size = 0;
  guint8 payload_type = 0;
  guint16 seq = 0;
  guint32 timestamp = 0;
  guint32 ssrc = 0;
  bool marker = false;
};

// False when the buffer is not a well-formed RTP version 2 packet.
bool read_layout(GstBuffer *buffer, PacketLayout *out);

}  // namespace srtrtp::red
