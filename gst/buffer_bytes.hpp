// Contiguous read access to a GstBuffer's bytes without gst_buffer_map's
// merge: a buffer of several memories (payloaders and parsers often make them)
// would otherwise cost an allocation and a copy, large for access units, on
// every call. One memory is mapped; several are copied into reused scratch.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "rtp/bytes.hpp"

namespace srtrtp {

struct BufferUnref {
  void operator()(GstBuffer *b) const { gst_buffer_unref(b); }
};
// One reference to a buffer.
using BufferPtr = std::unique_ptr<GstBuffer, BufferUnref>;

class BufferBytes {
 public:
  // Holds its own reference, so the caller may drop theirs while the bytes are in use.
  BufferBytes(GstBuffer *buffer, std::vector<guint8> &scratch) : buffer_(gst_buffer_ref(buffer)) {
    if (gst_buffer_n_memory(buffer) == 1) {
      // The memory itself: gst_buffer_map would add a reference and more checks.
      memory_ = gst_buffer_peek_memory(buffer, 0);
      mapped_ = gst_memory_map(memory_, &map_, GST_MAP_READ);
      if (mapped_) bytes_ = srtcore::ByteSpan(map_.data, map_.size);
      ok_ = mapped_;
      return;
    }
    scratch.resize(gst_buffer_get_size(buffer));
    ok_ = gst_buffer_extract(buffer, 0, scratch.data(), scratch.size()) == scratch.size();
    bytes_ = srtcore::ByteSpan(scratch);
  }
  ~BufferBytes() { release(); }
  BufferBytes(const BufferBytes &) = delete;
  BufferBytes &operator=(const BufferBytes &) = delete;

  bool ok() const { return ok_; }
  srtcore::ByteSpan span() const { return bytes_; }
  // Ends the access early (the span is invalid after it) and drops the
  // reference, so that a caller holding the only other one may modify the buffer.
  void release() {
    if (!buffer_) return;
    if (mapped_) gst_memory_unmap(memory_, &map_);
    mapped_ = false;
    gst_buffer_unref(buffer_);
    buffer_ = nullptr;
    bytes_ = {};
  }

 private:
  GstBuffer *buffer_;
  GstMemory *memory_ = nullptr;  // mapped, owned by buffer_
  GstMapInfo map_{};
  bool mapped_ = false;
  bool ok_ = false;
  srtcore::ByteSpan bytes_;
};

// Read access that leaves the buffer writable for its owner (no buffer
// reference), who may change the buffer's memories meanwhile but must keep the
// mapped memory alive until the map ends: declare the owner (a BufferPtr)
// before the map, or hand the buffer to something that outlives it. One
// memory, the usual case, is mapped directly: cheaper than gst_buffer_map,
// which takes a reference on it.
// `may_write`: map for writing too when the buffer and its one memory are
// the caller's alone (writable_data() then gives the bytes), so that a small
// change costs no second map.
class ReadMap {
 public:
  explicit ReadMap(GstBuffer *buffer, bool may_write = false) {
    if (gst_buffer_n_memory(buffer) == 1) {
      memory_ = gst_buffer_peek_memory(buffer, 0);  // the buffer keeps it
      writable_ = may_write && gst_buffer_is_writable(buffer) && gst_memory_is_writable(memory_);
    } else {
      merged_ = gst_buffer_get_all_memory(buffer);  // a new one, not put in the buffer
      memory_ = merged_;
    }
    ok_ = memory_ && gst_memory_map(memory_, &map_, writable_ ? GST_MAP_READWRITE : GST_MAP_READ);
    writable_ = writable_ && ok_;
  }
  ~ReadMap() {
    if (ok_) gst_memory_unmap(memory_, &map_);
    if (merged_) gst_memory_unref(merged_);
  }
  ReadMap(const ReadMap &) = delete;
  ReadMap &operator=(const ReadMap &) = delete;

  bool ok() const { return ok_; }
  srtcore::ByteSpan span() const { return {map_.data, map_.size}; }
  // The buffer's own bytes, writable; null unless mapped for writing.
  guint8 *writable_data() const { return writable_ ? map_.data : nullptr; }

 private:
  GstMemory *memory_ = nullptr;
  GstMemory *merged_ = nullptr;
  GstMapInfo map_{};
  bool ok_ = false;
  bool writable_ = false;
};

// A new buffer holding `packet` (the bytes of RTP buffer `from`) with its
// sequence number set to `seq`, `from`'s timestamps, flags and metas: for an
// input shared elsewhere, one allocation and a copy instead of a writable
// buffer copy whose shared memory the write then copies again.
inline GstBuffer *copy_with_sequence(GstBuffer *from, srtcore::ByteSpan packet, std::uint16_t seq) {
  GstBuffer *out = gst_buffer_new_allocate(nullptr, packet.size(), nullptr);
  GstMapInfo map;
  if (gst_buffer_map(out, &map, GST_MAP_WRITE)) {
    std::memcpy(map.data, packet.data(), packet.size());
    map.data[2] = static_cast<guint8>(seq >> 8);
    map.data[3] = static_cast<guint8>(seq);
    gst_buffer_unmap(out, &map);
  }
  gst_buffer_copy_into(out, from, GST_BUFFER_COPY_METADATA, 0, static_cast<gsize>(-1));
  return out;
}

}  // namespace srtrtp
