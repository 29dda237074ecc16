// RttEstimator: exact integer smoothing as libsrt's avg_iir, both first-sample
// modes, and the sender's use of ACK-reported values.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <vector>

#include "srt/rtt.hpp"

namespace srtcore::srt {
namespace {

struct Step {
  std::int64_t sample_us, srtt_us, var_us;
};

void run(RttEstimator &e, const std::vector<Step> &steps) {
  for (const Step &s : steps) {
    e.on_sample(Duration(s.sample_us));
    EXPECT_EQ(e.srtt().count(), s.srtt_us) << "after " << s.sample_us;
    EXPECT_EQ(e.rttvar().count(), s.var_us) << "after " << s.sample_us;
  }
}

TEST(RttEstimator, StartsAt100And50Ms) {
  const RttEstimator e;
  EXPECT_EQ(e.srtt(), std::chrono::milliseconds(100));
  EXPECT_EQ(e.rttvar(), std::chrono::milliseconds(50));
  EXPECT_FALSE(e.measured());
}

// libsrt 1.5: the first ACKACK sample replaces the initial values.
TEST(RttEstimator, ResetModeTakesTheFirstSample) {
  RttEstimator e(RttEstimator::FirstSample::kReset);
  run(e, {
             {20'000, 20'000, 10'000},
             // var = (3 * 10000 + |30000 - 20000|) / 4; srtt = (7 * 20000 + 30000) / 8
             {30'000, 21'250, 10'000},
             {21'250, 21'250, 7'500},
             {10'001, 19'843, 8'437},  // 8437.25 and 19843.x truncate as libsrt's ints do
         });
  EXPECT_TRUE(e.measured());
}

// Draft / UDT: every sample smoothed from 100 / 50 ms.
TEST(RttEstimator, SmoothModeConvergesFromTheInitialValues) {
  RttEstimator e(RttEstimator::FirstSample::kSmooth);
  run(e, {
             {20'000, 90'000, 57'500},  // var = (150000 + 80000) / 4, srtt = (700000 + 20000) / 8
             {20'000, 81'250, 60'625},
         });
  // Ten more samples (100 ms of full ACKs) on a 20 ms path: still 36 ms
  // (why kReset is the default).
  for (int i = 0; i < 10; ++i) e.on_sample(std::chrono::milliseconds(20));
  EXPECT_GT(e.srtt(), std::chrono::milliseconds(35));
}

TEST(RttEstimator, IgnoresNonPositiveSamples) {
  RttEstimator e;
  e.on_sample(Duration(0));
  e.on_sample(Duration(-5));
  EXPECT_FALSE(e.measured());
  EXPECT_EQ(e.srtt(), std::chrono::milliseconds(100));
}

TEST(RttEstimator, SenderTakesAckFieldsOnceThePeerMeasured) {
  RttEstimator e;
  using std::chrono::milliseconds;
  e.on_peer_report(milliseconds(100), milliseconds(50), false);  // peer has no sample yet
  EXPECT_FALSE(e.measured());
  e.on_peer_report(Duration(31'000), Duration(4'000), false);
  EXPECT_TRUE(e.measured());
  EXPECT_EQ(e.srtt(), Duration(31'000));
  EXPECT_EQ(e.rttvar(), Duration(4'000));
  // One-way sender: the receiver's smoothed values as they are.
  e.on_peer_report(Duration(29'000), Duration(3'000), false);
  EXPECT_EQ(e.srtt(), Duration(29'000));
  EXPECT_EQ(e.rttvar(), Duration(3'000));
}

TEST(RttEstimator, BidirectionalSenderSmoothsReports) {
  RttEstimator e;
  e.on_peer_report(Duration(40'000), Duration(8'000), true);  // first: taken as is
  e.on_peer_report(Duration(48'000), Duration(1'000), true);
  EXPECT_EQ(e.rttvar(), Duration(8'000));  // (3 * 8000 + 8000) / 4
  EXPECT_EQ(e.srtt(), Duration(41'000));   // (7 * 40000 + 48000) / 8
  e.on_peer_report(std::chrono::milliseconds(100), std::chrono::milliseconds(50), true);
  EXPECT_EQ(e.srtt(), Duration(41'000));  // initial values are not a measurement
}

TEST(RttEstimator, AckFields) {
  RttEstimator e;
  e.on_sample(Duration(12'345));
  EXPECT_EQ(e.srtt_field(), 12'345u);
  EXPECT_EQ(e.rttvar_field(), 6'172u);
}

}  // namespace
}  // namespace srtcore::srt
