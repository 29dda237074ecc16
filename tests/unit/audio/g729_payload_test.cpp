// G.729: payload length validation (every length), SID placement (a SID frame
// ends its packet and is never followed by another frame), marker bits at the
// start of talkspurts, RTP time across DTX gaps; and a seeded random run that
// checks the invariants on thousands of packets.
#include <gtest/gtest.h>

#include <random>

#include "audio_test_util.hpp"
#include "rtp/g729_payload.hpp"

namespace srtcore::rtp::audio {
namespace {

using test::Bytes;
using test::Collector;
using test::kMs;
using test::Packet;
using test::pattern;

TEST(G729Payload, EveryLengthUpTo42) {
  for (std::size_t len = 0; len <= 42; ++len) {
    const Bytes data = pattern(len);
    const auto frames = g729::split(data);
    const std::size_t rest = len % 10;
    const bool valid = rest == 0 || rest == 2;
    ASSERT_EQ(frames.has_value(), valid) << len << " bytes";
    EXPECT_EQ(g729::check_payload(len), len == 0 ? g729::PayloadCheck::kEmpty
                                        : valid  ? g729::PayloadCheck::kOk
                                                 : g729::PayloadCheck::kBadLength)
        << len << " bytes";
    if (!frames) continue;
    EXPECT_EQ(frames->speech.size(), len - rest) << len;
    EXPECT_EQ(frames->sid.size(), rest) << len;
    EXPECT_EQ(frames->speech_frames(), len / 10) << len;
    EXPECT_EQ(frames->ticks(), 80u * (len / 10 + (rest ? 1 : 0))) << len;
    if (rest) {
      EXPECT_EQ(frames->sid.data(), data.data() + len - 2) << "the SID is the tail";
    }
  }
}

class G729Pay : public ::testing::Test {
 protected:
  void configure(std::int64_t min_ptime = 0, std::int64_t max_ptime = -1, std::int64_t ptime = 0,
                 std::size_t max_payload = 1388) {
    ASSERT_TRUE(pay.configure(PtimeSettings{min_ptime, max_ptime, 0, ptime, max_payload}));
  }
  // One encoder output buffer: `speech` 10-byte frames, then a SID frame if asked.
  std::vector<Packet> push(std::size_t speech, bool sid, std::int64_t pts, bool discont = false) {
    const Bytes data = pattern(speech * 10 + (sid ? 2 : 0), static_cast<std::uint8_t>(seed_++));
    const auto frames = g729::split(data);
    EXPECT_TRUE(frames.has_value());
    pay.push(frames->speech, frames->sid, InputTime{pts, 5000, discont}, out);
    return out.take();
  }

  FramePayloader pay{g729::kFormat};
  Collector out;
  int seed_ = 0;
};

TEST_F(G729Pay, SidEndsThePacketEvenBelowMinPtime) {
  configure(40 * kMs);
  EXPECT_TRUE(push(1, false, 0).empty());
  EXPECT_TRUE(push(1, false, 10 * kMs).empty());
  auto p = push(0, true, 20 * kMs);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].frames.size(), 20u);
  EXPECT_EQ(p[0].tail.size(), 2u);
  EXPECT_EQ(p[0].ticks, 240u);
  auto q = push(1, false, 30 * kMs);  // new talkspurt: held for min-ptime again
  EXPECT_TRUE(q.empty());
}

TEST_F(G729Pay, FramesThatCannotShareTheSidPacketGoFirst) {
  configure(0, -1, 20 * kMs);  // ptime 20: two frames per packet
  auto p = push(3, true, 0);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].frames.size(), 20u);
  EXPECT_TRUE(p[0].tail.empty());
  EXPECT_EQ(p[1].frames.size(), 10u);
  EXPECT_EQ(p[1].tail.size(), 2u);
  EXPECT_EQ(p[1].rtp_time, p[0].rtp_time + 160u);
}

TEST_F(G729Pay, SidCountsAsAFrameOfThePacketDuration) {
  configure(0, 20 * kMs);  // at most 20 ms per packet, the SID's 10 ms included
  auto p = push(2, true, 0);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].frames.size(), 20u);
  EXPECT_TRUE(p[0].tail.empty());
  EXPECT_TRUE(p[1].frames.empty());
  EXPECT_EQ(p[1].tail.size(), 2u);
}

TEST_F(G729Pay, SidAloneWhenTheMtuHasNoRoomForIt) {
  configure(0, -1, 0, 20);  // 20 payload bytes: two frames, not two frames and a SID
  auto p = push(2, true, 0);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].size(), 20u);
  EXPECT_TRUE(p[1].frames.empty());
  EXPECT_EQ(p[1].tail.size(), 2u);
}

TEST_F(G729Pay, MarkerOnTheFirstPacketOfEachTalkspurt) {
  configure();
  std::vector<Packet> all;
  auto add = [&](std::vector<Packet> v) { all.insert(all.end(), v.begin(), v.end()); };
  add(push(1, false, 0));  // stream start
  add(push(1, false, 10 * kMs));
  add(push(0, true, 20 * kMs));    // silence begins
  add(push(0, true, 200 * kMs));   // SID update during silence (DTX gap before it)
  add(push(1, false, 400 * kMs));  // talkspurt
  add(push(1, false, 410 * kMs));
  add(push(1, true, 420 * kMs));   // speech then silence in one buffer
  add(push(1, false, 430 * kMs));  // talkspurt right after the SID
  ASSERT_EQ(all.size(), 8u);
  const bool want_marker[] = {true, false, false, false, true, false, false, true};
  for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].marker, want_marker[i]) << i;
}

