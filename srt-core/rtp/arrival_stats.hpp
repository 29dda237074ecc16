// What a receiver learns from the order and timing of the packets it gets:
// which late packets were copies of ones already received (as opposed to
// reordered ones), and the interarrival jitter of RFC 3550 (6.4.1, A.8).
// Header-only arithmetic on a few words of state: it runs per packet.
#pragma once

#include <cstdint>

namespace srtcore::rtp {

// The last 64 sequence numbers before the next expected one, and which of
// them arrived.
class SeqHistory {
 public:
  // `seq` is the first packet of a stream (or of a restarted one).
  void restart(std::uint16_t seq) {
    next_ = static_cast<std::uint16_t>(seq + 1);
    received_ = 1;
  }
  // `seq` was accepted at or after the next expected number; the ones it
  // skipped were not received.
  void advance(std::uint16_t seq) {
    const auto step = static_cast<std::uint16_t>(seq - next_) + 1u;
    received_ = step >= 64 ? 1 : (received_ << step) | 1;
    next_ = static_cast<std::uint16_t>(seq + 1);
  }
  // For a packet behind the next expected number: was that number received
  // already? Beyond the window the answer is no (counted as reordered).
  bool seen(std::uint16_t seq) const {
    const auto back = static_cast<std::uint16_t>(next_ - 1 - seq);
    return back < 64 && ((received_ >> back) & 1) != 0;
  }

 private:
  std::uint16_t next_ = 0;
  std::uint64_t received_ = 0;  // bit k: next_ - 1 - k arrived
};

// RFC 3550 interarrival jitter in RTP timestamp units. Arrival times are
// given in the same units (the receiver's clock scaled by the clock rate);
// both wrap at 2^32 as RTP timestamps do.
class InterarrivalJitter {
 public:
  void reset() { have_ = false; }
  void add(std::uint32_t arrival, std::uint32_t rtp_timestamp) {
    const std::uint32_t transit = arrival - rtp_timestamp;
    if (have_) {
      const auto d = static_cast<std::int32_t>(transit - last_transit_);
      const std::uint64_t magnitude =
          d < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(static_cast<std::int64_t>(d))
                : static_cast<std::uint64_t>(d);
      // J += (|D| - J) / 16, kept scaled by 16 (RFC 3550 A.8).
      scaled_ = scaled_ + magnitude - ((scaled_ + 8) >> 4);
    }
    have_ = true;
    last_transit_ = transit;
  }
  std::uint32_t value() const { return static_cast<std::uint32_t>(scaled_ >> 4); }

 private:
  bool have_ = false;
  std::uint32_t last_transit_ = 0;
  std::uint64_t scaled_ = 0;  // jitter x 16
};

}  // namespace srtcore::rtp
