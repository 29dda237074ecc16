// Contiguous read access to a GstBuffer's bytes without gst_buffer_map's
// merge: a buffer of several memories (payloaders and parsers often make them)
// would otherwise cost an allocation and a copy, large for access units, on
// every call. One memory is mapped; several are copied into reused scratch.
#pragma once

#include <gst/gst.h>

#include <vector>

#include "rtp/bytes.hpp"

namespace srtrtp {

class BufferBytes {
 public:
  // Holds its own reference, so the caller may drop theirs while the bytes are in use.
  BufferBytes(GstBuffer *buffer, std::vector<guint8> &scratch) : buffer_(gst_buffer_ref(buffer)) {
    if (gst_buffer_n_memory(buffer) == 1) {
      mapped_ = gst_buffer_map(buffer, &map_, GST_MAP_READ);
      if (mapped_) bytes_ = srtcore::ByteSpan(map_.data, map_.size);
      ok_ = mapped_;
      return;
    }
    scratch.resize(gst_buffer_get_size(buffer));
    ok_ = gst_buffer_extract(buffer, 0, scratch.data(), scratch.size()) == scratch.size();
    bytes_ = srtcore::ByteSpan(scratch);
  }
  ~BufferBytes() {
    if (mapped_) gst_buffer_unmap(buffer_, &map_);
    gst_buffer_unref(buffer_);
  }
  BufferBytes(const BufferBytes &) = delete;
  BufferBytes &operator=(const BufferBytes &) = delete;

  bool ok() const { return ok_; }
  srtcore::ByteSpan span() const { return bytes_; }

 private:
  GstBuffer *buffer_;
  GstMapInfo map_{};
  bool mapped_ = false;
  bool ok_ = false;
  srtcore::ByteSpan bytes_;
};

}  // namespace srtrtp
