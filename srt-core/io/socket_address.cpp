#include "io/socket_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace srtcore::io {

SockAddr to_sockaddr(const srt::NetAddress &address) {
  SockAddr out;
  if (address.family == srt::NetAddress::Family::kV4) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(address.port);
    std::memcpy(&sin.sin_addr, address.ip.data(), 4);
    std::memcpy(&out.storage, &sin, sizeof sin);
    out.length = sizeof sin;
  } else {
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(address.port);
    std::memcpy(&sin6.sin6_addr, address.ip.data(), 16);
    std::memcpy(&out.storage, &sin6, sizeof sin6);
    out.length = sizeof sin6;
  }
  return out;
}

std::optional<srt::NetAddress> from_sockaddr(const sockaddr *address, socklen_t length) {
  if (address == nullptr) return std::nullopt;
  srt::NetAddress out;
  if (address->sa_family == AF_INET && length >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    sockaddr_in sin{};
    std::memcpy(&sin, address, sizeof sin);
    out.family = srt::NetAddress::Family::kV4;
    std::memcpy(out.ip.data(), &sin.sin_addr, 4);
    out.port = ntohs(sin.sin_port);
    return out;
  }
  if (address->sa_family == AF_INET6 && length >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    sockaddr_in6 sin6{};
    std::memcpy(&sin6, address, sizeof sin6);
    out.port = ntohs(sin6.sin6_port);
    if (IN6_IS_ADDR_V4MAPPED(&sin6.sin6_addr)) {
      out.family = srt::NetAddress::Family::kV4;
      std::memcpy(out.ip.data(), reinterpret_cast<const std::uint8_t *>(&sin6.sin6_addr) + 12, 4);
      return out;
    }
    out.family = srt::NetAddress::Family::kV6;
    std::memcpy(out.ip.data(), &sin6.sin6_addr, 16);
    return out;
  }
  return std::nullopt;
}

srt::NetAddress to_v4_mapped(const srt::NetAddress &address) {
  if (address.family != srt::NetAddress::Family::kV4) return address;
  srt::NetAddress out;
  out.family = srt::NetAddress::Family::kV6;
  out.port = address.port;
  out.ip = {0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0xff,
            0xff,
            address.ip[0],
            address.ip[1],
            address.ip[2],
            address.ip[3]};
  return out;
}

}  // namespace srtcore::io
