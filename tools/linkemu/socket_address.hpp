// Numeric IPv4/IPv6 socket addresses: "127.0.0.1:9000", "[::1]:9000",
// "localhost:9000", or a bare port (IPv4 loopback). No name lookups, so the
// relay never sends a DNS query.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace srtcore::linkemu {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;

  int family() const { return storage.ss_family; }
  const sockaddr *get() const { return reinterpret_cast<const sockaddr *>(&storage); }
  sockaddr *get() { return reinterpret_cast<sockaddr *>(&storage); }
  std::uint16_t port() const;
};

// Throws std::invalid_argument with a readable reason.
SocketAddress parse_socket_address(std::string_view text);

// "127.0.0.1:9000" or "[::1]:9000".
std::string to_string(const SocketAddress &address);

// The local address a socket is bound to (throws std::system_error).
SocketAddress local_address(int fd);

}  // namespace srtcore::linkemu
