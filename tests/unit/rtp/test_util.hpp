// Helpers shared by the RTP unit tests: byte literals, a collecting sink and
// small hand-made H.264 NAL units.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include "rtp/bytes.hpp"
#include "rtp/packet_sink.hpp"

namespace srtcore::rtp::test {

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

// A NAL unit: header byte then `size - 1` payload bytes that never form a
// start code or trailing zero (so Annex B framing keeps it intact).
inline Bytes nal(std::uint8_t header, std::size_t size, std::uint8_t seed = 0) {
  Bytes b(size);
  if (size == 0) return b;
  b[0] = header;
  for (std::size_t i = 1; i < size; ++i)
    b[i] = static_cast<std::uint8_t>(0x10 + ((i * 7 + seed) % 0xe0));
  return b;
}

// Slices: first_mb_in_slice = 0 gives a first byte with the top bit set.
inline Bytes idr(std::size_t size = 40, std::uint8_t seed = 1) {
  Bytes b = nal(0x65, size, seed);
  if (size > 1) b[1] = 0x88;
  return b;
}
inline Bytes slice(std::size_t size = 40, std::uint8_t seed = 2) {
  Bytes b = nal(0x41, size, seed);
  if (size > 1) b[1] = 0x9a;
  return b;
}
// A later slice of the same picture (first_mb_in_slice != 0: top bit clear).
inline Bytes slice_cont(std::uint8_t header = 0x41, std::size_t size = 40, std::uint8_t seed = 3) {
  Bytes b = nal(header, size, seed);
  if (size > 1) b[1] = 0x40;
  return b;
}
// Baseline SPS 66/level 31, sps id 0: 67 42 c0 1f, then ue(0)=1...
inline Bytes sps(std::uint8_t level = 0x1f) {
  return bytes({0x67, 0x42, 0xc0, level, 0xda, 0x01, 0x40, 0x16, 0xe8});
}
inline Bytes pps() {
  return bytes({0x68, 0xce, 0x3c, 0x80});
}
inline Bytes aud() {
  return bytes({0x09, 0xf0});
}
// SEI with one user_data_unregistered message (type 5), no recovery point.
inline Bytes sei_user() {
  Bytes b = {0x06, 0x05, 0x11};
  for (int i = 0; i < 17; ++i) b.push_back(static_cast<std::uint8_t>(0x20 + i));
  b.push_back(0x80);
  return b;
}
// SEI with a recovery point message (payloadType 6).
inline Bytes sei_recovery() {
  return bytes({0x06, 0x06, 0x01, 0xc4, 0x80});
}

inline Bytes annexb(std::initializer_list<Bytes> nals) {
  Bytes out;
  for (const Bytes &n : nals) {
    out.insert(out.end(), {0, 0, 0, 1});
    out.insert(out.end(), n.begin(), n.end());
  }
  return out;
}
inline Bytes avc(std::initializer_list<Bytes> nals) {
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

// Independent reading of mode-1 packets (single, STAP-A, FU-A) back into NAL
// units, so payloader tests do not lean on our own depacketizer. `marker` is
// set on the unit that ends a packet carrying the marker bit.
struct Unit {
  Bytes data;
  bool marker = false;
  std::uint8_t packet_type = 0;  // how it travelled: 1..23, 24 or 28
};
inline std::vector<Unit> unpack(const std::vector<Packet> &pkts) {
  std::vector<Unit> out;
  Bytes fu;
  for (const Packet &p : pkts) {
    const std::uint8_t type = p.payload[0] & 0x1f;
    if (type == 24) {
      std::size_t pos = 1;
      while (pos + 2 <= p.payload.size()) {
        const std::size_t len = (std::size_t{p.payload[pos]} << 8) | p.payload[pos + 1];
        pos += 2;
        out.push_back(Unit{Bytes(p.payload.begin() + static_cast<std::ptrdiff_t>(pos),
                                 p.payload.begin() + static_cast<std::ptrdiff_t>(pos + len)),
                           false, 24});
        pos += len;
      }
      out.back().marker = p.marker;
    } else if (type == 28) {
      if (p.payload[1] & 0x80)
        fu = {static_cast<std::uint8_t>((p.payload[0] & 0xe0) | (p.payload[1] & 0x1f))};
      fu.insert(fu.end(), p.payload.begin() + 2, p.payload.end());
      if (p.payload[1] & 0x40) out.push_back(Unit{fu, p.marker, 28});
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

// Compares lists of NAL units, reporting only where they differ (gtest would
// otherwise print every byte of every unit).
inline ::testing::AssertionResult SameUnits(const std::vector<Bytes> &actual,
                                            const std::vector<Bytes> &expected) {
  auto brief = [](const Bytes &b) {
    std::string s = "[" + std::to_string(b.size()) + " bytes";
    if (!b.empty()) s += ", type " + std::to_string(b[0] & 0x1f);
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

}  // namespace srtcore::rtp::test
