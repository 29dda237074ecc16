// What rtpredenc2 and rtpreddec2 read of an RTP packet held in a GstBuffer,
// without joining its memories: where the header ends and the payload
// (padding excluded) lies, and the header fields they use.
#pragma once

#include <gst/gst.h>

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include "buffer_bytes.hpp"
#include "packet_block.hpp"

namespace srtrtp::red {

// Bytes read at once from the start of a packet: a header with 15 CSRCs and
// an extension header, and RED block headers behind a plain header.
inline constexpr gsize kHeadBytes = 12 + 15 * 4 + 4 + 64;

struct PacketLayout {
  std::array<guint8, kHeadBytes> head{};  // the packet's first bytes
  gsize head_len = 0;
  gsize header_size = 0;  // fixed header, CSRCs and extension
  gsize payload_size = 0;
  guint8 payload_type = 0;
  guint16 seq = 0;
  guint32 timestamp = 0;
  guint32 ssrc = 0;
  bool marker = false;
};

// A new buffer with `from`'s metadata and no memory, for an output built
// around shares of `from`'s bytes when `from` is shared elsewhere: making it
// writable instead would put its memories in two buffers at once, which
// costs GStreamer two allocations per memory (each one's list of parents).
inline GstBuffer *empty_with_metadata(GstBuffer *from) {
  GstBuffer *out = gst_buffer_new();
  gst_buffer_copy_into(out, from, GST_BUFFER_COPY_METADATA, 0, static_cast<gsize>(-1));
  return out;
}

// False when the buffer is not a well-formed RTP version 2 packet.
bool read_layout(GstBuffer *buffer, PacketLayout *out);

// The packet's header (in.header_size bytes) to `out`.
inline void copy_header(GstBuffer *buffer, const PacketLayout &in, guint8 *out) {
  if (in.header_size <= in.head_len)
    std::copy_n(in.head.data(), in.header_size, out);
  else
    gst_buffer_extract(buffer, 0, out, in.header_size);
}

// A reference to a GstMemory (RAII).
class MemoryRef {
 public:
  MemoryRef() = default;
  explicit MemoryRef(GstMemory *m) : m_(m) {}
  MemoryRef(MemoryRef &&o) noexcept : m_(std::exchange(o.m_, nullptr)) {}
  MemoryRef &operator=(MemoryRef &&o) noexcept {
    std::swap(m_, o.m_);
    return *this;
  }
  MemoryRef(const MemoryRef &) = delete;
  MemoryRef &operator=(const MemoryRef &) = delete;
  ~MemoryRef() {
    if (m_) gst_memory_unref(m_);
  }
  GstMemory *get() const { return m_; }
  GstMemory *ref() const { return gst_memory_ref(m_); }        // a new reference for a buffer
  GstMemory *release() { return std::exchange(m_, nullptr); }  // ours, for a buffer
  gsize size() const { return m_ ? m_->size : 0; }

 private:
  GstMemory *m_ = nullptr;
};

// `size` bytes of `buffer` from `offset` as one memory: a share of the
// memory that holds them all, else a copy (they span memories).
MemoryRef region_memory(GstBuffer *buffer, gsize offset, gsize size);

// The buffers of `list` (taken), ours alone when the list was ours alone:
// then they can be changed in place.
void take_buffers(GstBufferList *list, std::vector<GstBuffer *> &out);

// Output of one chain call: pushed at once, or, while a buffer list is
// handled, gathered into one list pushed at the end (or before anything
// else, such as new caps, must go downstream).
class OutputBatch {
 public:
  explicit OutputBatch(GstPad *pad) : pad_(pad) {}
  ~OutputBatch() {
    if (list_) gst_buffer_list_unref(list_);
  }
  OutputBatch(const OutputBatch &) = delete;
  OutputBatch &operator=(const OutputBatch &) = delete;
  void begin_list() { gathering_ = true; }
  GstFlowReturn push(GstBuffer *buffer) {
    if (!gathering_) return gst_pad_push(pad_, buffer);
    if (!list_) list_ = gst_buffer_list_new_sized(16);
    gst_buffer_list_add(list_, buffer);
    return GST_FLOW_OK;
  }
  // Sends what was gathered; gathering goes on until end_list().
  GstFlowReturn flush() {
    if (!list_) return GST_FLOW_OK;
    return gst_pad_push_list(pad_, std::exchange(list_, nullptr));
  }
  GstFlowReturn end_list() {
    gathering_ = false;
    return flush();
  }

 private:
  GstPad *pad_;
  GstBufferList *list_ = nullptr;
  bool gathering_ = false;
};

// The two RED elements' pads: application/x-rtp in and out, caps and
// allocation queries proxied. add_pad_templates in class_init, make_pads
// in instance init.
void add_pad_templates(GstElementClass *klass);
struct Pads {
  GstPad *sink;
  GstPad *src;
};
Pads make_pads(GstElement *element, GstPadChainFunction chain, GstPadChainListFunction chain_list,
               GstPadEventFunction event);

// Small header memories carved from 4 KiB blocks (one allocation per block,
// not per packet): each holds a reference on its block.
class HeaderCarver {
 public:
  HeaderCarver() = default;
  HeaderCarver(const HeaderCarver &) = delete;
  HeaderCarver &operator=(const HeaderCarver &) = delete;
  ~HeaderCarver() {
    if (block_) srtrtp::PacketBlock::unref(block_);
  }
  // A memory of `size` bytes; write them through `*data` before pushing.
  GstMemory *carve(gsize size, guint8 **data) {
    if (!block_ || block_->available() < size) {
      if (block_) srtrtp::PacketBlock::unref(block_);
      block_ = srtrtp::PacketBlock::create(std::max<gsize>(4096, size));
    }
    *data = block_->next();
    return block_->take(size);
  }

 private:
  srtrtp::PacketBlock *block_ = nullptr;
};

}  // namespace srtrtp::red
