// G.722 packetization on the shared frame payloader: 10 ms steps of 80 bytes,
// 80 RTP ticks per step, remainders held until more input or EOS, perfect
// timestamps, discontinuities; and the depayloader's payload checks.
#include <gtest/gtest.h>

#include "audio_test_util.hpp"
#include "rtp/g722_payload.hpp"

namespace srtcore::rtp::audio {
namespace {

using test::Bytes;
using test::Collector;
using test::kMs;
using test::Packet;
using test::pattern;

class G722Pay : public ::testing::Test {
 protected:
  void configure(std::int64_t min_ptime = 0, std::int64_t max_ptime = -1, std::int64_t multiple = 0,
                 std::int64_t ptime = 0) {
    ASSERT_TRUE(pay.configure(PtimeSettings{min_ptime, max_ptime, multiple, ptime, 1388}));
  }
  std::vector<Packet> push(const Bytes &data, std::int64_t pts, bool discont = false,
                           std::uint32_t rtp = 1000) {
    pay.push(data, {}, InputTime{pts, rtp, discont}, out);
    return out.take();
  }
  std::vector<Packet> drain() {
    pay.drain(out);
    return out.take();
  }

  FramePayloader pay{g722::kFormat};
  Collector out;
};

TEST_F(G722Pay, DefaultsSendEachInputAsItArrives) {
  configure();
  auto a = push(pattern(160, 0), 0);
  auto b = push(pattern(160, 160), 20 * kMs);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(a[0].frames, pattern(160, 0));
  EXPECT_EQ(b[0].frames, pattern(160, 160));
  EXPECT_EQ(a[0].rtp_time, 1000u);
  EXPECT_EQ(b[0].rtp_time, 1160u);  // 160 bytes = 20 ms = 160 ticks at 8000 Hz
  EXPECT_EQ(a[0].ticks, 160u);
  EXPECT_EQ(b[0].pts, 20 * kMs);
  EXPECT_TRUE(a[0].marker);
  EXPECT_TRUE(a[0].discont);
  EXPECT_FALSE(b[0].marker);
  EXPECT_FALSE(b[0].discont);
}

// Packet times count samples from the first input (perfect); input_pts is
// where each packet starts by the input buffers' own, jittery times.
TEST_F(G722Pay, InputPtsFollowsTheInputBuffersOwnTimes) {
  configure(0, -1, 0, 20 * kMs);               // 20 ms packets exactly
  auto a = push(pattern(240, 0), 0);           // 30 ms at 0
  auto b = push(pattern(240, 240), 33 * kMs);  // 30 ms, 3 ms late
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(a[0].input_pts, 0);
  EXPECT_EQ(b[0].pts, 20 * kMs);
  EXPECT_EQ(b[0].input_pts, 20 * kMs);  // starts in the first input, 20 ms into it
  EXPECT_EQ(b[1].pts, 40 * kMs);
  EXPECT_EQ(b[1].input_pts, 43 * kMs);  // 10 ms into the second, which came at 33
}

// perfect-rtptime on (the elements' default) needs no input times: the core
// skips them and packet times stay the same. Switched back on, bytes queued
// meanwhile have none, and inputs from then on have theirs.
TEST_F(G722Pay, InputTimesOffLeaveInputPtsUnset) {
  configure(0, -1, 0, 20 * kMs);
  pay.set_input_times(false);
  auto a = push(pattern(240, 0), 0);  // one packet, 10 ms left queued
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].input_pts, kNoTime);
  EXPECT_EQ(a[0].rtp_time, 1000u);
  pay.set_input_times(true);
  auto b = push(pattern(240, 240), 33 * kMs);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].pts, 20 * kMs);
  EXPECT_EQ(b[0].rtp_time, 1160u);
  EXPECT_EQ(b[0].input_pts, kNoTime);   // starts in a's bytes, queued with no time
  EXPECT_EQ(b[1].input_pts, 43 * kMs);  // 10 ms into b's input
}

