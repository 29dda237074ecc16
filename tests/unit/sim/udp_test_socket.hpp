// A nonblocking loopback UDP socket for relay tests; waits use poll() with a
// timeout, never sleeps.
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "socket_address.hpp"
#include "io/unique_fd.hpp"

namespace srtcore::linkemu {
using io::UniqueFd;
}  // namespace srtcore::linkemu

namespace srtcore::linkemu::test {

class UdpTestSocket {
 public:
  // Binds to `address` (port 0 picks a free one); throws std::system_error.
  explicit UdpTestSocket(const char *address = "127.0.0.1:0") {
    const SocketAddress local = parse_socket_address(address);
    fd_ = UniqueFd(::socket(local.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd_ || ::bind(fd_.get(), local.get(), local.length) != 0) {
      throw std::system_error(errno, std::generic_category(), "test socket");
    }
    const int buffer = 4 << 20;
    setsockopt(fd_.get(), SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
  }

  SocketAddress address() const { return local_address(fd_.get()); }

  void send_to(const SocketAddress &to, std::span<const std::uint8_t> bytes) const {
    const auto n = ::sendto(fd_.get(), bytes.data(), bytes.size(), 0, to.get(), to.length);
    if (n != static_cast<ssize_t>(bytes.size())) {
      throw std::system_error(errno, std::generic_category(), "sendto");
    }
  }

  // Next datagram, waiting up to `timeout`; nullopt on timeout.
  std::optional<std::vector<std::uint8_t>> receive(std::chrono::milliseconds timeout,
                                                   SocketAddress *from = nullptr) const {
    pollfd pfd{fd_.get(), POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
    return receive_now(from);
  }

  // A datagram already queued, without waiting.
  std::optional<std::vector<std::uint8_t>> receive_now(SocketAddress *from = nullptr) const {
    std::vector<std::uint8_t> bytes(65536);
    SocketAddress sender;
    sender.length = sizeof sender.storage;
    const auto n =
        ::recvfrom(fd_.get(), bytes.data(), bytes.size(), 0, sender.get(), &sender.length);
    if (n < 0) return std::nullopt;
    bytes.resize(static_cast<std::size_t>(n));
    if (from) *from = sender;
    return bytes;
  }

 private:
  UniqueFd fd_;
};

}  // namespace srtcore::linkemu::test
