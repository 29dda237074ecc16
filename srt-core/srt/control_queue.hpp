// Outgoing control datagrams of one connection (ACK, NAK, ACKACK, handshake,
// keepalive, drop request, shutdown), queued between the input that caused
// them and the next poll_transmit. A fixed byte ring sized at construction:
// writers build packets in place (reserve + commit), nothing allocates per
// packet, and a full queue drops the new packet (counted) instead of growing:
// every control packet SRT sends is repeated or superseded by a later one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "srt/bytes.hpp"

namespace srtcore::srt {

class ControlQueue {
 public:
  explicit ControlQueue(std::size_t capacity_bytes = 32 * 1024);

  // Room for one packet of at most `max_size` bytes, or an empty span when
  // the queue is full (then commit is not to be called).
  MutableByteSpan reserve(std::size_t max_size);
  // The packet written into the last reserve() is `size` bytes (0: discard).
  void commit(std::size_t size);

  bool empty() const { return head_ == tail_; }
  // Copies the oldest packet into `out` and removes it; 0 when empty or
  // `out` is too small (the packet is then dropped and counted).
  std::size_t pop(MutableByteSpan out);

  std::uint64_t dropped() const { return dropped_; }

 private:
  static constexpr std::size_t kLengthPrefix = 2;

  std::vector<std::uint8_t> buf_;
  std::size_t head_ = 0;  // next record to pop
  std::size_t tail_ = 0;  // end of the last committed record
  std::size_t reserved_at_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace srtcore::srt
