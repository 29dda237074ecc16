#include "srt/address.hpp"

#include <cstdio>

namespace srtcore::srt {

std::string NetAddress::to_string() const {
  char buf[64];
  if (family == Family::kV4) {
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u:%u", ip[0], ip[1], ip[2], ip[3], port);
    return buf;
  }
  // Plain eight groups; no "::" compression (logs only, and unambiguous).
  std::string s = "[";
  for (int i = 0; i < 8; ++i) {
    std::snprintf(buf, sizeof buf, i == 0 ? "%x" : ":%x", (ip[2 * i] << 8) | ip[2 * i + 1]);
    s += buf;
  }
  std::snprintf(buf, sizeof buf, "]:%u", port);
  return s + buf;
}

std::size_t NetAddressHash::operator()(const NetAddress &a) const noexcept {
  // FNV-1a over the bytes that identify the endpoint.
  std::uint64_t h = 1469598103934665603ULL;
  auto mix = [&h](std::uint8_t b) {
    h ^= b;
    h *= 1099511628211ULL;
  };
  mix(static_cast<std::uint8_t>(a.family));
  for (const std::uint8_t b : a.ip_bytes()) mix(b);
  mix(static_cast<std::uint8_t>(a.port >> 8));
  mix(static_cast<std::uint8_t>(a.port));
  return static_cast<std::size_t>(h);
}

}  // namespace srtcore::srt