TEST_F(G722Pay, MaxPtimeSplitsIntoTenMsSteps) {
  configure(0, 10 * kMs);
  auto p = push(pattern(240), 0);
  ASSERT_EQ(p.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(p[i].size(), 80u);
    EXPECT_EQ(p[i].rtp_time, 1000u + 80u * i);
    EXPECT_EQ(p[i].pts, static_cast<std::int64_t>(i) * 10 * kMs);
    EXPECT_EQ(p[i].marker, i == 0);
  }
}

TEST_F(G722Pay, MinPtimeAccumulates) {
  configure(30 * kMs);
  EXPECT_TRUE(push(pattern(160, 0), 0).empty());
  EXPECT_EQ(pay.queued_bytes(), 160u);
  auto p = push(pattern(160, 160), 20 * kMs);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].size(), 320u);  // everything that is there, up to the mtu
  EXPECT_EQ(p[0].pts, 0);
  EXPECT_EQ(p[0].rtp_time, 1000u);
}

TEST_F(G722Pay, PtimeFromCapsIsExactAndRemaindersWaitForEos) {
  configure(0, -1, 0, 20 * kMs);
  Bytes all;
  std::vector<Packet> got;
  for (int i = 0; i < 5; ++i) {
    const Bytes in = pattern(100, static_cast<std::uint8_t>(i * 100));
    all.insert(all.end(), in.begin(), in.end());
    for (auto &p : push(in, i * 12'500'000)) got.push_back(p);  // 100 bytes = 12.5 ms
  }
  ASSERT_EQ(got.size(), 3u);
  for (const Packet &p : got) EXPECT_EQ(p.size(), 160u);
  EXPECT_EQ(pay.queued_bytes(), 20u);
  auto tail = drain();
  ASSERT_EQ(tail.size(), 1u);
  EXPECT_EQ(tail[0].size(), 20u);  // G.722 is sample-based: the end may be part of a step
  EXPECT_EQ(tail[0].ticks, 20u);
  EXPECT_EQ(tail[0].rtp_time, 1000u + 480u);
  got.push_back(tail[0]);
  Bytes sent;
  for (const Packet &p : got) sent.insert(sent.end(), p.frames.begin(), p.frames.end());
  EXPECT_EQ(sent, all);
  EXPECT_TRUE(drain().empty());
}

TEST_F(G722Pay, PtimeMultipleKeepsPacketsInWholeMultiples) {
  configure(0, -1, 20 * kMs);
  auto p = push(pattern(250), 0);  // 3 steps and a bit
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].size(), 160u);
  EXPECT_EQ(pay.queued_bytes(), 90u);
}

TEST_F(G722Pay, DiscontSendsTheOldTailThenMarksTheNewStart) {
  configure(0, 10 * kMs);
  auto a = push(pattern(120), 0);  // one step out, 40 bytes held
  ASSERT_EQ(a.size(), 1u);
  auto b = push(pattern(80, 7), 5 * kMs, true);  // earlier than the stream: no jump forward
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].size(), 40u);  // old data first, on the old timeline
  EXPECT_EQ(b[0].rtp_time, 1080u);
  EXPECT_FALSE(b[0].marker);
  EXPECT_FALSE(b[0].discont);
  EXPECT_EQ(b[1].frames, pattern(80, 7));
  EXPECT_TRUE(b[1].marker);
  EXPECT_TRUE(b[1].discont);
  EXPECT_EQ(b[1].rtp_time, 1120u);  // RTP time never goes back
  EXPECT_EQ(b[1].pts, 5 * kMs);
  EXPECT_EQ(pay.stats().disconts, 1u);
}

TEST_F(G722Pay, InputGapMovesRtpTimeByTheGap) {
  configure();
  push(pattern(160), 0);
  auto p = push(pattern(160), 100 * kMs);  // 80 ms nobody sent
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].rtp_time, 1000u + 800u);
  EXPECT_EQ(p[0].pts, 100 * kMs);
  EXPECT_TRUE(p[0].marker);
  EXPECT_TRUE(p[0].discont);
  EXPECT_EQ(pay.stats().gaps, 1u);
}

