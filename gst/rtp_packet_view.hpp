// Read access to the RTP packet in a GstBuffer, parsed, without joining its
// memories: gst_buffer_map would allocate and copy for every packet made of
// several (the C payloaders put the header and the payload in two). The
// header and the bytes after it are mapped where they lie; only a packet
// split some other way is copied, into reused scratch storage.
#pragma once

#include <gst/gst.h>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <vector>

#include "rtp/rtp_header.hpp"

namespace srtrtp {

class RtpPacketView {
 public:
  // Borrows `buffer`: it must outlive the view, or release() must come first.
  RtpPacketView(GstBuffer *buffer, std::vector<guint8> &scratch) {
    const guint n = gst_buffer_n_memory(buffer);
    if (n == 0) return;
    if (n > 2) {  // the payload itself is split: only a copy joins it
      join(buffer, scratch, 0);
      return;
    }
    if (!map(0, gst_buffer_peek_memory(buffer, 0))) return;
    const srtcore::ByteSpan first(maps_[0].data, maps_[0].size);
    if (n == 1) {
      parse_whole(first);
      return;
    }
    // Header in the first memory, the rest in the second (the C payloaders):
    // map both.
    const auto header = srtcore::rtp::rtp_header_size(first);
    const gsize total = gst_buffer_get_size(buffer);
    if (header && *header == first.size() && total > *header &&
        map(1, gst_buffer_peek_memory(buffer, 1))) {
      const srtcore::ByteSpan rest(maps_[1].data, maps_[1].size);
      parsed_ = srtcore::rtp::parse_rtp(first, rest);
      if (parsed_)
        payload_offset_ = *header + static_cast<gsize>(parsed_->payload.data() - rest.data());
      return;
    }
    // The header memory carries the first payload bytes too (rtph264pay's
    // FU-A headers): joined in scratch, the first memory from its mapping.
    scratch.resize(total);
    std::copy(first.begin(), first.end(), scratch.begin());
    release();
    join(buffer, scratch, first.size());
  }
  ~RtpPacketView() { release(); }
  RtpPacketView(const RtpPacketView &) = delete;
  RtpPacketView &operator=(const RtpPacketView &) = delete;

  // False: the buffer could not be read (not the same as an invalid packet).
  bool readable() const { return mapped_ok_; }
  // nullopt: not a well-formed RTP packet.
  const std::optional<srtcore::rtp::ParsedRtp> &parsed() const { return parsed_; }
  // Where the payload starts in the buffer.
  gsize payload_offset() const { return payload_offset_; }
  // Ends the access early: the spans in parsed() are invalid after it.
  void release() {
    for (int i = 0; i < 2; ++i) {
      if (memories_[i]) gst_memory_unmap(memories_[i], &maps_[i]);
      memories_[i] = nullptr;
    }
  }

 private:
  // The buffer keeps the memory alive: no reference of our own.
  bool map(int slot, GstMemory *memory) {
    if (!gst_memory_map(memory, &maps_[slot], GST_MAP_READ)) return false;
    memories_[slot] = memory;
    mapped_ok_ = true;
    return true;
  }
  // The packet copied into scratch, whose first `have` bytes are already there.
  void join(GstBuffer *buffer, std::vector<guint8> &scratch, gsize have) {
    const gsize total = gst_buffer_get_size(buffer);
    scratch.resize(total);
    mapped_ok_ =
        gst_buffer_extract(buffer, have, scratch.data() + have, total - have) == total - have;
    if (mapped_ok_) parse_whole(srtcore::ByteSpan(scratch));
  }
  void parse_whole(srtcore::ByteSpan packet) {
    parsed_ = srtcore::rtp::parse_rtp(packet);
    if (parsed_) payload_offset_ = static_cast<gsize>(parsed_->payload.data() - packet.data());
  }

  GstMemory *memories_[2] = {};
  GstMapInfo maps_[2] = {};
  bool mapped_ok_ = false;
  std::optional<srtcore::rtp::ParsedRtp> parsed_;
  gsize payload_offset_ = 0;
};

}  // namespace srtrtp
