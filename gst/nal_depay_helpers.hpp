// Pieces the H.264 and H.265 depayloaders share: fmtp numbers from caps,
// codec_data buffers and zero-copy output buffers.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace srtrtp {

// An unsigned fmtp value: a string when it came from SDP, an int in hand-written caps.
inline std::optional<guint> caps_uint(const GstStructure *st, const char *name) {
  if (const gchar *str = gst_structure_get_string(st, name)) {
    gchar *end = nullptr;
    const guint64 v = g_ascii_strtoull(str, &end, 10);
    if (end == str || *end != '\0' || v > G_MAXUINT) return std::nullopt;
    return static_cast<guint>(v);
  }
  gint i;
  if (gst_structure_get_int(st, name, &i) && i >= 0) return static_cast<guint>(i);
  guint u;
  if (gst_structure_get_uint(st, name, &u)) return u;
  return std::nullopt;
}

// Output bytes as a GstBuffer: the core's storage is adopted when it can be
// (one access unit per buffer, no copy), copied otherwise.
template <typename Core, typename Output>
GstBuffer *wrap_output(Core &core, const Output &out) {
  auto storage = core.take_output_storage(out);
  if (!storage) return gst_buffer_new_memdup(out.data.data(), out.data.size());
  auto *owned = new std::vector<std::uint8_t>(std::move(*storage));
  return gst_buffer_new_wrapped_full(
      static_cast<GstMemoryFlags>(0), owned->data(), owned->capacity(), 0, owned->size(), owned,
      [](gpointer p) { delete static_cast<std::vector<std::uint8_t> *>(p); });
}

}  // namespace srtrtp
