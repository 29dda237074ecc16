#include "red_element_common.hpp"

#include <array>

#include "rtp/rtp_header.hpp"

namespace srtrtp::red {

bool read_layout(GstBuffer *buffer, PacketLayout *out) {
  // Enough for the fixed header, 15 CSRCs and an extension header.
  std::array<guint8, 12 + 15 * 4 + 4> head{};
  const gsize size = gst_buffer_get_size(buffer);
  const gsize got = gst_buffer_extract(buffer, 0, head.data(), head.size());
  const auto header_size = srtcore::rtp::rtp_header_size({head.data(), got});
  if (!header_size || *header_size > size) return false;
  gsize padding = 0;
  if (head[0] & 0x20) {
    guint8 last = 0;
    gst_buffer_extract(buffer, size - 1, &last, 1);
    padding = last;
    if (padding == 0 || *header_size + padding > size) return false;
  }
  out->header_size = *header_size;
  out->payload_size = size - *header_size - padding;
  out->marker = (head[1] & 0x80) != 0;
  out->payload_type = head[1] & 0x7f;
  out->seq = static_cast<guint16>((head[2] << 8) | head[3]);
  out->timestamp = GST_READ_UINT32_BE(head.data() + 4);
  out->ssrc = GST_READ_UINT32_BE(head.data() + 8);
  return true;
}

}  // namespace srtrtp::red
