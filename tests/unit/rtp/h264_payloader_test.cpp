#include <gtest/gtest.h>

#include "rtp/h264_nal.hpp"
#include "rtp/h264_payloader.hpp"
#include "test_util.hpp"

namespace srtcore::rtp::h264 {
namespace {

using test::annexb;
using test::bytes;
using test::Bytes;
using test::unit_data;
using test::unpack;
using test::VectorSink;

constexpr std::int64_t kMs = 1'000'000;

PayloaderConfig config(int interval, AggregateMode mode = AggregateMode::kNone,
                       std::size_t max_payload = 1400) {
  PayloaderConfig c;
  c.config_interval = interval;
  c.aggregate = mode;
  c.max_payload = max_payload;
  return c;
}

// A payloader that already knows SPS/PPS (as from caps or an earlier AU).
Payloader primed(int interval, AggregateMode mode = AggregateMode::kNone) {
  Payloader p(config(interval, mode));
  p.set_input_format(InputFormat::kAvc);
  EXPECT_TRUE(p.set_avc_codec_data(build_avcc({test::sps()}, {test::pps()})));
  p.set_input_format(InputFormat::kByteStream);
  return p;
}

std::vector<Bytes> push_au(Payloader &p, std::initializer_list<Bytes> nals, std::int64_t t,
                           bool hint = false) {
  VectorSink sink;
  EXPECT_TRUE(p.push(annexb(nals), true, t, hint, sink));
  auto units = unpack(sink.packets);
  EXPECT_FALSE(sink.packets.empty());
  if (!sink.packets.empty()) {
    EXPECT_TRUE(sink.packets.back().marker);
  }
  for (std::size_t i = 0; i + 1 < sink.packets.size(); ++i) EXPECT_FALSE(sink.packets[i].marker);
  return unit_data(units);
}

TEST(Payloader, ConfigIntervalZeroNeverInserts) {
  Payloader p = primed(0);
  EXPECT_EQ(push_au(p, {test::idr()}, 0), std::vector<Bytes>{test::idr()});
  EXPECT_EQ(push_au(p, {test::idr()}, 10'000 * kMs), std::vector<Bytes>{test::idr()});
  EXPECT_EQ(p.stats().param_set_insertions, 0u);
}

TEST(Payloader, ConfigIntervalMinusOneBeforeEveryKeyframe) {
  Payloader p = primed(-1);
  const std::vector<Bytes> key = {test::sps(), test::pps(), test::idr()};
  EXPECT_EQ(push_au(p, {test::idr()}, 0), key);
  EXPECT_EQ(push_au(p, {test::slice()}, 33 * kMs), std::vector<Bytes>{test::slice()});
  EXPECT_EQ(push_au(p, {test::idr()}, 66 * kMs), key);
  EXPECT_EQ(p.stats().param_set_insertions, 2u);
}

TEST(Payloader, ConfigIntervalSeconds) {
  struct Step {
    std::int64_t t_ms;
    bool key;
    bool expect_insert;
  };
  const Step steps[] = {
      {0, true, true},       // never sent yet
      {500, true, false},    // 0.5 s since
      {800, false, false},   // not a keyframe
      {1000, true, true},    // exactly 1 s since
      {1999, true, false},   // 0.999 s
      {2500, false, false},  // due but not a keyframe
      {2600, true, true},
  };
  Payloader p = primed(1);
  for (const Step &s : steps) {
    const Bytes frame = s.key ? test::idr() : test::slice();
    const auto out = push_au(p, {frame}, s.t_ms * kMs);
    const std::vector<Bytes> expect = s.expect_insert
                                          ? std::vector<Bytes>{test::sps(), test::pps(), frame}
                                          : std::vector<Bytes>{frame};
    EXPECT_EQ(out, expect) << "t=" << s.t_ms;
  }
}

TEST(Payloader, InsertsOncePerMultiSliceKeyframeWithNalAlignedInput) {
  for (bool hint : {false, true}) {
    Payloader p = primed(-1);
    VectorSink sink;
    const Bytes s1 = test::idr(40, 1), s2 = test::slice_cont(0x65, 40, 2),
                s3 = test::slice_cont(0x65, 40, 3);
    // alignment=nal: one NAL per buffer, no start codes, marker on the last;
    // upstream may flag every buffer of the keyframe.
    EXPECT_TRUE(p.push(s1, false, 0, hint, sink));
    EXPECT_TRUE(p.push(s2, false, 0, hint, sink));
    EXPECT_TRUE(p.push(s3, true, 0, hint, sink));
    EXPECT_EQ(unit_data(unpack(sink.packets)),
              (std::vector<Bytes>{test::sps(), test::pps(), s1, s2, s3}));
    EXPECT_EQ(p.stats().param_set_insertions, 1u);
    ASSERT_EQ(sink.packets.size(), 5u);
    for (std::size_t i = 0; i < 4; ++i) EXPECT_FALSE(sink.packets[i].marker) << i;
    EXPECT_TRUE(sink.packets[4].marker);
  }
}

TEST(Payloader, InsertsOncePerMultiSliceKeyframeInOneBuffer) {
  Payloader p = primed(-1);
  const Bytes s1 = test::idr(40, 1), s2 = test::slice_cont(0x65, 40, 2);
  EXPECT_EQ(push_au(p, {test::aud(), test::sei_user(), s1, s2}, 0),
            (std::vector<Bytes>{test::aud(), test::sps(), test::pps(), test::sei_user(), s1, s2}));
  EXPECT_EQ(p.stats().param_set_insertions, 1u);
}

TEST(Payloader, RecoveryPointIsAKeyframe) {
  // x264 intra-refresh: no IDR after the first frame, recovery point SEIs instead.
  Payloader p = primed(-1);
  EXPECT_EQ(push_au(p, {test::sei_recovery(), test::slice()}, 0),
            (std::vector<Bytes>{test::sps(), test::pps(), test::sei_recovery(), test::slice()}));
  EXPECT_EQ(push_au(p, {test::slice()}, 40 * kMs), std::vector<Bytes>{test::slice()});
  EXPECT_EQ(p.stats().param_set_insertions, 1u);
}

TEST(Payloader, RecoveryPointSeiInItsOwnBuffer) {
  Payloader p = primed(-1);
  VectorSink sink;
  p.push(test::aud(), false, 0, false, sink);
  p.push(test::sei_recovery(), false, 0, false, sink);
  p.push(test::slice(), true, 0, false, sink);
  EXPECT_EQ(unit_data(unpack(sink.packets)),
            (std::vector<Bytes>{test::aud(), test::sps(), test::pps(), test::sei_recovery(),
                                test::slice()}));
}

TEST(Payloader, KeyframeHintCountsAsKeyframe) {
  Payloader p = primed(-1);
  EXPECT_EQ(push_au(p, {test::slice()}, 0, /*hint=*/true),
            (std::vector<Bytes>{test::sps(), test::pps(), test::slice()}));
  EXPECT_EQ(push_au(p, {test::slice()}, 40 * kMs, false), std::vector<Bytes>{test::slice()});
}

TEST(Payloader, InBandParameterSetsNotDuplicated) {
  Payloader p = primed(-1);
  const Bytes sps2 = test::sps(0x28);
  EXPECT_EQ(push_au(p, {test::aud(), sps2, test::pps(), test::idr()}, 0),
            (std::vector<Bytes>{test::aud(), sps2, test::pps(), test::idr()}));
  EXPECT_EQ(p.stats().param_set_insertions, 0u);
  EXPECT_TRUE(p.take_caps_changed());  // codec_data, then the new in-band SPS
  EXPECT_FALSE(p.take_caps_changed());
  EXPECT_EQ(p.profile_level_id(), "42c028");
  // The next keyframe without in-band sets gets the updated SPS.
  EXPECT_EQ(push_au(p, {test::idr()}, 40 * kMs),
            (std::vector<Bytes>{sps2, test::pps(), test::idr()}));
}

TEST(Payloader, InBandSetsCountAsSentForInterval) {
  Payloader p = primed(2);
  push_au(p, {test::sps(), test::pps(), test::idr()}, 0);
  EXPECT_EQ(push_au(p, {test::idr()}, 1000 * kMs), std::vector<Bytes>{test::idr()});
  EXPECT_EQ(push_au(p, {test::idr()}, 2000 * kMs),
            (std::vector<Bytes>{test::sps(), test::pps(), test::idr()}));
}

TEST(Payloader, LearnsInBandSetsWithoutCodecData) {
  Payloader p(config(-1));
  EXPECT_EQ(push_au(p, {test::idr()}, 0), std::vector<Bytes>{test::idr()});  // nothing known
  EXPECT_FALSE(p.take_caps_changed());
  push_au(p, {test::sps(), test::pps(), test::idr()}, 40 * kMs);
  EXPECT_TRUE(p.take_caps_changed());
  EXPECT_EQ(p.sprop_parameter_sets(), "Z0LAH9oBQBbo,aM48gA==");
  EXPECT_EQ(push_au(p, {test::idr()}, 80 * kMs),
            (std::vector<Bytes>{test::sps(), test::pps(), test::idr()}));
}

TEST(Payloader, RequestHeadersBeforeNextAccessUnit) {
  Payloader p = primed(0);
  EXPECT_EQ(push_au(p, {test::slice()}, 0), std::vector<Bytes>{test::slice()});
  p.request_headers();
  EXPECT_EQ(push_au(p, {test::aud(), test::slice()}, 40 * kMs),
            (std::vector<Bytes>{test::aud(), test::sps(), test::pps(), test::slice()}));
  EXPECT_EQ(push_au(p, {test::slice()}, 80 * kMs), std::vector<Bytes>{test::slice()});
}

TEST(Payloader, AvcInputWithCodecData) {
  Payloader p(config(-1));
  p.set_input_format(InputFormat::kAvc);
  // lengthSizeMinusOne = 1: two-byte lengths
  Bytes avcc = build_avcc({test::sps()}, {test::pps()});
  avcc[4] = 0xfd;
  ASSERT_TRUE(p.set_avc_codec_data(avcc));
  EXPECT_TRUE(p.take_caps_changed());
  const Bytes i = test::idr(50);
  const Bytes buf = test::cat({bytes({0, 2}), test::aud(), bytes({0, 50}), i});
  VectorSink sink;
  EXPECT_TRUE(p.push(buf, true, 0, false, sink));
  EXPECT_EQ(unit_data(unpack(sink.packets)),
            (std::vector<Bytes>{test::aud(), test::sps(), test::pps(), i}));
  EXPECT_TRUE(sink.packets.back().marker);
}

TEST(Payloader, MalformedAvcLengthsCountedGoodUnitsSent) {
  Payloader p(config(0));
  p.set_input_format(InputFormat::kAvc);
  const Bytes i = test::idr(20);
  const Bytes buf = test::cat({test::avc({i}), bytes({0, 0, 1, 0, 0x41, 0x9a})});
  VectorSink sink;
  EXPECT_FALSE(p.push(buf, true, 0, false, sink));
  EXPECT_EQ(p.stats().malformed_buffers, 1u);
  EXPECT_EQ(unit_data(unpack(sink.packets)), std::vector<Bytes>{i});
  EXPECT_TRUE(sink.packets.back().marker);
  EXPECT_FALSE(p.set_avc_codec_data(bytes({1, 2, 3})));
}

TEST(Payloader, EmptyBufferIsMalformed) {
  Payloader p(config(0));
  VectorSink sink;
  EXPECT_FALSE(p.push(Bytes{}, true, 0, false, sink));
  EXPECT_EQ(p.stats().malformed_buffers, 1u);
  EXPECT_TRUE(sink.packets.empty());
}

TEST(Payloader, NalAlignedWithoutMarkersUsesTimestampChange) {
  Payloader p(config(0));
  VectorSink sink;
  p.push(test::idr(), false, 0, false, sink);
  EXPECT_TRUE(sink.packets.empty());  // might still be followed by a slice of the same AU
  p.push(test::slice(), false, 40 * kMs, false, sink);
  ASSERT_EQ(sink.packets.size(), 1u);
  EXPECT_TRUE(sink.packets[0].marker);  // time changed: the IDR ended its AU
  p.flush(sink);
  ASSERT_EQ(sink.packets.size(), 2u);
  EXPECT_TRUE(sink.packets[1].marker);
  EXPECT_EQ(p.stats().packets, 2u);
  EXPECT_EQ(p.stats().nal_units, 2u);
}

TEST(Payloader, NalAlignedWithoutMarkersUsesFirstSliceAndAud) {
  Payloader p(config(0));
  VectorSink sink;
  const Bytes a = test::slice(40, 1), b = test::slice_cont(0x41, 40, 2), c = test::slice(40, 3);
  // Same (unknown) time throughout: picture starts decide.
  p.push(a, false, kNoTime, false, sink);
  p.push(b, false, kNoTime, false, sink);
  p.push(c, false, kNoTime, false, sink);            // first_mb 0 after a slice: new AU
  p.push(test::aud(), false, kNoTime, false, sink);  // AUD after a slice: new AU
  p.push(a, false, kNoTime, false, sink);
  p.flush(sink);
  const auto units = unpack(sink.packets);
  ASSERT_EQ(units.size(), 5u);
  const bool markers[] = {false, true, true, false, true};
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(units[i].marker, markers[i]) << i;
}

TEST(Payloader, NalAlignedContinuationSliceWithOtherTimeStaysInAu) {
  // h264parse alignment=nal: only the first unit of an AU has the AU's time.
  Payloader p(config(0));
  VectorSink sink;
  p.push(test::aud(), false, 0, false, sink);
  p.push(test::sei_user(), false, 10 * kMs, false, sink);  // before the picture
  p.push(test::idr(40, 1), false, 10 * kMs, false, sink);
  p.push(test::slice_cont(0x65, 40, 2), false, 20 * kMs, false, sink);
  p.push(test::slice(40, 3), false, 40 * kMs, false, sink);  // next picture
  p.flush(sink);
  const auto units = unpack(sink.packets);
  ASSERT_EQ(units.size(), 5u);
  const bool markers[] = {false, false, false, true, true};
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(units[i].marker, markers[i]) << i;
}

TEST(Payloader, AuAlignedBufferWithTwoPicturesSplits) {
  Payloader p(config(0));
  VectorSink sink;
  p.push(annexb({test::slice(40, 1), test::slice(40, 2)}), true, 0, false, sink);
  ASSERT_EQ(sink.packets.size(), 2u);
  EXPECT_TRUE(sink.packets[0].marker);
  EXPECT_TRUE(sink.packets[1].marker);
}

TEST(Payloader, KeyframeLookaheadStopsAtFirstSlice) {
  // Two pictures in one buffer: the IDR of the second must not make the first
  // a keyframe.
  Payloader p = primed(-1);
  VectorSink sink;
  p.push(annexb({test::sei_user(), test::slice(), test::idr()}), true, 0, false, sink);
  const auto units = unpack(sink.packets);
  EXPECT_EQ(unit_data(units), (std::vector<Bytes>{test::sei_user(), test::slice(), test::sps(),
                                                  test::pps(), test::idr()}));
  ASSERT_EQ(units.size(), 5u);
  EXPECT_TRUE(units[1].marker);
  EXPECT_TRUE(units[4].marker);
}

TEST(Payloader, AggregationWithInsertedHeaders) {
  Payloader p = primed(-1, AggregateMode::kZeroLatency);
  VectorSink sink;
  p.push(annexb({test::aud(), test::idr(100)}), true, 0, false, sink);
  ASSERT_EQ(sink.packets.size(), 1u);
  EXPECT_EQ(sink.packets[0].payload[0] & 0x1f, 24);
  EXPECT_TRUE(sink.packets[0].marker);
  EXPECT_EQ(unit_data(unpack(sink.packets)),
            (std::vector<Bytes>{test::aud(), test::sps(), test::pps(), test::idr(100)}));
}

TEST(Payloader, FragmentsLargeUnitsAndMarksLastFragment) {
  Payloader p(config(0, AggregateMode::kNone, 100));
  VectorSink sink;
  const Bytes big = test::idr(1000);
  p.push(annexb({big}), true, 0, false, sink);
  EXPECT_GT(sink.packets.size(), 10u);
  for (const auto &pkt : sink.packets) EXPECT_LE(pkt.payload.size(), 100u);
  EXPECT_EQ(unit_data(unpack(sink.packets)), std::vector<Bytes>{big});
  EXPECT_TRUE(sink.packets.back().marker);
}

TEST(Payloader, ResetForgetsHeldUnitAndHeaderTiming) {
  Payloader p = primed(10);
  VectorSink sink;
  push_au(p, {test::idr()}, 0);
  p.push(test::slice(), false, 40 * kMs, false, sink);
  p.reset();
  p.flush(sink);
  EXPECT_TRUE(sink.packets.empty());
  // After a flush the next keyframe gets headers again even within 10 s.
  EXPECT_EQ(push_au(p, {test::idr()}, 80 * kMs),
            (std::vector<Bytes>{test::sps(), test::pps(), test::idr()}));
}

}  // namespace
}  // namespace srtcore::rtp::h264
