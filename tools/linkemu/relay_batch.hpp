// Scratch space for the relay's recvmmsg()/sendmmsg() calls, shared by
// UdpRelay and RelayGroup.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <span>
#include <vector>

#include "sim/link_model.hpp"
#include "sim/pipe.hpp"
#include "socket_address.hpp"

namespace srtcore::linkemu {

inline constexpr std::size_t kBatch = 32;
inline constexpr std::size_t kMaxDatagram = 65536;

// Scratch space for one recvmmsg()/sendmmsg() batch, allocated once.
class RelayBatch {
 public:
  RelayBatch() : storage_(kBatch * kMaxDatagram) {}

  // Reads up to kBatch datagrams; 0 when the socket has nothing more.
  std::size_t receive(int fd) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      iov_[i] = {storage_.data() + i * kMaxDatagram, kMaxDatagram};
      msgs_[i] = {};
      msgs_[i].msg_hdr.msg_iov = &iov_[i];
      msgs_[i].msg_hdr.msg_iovlen = 1;
      msgs_[i].msg_hdr.msg_name = &from_[i];
      msgs_[i].msg_hdr.msg_namelen = sizeof from_[i];
    }
    for (;;) {
      const int n = recvmmsg(fd, msgs_.data(), kBatch, 0, nullptr);
      if (n >= 0) return static_cast<std::size_t>(n);
      // ECONNREFUSED reports an ICMP error from an earlier send and clears it: read on.
      if (errno != EINTR && errno != ECONNREFUSED) return 0;
    }
  }
  std::span<const std::uint8_t> bytes(std::size_t i) const {
    return {storage_.data() + i * kMaxDatagram, msgs_[i].msg_len};
  }
  SocketAddress from(std::size_t i) const {
    SocketAddress address;
    address.storage = from_[i];
    address.length = msgs_[i].msg_hdr.msg_namelen;
    return address;
  }

  // Sends every datagram in `due`; returns how many the kernel refused.
  std::uint64_t send(int fd, std::vector<sim::Datagram> &due, const SocketAddress &to) {
    for (std::size_t i = 0; i < due.size(); ++i) {
      iov_[i] = {due[i].bytes.data(), due[i].bytes.size()};
      msgs_[i] = {};
      msgs_[i].msg_hdr.msg_iov = &iov_[i];
      msgs_[i].msg_hdr.msg_iovlen = 1;
      msgs_[i].msg_hdr.msg_name = const_cast<sockaddr *>(to.get());
      msgs_[i].msg_hdr.msg_namelen = to.length;
    }
    std::uint64_t refused = 0;
    for (std::size_t i = 0; i < due.size();) {
      const int n = sendmmsg(fd, msgs_.data() + i, static_cast<unsigned>(due.size() - i), 0);
      if (n > 0) {
        i += static_cast<std::size_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else {
        ++refused;  // full send buffer or ICMP error: the datagram is lost, as on a router
        ++i;
      }
    }
    return refused;
  }

  std::vector<sim::Datagram> outgoing;  // filled by flush(), sent by send()

 private:
  std::vector<std::uint8_t> storage_;
  std::array<mmsghdr, kBatch> msgs_{};
  std::array<iovec, kBatch> iov_{};
  std::array<sockaddr_storage, kBatch> from_{};
};

}  // namespace srtcore::linkemu
