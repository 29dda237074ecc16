// source-info on the payloaders: the CSRC list that GstRTPBasePayload puts
// in every packet made from an input carrying a GstRTPSourceMeta. A fixed
// array, so that a packet's CSRCs cost no allocation.
#pragma once

#include <gst/gst.h>
#include <gst/rtp/gstrtpmeta.h>

#include <array>
#include <cstddef>

namespace srtrtp {

class SourceCsrcs {
 public:
  // RTP's CC field has 4 bits.
  static constexpr std::size_t kMax = GST_RTP_SOURCE_META_MAX_CSRC_COUNT;

  // The meta's CSRCs, then its SSRC if valid, at most kMax: the order and
  // the cut GstRTPBasePayload (1.22) uses. None without a meta.
  void take_from(GstBuffer *input) {
    count_ = 0;
    const GstRTPSourceMeta *meta = gst_buffer_get_rtp_source_meta(input);
    if (!meta) return;
    for (guint i = 0; i < meta->csrc_count && count_ < kMax; ++i) ids_[count_++] = meta->csrc[i];
    if (meta->ssrc_valid && count_ < kMax) ids_[count_++] = meta->ssrc;
  }
  void clear() { count_ = 0; }
  std::size_t count() const { return count_; }
  std::size_t bytes() const { return 4 * count_; }
  // Writes the list, big-endian, at dst (bytes() bytes).
  void write(guint8 *dst) const {
    for (std::size_t i = 0; i < count_; ++i) GST_WRITE_UINT32_BE(dst + 4 * i, ids_[i]);
  }

 private:
  std::array<guint32, kMax> ids_{};
  std::size_t count_ = 0;
};

}  // namespace srtrtp
