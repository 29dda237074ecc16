// De-interleaving buffer for packetization mode 2 (RFC 6184 section 13.3):
// NAL units come back out in decoding order (AbsDON) once the buffer exceeds
// sprop-interleaving-depth units, sprop-deint-buf-req bytes or
// sprop-max-don-diff DON span. Also used for H.265 DONL/DOND (RFC 7798).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "rtp/bytes.hpp"

namespace srtcore::rtp {

struct DonReorderParams {
  std::uint32_t interleaving_depth = 32;  // counted units held before output
  std::uint32_t max_don_diff = 32767;     // DON span held before output
  std::uint64_t deint_buf_req = 0;        // bytes held before output; 0 = no limit from this
  // Units that count toward interleaving_depth: RFC 6184 7.2.2 counts VCL
  // units only (the H.264 depayloader sets this). nullptr: every unit counts.
  bool (*counts_toward_depth)(ByteSpan nal) = nullptr;
};

struct DonReorderStats {
  std::uint64_t late = 0;  // arrived after a later DON was already output: dropped
  std::uint64_t duplicates = 0;
};

class DonReorder {
 public:
  // Hard bounds whatever the parameters say: a hostile or broken SDP must not
  // make us hold unbounded memory. Past them the oldest units are output.
  static constexpr std::size_t kMaxUnits = 4096;
  static constexpr std::uint64_t kMaxBytes = 64u << 20;

  explicit DonReorder(DonReorderParams params = {});
  void configure(DonReorderParams params);

  // Adds one unit (copied). fn(ByteSpan nal, std::uint32_t rtp_ts) is called for
  // every unit that must leave the buffer now, in decoding order.
  template <typename Fn>
  void push(std::uint16_t don, ByteSpan nal, std::uint32_t rtp_ts, Fn &&fn);
  // Outputs everything in decoding order (EOS, discontinuity).
  template <typename Fn>
  void drain(Fn &&fn);
  void reset();
  std::size_t size() const { return order_.size(); }
  const DonReorderStats &stats() const { return stats_; }

 private:
  struct Unit {
    std::int64_t abs = 0;
    std::uint64_t arrival = 0;       // keeps transmission order among equal DONs
    std::vector<std::uint8_t> data;  // capacity reused when the slot is
    std::uint32_t rtp_ts = 0;
    bool counted = false;
  };
  std::int64_t abs_don(std::uint16_t don) const;
  bool over_limits() const;
  // Stores the unit; false if it was a duplicate.
  bool insert(std::int64_t abs, ByteSpan nal, std::uint32_t rtp_ts);
  struct Popped {
    ByteSpan data;
    std::uint32_t rtp_ts;
  };
  // Removes the unit with the lowest AbsDON; its bytes stay valid until the
  // next insert or pop.
  Popped pop_first();

  DonReorderParams params_;
  DonReorderStats stats_;
  std::vector<Unit> slots_;            // storage, reused
  std::vector<std::uint32_t> free_;    // free slot indices
  std::vector<std::uint32_t> order_;   // slot indices, highest AbsDON first: back() leaves next
  std::vector<std::uint8_t> big_out_;  // a large popped unit, so free slots stay small
  std::uint64_t bytes_ = 0;
  std::uint64_t counted_ = 0;  // units counting toward interleaving_depth
  std::uint64_t arrivals_ = 0;
  std::optional<std::int64_t> last_abs_;  // AbsDON of the previous unit pushed
  std::optional<std::int64_t> last_out_;  // AbsDON of the last unit output
};

template <typename Fn>
void DonReorder::push(std::uint16_t don, ByteSpan nal, std::uint32_t rtp_ts, Fn &&fn) {
  const std::int64_t abs = abs_don(don);
  last_abs_ = abs;
  if (last_out_ && abs < *last_out_) {
    ++stats_.late;
    return;
  }
  if (!insert(abs, nal, rtp_ts)) {
    ++stats_.duplicates;
    return;
  }
  while (!order_.empty() && over_limits()) {
    const Popped u = pop_first();
    fn(u.data, u.rtp_ts);
  }
}

template <typename Fn>
void DonReorder::drain(Fn &&fn) {
  while (!order_.empty()) {
    const Popped u = pop_first();
    fn(u.data, u.rtp_ts);
  }
}

}  // namespace srtcore::rtp
