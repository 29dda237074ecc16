// Reusing a buffer that upstream handed over (the only reference) as an
// element's output saves allocating and freeing one; it must then carry none
// of the input's metadata, exactly like a freshly made buffer.
#pragma once

#include <gst/gst.h>

namespace srtrtp {

// Drops metas, timestamps, offsets and flags (pool bookkeeping kept), as
// gst_buffer_copy_region(GST_BUFFER_COPY_MEMORY) leaves them out. The buffer
// must be writable. False, untouched, if a meta is locked to the buffer.
inline bool reset_buffer_metadata(GstBuffer *b) {
  gpointer iter = nullptr;
  bool any_meta = false;
  while (GstMeta *m = gst_buffer_iterate_meta(b, &iter)) {
    if (GST_META_FLAG_IS_SET(m, GST_META_FLAG_LOCKED)) return false;
    any_meta = true;
  }
  if (any_meta) {
    gst_buffer_foreach_meta(
        b,
        [](GstBuffer *, GstMeta **meta, gpointer) -> gboolean {
          *meta = nullptr;
          return TRUE;
        },
        nullptr);
  }
  GST_BUFFER_FLAGS(b) &= (GST_MINI_OBJECT_FLAG_LAST - 1) | GST_BUFFER_FLAG_TAG_MEMORY;
  GST_BUFFER_PTS(b) = GST_BUFFER_DTS(b) = GST_BUFFER_DURATION(b) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_OFFSET(b) = GST_BUFFER_OFFSET_END(b) = GST_BUFFER_OFFSET_NONE;
  return true;
}

}  // namespace srtrtp