TEST_F(G729Pay, SidOnlyStartIsMarkedAndSoIsTheFirstSpeech) {
  configure();
  auto a = push(0, true, 0);
  auto b = push(1, false, 100 * kMs);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_TRUE(a[0].marker);
  EXPECT_TRUE(b[0].marker);
}

TEST_F(G729Pay, DtxGapsShowInRtpTime) {
  configure();
  auto a = push(2, false, 0);
  auto b = push(0, true, 20 * kMs);
  auto c = push(1, false, 500 * kMs);  // 47 frames not sent
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(a[0].rtp_time, 5000u);
  EXPECT_EQ(b[0].rtp_time, 5160u);
  EXPECT_EQ(b[0].ticks, 80u);  // a SID frame stands for 10 ms
  EXPECT_EQ(c[0].rtp_time, 5000u + 500u * 8u);
  EXPECT_EQ(c[0].pts, 500 * kMs);
  EXPECT_TRUE(c[0].discont);
}

TEST_F(G729Pay, DiscontMarksTheNextPacketWhateverItHolds) {
  configure();
  push(1, false, 0);
  auto p = push(0, true, 10 * kMs, true);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_TRUE(p[0].marker);
  EXPECT_TRUE(p[0].discont);
}

TEST_F(G729Pay, EosSendsHeldFramesInLimitSizedPackets) {
  configure(50 * kMs, 20 * kMs);  // min above max: clipped to two frames
  EXPECT_EQ(pay.limits().min_frames, 2u);
  push(1, false, 0);
  pay.drain(out);
  auto p = out.take();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].size(), 10u);
}

// Seeded random streams through random settings: the rules hold on every packet.
TEST(G729PayRandom, InvariantsHold) {
  std::mt19937 rng(20240611);
  for (int run = 0; run < 200; ++run) {
    FramePayloader pay(g729::kFormat);
    PtimeSettings s;
    s.min_ptime = static_cast<std::int64_t>(rng() % 6) * 10 * kMs;
    s.max_ptime = rng() % 3 == 0 ? -1 : static_cast<std::int64_t>(rng() % 8) * 10 * kMs;
    s.ptime = rng() % 4 == 0 ? static_cast<std::int64_t>(rng() % 6) * 10 * kMs : 0;
    s.ptime_multiple = rng() % 4 == 0 ? 20 * kMs : 0;
    s.max_payload = 16 + rng() % 120;
    ASSERT_TRUE(pay.configure(s));
    const PacketLimits lim = pay.limits();

    Collector out;
    Bytes sent_speech, got_speech;
    std::int64_t pts = 0;
    for (int i = 0; i < 60; ++i) {
      const std::size_t n = rng() % 4;
      const bool sid = rng() % 5 == 0;
      const Bytes data = pattern(n * 10 + (sid ? 2 : 0), static_cast<std::uint8_t>(i * 7));
      sent_speech.insert(sent_speech.end(), data.begin(), data.end() - (sid ? 2 : 0));
      const auto f = g729::split(data);
      pay.push(f->speech, f->sid, InputTime{pts, 0, rng() % 20 == 0}, out);
      pts += static_cast<std::int64_t>(n + (sid ? 1 : 0)) * 10 * kMs;
      if (rng() % 6 == 0) pts += static_cast<std::int64_t>(rng() % 50) * 10 * kMs;  // DTX
    }
    pay.drain(out);
    bool talkspurt = true;
    for (std::size_t k = 0; k < out.packets.size(); ++k) {
      const Packet &p = out.packets[k];
      SCOPED_TRACE(::testing::Message() << "run " << run << " packet " << k);
      ASSERT_GT(p.size(), 0u);
      EXPECT_EQ(p.frames.size() % 10, 0u);
      EXPECT_TRUE(p.tail.empty() || p.tail.size() == 2u);
      EXPECT_LE(p.size(), s.max_payload);
      EXPECT_LE(p.frames.size() / 10 + (p.tail.empty() ? 0 : 1), lim.max_frames);
      EXPECT_EQ(p.ticks, 80u * (p.frames.size() / 10 + (p.tail.empty() ? 0 : 1)));
      EXPECT_TRUE(g729::split(Bytes(p.size())).has_value());
      got_speech.insert(got_speech.end(), p.frames.begin(), p.frames.end());
      if (k > 0) {
        // RTP time moves on by the previous packet's duration, or more after a gap.
        const Packet &prev = out.packets[k - 1];
        const auto step = static_cast<std::int32_t>(p.rtp_time - prev.rtp_time);
        EXPECT_GE(step, static_cast<std::int32_t>(prev.ticks));
        if (!p.discont) {
          EXPECT_EQ(step, static_cast<std::int32_t>(prev.ticks));
        }
      }
      // Speech after a SID (or at the start) opens a talkspurt: marker bit.
      if (!p.frames.empty() && talkspurt) {
        EXPECT_TRUE(p.marker);
      }
      if (!p.frames.empty()) talkspurt = false;
      if (!p.tail.empty()) talkspurt = true;
    }
    EXPECT_EQ(got_speech, sent_speech) << "run " << run;
  }
}

}  // namespace
}  // namespace srtcore::rtp::audio
