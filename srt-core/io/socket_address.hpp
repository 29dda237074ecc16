// srt::NetAddress <-> sockaddr_in / sockaddr_in6. IPv4 peers seen on a
// dual-stack IPv6 socket (::ffff:a.b.c.d) become plain IPv4 addresses, so a
// peer has one identity whatever socket it reached; UdpSocket maps them
// back when it sends.
#pragma once

#include <sys/socket.h>

#include <optional>

#include "srt/address.hpp"

namespace srtcore::io {

struct SockAddr {
  sockaddr_storage storage{};
  socklen_t length = 0;

  const sockaddr *get() const { return reinterpret_cast<const sockaddr *>(&storage); }
  sockaddr *get() { return reinterpret_cast<sockaddr *>(&storage); }
};

SockAddr to_sockaddr(const srt::NetAddress &address);
// nullopt for families other than AF_INET / AF_INET6 or short lengths.
std::optional<srt::NetAddress> from_sockaddr(const sockaddr *address, socklen_t length);

// The IPv4-mapped IPv6 form (::ffff:a.b.c.d) of an IPv4 address, for
// sending to an IPv4 peer from an IPv6 socket; other addresses unchanged.
srt::NetAddress to_v4_mapped(const srt::NetAddress &address);

}  // namespace srtcore::io
