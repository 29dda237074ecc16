// A UDP endpoint address as the sans-I/O engines see it: no sockaddr, no
// system headers. io/ converts to and from sockaddr_in / sockaddr_in6.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "srt/bytes.hpp"
#include "srt/handshake.hpp"

namespace srtcore::srt {

struct NetAddress {
  enum class Family : std::uint8_t { kV4, kV6 };

  Family family = Family::kV4;
  std::array<std::uint8_t, 16> ip{};  // network order; IPv4 uses bytes 0..3
  std::uint16_t port = 0;             // host order

  static NetAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d,
                       std::uint16_t port) {
    NetAddress n;
    n.ip = {a, b, c, d};
    n.port = port;
    return n;
  }
  // The address bytes that matter (4 or 16): SYN cookies hash these.
  ByteSpan ip_bytes() const { return {ip.data(), family == Family::kV4 ? 4u : 16u}; }
  // The handshake's peer IP field (IPv4 in bytes 0..3, rest zero).
  PeerIp handshake_ip() const {
    PeerIp p{};
    for (std::size_t i = 0; i < ip_bytes().size(); ++i) p[i] = ip[i];
    return p;
  }
  // "192.0.2.1:4200" or "[2001:db8::1]:4200".
  std::string to_string() const;

  friend bool operator==(const NetAddress &, const NetAddress &) = default;
};

struct NetAddressHash {
  std::size_t operator()(const NetAddress &a) const noexcept;
};

}  // namespace srtcore::srt
