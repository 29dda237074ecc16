// Preallocated datagram slots for batched system calls: RecvBatch is filled
// by one recvmmsg (UDP GRO trains split into datagrams), SendBatch is
// filled by the engines' poll_transmit and drained by sendmmsg (UDP GSO
// groups where possible). No allocation after construction.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "io/socket_address.hpp"
#include "srt/bytes.hpp"

namespace srtcore::io {

// Largest datagram we send: the engines' MSS is at most 1500.
inline constexpr std::size_t kMaxSendDatagram = 1500;
// A receive slot holds one datagram or, with UDP GRO, a train of
// same-size datagrams the kernel coalesced (up to 64 KiB).
inline constexpr std::size_t kRecvSlotSize = 65536;
// A single datagram larger than this is not SRT: dropped as truncated.
inline constexpr std::size_t kMaxRecvDatagram = 2048;

class RecvBatch {
 public:
  static constexpr std::size_t kSlots = 32;
  static constexpr std::size_t kMaxSegmentsPerSlot = 64;

  // Not zeroed: pages are touched only as datagrams fill them, so resident
  // memory follows the traffic, not the 2 MiB capacity.
  RecvBatch()
      : data_(std::make_unique_for_overwrite<std::uint8_t[]>(kSlots * kRecvSlotSize)),
        segments_(kSlots * kMaxSegmentsPerSlot) {}

  // Datagrams received (GRO trains split back into their datagrams).
  std::size_t size() const { return size_; }
  srt::ByteSpan datagram(std::size_t i) const { return {segments_[i].data, segments_[i].length}; }
  std::optional<srt::NetAddress> from(std::size_t i) const {
    const std::size_t slot = segments_[i].slot;
    return from_sockaddr(reinterpret_cast<const sockaddr *>(&from_[slot]), from_lengths_[slot]);
  }

 private:
  friend class UdpSocket;
  struct Segment {
    const std::uint8_t *data;
    std::size_t length;
    std::size_t slot;
  };
  std::uint8_t *slot(std::size_t i) { return data_.get() + i * kRecvSlotSize; }

  std::unique_ptr<std::uint8_t[]> data_;
  std::vector<Segment> segments_;
  std::array<sockaddr_storage, kSlots> from_{};
  std::array<socklen_t, kSlots> from_lengths_{};
  std::size_t size_ = 0;
};

class SendBatch {
 public:
  static constexpr std::size_t kSlots = 128;

  SendBatch() : data_(std::make_unique_for_overwrite<Slot[]>(kSlots)) {}

  bool full() const { return size_ == kSlots; }
  bool empty() const { return sent_ == size_; }
  std::size_t pending() const { return size_ - sent_; }

  // Room for the next datagram (kMaxSendDatagram bytes); call commit() with
  // its length once written. Only when !full().
  srt::MutableByteSpan next_slot() { return {data_[size_].bytes.data(), kMaxSendDatagram}; }
  void commit(std::size_t length, const SockAddr &to) {
    lengths_[size_] = length;
    to_[size_] = to;
    ++size_;
  }
  // Drops what was written and not sent (or everything once sent).
  void clear() { size_ = sent_ = 0; }

 private:
  friend class UdpSocket;
  struct Slot {
    std::array<std::uint8_t, kMaxSendDatagram> bytes;
  };
  std::unique_ptr<Slot[]> data_;
  std::array<SockAddr, kSlots> to_{};
  std::array<std::size_t, kSlots> lengths_{};
  std::size_t size_ = 0;
  std::size_t sent_ = 0;  // [sent_, size_) still to go
};

}  // namespace srtcore::io
