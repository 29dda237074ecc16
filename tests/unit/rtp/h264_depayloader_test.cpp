#include <gtest/gtest.h>

#include "rtp/h264_depayloader.hpp"
#include "rtp/h264_nal.hpp"
#include "rtp/h264_payloader.hpp"
#include "test_util.hpp"

namespace srtcore::rtp::h264 {
namespace {

using test::bytes;
using test::Bytes;

struct Out {
  Bytes data;
  std::uint32_t ts;
  bool keyframe, discont, au_end;
};

// Splits an output buffer into NAL units by its framing, checking that the
// framing is exact (4-byte start codes, or 4-byte lengths covering the buffer).
std::vector<Bytes> split(const Bytes &buf, OutputFormat format) {
  std::vector<Bytes> nals;
  std::size_t pos = 0;
  while (pos < buf.size()) {
    EXPECT_GE(buf.size() - pos, 5u);
    if (buf.size() - pos < 5) break;
    if (format == OutputFormat::kAvc) {
      const std::size_t len = load_be32(&buf[pos]);
      EXPECT_LE(len, buf.size() - pos - 4);
      if (len > buf.size() - pos - 4) break;
      nals.emplace_back(buf.begin() + static_cast<std::ptrdiff_t>(pos + 4),
                        buf.begin() + static_cast<std::ptrdiff_t>(pos + 4 + len));
      pos += 4 + len;
    } else {
      EXPECT_EQ(load_be32(&buf[pos]), 1u) << "start code at " << pos;
      std::size_t end = pos + 4;
      while (end + 4 <= buf.size() && load_be32(&buf[end]) != 1) ++end;
      if (end + 4 > buf.size()) end = buf.size();
      nals.emplace_back(buf.begin() + static_cast<std::ptrdiff_t>(pos + 4),
                        buf.begin() + static_cast<std::ptrdiff_t>(end));
      pos = end;
    }
  }
  return nals;
}

struct Harness {
  explicit Harness(DepayloaderConfig c) : cfg(c), d(c) {}
  DepayResult push(const Bytes &payload, std::uint32_t ts, bool marker, bool lost = false) {
    return d.push(payload, ts, marker, lost, [this](const DepayOutput &o) { record(o); });
  }
  void drain() {
    d.drain([this](const DepayOutput &o) { record(o); });
  }
  void record(const DepayOutput &o) {
    out.push_back(
        Out{Bytes(o.data.begin(), o.data.end()), o.rtp_timestamp, o.keyframe, o.discont, o.au_end});
  }
  // All NAL units output, in order.
  std::vector<Bytes> nals() const {
    std::vector<Bytes> v;
    for (const Out &o : out)
      for (Bytes &n : split(o.data, cfg.format)) v.push_back(std::move(n));
    return v;
  }
  DepayloaderConfig cfg;
  Depayloader d;
  std::vector<Out> out;
};

DepayloaderConfig make(OutputFormat f = OutputFormat::kByteStream, Alignment a = Alignment::kAu,
                       bool wait = false) {
  DepayloaderConfig c;
  c.format = f;
  c.alignment = a;
  c.wait_for_keyframe = wait;
  return c;
}

// ---- round trip through our payloader ----

struct Au {
  std::vector<Bytes> nals;
  std::uint32_t ts;
};

std::vector<Au> sample_stream() {
  return {
      {{test::aud(), test::sps(), test::pps(), test::sei_user(), test::idr(3000, 1),
        test::slice_cont(0x65, 700, 2)},
       0},
      {{test::aud(), test::slice(1, 3)}, 3000},  // one-byte slice
      {{test::aud(), test::slice(1399, 4)}, 6000},
      {{test::aud(), test::slice(1400, 5), test::slice_cont(0x41, 1401, 6)}, 9000},
      {{test::aud(), test::sei_recovery(), test::slice(200, 7)}, 12000},
  };
}

TEST(Depayloader, RoundTripReproducesNalUnitsExactly) {
  for (AggregateMode mode :
       {AggregateMode::kNone, AggregateMode::kZeroLatency, AggregateMode::kMaxStap}) {
    for (std::size_t mtu : {std::size_t{1400}, std::size_t{100}}) {
      // Packetize once.
      PayloaderConfig pc;
      pc.max_payload = mtu;
      pc.aggregate = mode;
      Payloader pay(pc);
      struct Pkt {
        test::Packet p;
        std::uint32_t ts;
      };
      std::vector<Pkt> pkts;
      for (const Au &au : sample_stream()) {
        test::VectorSink sink;
        for (std::size_t i = 0; i < au.nals.size(); ++i)
          pay.push(au.nals[i], i + 1 == au.nals.size(), au.ts * 1000, false, sink);
        for (auto &p : sink.packets) pkts.push_back(Pkt{p, au.ts});
      }
      for (OutputFormat f : {OutputFormat::kByteStream, OutputFormat::kAvc}) {
        for (Alignment a : {Alignment::kAu, Alignment::kNal}) {
          SCOPED_TRACE(::testing::Message()
                       << "mode " << static_cast<int>(mode) << " mtu " << mtu << " avc "
                       << (f == OutputFormat::kAvc) << " nal " << (a == Alignment::kNal));
          Harness h(make(f, a));
          for (const Pkt &p : pkts) h.push(p.p.payload, p.ts, p.p.marker);
          h.drain();
          const bool bs = f == OutputFormat::kByteStream;
          std::vector<Bytes> expected;
          std::size_t aus = 0;
          for (const Au &au : sample_stream()) {
            ++aus;
            for (const Bytes &n : au.nals) {
              if (bs || !(n[0] == 0x67 || n[0] == 0x68)) expected.push_back(n);
              // The recovery-point AU lacks SPS/PPS: byte-stream gets them after the AUD.
              if (bs && aus == 5 && n == test::aud()) {
                expected.push_back(test::sps());
                expected.push_back(test::pps());
              }
            }
          }
          EXPECT_TRUE(test::SameUnits(h.nals(), expected));
          EXPECT_EQ(h.d.stats().access_units, aus);
          EXPECT_EQ(h.d.stats().param_set_insertions, bs ? 1u : 0u);
          EXPECT_EQ(h.d.stats().depacketizer.malformed(), 0u);
          // AU boundaries and flags
          std::size_t au_ends = 0;
          for (const Out &o : h.out) {
            au_ends += o.au_end;
            EXPECT_FALSE(o.discont);
          }
          EXPECT_EQ(au_ends, aus);
          if (a == Alignment::kAu) {
            ASSERT_EQ(h.out.size(), aus);
            const bool key[] = {true, false, false, false, true};
            for (std::size_t i = 0; i < aus; ++i) {
              EXPECT_EQ(h.out[i].keyframe, key[i]) << i;
              EXPECT_EQ(h.out[i].ts, sample_stream()[i].ts) << i;
            }
          }
          if (f == OutputFormat::kAvc) {
            EXPECT_TRUE(h.d.take_codec_data_changed());
            EXPECT_EQ(h.d.codec_data(), build_avcc({test::sps()}, {test::pps()}));
          }
        }
      }
    }
  }
}

// ---- parameter sets ----

TEST(Depayloader, SpropInsertedBeforeKeyframeAfterAud) {
  Harness h(make());
  EXPECT_TRUE(h.d.set_sprop_parameter_sets("Z0LAH9oBQBbo,aM48gA=="));
  h.push(test::aud(), 0, false);
  h.push(test::idr(), 0, true);
  h.push(test::slice(), 3000, true);
  ASSERT_EQ(h.out.size(), 2u);
  EXPECT_TRUE(
      test::SameUnits(split(h.out[0].data, OutputFormat::kByteStream),
                      (std::vector<Bytes>{test::aud(), test::sps(), test::pps(), test::idr()})));
  EXPECT_TRUE(h.out[0].keyframe);
  EXPECT_TRUE(test::SameUnits(split(h.out[1].data, OutputFormat::kByteStream),
                              std::vector<Bytes>{test::slice()}));
  EXPECT_FALSE(h.out[1].keyframe);
  EXPECT_EQ(h.d.stats().param_set_insertions, 1u);
}

TEST(Depayloader, InsertionAtStartWithoutAudAndForRecoveryPoint) {
  Harness h(make());
  h.d.set_sprop_parameter_sets("Z0LAH9oBQBbo,aM48gA==");
  h.push(test::sei_user(), 0, false);
  h.push(test::sei_recovery(), 0, false);
  h.push(test::slice(), 0, true);
  ASSERT_EQ(h.out.size(), 1u);
  EXPECT_TRUE(
      test::SameUnits(h.nals(), (std::vector<Bytes>{test::sps(), test::pps(), test::sei_user(),
                                                    test::sei_recovery(), test::slice()})));
  EXPECT_TRUE(h.out[0].keyframe);
}

TEST(Depayloader, NoInsertionWhenAuCarriesBoth) {
  Harness h(make());
  h.d.set_sprop_parameter_sets("Z0LAH9oBQBbo,aM48gA==");
  const Bytes sps2 = test::sps(0x28);
  h.push(sps2, 0, false);
  h.push(test::pps(), 0, false);
  h.push(test::idr(), 0, true);
  EXPECT_TRUE(test::SameUnits(h.nals(), (std::vector<Bytes>{sps2, test::pps(), test::idr()})));
  EXPECT_EQ(h.d.stats().param_set_insertions, 0u);
  // The in-band SPS replaced the sprop one for later keyframes.
  h.push(test::idr(), 3000, true);
  EXPECT_TRUE(test::SameUnits(split(h.out[1].data, OutputFormat::kByteStream),
                              (std::vector<Bytes>{sps2, test::pps(), test::idr()})));
}

TEST(Depayloader, NalAlignmentInsertsSeparateOutputsAndMarksKeyframeOn) {
  Harness h(make(OutputFormat::kByteStream, Alignment::kNal));
  h.d.set_sprop_parameter_sets("Z0LAH9oBQBbo,aM48gA==");
  h.push(test::aud(), 0, false);
  h.push(test::idr(), 0, false);
  h.push(test::slice_cont(0x65), 0, true);
  ASSERT_EQ(h.out.size(), 5u);
  const std::vector<Bytes> expect = {test::aud(), test::sps(), test::pps(), test::idr(),
                                     test::slice_cont(0x65)};
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_TRUE(test::SameUnits(split(h.out[i].data, OutputFormat::kByteStream),
                                std::vector<Bytes>{expect[i]}))
        << i;
    EXPECT_EQ(h.out[i].keyframe, i >= 1) << i;
    EXPECT_EQ(h.out[i].au_end, i == 4) << i;
  }
}

TEST(Depayloader, AvcOutputKeepsParameterSetsInCodecData) {
  Harness h(make(OutputFormat::kAvc));
  EXPECT_FALSE(h.d.has_codec_data());
  h.push(bytes({0x18, 0, 9, 0x67, 0x42, 0xc0, 0x1f, 0xda, 0x01, 0x40, 0x16, 0xe8, 0, 4, 0x68, 0xce,
                0x3c, 0x80}),
         0, false);
  h.push(test::idr(), 0, true);
  EXPECT_TRUE(h.d.has_codec_data());
  EXPECT_TRUE(h.d.take_codec_data_changed());
  EXPECT_FALSE(h.d.take_codec_data_changed());
  EXPECT_EQ(h.d.codec_data(), build_avcc({test::sps()}, {test::pps()}));
  ASSERT_EQ(h.out.size(), 1u);
  EXPECT_EQ(h.out[0].data, test::avc({test::idr()}));
  EXPECT_EQ(h.d.stats().param_set_insertions, 0u);
  // Same sets again: no change.
  h.push(test::sps(), 3000, false);
  EXPECT_FALSE(h.d.take_codec_data_changed());
}

TEST(Depayloader, SpropChangesCodecData) {
  Harness h(make(OutputFormat::kAvc));
  EXPECT_FALSE(h.d.set_sprop_parameter_sets("Z0LAH9oBQBbo,%%"));
  EXPECT_TRUE(h.d.take_codec_data_changed());
  EXPECT_TRUE(h.d.set_sprop_parameter_sets("Z0LAH9oBQBbo"));
  EXPECT_FALSE(h.d.take_codec_data_changed());
}

// ---- access units ----

TEST(Depayloader, AuEndsAtTimestampChangeWithoutMarker) {
  Harness h(make());
  h.push(test::idr(), 0, false);
  EXPECT_TRUE(h.out.empty());
  h.push(test::slice(), 3000, false);
  ASSERT_EQ(h.out.size(), 1u);
  EXPECT_EQ(h.out[0].ts, 0u);
  EXPECT_TRUE(h.out[0].au_end);
  h.drain();
  ASSERT_EQ(h.out.size(), 2u);
  EXPECT_EQ(h.out[1].ts, 3000u);
}

TEST(Depayloader, ContinuationSliceWithOtherTimestampStaysInAu) {
  // rtph264pay 1.22 fed alignment=nal stamps later slices with other times.
  Harness h(make());
  const Bytes s1 = test::idr(40, 1), s2 = test::slice_cont(0x65, 40, 2);
  h.push(test::aud(), 0, false);
  h.push(test::sei_user(), 1500, false);  // before the picture: stays too
  h.push(s1, 1500, false);
  h.push(s2, 3000, true);
  ASSERT_EQ(h.out.size(), 1u);
  EXPECT_EQ(h.out[0].ts, 0u);
  EXPECT_TRUE(
      test::SameUnits(h.nals(), (std::vector<Bytes>{test::aud(), test::sei_user(), s1, s2})));
}

TEST(Depayloader, TimestampChangeAfterLossSplitsEvenContinuationSlice) {
  Harness h(make());
  h.push(test::idr(40, 1), 0, false);
  h.push(test::slice_cont(0x41, 40, 2), 3000, true, /*lost=*/true);
  ASSERT_EQ(h.out.size(), 2u);
  EXPECT_EQ(h.out[0].ts, 0u);
  EXPECT_EQ(h.out[1].ts, 3000u);
}

TEST(Depayloader, ParameterSetsBetweenSlicesStayInAu) {
  // rtph264pay with config-interval sends SPS/PPS before every IDR slice.
  Harness h(make());
  const Bytes s1 = test::idr(40, 1), s2 = test::slice_cont(0x65, 40, 2);
  const Bytes sets = test::cat({bytes({0x78, 0, 9}), test::sps(), bytes({0, 4}), test::pps()});
  h.push(test::cat({sets, bytes({0, 40}), s1}), 0, false);
  h.push(test::cat({sets, bytes({0, 40}), s2}), 0, true);
  ASSERT_EQ(h.out.size(), 1u);
  EXPECT_TRUE(
      test::SameUnits(h.nals(), {test::sps(), test::pps(), s1, test::sps(), test::pps(), s2}));
  EXPECT_TRUE(h.out[0].keyframe);
}

TEST(Depayloader, PictureStartsEndAuWithoutMarker) {
  // Same timestamp, no marker: a first slice or an AUD after a slice begins
  // the next access unit.
  Harness h(make());
  const Bytes a = test::slice(40, 1), b = test::slice_cont(0x41, 40, 2), c = test::slice(40, 3);
  h.push(a, 0, false);
  h.push(b, 0, false);
  h.push(c, 0, false);
  h.push(test::aud(), 0, false);
  h.push(a, 0, false);
  h.drain();
  ASSERT_EQ(h.out.size(), 3u);
  EXPECT_TRUE(test::SameUnits(split(h.out[0].data, OutputFormat::kByteStream), {a, b}));
  EXPECT_TRUE(test::SameUnits(split(h.out[1].data, OutputFormat::kByteStream), {c}));
  EXPECT_TRUE(test::SameUnits(split(h.out[2].data, OutputFormat::kByteStream), {test::aud(), a}));
}

TEST(Depayloader, MarkerOnDroppedPacketStillEndsAu) {
  Harness h(make());
  h.push(test::slice(), 0, false);
  h.push(bytes({0x7c, 0xc5, 1}), 0, true);  // malformed, but it carries the marker
  ASSERT_EQ(h.out.size(), 1u);
  EXPECT_EQ(h.out[0].data, test::annexb({test::slice()}));
}

TEST(Depayloader, OversizedAccessUnitDiscarded) {
  Harness h(make());
  const Bytes big = test::nal(0x41, 4u << 20);
  for (int i = 0; i < 16; ++i) h.push(big, 0, false);  // 16 x (4 MiB + 4) > 64 MiB
  EXPECT_EQ(h.d.stats().dropped_au_too_large, 1u);
  h.push(test::slice_cont(), 0, true);
  ASSERT_EQ(h.out.size(), 1u);
  EXPECT_TRUE(h.out[0].discont);
  EXPECT_LE(h.out[0].data.size(), Depayloader::kMaxAuSize);
}

// ---- loss, discont, keyframe requests ----

TEST(Depayloader, DiscontOnFirstOutputAfterLossOrDrop) {
  Harness h(make());
  h.push(test::idr(), 0, true, /*lost=*/true);  // first packet DISCONT: nothing lost
  h.push(test::slice(), 3000, true);
  h.push(test::slice(), 6000, true, /*lost=*/true);
  h.push(test::slice(), 9000, true);
  h.push(bytes({0x18, 0, 9}), 12000, false);  // malformed STAP-A
  h.push(test::slice(), 12000, true);
  ASSERT_EQ(h.out.size(), 5u);
  const bool discont[] = {false, false, true, false, true};
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(h.out[i].discont, discont[i]) << i;
}

TEST(Depayloader, FuWithHoleNeverOutput) {
  Harness h(make());
  h.push(bytes({0x7c, 0x85, 1, 2}), 0, false);
  h.push(bytes({0x7c, 0x45, 5, 6}), 0, true, /*lost=*/true);
  EXPECT_TRUE(h.out.empty());
  EXPECT_EQ(h.d.stats().depacketizer.dropped_fu_incomplete, 1u);
  h.push(test::slice(), 3000, true);
  ASSERT_EQ(h.out.size(), 1u);
  EXPECT_TRUE(h.out[0].discont);
  EXPECT_EQ(h.out[0].data, test::annexb({test::slice()}));
}

TEST(Depayloader, KeyframeRequestOncePerLoss) {
  Harness h(make());
  h.push(test::idr(), 0, true, true);
  EXPECT_FALSE(h.d.take_keyframe_request());  // start-of-stream DISCONT is no loss
  h.push(test::slice(), 3000, true, true);
  EXPECT_TRUE(h.d.take_keyframe_request());
  EXPECT_FALSE(h.d.take_keyframe_request());
  h.push(test::slice(), 6000, true, true);  // more loss before any keyframe
  h.push(bytes({0x00}), 9000, true);        // and a dropped packet
  EXPECT_FALSE(h.d.take_keyframe_request());
  h.push(test::idr(), 12000, true);  // keyframe output
  EXPECT_FALSE(h.d.take_keyframe_request());
  h.push(test::slice(), 15000, true, true);
  EXPECT_TRUE(h.d.take_keyframe_request());
}

TEST(Depayloader, KeyframeRequestOnMalformedDrop) {
  Harness h(make());
  h.push(test::idr(), 0, true);
  h.push(bytes({0x7c, 0x05, 1}), 3000, false);  // FU without start: data lost
  EXPECT_TRUE(h.d.take_keyframe_request());
}

TEST(Depayloader, WaitForKeyframeAtStartAndAfterLoss) {
  Harness h(make(OutputFormat::kByteStream, Alignment::kAu, /*wait=*/true));
  h.d.set_sprop_parameter_sets("Z0LAH9oBQBbo,aM48gA==");
  h.push(test::slice(), 0, true);  // joined mid-GOP
  EXPECT_TRUE(h.out.empty());
  EXPECT_EQ(h.d.stats().dropped_waiting_keyframe, 1u);
  EXPECT_TRUE(h.d.take_keyframe_request());
  h.push(test::aud(), 3000, false);
  h.push(test::idr(), 3000, true);
  ASSERT_EQ(h.out.size(), 1u);
  EXPECT_TRUE(h.out[0].keyframe);
  EXPECT_TRUE(h.out[0].discont);  // units were dropped before it
  // AUD dropped while waiting; SPS/PPS inserted so the keyframe decodes.
  EXPECT_TRUE(
      test::SameUnits(h.nals(), (std::vector<Bytes>{test::sps(), test::pps(), test::idr()})));
  h.push(test::slice(), 6000, true);
  EXPECT_EQ(h.out.size(), 2u);
  // Loss in the middle of an AU: that AU and the following non-keyframes go.
  h.push(test::slice(40, 8), 9000, false);
  h.push(test::slice_cont(), 9000, true, /*lost=*/true);
  h.push(test::slice(), 12000, true);
  EXPECT_EQ(h.out.size(), 2u);
  EXPECT_EQ(h.d.stats().dropped_waiting_keyframe, 5u);
  EXPECT_TRUE(h.d.take_keyframe_request());
  h.push(test::sei_recovery(), 15000, false);
  h.push(test::slice(), 15000, true);
  ASSERT_EQ(h.out.size(), 3u);
  EXPECT_TRUE(h.out[2].keyframe);
  EXPECT_TRUE(h.out[2].discont);
}

TEST(Depayloader, ResetForgetsPendingAu) {
  Harness h(make());
  h.push(test::idr(), 0, false);
  h.d.reset();
  h.drain();
  EXPECT_TRUE(h.out.empty());
  h.push(test::slice(), 3000, true, true);  // first packet after reset: no loss
  EXPECT_FALSE(h.d.take_keyframe_request());
  ASSERT_EQ(h.out.size(), 1u);
  EXPECT_FALSE(h.out[0].discont);
}

// ---- interleaved mode ----

TEST(Depayloader, InterleavedStreamOutputInDecodingOrder) {
  DepayloaderConfig c = make();
  c.mode = PacketizationMode::kInterleaved;
  // i0 is sent after three VCL units that follow it in decoding order.
  c.deinterleave.interleaving_depth = 3;
  Harness h(c);
  const Bytes i0 = test::idr(30, 1), i0b = test::slice_cont(0x65, 30, 2);
  const Bytes p1 = test::slice(20, 3), p2 = test::slice(500, 4), p3 = test::slice(25, 5);
  // Decoding order (DON): sps 10, pps 11, i0 12, i0b 13, p1 14, p2 15, p3 16.
  // AU timestamps: i0 0, p1 3000, p2 6000, p3 9000.
  // Packet 1: STAP-B with SPS, PPS (DON 10, 11)
  h.push(test::cat({bytes({0x19, 0, 10, 0, 9}), test::sps(), bytes({0, 4}), test::pps()}), 0,
         false);
  // Packet 2: MTAP16, DONB 13: p1 (DON 14, ts +3000) before i0b (DON 13)
  h.push(test::cat({bytes({0x1a, 0, 13, 0, 23, 1, 0x0b, 0xb8}), p1, bytes({0, 33, 0, 0, 0}), i0b}),
         0, false);
  // Packet 3: FU-B/FU-A carrying p2 (DON 15, ts 6000)
  h.push(test::cat({bytes({0x5d, 0x81, 0, 15}), Bytes(p2.begin() + 1, p2.begin() + 200)}), 6000,
         false);
  h.push(test::cat({bytes({0x5c, 0x41}), Bytes(p2.begin() + 200, p2.end())}), 6000, false);
  // Packet 4: MTAP24, DONB 12: i0 (DON 12, ts 0) and p3 (DON 16, ts 9000)
  h.push(test::cat(
             {bytes({0x1b, 0, 12, 0, 34, 0, 0, 0, 0}), i0, bytes({0, 29, 4, 0, 0x23, 0x28}), p3}),
         0, true);
  h.drain();
  EXPECT_EQ(h.d.stats().depacketizer.malformed(), 0u);
  EXPECT_EQ(h.d.stats().reorder.late, 0u);
  ASSERT_EQ(h.out.size(), 4u);
  EXPECT_TRUE(test::SameUnits(split(h.out[0].data, OutputFormat::kByteStream),
                              (std::vector<Bytes>{test::sps(), test::pps(), i0, i0b})));
  EXPECT_TRUE(h.out[0].keyframe);
  EXPECT_EQ(h.out[0].ts, 0u);
  EXPECT_TRUE(
      test::SameUnits(split(h.out[1].data, OutputFormat::kByteStream), std::vector<Bytes>{p1}));
  EXPECT_EQ(h.out[1].ts, 3000u);
  EXPECT_TRUE(
      test::SameUnits(split(h.out[2].data, OutputFormat::kByteStream), std::vector<Bytes>{p2}));
  EXPECT_EQ(h.out[2].ts, 6000u);
  EXPECT_TRUE(
      test::SameUnits(split(h.out[3].data, OutputFormat::kByteStream), std::vector<Bytes>{p3}));
  EXPECT_EQ(h.out[3].ts, 9000u);
  for (const Out &o : h.out) EXPECT_FALSE(o.discont);
}

TEST(Depayloader, InterleavedDepthCountsVclUnitsOnly) {
  // RFC 6184 7.2.2: sprop-interleaving-depth counts VCL units. With depth 1 a
  // non-VCL unit must not push slice B out before slice A (DON 2) arrives.
  DepayloaderConfig c = make(OutputFormat::kByteStream, Alignment::kNal);
  c.mode = PacketizationMode::kInterleaved;
  c.deinterleave.interleaving_depth = 1;
  Harness h(c);
  const Bytes a = test::slice(20, 1), b = test::slice(20, 2);
  h.push(test::cat({bytes({0x19, 0, 3, 0, 20}), b}), 3000, false);
  const Bytes sei = test::sei_user();
  h.push(test::cat({bytes({0x19, 0, 4, 0, static_cast<int>(sei.size())}), sei}), 6000, false);
  h.push(test::cat({bytes({0x19, 0, 2, 0, 20}), a}), 0, false);
  h.drain();
  EXPECT_EQ(h.d.stats().reorder.late, 0u);
  EXPECT_TRUE(test::SameUnits(h.nals(), (std::vector<Bytes>{a, b, test::sei_user()})));
}

TEST(Depayloader, InterleavedRejectsSingleNalAndStapA) {
  DepayloaderConfig c = make();
  c.mode = PacketizationMode::kInterleaved;
  Harness h(c);
  EXPECT_EQ(h.push(test::idr(), 0, true), DepayResult::kDropped);
  EXPECT_EQ(h.push(bytes({0x18, 0, 1, 0x09}), 0, true), DepayResult::kDropped);
  h.drain();
  EXPECT_TRUE(h.out.empty());
  EXPECT_EQ(h.d.stats().depacketizer.dropped_wrong_mode, 2u);
}

TEST(Depayloader, InterleavedDonWrapAcrossPackets) {
  DepayloaderConfig c = make(OutputFormat::kByteStream, Alignment::kNal);
  c.mode = PacketizationMode::kInterleaved;
  c.deinterleave.interleaving_depth = 8;
  Harness h(c);
  const Bytes a = test::slice(20, 1), b = test::slice(20, 2), d = test::slice(20, 3);
  // DON 65535, 0, 1 sent as 1, 65535, 0 in STAP-B packets of one unit each.
  h.push(test::cat({bytes({0x19, 0, 1, 0, 20}), d}), 6000, false);
  h.push(test::cat({bytes({0x19, 0xff, 0xff, 0, 20}), a}), 0, false);
  h.push(test::cat({bytes({0x19, 0, 0, 0, 20}), b}), 3000, false);
  h.drain();
  ASSERT_EQ(h.out.size(), 3u);
  EXPECT_TRUE(test::SameUnits(h.nals(), (std::vector<Bytes>{a, b, d})));
  for (const Out &o : h.out) EXPECT_TRUE(o.au_end);
}

}  // namespace
}  // namespace srtcore::rtp::h264