TEST_F(G722Pay, JitterWithinHalfAStepKeepsPerfectTimestamps) {
  configure();
  push(pattern(160), 0);
  auto p = push(pattern(160), 24 * kMs, false, 55555);  // 4 ms late, own RTP mapping ignored
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].rtp_time, 1160u);
  EXPECT_EQ(p[0].pts, 20 * kMs);
  EXPECT_FALSE(p[0].marker);
  EXPECT_EQ(pay.stats().gaps, 0u);
}

TEST_F(G722Pay, ResetStartsANewTimeline) {
  configure(30 * kMs);
  push(pattern(160), 0);
  pay.reset();
  EXPECT_EQ(pay.queued_bytes(), 0u);
  EXPECT_TRUE(drain().empty());
  auto p = push(pattern(240), 500 * kMs, false, 77);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].rtp_time, 77u);  // from the element's mapping again
  EXPECT_TRUE(p[0].marker);
  EXPECT_TRUE(p[0].discont);
}

TEST_F(G722Pay, TimestampsWrap) {
  configure(0, 10 * kMs);
  auto p = push(pattern(240), 0, false, 0xffffffa0u);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].rtp_time, 0xffffffa0u);
  EXPECT_EQ(p[1].rtp_time, 0xfffffff0u);
  EXPECT_EQ(p[2].rtp_time, 0x40u);
}

TEST_F(G722Pay, MtuTooSmallIsRefusedAndLimitsKept) {
  configure(0, 20 * kMs);
  EXPECT_FALSE(pay.configure(test::mtu_settings(79)));
  EXPECT_EQ(pay.limits().max_frames, 2u);
}

TEST_F(G722Pay, AnInputOfExactlyOnePacketIsHandedOutUncopied) {
  configure(20 * kMs, 20 * kMs);
  const Bytes exact = pattern(160), half = pattern(80, 1);
  auto push_direct = [&](const Bytes &data, std::int64_t pts) {
    std::vector<bool> direct;
    pay.push(data, {}, InputTime{pts, 1000, false}, [&](const AudioPacket &p) {
      direct.push_back(p.frames.data() == data.data());
      out(p);
    });
    return direct;
  };
  EXPECT_EQ(push_direct(exact, 0), std::vector<bool>{true});
  // Queued bytes go first, so a packet that mixes inputs is copied.
  EXPECT_TRUE(push_direct(half, 20 * kMs).empty());
  EXPECT_EQ(push_direct(exact, 30 * kMs), std::vector<bool>{false});
  auto p = out.take();
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].frames, exact);
  EXPECT_EQ(p[0].rtp_time, 1000u);
  EXPECT_TRUE(p[0].marker);
  Bytes mixed = half;
  mixed.insert(mixed.end(), exact.begin(), exact.begin() + 80);
  EXPECT_EQ(p[1].frames, mixed);
  EXPECT_EQ(p[1].rtp_time, 1160u);
  EXPECT_EQ(pay.queued_bytes(), 80u);
}

TEST(G722Payload, Checks) {
  using g722::check_payload;
  using g722::PayloadCheck;
  EXPECT_EQ(check_payload(0, 1), PayloadCheck::kEmpty);
  EXPECT_EQ(check_payload(1, 1), PayloadCheck::kOk);
  EXPECT_EQ(check_payload(160, 1), PayloadCheck::kOk);
  EXPECT_EQ(check_payload(3, 2), PayloadCheck::kBadLength);
  EXPECT_EQ(check_payload(4, 2), PayloadCheck::kOk);
  EXPECT_EQ(check_payload(4, 0), PayloadCheck::kBadLength);
  EXPECT_EQ(g722::payload_ticks(160, 1), 160u);
  EXPECT_EQ(g722::payload_ticks(160, 2), 80u);
  EXPECT_EQ(g722::sample_rate_for_clock(8000), 16000u);
  EXPECT_EQ(g722::sample_rate_for_clock(16000), 16000u);
}

}  // namespace
}  // namespace srtcore::rtp::audio
