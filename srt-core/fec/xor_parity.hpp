// XOR parity, the arithmetic under every XOR-based FEC scheme (SRT's packet
// filter, SMPTE 2022-1, ULPFEC, FlexFEC): pure functions over spans, no
// allocation, no knowledge of any wire format. Each scheme keeps one
// ParityGroup per protection group and puts its own header on top.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace srtcore::fec {

// acc[i] ^= src[i] for every i < src.size(). `acc` must be at least as long
// as `src`; bytes of `acc` beyond src.size() are untouched (XOR with the
// zero padding every scheme applies to shorter packets).
void xor_into(std::span<std::uint8_t> acc, std::span<const std::uint8_t> src);

// The header fields XOR schemes protect besides the payload: a length, a
// byte of flags and a 32-bit timestamp. Which header bits go into `flags`
// is the scheme's choice.
struct Clip {
  std::uint16_t length = 0;
  std::uint8_t flags = 0;
  std::uint32_t timestamp = 0;

  void add(const Clip &c) {
    length ^= c.length;
    flags ^= c.flags;
    timestamp ^= c.timestamp;
  }
  friend bool operator==(const Clip &, const Clip &) = default;
};

// One protection group: the running XOR of the clips and payloads of what
// was added, and how many packets were. The payload accumulator is caller
// memory (a slice of a block the scheme allocates once), so a group costs
// nothing per packet.
class ParityGroup {
 public:
  ParityGroup() = default;
  explicit ParityGroup(std::span<std::uint8_t> storage) : acc_(storage) { reset(); }

  // Adds a packet; a payload longer than the accumulator is cut (the
  // scheme refuses such packets before they get here).
  void add(const Clip &clip, std::span<const std::uint8_t> payload);
  void reset();

  const Clip &clip() const { return clip_; }
  std::span<const std::uint8_t> payload() const { return acc_; }
  std::size_t count() const { return count_; }
  std::size_t capacity() const { return acc_.size(); }

 private:
  std::span<std::uint8_t> acc_;
  Clip clip_{};
  std::size_t count_ = 0;
};

}  // namespace srtcore::fec
