// A UDP socket on 127.0.0.1 for interop tests: where a peer program writes
// its UDP output, or from where the test feeds the peer's UDP input.
#pragma once

#include <poll.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/datagram_batch.hpp"
#include "io/udp_socket.hpp"
#include "srt/address.hpp"

namespace interop {

class UdpPort {
 public:
  UdpPort() {
    std::string error;
    auto s = srtcore::io::UdpSocket::open(srtcore::srt::NetAddress::v4(127, 0, 0, 1, 0),
                                          std::nullopt, {}, &error);
    if (!s) throw std::runtime_error(error);
    socket_.emplace(std::move(*s));
  }
  std::uint16_t port() const { return socket_->local_address().port; }

  // The next datagram, waiting up to `timeout`.
  std::optional<std::vector<std::uint8_t>> receive(std::chrono::milliseconds timeout) {
    while (pending_.empty()) {
      pollfd p{socket_->fd(), POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return std::nullopt;
      socket_->receive(batch_);
      for (std::size_t i = 0; i < batch_.size(); ++i) {
        auto d = batch_.datagram(i);
        pending_.emplace_back(d.begin(), d.end());
      }
    }
    auto m = std::move(pending_.front());
    pending_.pop_front();
    return m;
  }

  void send_to(std::uint16_t port, srtcore::srt::ByteSpan message) {
    srtcore::io::SendBatch out;
    std::copy(message.begin(), message.end(), out.next_slot().begin());
    out.commit(message.size(),
               socket_->destination(srtcore::srt::NetAddress::v4(127, 0, 0, 1, port)));
    socket_->send(out);
  }

 private:
  std::optional<srtcore::io::UdpSocket> socket_;
  srtcore::io::RecvBatch batch_;
  std::deque<std::vector<std::uint8_t>> pending_;
};

}  // namespace interop
