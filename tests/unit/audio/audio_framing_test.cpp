// Packet-size decisions from ptime / min-ptime / max-ptime / ptime-multiple
// and the MTU, table-driven.
#include <gtest/gtest.h>

#include <ostream>

#include "audio_test_util.hpp"
#include "rtp/audio_framing.hpp"
#include "rtp/g722_payload.hpp"
#include "rtp/g729_payload.hpp"

namespace srtcore::rtp::audio {
// Printed by gtest when a comparison fails.
inline std::ostream &operator<<(std::ostream &os, const PacketLimits &l) {
  return os << "{min " << l.min_frames << ", max " << l.max_frames << ", align " << l.align_frames
            << "}";
}
}  // namespace srtcore::rtp::audio

namespace srtcore::rtp::audio {
namespace {

using test::kMs;

struct LimitsCase {
  const char *name;
  std::int64_t min_ptime, max_ptime, ptime_multiple, ptime;
  std::size_t max_payload;
  std::size_t want_min, want_max, want_align;
};

// G.722 at mtu 1400: 1388 payload bytes hold 17 steps of 10 ms (80 bytes).
const LimitsCase kG722Cases[] = {
    {"defaults", 0, -1, 0, 0, 1388, 1, 17, 1},
    {"max_ptime_20ms", 0, 20 * kMs, 0, 0, 1388, 1, 2, 1},
    {"max_ptime_rounds_down", 0, 29 * kMs, 0, 0, 1388, 1, 2, 1},
    {"max_ptime_below_a_frame_still_one", 0, 5 * kMs, 0, 0, 1388, 1, 1, 1},
    {"max_ptime_zero_still_one", 0, 0, 0, 0, 1388, 1, 1, 1},
    {"max_ptime_above_mtu", 0, 1000 * kMs, 0, 0, 1388, 1, 17, 1},
    {"min_ptime_30ms", 30 * kMs, -1, 0, 0, 1388, 3, 17, 1},
    {"min_ptime_rounds_down", 39 * kMs, -1, 0, 0, 1388, 3, 17, 1},
    {"min_above_max_is_clipped", 50 * kMs, 30 * kMs, 0, 0, 1388, 3, 3, 1},
    {"min_above_mtu_is_clipped", 500 * kMs, -1, 0, 0, 1388, 17, 17, 1},
    {"multiple_20ms", 0, -1, 20 * kMs, 0, 1388, 2, 16, 2},
    {"multiple_rounds_min_up", 30 * kMs, -1, 20 * kMs, 0, 1388, 4, 16, 2},
    {"multiple_rounds_max_down", 0, 50 * kMs, 20 * kMs, 0, 1388, 2, 4, 2},
    {"multiple_above_max_ignored", 0, 20 * kMs, 30 * kMs, 0, 1388, 1, 2, 1},
    {"multiple_below_a_frame_ignored", 0, -1, 5 * kMs, 0, 1388, 1, 17, 1},
    {"ptime_40ms", 0, -1, 0, 40 * kMs, 1388, 4, 4, 1},
    {"ptime_rounds_down", 0, -1, 0, 25 * kMs, 1388, 2, 2, 1},
    {"ptime_below_a_frame", 0, -1, 0, 5 * kMs, 1388, 1, 1, 1},
    {"ptime_clipped_by_max_ptime", 0, 20 * kMs, 0, 40 * kMs, 1388, 2, 2, 1},
    {"ptime_raised_to_min_ptime", 60 * kMs, -1, 0, 40 * kMs, 1388, 6, 6, 1},
    {"ptime_clipped_by_mtu", 0, -1, 0, 400 * kMs, 1388, 17, 17, 1},
    {"ptime_overrides_multiple", 0, -1, 20 * kMs, 30 * kMs, 1388, 3, 3, 1},
    {"mtu_one_frame", 0, -1, 0, 0, 80, 1, 1, 1},
    {"mtu_between_frames", 0, -1, 0, 0, 239, 1, 2, 1},
};

class G722Limits : public ::testing::TestWithParam<LimitsCase> {};

TEST_P(G722Limits, Table) {
  const LimitsCase &c = GetParam();
  const PtimeSettings s{c.min_ptime, c.max_ptime, c.ptime_multiple, c.ptime, c.max_payload};
  const auto l = packet_limits(g722::kFormat, s);
  ASSERT_TRUE(l.has_value());
  EXPECT_EQ(*l, (PacketLimits{c.want_min, c.want_max, c.want_align}));
}

std::string limits_case_name(const ::testing::TestParamInfo<LimitsCase> &p) {
  return p.param.name;
}

INSTANTIATE_TEST_SUITE_P(Audio, G722Limits, ::testing::ValuesIn(kG722Cases), limits_case_name);

TEST(AudioLimits, NoFrameFitsTheMtu) {
  EXPECT_FALSE(packet_limits(g722::kFormat, test::mtu_settings(79)).has_value());
  EXPECT_FALSE(packet_limits(g722::kFormat, test::mtu_settings(0)).has_value());
  // The smallest mtu property value (28) leaves 16 bytes: one G.729 frame.
  EXPECT_EQ(packet_limits(g729::kFormat, test::mtu_settings(16)), (PacketLimits{1, 1, 1}));
}

TEST(AudioLimits, G729UsesTenByteFrames) {
  EXPECT_EQ(packet_limits(g729::kFormat, test::mtu_settings(1388)), (PacketLimits{1, 138, 1}));
  PtimeSettings s = test::mtu_settings(1388);
  s.ptime = 20 * kMs;
  EXPECT_EQ(packet_limits(g729::kFormat, s), (PacketLimits{2, 2, 1}));
}

struct NextCase {
  PacketLimits limits;
  std::size_t available;
  std::size_t want;
};

TEST(AudioLimits, FramesForNextPacket) {
  const NextCase cases[] = {
      {{1, 17, 1}, 0, 0},   {{1, 17, 1}, 1, 1}, {{1, 17, 1}, 5, 5},   {{1, 17, 1}, 17, 17},
      {{1, 17, 1}, 40, 17}, {{3, 17, 1}, 2, 0}, {{3, 17, 1}, 3, 3},   {{2, 16, 2}, 1, 0},
      {{2, 16, 2}, 3, 2},   {{2, 16, 2}, 5, 4}, {{2, 16, 2}, 17, 16}, {{4, 4, 1}, 3, 0},
      {{4, 4, 1}, 4, 4},    {{4, 4, 1}, 9, 4},  {{4, 16, 2}, 5, 4},   {{4, 16, 2}, 7, 6},
  };
  for (const NextCase &c : cases)
    EXPECT_EQ(frames_for_next_packet(c.available, c.limits), c.want)
        << c.limits << " with " << c.available << " frames queued";
}

}  // namespace
}  // namespace srtcore::rtp::audio
