// Hand-built H.265 NAL units and RTP payloads for the rtph265pay2 /
// rtph265depay2 element tests. Buffer, harness and RTP helpers that do not
// depend on the codec come from h264_fixtures.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "h264_fixtures.hpp"

namespace fixtures::h265 {

using fixtures::Bytes;

// Parameter sets of an x265 320x240 Main profile stream (level 2, id 0).
Bytes vps();
Bytes sps();
Bytes pps();
Bytes hvcc();  // hvcC of those, as h265parse builds it
std::string sprop_vps();
std::string sprop_sps();
std::string sprop_pps();

Bytes header(unsigned type, unsigned layer = 0, unsigned tid = 1);
// Slice segment of `size` bytes; `first`: first_slice_segment_in_pic_flag.
Bytes slice(unsigned type, std::size_t size, bool first = true, std::uint8_t seed = 1);
inline Bytes idr(std::size_t size, bool first = true) {
  return slice(19, size, first, 1);
}
inline Bytes cra(std::size_t size, bool first = true) {
  return slice(21, size, first, 3);
}
inline Bytes trail(std::size_t size, bool first = true, std::uint8_t seed = 2) {
  return slice(1, size, first, seed);
}
Bytes aud();
Bytes prefix_sei();

// RFC 7798 payloads
Bytes ap(const std::vector<Bytes> &nals);
Bytes fu(const Bytes &nal, std::size_t body_offset, std::size_t len, bool start, bool end,
         std::optional<std::uint16_t> donl = std::nullopt);
Bytes single_donl(const Bytes &nal, std::uint16_t don);
// PACI around a single/AP/FU payload, with PHES bytes.
Bytes paci(const Bytes &inner, const Bytes &phes);

// Payload type of an RTP payload (6 bits after F).
inline unsigned type_of(const Bytes &payload) {
  return (payload[0] >> 1) & 0x3f;
}
// NAL unit types carried in one payload (single or AP; an FU start shows as
// 100 + its type, other fragments as nothing).
std::vector<unsigned> nal_types(const Bytes &payload);
// NAL units carried by a packet sequence (single, AP, FU), read independently
// of our depayloader.
std::vector<Bytes> unpack(const std::vector<Rtp> &packets);

}  // namespace fixtures::h265
