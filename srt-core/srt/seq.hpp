// Circular number spaces of SRT: 31-bit packet sequence (and ACK) numbers,
// 26-bit message numbers and 32-bit microsecond timestamps.
#pragma once

#include <cstdint>

#include "srt/time.hpp"

namespace srtcore::srt {

// ---- 31-bit packet sequence numbers -------------------------------------
inline constexpr std::uint32_t kSeqMask = 0x7FFFFFFF;
inline constexpr std::uint32_t kSeqMax = kSeqMask;
// Two numbers further apart than this compare the other way round (wrap).
inline constexpr std::uint32_t kSeqHalf = 0x40000000;

constexpr bool seq_valid(std::uint32_t s) {
  return s <= kSeqMask;
}

// s + n modulo 2^31; n may be negative. Unsigned wrap is exact because 2^31
// divides 2^32.
constexpr std::uint32_t seq_add(std::uint32_t s, std::int32_t n) {
  return (s + static_cast<std::uint32_t>(n)) & kSeqMask;
}
constexpr std::uint32_t seq_next(std::uint32_t s) {
  return seq_add(s, 1);
}
constexpr std::uint32_t seq_prev(std::uint32_t s) {
  return seq_add(s, -1);
}

// Signed distance a - b on the circle, in [-2^30, 2^30).
constexpr std::int32_t seq_diff(std::uint32_t a, std::uint32_t b) {
  const std::uint32_t d = (a - b) & kSeqMask;
  return d >= kSeqHalf ? static_cast<std::int32_t>(d) - static_cast<std::int32_t>(kSeqMask) - 1
                       : static_cast<std::int32_t>(d);
}
constexpr bool seq_lt(std::uint32_t a, std::uint32_t b) {
  return seq_diff(a, b) < 0;
}
constexpr bool seq_le(std::uint32_t a, std::uint32_t b) {
  return seq_diff(a, b) <= 0;
}
constexpr bool seq_gt(std::uint32_t a, std::uint32_t b) {
  return seq_diff(a, b) > 0;
}
constexpr bool seq_ge(std::uint32_t a, std::uint32_t b) {
  return seq_diff(a, b) >= 0;
}

// Number of sequence numbers in [first, last]; 0 if last precedes first.
constexpr std::uint32_t seq_count(std::uint32_t first, std::uint32_t last) {
  const std::int32_t d = seq_diff(last, first);
  return d < 0 ? 0 : static_cast<std::uint32_t>(d) + 1;
}

// ACK numbers (the ACK/ACKACK journal) share the 31-bit space: max wraps to 0.
constexpr std::uint32_t ack_next(std::uint32_t n) {
  return seq_next(n);
}

// ---- 26-bit message numbers ---------------------------------------------
inline constexpr std::uint32_t kMsgNoMask = 0x03FFFFFF;
inline constexpr std::uint32_t kMsgNoMax = kMsgNoMask;
inline constexpr std::uint32_t kMsgNoHalf = 0x02000000;

constexpr bool msgno_valid(std::uint32_t m) {
  return m <= kMsgNoMask;
}

// libsrt numbers messages 1..max and skips 0, which means "unknown" (e.g. in a
// drop request).
constexpr std::uint32_t msgno_next(std::uint32_t m) {
  return m >= kMsgNoMax ? 1 : m + 1;
}

// Signed distance a - b modulo 2^26, in [-2^25, 2^25).
constexpr std::int32_t msgno_diff(std::uint32_t a, std::uint32_t b) {
  const std::uint32_t d = (a - b) & kMsgNoMask;
  return d >= kMsgNoHalf ? static_cast<std::int32_t>(d) - static_cast<std::int32_t>(kMsgNoMask) - 1
                         : static_cast<std::int32_t>(d);
}

// ---- 32-bit microsecond timestamps --------------------------------------
// The header timestamp counts microseconds since the connection start and
// wraps every 2^32 us (about 71.6 minutes).
inline constexpr std::int64_t kTimestampPeriodUs = std::int64_t{1} << 32;

// Wire timestamp of `t` for a connection started at `start` (mod 2^32).
constexpr std::uint32_t wire_timestamp(TimePoint start, TimePoint t) {
  return static_cast<std::uint32_t>((t - start).count());
}

// Signed distance a - b modulo 2^32, in [-2^31, 2^31).
constexpr std::int32_t ts_diff(std::uint32_t a, std::uint32_t b) {
  return static_cast<std::int32_t>(a - b);
}

// Turns a stream of wrapping 32-bit timestamps into a monotonic-ish 64-bit
// microsecond count, choosing for each input the value nearest the previous
// one (so mild reordering around the wrap is handled in both directions).
class TimestampUnwrapper {
 public:
  constexpr std::int64_t unwrap(std::uint32_t ts) {
    if (!primed_) {
      primed_ = true;
      last_ = ts;
      return last_;
    }
    last_ += ts_diff(ts, static_cast<std::uint32_t>(last_));
    return last_;
  }
  constexpr void reset() { primed_ = false; }

 private:
  std::int64_t last_ = 0;
  bool primed_ = false;
};

}  // namespace srtcore::srt
