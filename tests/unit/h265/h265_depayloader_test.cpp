#include <gtest/gtest.h>

#include "h265_test_util.hpp"
#include "rtp/base64.hpp"
#include "rtp/h265_depayloader.hpp"

namespace srtcore::rtp::h265 {
namespace {

using test::bytes;
using test::Bytes;
using test::cat;

struct Out {
  Bytes data;
  std::uint32_t ts;
  bool keyframe, discont, au_end;
};

struct Harness {
  explicit Harness(DepayloaderConfig cfg = {}) : d(cfg) {}
  DepayResult push(const Bytes &payload, std::uint32_t ts, bool marker, bool lost = false) {
    return d.push(payload, ts, marker, lost, [this](const DepayOutput &o) { collect(o); });
  }
  void drain() {
    d.drain([this](const DepayOutput &o) { collect(o); });
  }
  void collect(const DepayOutput &o) {
    out.push_back(
        Out{Bytes(o.data.begin(), o.data.end()), o.rtp_timestamp, o.keyframe, o.discont, o.au_end});
  }
  std::vector<Bytes> datas() const {
    std::vector<Bytes> v;
    for (const Out &o : out) v.push_back(o.data);
    return v;
  }
  Depayloader d;
  std::vector<Out> out;
};

DepayloaderConfig config(OutputFormat f, Alignment a = Alignment::kAu) {
  DepayloaderConfig c;
  c.format = f;
  c.alignment = a;
  return c;
}

Bytes be16(unsigned v) {
  return bytes({static_cast<int>((v >> 8) & 0xff), static_cast<int>(v & 0xff)});
}

Bytes ap(const std::vector<Bytes> &units) {
  Bytes out = test::header(48);
  for (const Bytes &u : units) out = cat({out, be16(static_cast<unsigned>(u.size())), u});
  return out;
}

Bytes fu(const Bytes &nal, std::size_t from, std::size_t len, bool start, bool end) {
  Bytes out = {
      static_cast<std::uint8_t>((nal[0] & 0x81) | (49 << 1)), nal[1],
      static_cast<std::uint8_t>((start ? 0x80 : 0) | (end ? 0x40 : 0) | test::type_of(nal))};
  const auto b = nal.begin() + 2 + static_cast<std::ptrdiff_t>(from);
  out.insert(out.end(), b, b + static_cast<std::ptrdiff_t>(len));
  return out;
}

Bytes single_donl(const Bytes &nal, std::uint16_t don) {
  Bytes out(nal.begin(), nal.begin() + 2);
  out = cat({out, be16(don)});
  out.insert(out.end(), nal.begin() + 2, nal.end());
  return out;
}

void add_sprops(Depayloader &d) {
  EXPECT_TRUE(d.add_sprop(base64_encode(test::vps())));
  EXPECT_TRUE(d.add_sprop(base64_encode(test::sps())));
  EXPECT_TRUE(d.add_sprop(base64_encode(test::pps())));
}

TEST(H265Depayloader, ApAndFuBecomeOneByteStreamAccessUnit) {
  Harness h;
  const Bytes idr = test::idr(300);
  h.push(ap({test::vps(), test::sps(), test::pps()}), 0, false);
  h.push(fu(idr, 0, 150, true, false), 0, false);
  EXPECT_TRUE(h.out.empty());
  h.push(fu(idr, 150, 148, false, true), 0, true);
  ASSERT_EQ(h.out.size(), 1u);
  EXPECT_EQ(h.out[0].data, test::annexb({test::vps(), test::sps(), test::pps(), idr}));
  EXPECT_TRUE(h.out[0].keyframe);
  EXPECT_TRUE(h.out[0].au_end);
  EXPECT_FALSE(h.out[0].discont);
  EXPECT_EQ(h.d.stats().access_units, 1u);
}

TEST(H265Depayloader, Hvc1KeepsParameterSetsInCodecDataOnly) {
  Harness h(config(OutputFormat::kHvc1));
  EXPECT_FALSE(h.d.has_codec_data());
  h.push(ap({test::vps(), test::sps(), test::pps()}), 0, false);
  h.push(test::idr(), 0, true);
  ASSERT_EQ(h.out.size(), 1u);
  EXPECT_EQ(h.out[0].data, test::hvc({test::idr()}));
  EXPECT_TRUE(h.d.has_codec_data());
  EXPECT_TRUE(h.d.take_codec_data_changed());
  EXPECT_FALSE(h.d.take_codec_data_changed());
  // h265parse's record, with array_completeness set: nothing comes in-band.
  Bytes want = test::h265parse_hvcc();
  want[23] |= 0x80;
  want[23 + 3 + 2 + 24] |= 0x80;
  want[23 + 3 + 2 + 24 + 3 + 2 + 49] |= 0x80;
  EXPECT_EQ(h.d.codec_data(), want);
}

TEST(H265Depayloader, Hev1KeepsParameterSetsInBandToo) {
  Harness h(config(OutputFormat::kHev1));
  h.push(ap({test::vps(), test::sps(), test::pps()}), 0, false);
  h.push(test::idr(), 0, true);
  ASSERT_EQ(h.out.size(), 1u);
  EXPECT_EQ(h.out[0].data, test::hvc({test::vps(), test::sps(), test::pps(), test::idr()}));
  EXPECT_EQ(h.d.codec_data(), test::h265parse_hvcc());
}

TEST(H265Depayloader, SpropParameterSetsGoBeforeEveryIrapThatLacksThem) {
  Harness h;
  add_sprops(h.d);
  EXPECT_TRUE(h.d.has_codec_data());
  h.push(test::idr(), 0, true);
  h.push(test::trail(), 3000, true);
  h.push(cat({test::header(35), bytes({0x10})}), 6000, false);  // AUD
  h.push(test::cra(), 6000, true);
  h.push(ap({test::vps(), test::sps(), test::pps()}), 9000, false);
  h.push(test::cra(), 9000, true);
  ASSERT_EQ(h.out.size(), 4u);
  EXPECT_EQ(h.out[0].data, test::annexb({test::vps(), test::sps(), test::pps(), test::idr()}));
  EXPECT_EQ(h.out[1].data, test::annexb({test::trail()}));
  EXPECT_FALSE(h.out[1].keyframe);
  // After the access unit delimiter.
  EXPECT_EQ(h.out[2].data, test::annexb({cat({test::header(35), bytes({0x10})}), test::vps(),
                                         test::sps(), test::pps(), test::cra()}));
  // Carried in-band already: not repeated.
  EXPECT_EQ(h.out[3].data, test::annexb({test::vps(), test::sps(), test::pps(), test::cra()}));
  EXPECT_EQ(h.d.stats().param_set_insertions, 2u);
}

TEST(H265Depayloader, InvalidSpropIsReported) {
  Harness h;
  EXPECT_FALSE(h.d.add_sprop("@@@"));
  EXPECT_FALSE(h.d.has_codec_data());
}

TEST(H265Depayloader, NalAlignmentOutputsEveryUnitAndMarksTheLast) {
  Harness h(config(OutputFormat::kByteStream, Alignment::kNal));
  h.push(ap({test::vps(), test::sps(), test::pps()}), 0, false);
  h.push(test::idr(), 0, true);
  ASSERT_EQ(h.out.size(), 4u);
  EXPECT_EQ(h.out[0].data, test::annexb({test::vps()}));
  EXPECT_EQ(h.out[3].data, test::annexb({test::idr()}));
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(h.out[i].au_end, i == 3);
    EXPECT_TRUE(h.out[i].keyframe) << i;  // parameter sets are not delta units
  }
}

TEST(H265Depayloader, NalAlignmentInsertsParameterSetsAsTheirOwnBuffers) {
  Harness h(config(OutputFormat::kHev1, Alignment::kNal));
  add_sprops(h.d);
  h.push(test::idr(), 0, true);
  ASSERT_EQ(h.out.size(), 4u);
  EXPECT_EQ(h.out[0].data, test::hvc({test::vps()}));
  EXPECT_EQ(h.out[2].data, test::hvc({test::pps()}));
  EXPECT_EQ(h.out[3].data, test::hvc({test::idr()}));
  EXPECT_TRUE(h.out[3].au_end);
}

TEST(H265Depayloader, AccessUnitEndsWithoutMarkerAtTheNextPicture) {
  Harness h;
  h.push(test::trail(40, true), 3000, false);
  h.push(test::trail(40, false), 3000, false);
  EXPECT_TRUE(h.out.empty());
  // Same timestamp (a broken sender), but first_slice_segment_in_pic_flag is set.
  h.push(test::trail(40, true, 7), 3000, false);
  ASSERT_EQ(h.out.size(), 1u);
  EXPECT_EQ(h.out[0].data, test::annexb({test::trail(40, true), test::trail(40, false)}));
  h.push(test::prefix_sei(), 3000, false);  // a prefix SEI after a slice starts the next one
  ASSERT_EQ(h.out.size(), 2u);
  EXPECT_EQ(h.out[1].data, test::annexb({test::trail(40, true, 7)}));
  h.push(test::trail(40, true), 6000, false);  // ... and the picture after it joins it
  EXPECT_EQ(h.out.size(), 2u);
  h.drain();
  ASSERT_EQ(h.out.size(), 3u);
  EXPECT_EQ(h.out[2].data, test::annexb({test::prefix_sei(), test::trail(40, true)}));
}

TEST(H265Depayloader, LaterSlicesWithOtherTimestampsStayInTheirAccessUnit) {
  // rtph265pay stamps the later NAL units of an access unit it got from
  // h265parse alignment=nal with other times; the bitstream says they belong
  // to the picture that the first slice segment began.
  Harness h;
  h.push(ap({test::vps(), test::sps(), test::pps()}), 0, false);
  h.push(test::idr(40, true), 0, false);
  h.push(test::idr(40, false), 1500, false);
  h.push(test::suffix_sei(), 2000, true);
  h.push(test::trail(40, true), 3000, false);
  h.push(test::trail(40, false), 4500, true);
  ASSERT_EQ(h.out.size(), 2u);
  EXPECT_EQ(h.out[0].data, test::annexb({test::vps(), test::sps(), test::pps(), test::idr(40, true),
                                         test::idr(40, false), test::suffix_sei()}));
  EXPECT_EQ(h.out[0].ts, 0u);
  EXPECT_EQ(h.out[1].data, test::annexb({test::trail(40, true), test::trail(40, false)}));
  EXPECT_EQ(h.out[1].ts, 3000u);
}

TEST(H265Depayloader, RepeatedParameterSetsBetweenSlicesDoNotSplitThePicture) {
  // rtph265pay with config-interval=-1 and alignment=nal input sends
  // VPS/SPS/PPS before every slice of an IRAP picture. With markers, the
  // picture stays one access unit and the repetitions are dropped.
  Harness h;
  const Bytes ps = ap({test::vps(), test::sps(), test::pps()});
  h.push(ps, 0, true);  // the sender marked this AP too
  h.push(test::idr(40, true), 0, false);
  h.push(ps, 0, false);
  h.push(test::idr(40, false), 0, true);
  ASSERT_EQ(h.out.size(), 2u);
  // (The sets in the AU before are not in this one: they are put in once, in front.)
  EXPECT_EQ(h.out[1].data, test::annexb({test::vps(), test::sps(), test::pps(), test::idr(40, true),
                                         test::idr(40, false)}));
  // Without markers they begin a new access unit (H.265 7.4.2.4.4).
  Harness n;
  n.push(test::idr(40, true), 0, false);
  n.push(ps, 3000, false);
  n.push(test::idr(40, true), 3000, false);
  n.drain();
  ASSERT_EQ(n.out.size(), 2u);
  EXPECT_EQ(n.out[1].data,
            test::annexb({test::vps(), test::sps(), test::pps(), test::idr(40, true)}));
}

TEST(H265Depayloader, AfterALossTimestampsMarkTheBoundary) {
  Harness h;
  h.push(test::trail(40, true), 0, false);
  // The marker packet and the first slice of the next picture were lost.
  h.push(test::trail(40, false, 9), 3000, true, /*lost=*/true);
  ASSERT_EQ(h.out.size(), 2u);
  EXPECT_EQ(h.out[0].data, test::annexb({test::trail(40, true)}));
  EXPECT_EQ(h.out[1].data, test::annexb({test::trail(40, false, 9)}));
  // The picture in progress when the loss was seen may have lost its end.
  EXPECT_TRUE(h.out[0].discont);
}

TEST(H265Depayloader, LostFragmentDropsTheUnitAndMarksDiscont) {
  Harness h;
  const Bytes idr = test::idr(300);
  h.push(test::trail(), 0, true);
  h.push(fu(idr, 0, 100, true, false), 3000, false);
  h.push(fu(idr, 200, 98, false, true), 3000, true, /*lost=*/true);
  h.push(test::trail(40, true, 9), 6000, true);
  ASSERT_EQ(h.out.size(), 2u);
  EXPECT_FALSE(h.out[0].discont);
  EXPECT_TRUE(h.out[1].discont);
  EXPECT_EQ(h.out[1].data, test::annexb({test::trail(40, true, 9)}));
}

TEST(H265Depayloader, WaitForKeyframeDropsUntilAnIrapPicture) {
  DepayloaderConfig cfg;
  cfg.wait_for_keyframe = true;
  Harness h(cfg);
  h.push(test::trail(), 0, true);
  EXPECT_TRUE(h.out.empty());
  EXPECT_TRUE(h.d.take_keyframe_request());
  h.push(test::cra(), 3000, true);
  h.push(test::trail(), 6000, true);
  h.push(test::trail(), 12000, true, /*lost=*/true);  // loss: wait again
  h.push(test::idr(), 15000, true);
  ASSERT_EQ(h.out.size(), 3u);
  EXPECT_TRUE(h.out[0].keyframe);
  EXPECT_EQ(h.out[2].data, test::annexb({test::idr()}));
  EXPECT_TRUE(h.out[2].discont);
  EXPECT_EQ(h.d.stats().dropped_waiting_keyframe, 2u);
}

TEST(H265Depayloader, KeyframeRequestOncePerLossUntilAKeyframe) {
  Harness h;
  h.push(test::idr(), 0, true, /*lost=*/true);  // first packet: nothing was lost
  EXPECT_FALSE(h.d.take_keyframe_request());
  h.push(test::trail(), 6000, true, true);
  EXPECT_TRUE(h.d.take_keyframe_request());
  h.push(test::trail(), 12000, true, true);
  EXPECT_FALSE(h.d.take_keyframe_request());  // already asked
  h.push(test::cra(), 15000, true);
  h.push(test::trail(), 21000, true, true);
  EXPECT_TRUE(h.d.take_keyframe_request());
}

// ------------------------------------------------------------------ DONL
DepayloaderConfig donl_config(std::uint32_t depack_buf_nalus) {
  DepayloaderConfig c;
  c.donl = true;
  c.reorder.interleaving_depth = depack_buf_nalus;
  c.reorder.max_don_diff = 100;
  return c;
}

TEST(H265Depayloader, DonlStreamIsOutputInDecodingOrder) {
  Harness h(donl_config(2));
  // Decoding order: DON 0 IDR (ts 0), 1 B (ts 3000), 2 P (ts 6000). Sent 2, 0, 1.
  const Bytes i = test::idr(), b = test::trail(40, true, 3), p = test::trail(40, true, 4);
  h.push(single_donl(p, 2), 6000, true);
  h.push(single_donl(i, 0), 0, true);
  EXPECT_TRUE(h.out.empty());
  h.push(single_donl(b, 1), 3000, true);
  h.drain();
  ASSERT_EQ(h.out.size(), 3u);
  EXPECT_EQ(h.datas(),
            (std::vector<Bytes>{test::annexb({i}), test::annexb({b}), test::annexb({p})}));
  EXPECT_EQ(h.out[0].ts, 0u);
  EXPECT_EQ(h.out[1].ts, 3000u);
  EXPECT_EQ(h.out[2].ts, 6000u);
}

TEST(H265Depayloader, DonlApFuAndPaciTogether) {
  Harness h(donl_config(8));
  const Bytes idr = test::idr(200);
  // AP: DONL 10 (VPS), DOND 0 -> 11 (SPS), DOND 0 -> 12 (PPS)
  Bytes pkt = cat({test::header(48), be16(10)});
  pkt = cat({pkt, be16(24), test::vps(), bytes({0}), be16(49), test::sps(), bytes({0}), be16(6),
             test::pps()});
  // FU with DONL 13 in its first fragment, the second inside a PACI.
  Bytes f1 = fu(idr, 0, 100, true, false);
  f1.insert(f1.begin() + 3, {0, 13});
  const Bytes f2 = fu(idr, 100, 98, false, true);
  const Bytes p2 = cat({bytes({(50 << 1), f2[1], static_cast<int>(49 << 1), 0x10}), bytes({0x77}),
                        Bytes(f2.begin() + 2, f2.end())});
  h.push(pkt, 0, false);
  h.push(f1, 0, false);
  h.push(p2, 0, true);
  h.drain();
  ASSERT_EQ(h.out.size(), 1u);
  EXPECT_EQ(h.out[0].data, test::annexb({test::vps(), test::sps(), test::pps(), idr}));
  EXPECT_EQ(h.d.stats().depacketizer.paci_unwrapped, 1u);
}

TEST(H265Depayloader, LateDonIsDroppedAndCounted) {
  Harness h(donl_config(0));  // every unit leaves at once
  h.push(single_donl(test::idr(), 5), 0, true);
  h.push(single_donl(test::trail(), 4), 3000, true);  // behind what was output
  h.drain();
  ASSERT_EQ(h.out.size(), 1u);
  EXPECT_EQ(h.d.stats().reorder.late, 1u);
  EXPECT_TRUE(h.d.take_keyframe_request());
}

TEST(H265Depayloader, ResetForgetsPartialDataButKeepsParameterSets) {
  Harness h(config(OutputFormat::kHvc1));
  h.push(ap({test::vps(), test::sps(), test::pps()}), 0, false);
  h.push(test::trail(), 0, false);
  h.d.reset();
  h.drain();
  EXPECT_TRUE(h.out.empty());
  EXPECT_TRUE(h.d.has_codec_data());
}

}  // namespace
}  // namespace srtcore::rtp::h265
