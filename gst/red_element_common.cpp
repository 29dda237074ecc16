#include "red_element_common.hpp"

#include <algorithm>
#include <array>

#include "rtp/rtp_header.hpp"

namespace srtrtp::red {

bool read_layout(GstBuffer *buffer, PacketLayout *out) {
  auto &head = out->head;
  const gsize size = gst_buffer_get_size(buffer);
  const gsize got = gst_buffer_extract(buffer, 0, head.data(), head.size());
  out->head_len = got;
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

namespace {

GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
                                                             GST_STATIC_CAPS("application/x-rtp"));
GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS,
                                                            GST_STATIC_CAPS("application/x-rtp"));

}  // namespace

void add_pad_templates(GstElementClass *klass) {
  gst_element_class_add_static_pad_template(klass, &sink_template);
  gst_element_class_add_static_pad_template(klass, &src_template);
}

Pads make_pads(GstElement *element, GstPadChainFunction chain, GstPadChainListFunction chain_list,
               GstPadEventFunction event) {
  Pads p{gst_pad_new_from_static_template(&sink_template, "sink"),
         gst_pad_new_from_static_template(&src_template, "src")};
  gst_pad_set_chain_function(p.sink, chain);
  gst_pad_set_chain_list_function(p.sink, chain_list);
  gst_pad_set_event_function(p.sink, event);
  GST_PAD_SET_PROXY_CAPS(p.sink);
  GST_PAD_SET_PROXY_ALLOCATION(p.sink);
  gst_element_add_pad(element, p.sink);
  gst_element_add_pad(element, p.src);
  return p;
}

void take_buffers(GstBufferList *list, std::vector<GstBuffer *> &out) {
  const guint n = gst_buffer_list_length(list);
  out.clear();
  for (guint i = 0; i < n; ++i) out.push_back(gst_buffer_ref(gst_buffer_list_get(list, i)));
  if (gst_buffer_list_is_writable(list)) gst_buffer_list_remove(list, 0, n);
  gst_buffer_list_unref(list);
}

MemoryRef region_memory(GstBuffer *buffer, gsize offset, gsize size) {
  guint idx = 0, length = 0;
  gsize skip = 0;
  if (size > 0 && gst_buffer_find_memory(buffer, offset, size, &idx, &length, &skip) &&
      length == 1) {
    GstMemory *m = gst_buffer_peek_memory(buffer, idx);
    if (!GST_MEMORY_FLAG_IS_SET(m, GST_MEMORY_FLAG_NO_SHARE))
      return MemoryRef(gst_memory_share(m, static_cast<gssize>(skip), static_cast<gssize>(size)));
  }
  GstMemory *copy = gst_allocator_alloc(nullptr, size, nullptr);
  GstMapInfo map;
  gst_memory_map(copy, &map, GST_MAP_WRITE);
  gst_buffer_extract(buffer, offset, map.data, size);
  gst_memory_unmap(copy, &map);
  return MemoryRef(copy);
}

}  // namespace srtrtp::red
