// A nonblocking UDP socket (IPv4 or IPv6) with batched system calls:
// recvmmsg into a RecvBatch, sendmmsg from a SendBatch with consecutive
// same-size datagrams to one destination merged into UDP GSO sends
// (UDP_SEGMENT) when the kernel accepts them; the first refusal turns GSO
// off for the socket and the datagrams go out one by one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "io/datagram_batch.hpp"
#include "io/socket_address.hpp"
#include "io/unique_fd.hpp"
#include "srt/address.hpp"

namespace srtcore::io {

struct UdpSocketOptions {
  // Socket buffers sized for about 1 Gbit/s of live traffic with some
  // scheduling slack; the kernel may grant less (rmem_max / wmem_max) unless
  // the process may force them.
  int receive_buffer_bytes = 8 * 1024 * 1024;
  int send_buffer_bytes = 8 * 1024 * 1024;
  // An IPv6 wildcard socket also takes IPv4 (dual stack) unless set.
  bool v6_only = false;
  // Lets a rendezvous peer or a restarted listener reuse the port at once.
  bool reuse_address = false;
  bool allow_gso = true;
  // Lets the kernel hand over trains of same-size datagrams in one piece
  // (UDP_GRO, kernel 5.0+); above all it keeps GSO sends from a peer on the
  // same host from being cut up at all.
  bool allow_gro = true;
};

struct UdpSocketStats {
  std::uint64_t received = 0;
  std::uint64_t received_truncated = 0;  // larger than any SRT datagram: dropped
  std::uint64_t receive_calls = 0;       // recvmmsg calls that returned data
  std::uint64_t gro_trains = 0;          // receptions that carried several datagrams
  std::uint64_t sent = 0;                // datagrams
  std::uint64_t send_calls = 0;          // sendmmsg calls
  std::uint64_t gso_sends = 0;           // messages that carried UDP_SEGMENT
  std::uint64_t send_errors = 0;         // datagrams the kernel refused (dropped)
  std::uint64_t would_block = 0;         // send attempts that found the buffer full

  UdpSocketStats &operator+=(const UdpSocketStats &o) {
    received += o.received;
    received_truncated += o.received_truncated;
    receive_calls += o.receive_calls;
    gro_trains += o.gro_trains;
    sent += o.sent;
    send_calls += o.send_calls;
    gso_sends += o.gso_sends;
    send_errors += o.send_errors;
    would_block += o.would_block;
    return *this;
  }
};

class UdpSocket {
 public:
  // Binds to `local` (port 0: ephemeral). With `peer`, also connect()s, so
  // the kernel keeps the route and filters other senders out. nullopt with
  // *error (a sentence with the errno text) on failure.
  static std::optional<UdpSocket> open(const srt::NetAddress &local,
                                       const std::optional<srt::NetAddress> &peer,
                                       const UdpSocketOptions &options, std::string *error);

  UdpSocket(UdpSocket &&) noexcept = default;
  UdpSocket &operator=(UdpSocket &&) noexcept = default;

  int fd() const { return fd_.get(); }
  const srt::NetAddress &local_address() const { return local_; }
  bool gso_enabled() const { return gso_; }
  bool gro_enabled() const { return gro_; }
  int receive_buffer_bytes() const;
  const UdpSocketStats &stats() const { return stats_; }

  // The destination as this socket's family needs it (IPv4 peers of an
  // IPv6 socket become ::ffff:a.b.c.d).
  SockAddr destination(const srt::NetAddress &peer) const;

  // One recvmmsg: fills `batch` (replacing its content) and returns how many
  // receptions (datagrams or GRO trains) it took, RecvBatch::kSlots meaning
  // that more may be waiting; 0 when none was waiting.
  std::size_t receive(RecvBatch &batch);

  // Sends what is pending in `batch`. True when everything went (the batch
  // is then cleared); false when the socket buffer is full and datagrams
  // remain (wait for EPOLLOUT and call again).
  bool send(SendBatch &batch);

 private:
  UdpSocket(UniqueFd fd, const srt::NetAddress &local, std::optional<SockAddr> connected, bool gso,
            bool gro);
  // Builds message headers for [batch.sent_, end) and sends them; returns
  // false on EAGAIN.
  bool send_some(SendBatch &batch);
  bool is_connected_peer(const SockAddr &to) const;

  UniqueFd fd_;
  srt::NetAddress local_;
  std::optional<SockAddr> connected_;
  bool gso_ = false;
  bool gro_ = false;
  UdpSocketStats stats_;
};

}  // namespace srtcore::io
