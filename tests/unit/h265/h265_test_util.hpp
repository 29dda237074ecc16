// Helpers shared by the H.265 unit tests: byte literals, hand-made NAL units
// with the header fields the code looks at, real x265 parameter sets, a
// collecting sink and an independent reader of RFC 7798 packets.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include "rtp/bytes.hpp"
#include "rtp/packet_sink.hpp"

namespace srtcore::rtp::h265::test {

using Bytes = std::vector<std::uint8_t>;

inline Bytes bytes(std::initializer_list<int> v) {
  Bytes b;
  for (int x : v) b.push_back(static_cast<std::uint8_t>(x));
  return b;
}

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes &p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

inline Bytes from_hex(const std::string &hex) {
  Bytes b;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    b.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return b;
}

// Two-byte NAL unit header.
inline Bytes header(unsigned type, unsigned layer = 0, unsigned tid = 1, bool f = false) {
  return bytes({static_cast<int>((f ? 0x80 : 0) | (type << 1) | (layer >> 5)),
                static_cast<int>(((layer & 0x1f) << 3) | tid)});
}

// A NAL unit of `size` bytes (header included) whose body never forms a
// start code or trailing zero (so Annex B framing keeps it intact).
inline Bytes nal(unsigned type, std::size_t size, std::uint8_t seed = 0, unsigned layer = 0,
                 unsigned tid = 1) {
  Bytes b = header(type, layer, tid);
  for (std::size_t i = 2; i < size; ++i)
    b.push_back(static_cast<std::uint8_t>(0x10 + ((i * 7 + seed) % 0xe0)));
  b.resize(size);
  return b;
}

// A slice segment; `first`: first_slice_segment_in_pic_flag.
inline Bytes slice(unsigned type, std::size_t size = 40, bool first = true, std::uint8_t seed = 1,
                   unsigned tid = 1) {
  Bytes b = nal(type, size < 3 ? 3 : size, seed, 0, tid);
  b[2] = first ? 0xa4 : 0x24;
  return b;
}
inline Bytes idr(std::size_t size = 40, bool first = true) {
  return slice(19, size, first, 1);
}
inline Bytes cra(std::size_t size = 40, bool first = true) {
  return slice(21, size, first, 4);
}
inline Bytes trail(std::size_t size = 40, bool first = true, std::uint8_t seed = 2) {
  return slice(1, size, first, seed);
}

// Parameter sets of an x265 320x240 Main profile stream (level 2, id 0).
inline Bytes vps() {
  return from_hex("40010c01ffff01600000030090000003000003003c959409");
}
inline Bytes sps() {
  return from_hex(
      "42010101600000030090000003000003003ca00a080f16595952930bffc00040005a830303020000030002"
      "000003003c10");
}
inline Bytes pps() {
  return from_hex("4401c073c109");
}
// hvcC that h265parse builds for those parameter sets.
inline Bytes h265parse_hvcc() {
  return from_hex(
      "0101600000009000000000003cf000fcfdf8f800000f03200001001840010c01ffff01600000030090000003"
      "000003003c959409210001003142010101600000030090000003000003003ca00a080f16595952930bffc000"
      "40005a830303020000030002000003003c1022000100064401c073c109");
}
inline Bytes aud() {
  return bytes({0x46, 0x01, 0x50});
}
inline Bytes prefix_sei() {
  return bytes({0x4e, 0x01, 0x05, 0x04, 0x11, 0x22, 0x33, 0x44, 0x80});
}
inline Bytes suffix_sei() {
  return bytes({0x50, 0x01, 0x84, 0x02, 0x55, 0x66, 0x80});
}

inline Bytes annexb(std::initializer_list<Bytes> nals) {
  Bytes out;
  for (const Bytes &n : nals) {
    out.insert(out.end(), {0, 0, 0, 1});
    out.insert(out.end(), n.begin(), n.end());
  }
  return out;
}
inline Bytes hvc(std::initializer_list<Bytes> nals) {
  Bytes out;
  for (const Bytes &n : nals) {
    const std::size_t s = n.size();
    out.insert(out.end(), {static_cast<std::uint8_t>(s >> 24), static_cast<std::uint8_t>(s >> 16),
                           static_cast<std::uint8_t>(s >> 8), static_cast<std::uint8_t>(s)});
    out.insert(out.end(), n.begin(), n.end());
  }
  return out;
}

struct Packet {
  Bytes payload;
  bool marker = false;
};

class VectorSink final : public PacketSink {
 public:
  std::span<std::uint8_t> begin_packet(std::size_t size) override {
    packets.push_back(Packet{Bytes(size, 0xee), false});
    return packets.back().payload;
  }
  void end_packet(bool marker) override { packets.back().marker = marker; }
  std::vector<Packet> packets;
};

inline unsigned type_of(const Bytes &b) {
  return (b[0] >> 1) & 0x3f;
}

// Independent reading of single NAL unit, AP and FU packets (no DONL) back
// into NAL units, so payloader tests do not lean on our own depacketizer.
// `marker` is set on the unit that ends a packet carrying the marker bit.
struct Unit {
  Bytes data;
  bool marker = false;
  unsigned packet_type = 0;  // how it travelled: 0..47, 48 or 49
};
inline std::vector<Unit> unpack(const std::vector<Packet> &pkts) {
  std::vector<Unit> out;
  Bytes fu;
  for (const Packet &p : pkts) {
    const unsigned type = type_of(p.payload);
    if (type == 48) {
      std::size_t pos = 2;
      while (pos + 2 <= p.payload.size()) {
        const std::size_t len = (std::size_t{p.payload[pos]} << 8) | p.payload[pos + 1];
        pos += 2;
        out.push_back(Unit{Bytes(p.payload.begin() + static_cast<std::ptrdiff_t>(pos),
                                 p.payload.begin() + static_cast<std::ptrdiff_t>(pos + len)),
                           false, 48});
        pos += len;
      }
      out.back().marker = p.marker;
    } else if (type == 49) {
      if (p.payload[2] & 0x80)
        fu = {static_cast<std::uint8_t>((p.payload[0] & 0x81) | ((p.payload[2] & 0x3f) << 1)),
              p.payload[1]};
      fu.insert(fu.end(), p.payload.begin() + 3, p.payload.end());
      if (p.payload[2] & 0x40) out.push_back(Unit{fu, p.marker, 49});
    } else {
      out.push_back(Unit{p.payload, p.marker, type});
    }
  }
  return out;
}
inline std::vector<Bytes> unit_data(const std::vector<Unit> &units) {
  std::vector<Bytes> v;
  for (const Unit &u : units) v.push_back(u.data);
  return v;
}
inline std::vector<unsigned> unit_types(const std::vector<Unit> &units) {
  std::vector<unsigned> v;
  for (const Unit &u : units) v.push_back(type_of(u.data));
  return v;
}

// Compares lists of NAL units, reporting only where they differ.
inline ::testing::AssertionResult SameUnits(const std::vector<Bytes> &actual,
                                            const std::vector<Bytes> &expected) {
  auto brief = [](const Bytes &b) {
    std::string s = "[" + std::to_string(b.size()) + " bytes";
    if (!b.empty()) s += ", type " + std::to_string(type_of(b));
    return s + "]";
  };
  for (std::size_t i = 0; i < actual.size() && i < expected.size(); ++i)
    if (actual[i] != expected[i])
      return ::testing::AssertionFailure() << "unit " << i << " differs: got " << brief(actual[i])
                                           << ", want " << brief(expected[i]);
  if (actual.size() != expected.size()) {
    auto r = ::testing::AssertionFailure();
    r << "got " << actual.size() << " units, want " << expected.size() << ":";
    for (const Bytes &b : actual) r << " " << brief(b);
    return r;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace srtcore::rtp::h265::test
