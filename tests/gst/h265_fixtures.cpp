#include "h265_fixtures.hpp"

namespace fixtures::h265 {
namespace {

Bytes from_hex(const char *hex) {
  Bytes b;
  for (const char *p = hex; p[0] && p[1]; p += 2)
    b.push_back(static_cast<std::uint8_t>(std::stoi(std::string(p, 2), nullptr, 16)));
  return b;
}

void put16(Bytes &out, std::size_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

}  // namespace

Bytes vps() {
  return from_hex("40010c01ffff01600000030090000003000003003c959409");
}
Bytes sps() {
  return from_hex(
      "42010101600000030090000003000003003ca00a080f16595952930bffc00040005a830303020000030002"
      "000003003c10");
}
Bytes pps() {
  return from_hex("4401c073c109");
}
Bytes hvcc() {
  return from_hex(
      "0101600000009000000000003cf000fcfdf8f800000f03200001001840010c01ffff01600000030090000003"
      "000003003c959409210001003142010101600000030090000003000003003ca00a080f16595952930bffc000"
      "40005a830303020000030002000003003c1022000100064401c073c109");
}
std::string sprop_vps() {
  return "QAEMAf//AWAAAAMAkAAAAwAAAwA8lZQJ";
}
std::string sprop_sps() {
  return "QgEBAWAAAAMAkAAAAwAAAwA8oAoIDxZZWVKTC//AAEAAWoMDAwIAAAMAAgAAAwA8EA==";
}
std::string sprop_pps() {
  return "RAHAc8EJ";
}

Bytes header(unsigned type, unsigned layer, unsigned tid) {
  return {static_cast<std::uint8_t>((type << 1) | (layer >> 5)),
          static_cast<std::uint8_t>(((layer & 0x1f) << 3) | tid)};
}

Bytes slice(unsigned type, std::size_t size, bool first, std::uint8_t seed) {
  Bytes n = header(type);
  n.push_back(first ? 0xa4 : 0x24);
  // Keep start-code-like patterns out of the body.
  for (std::size_t i = 3; i < size; ++i)
    n.push_back(static_cast<std::uint8_t>(0x11 + ((i * 7 + seed) % 0xe0)));
  return n;
}

Bytes aud() {
  return {0x46, 0x01, 0x50};
}
Bytes prefix_sei() {
  return {0x4e, 0x01, 0x05, 0x04, 0x11, 0x22, 0x33, 0x44, 0x80};
}

Bytes ap(const std::vector<Bytes> &nals) {
  Bytes out = header(48);
  for (const Bytes &n : nals) {
    put16(out, n.size());
    out.insert(out.end(), n.begin(), n.end());
  }
  return out;
}

Bytes fu(const Bytes &nal, std::size_t body_offset, std::size_t len, bool start, bool end,
         std::optional<std::uint16_t> donl) {
  Bytes out = {
      static_cast<std::uint8_t>((nal[0] & 0x81) | (49 << 1)), nal[1],
      static_cast<std::uint8_t>((start ? 0x80 : 0) | (end ? 0x40 : 0) | ((nal[0] >> 1) & 0x3f))};
  if (donl) put16(out, *donl);
  const auto b = nal.begin() + 2 + static_cast<std::ptrdiff_t>(body_offset);
  out.insert(out.end(), b, b + static_cast<std::ptrdiff_t>(len));
  return out;
}

Bytes single_donl(const Bytes &nal, std::uint16_t don) {
  Bytes out(nal.begin(), nal.begin() + 2);
  put16(out, don);
  out.insert(out.end(), nal.begin() + 2, nal.end());
  return out;
}

Bytes paci(const Bytes &inner, const Bytes &phes) {
  const std::size_t phs = phes.size();
  Bytes out = {static_cast<std::uint8_t>((50 << 1) | (inner[0] & 0x01)), inner[1],
               static_cast<std::uint8_t>((inner[0] & 0x80) | (type_of(inner) << 1) | (phs >> 4)),
               static_cast<std::uint8_t>((phs & 0x0f) << 4)};
  out.insert(out.end(), phes.begin(), phes.end());
  out.insert(out.end(), inner.begin() + 2, inner.end());
  return out;
}

std::vector<unsigned> nal_types(const Bytes &p) {
  const unsigned t = type_of(p);
  if (t == 48) {
    std::vector<unsigned> out;
    for (std::size_t i = 2; i + 2 < p.size();) {
      const std::size_t len = (std::size_t{p[i]} << 8) | p[i + 1];
      out.push_back((p[i + 2] >> 1) & 0x3f);
      i += 2 + len;
    }
    return out;
  }
  if (t == 49) {
    if (p[2] & 0x80) return {100u + (p[2] & 0x3fu)};
    return {};
  }
  return {t};
}

std::vector<Bytes> unpack(const std::vector<Rtp> &packets) {
  std::vector<Bytes> out;
  Bytes fu_buf;
  for (const Rtp &r : packets) {
    const Bytes &p = r.payload;
    const unsigned t = type_of(p);
    if (t == 48) {
      for (std::size_t i = 2; i + 2 <= p.size();) {
        const std::size_t len = (std::size_t{p[i]} << 8) | p[i + 1];
        out.emplace_back(p.begin() + static_cast<std::ptrdiff_t>(i + 2),
                         p.begin() + static_cast<std::ptrdiff_t>(i + 2 + len));
        i += 2 + len;
      }
    } else if (t == 49) {
      if (p[2] & 0x80)
        fu_buf = {static_cast<std::uint8_t>((p[0] & 0x81) | ((p[2] & 0x3f) << 1)), p[1]};
      fu_buf.insert(fu_buf.end(), p.begin() + 3, p.end());
      if (p[2] & 0x40) out.push_back(fu_buf);
    } else {
      out.push_back(p);
    }
  }
  return out;
}

}  // namespace fixtures::h265
