// RED (RFC 2198) against gst-plugins-good: rtpredenc2 makes the same RED
// packets and caps as rtpredenc on the same input (every distance, with and
// without allow-no-red-blocks, payloads too long or too old for a block);
// rtpreddec2 unwraps and rebuilds exactly what rtpreddec does from a
// lossy stream of rtpredenc's; ours to ours rebuilds every packet whose
// redundant copy arrived, byte for byte; malformed RED packets are dropped
// and counted.
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <vector>
#include "build_tree_plugin.hpp"

namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr guint32 kSsrc = 0x5eed1234;
constexpr const char *kCaps =
    "application/x-rtp,media=audio,clock-rate=8000,encoding-name=G722,payload=9";

struct Packet {
  Bytes bytes;
  bool redundant = false;  // GST_RTP_BUFFER_FLAG_REDUNDANT
  bool operator==(const Packet &) const = default;
};

// A G.722-like stream: 160 RTP ticks a packet from just below the sequence
// wrap, payload bytes naming the packet. `odd` packets get odd sizes,
// CSRCs, a marker or a jump in time, so that RED meets every case.
Bytes media_packet(std::uint16_t seq, std::uint32_t ts, std::size_t size, guint8 csrcs = 0,
                   bool marker = false, guint8 pt = 9) {
  GstBuffer *b = gst_rtp_buffer_new_allocate(static_cast<guint>(size), 0, csrcs);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  gst_rtp_buffer_map(b, GST_MAP_WRITE, &rtp);
  gst_rtp_buffer_set_seq(&rtp, seq);
  gst_rtp_buffer_set_timestamp(&rtp, ts);
  gst_rtp_buffer_set_ssrc(&rtp, kSsrc);
  gst_rtp_buffer_set_payload_type(&rtp, pt);
  gst_rtp_buffer_set_marker(&rtp, marker);
  for (guint8 i = 0; i < csrcs; ++i) gst_rtp_buffer_set_csrc(&rtp, i, 0xc0c0c000u + i);
  auto *payload = static_cast<guint8 *>(gst_rtp_buffer_get_payload(&rtp));
  for (std::size_t i = 0; i < size; ++i) payload[i] = static_cast<guint8>(seq * 7 + i);
  gst_rtp_buffer_unmap(&rtp);
  GstMapInfo map;
  gst_buffer_map(b, &map, GST_MAP_READ);
  Bytes out(map.data, map.data + map.size);
  gst_buffer_unmap(b, &map);
  gst_buffer_unref(b);
  return out;
}

std::vector<Bytes> media_stream(std::size_t n) {
  std::vector<Bytes> out;
  std::uint32_t ts = 4000000000u;
  for (std::size_t k = 0; k < n; ++k) {
    const auto seq = static_cast<std::uint16_t>(65530 + k);
    std::size_t size = 160;
    guint8 csrcs = 0;
    if (k % 7 == 3) size = 80 + k % 50;  // odd sizes
    if (k == 12) size = 1100;            // too long for a redundant block
    if (k % 11 == 5) csrcs = 2;
    if (k == 25) ts += 20000;  // too far back for the next packets' blocks
    out.push_back(media_packet(seq, ts, size, csrcs, k % 9 == 0));
    ts += 160;
  }
  return out;
}

GstBuffer *to_buffer(const Bytes &b, std::size_t k) {
  GstBuffer *buf = gst_buffer_new_memdup(b.data(), b.size());
  GST_BUFFER_PTS(buf) = k * 20 * GST_MSECOND;
  return buf;
}

struct Outputs {
  std::vector<Packet> out;
  std::string caps;  // the last caps sent downstream
};

Outputs run(const char *element, const std::string &props, const std::vector<Bytes> &in) {
  GstHarness *h = gst_harness_new_parse((std::string(element) + " " + props).c_str());
  gst_harness_set_src_caps_str(h, kCaps);
  Outputs r;
  for (std::size_t k = 0; k < in.size(); ++k) {
    EXPECT_EQ(gst_harness_push(h, to_buffer(in[k], k)), GST_FLOW_OK);
    while (GstBuffer *b = gst_harness_try_pull(h)) {
      GstMapInfo map;
      gst_buffer_map(b, &map, GST_MAP_READ);
      r.out.push_back({Bytes(map.data, map.data + map.size),
                       GST_BUFFER_FLAG_IS_SET(b, GST_RTP_BUFFER_FLAG_REDUNDANT) != 0});
      gst_buffer_unmap(b, &map);
      gst_buffer_unref(b);
    }
    // Every caps event so far; the test compares the whole history.
    while (GstEvent *e = gst_harness_try_pull_event(h)) {
      if (GST_EVENT_TYPE(e) == GST_EVENT_CAPS) {
        GstCaps *caps = nullptr;
        gst_event_parse_caps(e, &caps);
        gchar *s = gst_caps_to_string(caps);
        r.caps += std::string(s) + "\n";
        g_free(s);
      }
      gst_event_unref(e);
    }
  }
  gst_harness_teardown(h);
  return r;
}

// The same through buffer lists of `n` packets (output pulled as buffers).
std::vector<Bytes> run_lists(const char *element, const std::string &props,
                             const std::vector<Bytes> &in, std::size_t n) {
  GstHarness *h = gst_harness_new_parse((std::string(element) + " " + props).c_str());
  gst_harness_set_src_caps_str(h, kCaps);
  for (std::size_t k = 0; k < in.size(); k += n) {
    GstBufferList *list = gst_buffer_list_new();
    for (std::size_t i = k; i < std::min(in.size(), k + n); ++i)
      gst_buffer_list_add(list, to_buffer(in[i], i));
    EXPECT_EQ(gst_pad_push_list(h->srcpad, list), GST_FLOW_OK);
  }
  std::vector<Bytes> out;
  while (GstBuffer *b = gst_harness_try_pull(h)) {
    GstMapInfo map;
    gst_buffer_map(b, &map, GST_MAP_READ);
    out.emplace_back(map.data, map.data + map.size);
    gst_buffer_unmap(b, &map);
    gst_buffer_unref(b);
  }
  gst_harness_teardown(h);
  return out;
}

guint uint_property(const char *element, const std::string &props, const std::vector<Bytes> &in,
                    const char *name) {
  GstHarness *h = gst_harness_new_parse((std::string(element) + " " + props).c_str());
  gst_harness_set_src_caps_str(h, kCaps);
  for (std::size_t k = 0; k < in.size(); ++k) gst_harness_push(h, to_buffer(in[k], k));
  guint v = 0;
  GstElement *e = gst_harness_find_element(h, element);  // inside the harness's bin
  EXPECT_NE(e, nullptr);
  EXPECT_NE(g_object_class_find_property(G_OBJECT_GET_CLASS(e), name), nullptr) << name;
  g_object_get(e, name, &v, nullptr);
  gst_object_unref(e);
  gst_harness_teardown(h);
  return v;
}

TEST(RedEncoder, SamePacketsAndCapsAsRtpredenc) {
  const auto in = media_stream(60);
  for (const char *distance : {"0", "1", "2", "3"}) {
    for (const char *allow : {"true", "false"}) {
      const std::string props =
          std::string("pt=100 distance=") + distance + " allow-no-red-blocks=" + allow;
      SCOPED_TRACE(props);
      const Outputs ours = run("rtpredenc2", props, in);
      const Outputs theirs = run("rtpredenc", props, in);
      ASSERT_EQ(ours.out.size(), theirs.out.size());
      for (std::size_t i = 0; i < ours.out.size(); ++i)
        EXPECT_EQ(ours.out[i].bytes, theirs.out[i].bytes) << "packet " << i;
      EXPECT_EQ(ours.caps, theirs.caps);
      const guint sent = uint_property("rtpredenc2", props, in, "sent");
      EXPECT_EQ(sent, uint_property("rtpredenc", props, in, "sent"));
      if (std::string(allow) == "true") {
        EXPECT_EQ(sent, in.size());
      }
    }
  }
}

bool same_packet_but_marker_and_csrcs(const Bytes &a, const Bytes &b) {
  const auto field = [](const Bytes &p, std::uint16_t *seq, std::uint32_t *ts, guint8 *pt) {
    *seq = static_cast<std::uint16_t>(p[2] << 8 | p[3]);
    *ts = GST_READ_UINT32_BE(p.data() + 4);
    *pt = p[1] & 0x7f;
    return Bytes(p.begin() + 12 + 4 * (p[0] & 0x0f), p.end());
  };
  std::uint16_t sa, sb;
  std::uint32_t ta, tb;
  guint8 pa, pb;
  const Bytes la = field(a, &sa, &ta, &pa), lb = field(b, &sb, &tb, &pb);
  return sa == sb && ta == tb && pa == pb && la == lb;
}

// Their encoder's RED stream with `lost` RED packets taken out.
std::vector<Bytes> red_stream(const std::vector<Bytes> &media, const std::string &enc_props,
                              const std::set<std::size_t> &lost) {
  const Outputs enc = run("rtpredenc", enc_props, media);
  std::vector<Bytes> out;
  for (std::size_t i = 0; i < enc.out.size(); ++i)
    if (!lost.count(i)) out.push_back(enc.out[i].bytes);
  return out;
}

TEST(RedDecoder, SameOutputAsRtpreddecFromALossyStream) {
  const auto media = media_stream(60);
  const std::set<std::size_t> lost = {4, 8, 9, 15, 16, 17, 30, 40, 41, 55};
  for (const char *distance : {"1", "2"}) {
    SCOPED_TRACE(std::string("distance ") + distance);
    const auto red = red_stream(media, std::string("pt=100 distance=") + distance, lost);
    const Outputs ours = run("rtpreddec2", "pt=100", red);
    const Outputs theirs = run("rtpreddec", "pt=100", red);
    ASSERT_EQ(ours.out.size(), theirs.out.size());
    for (std::size_t i = 0; i < ours.out.size(); ++i) {
      EXPECT_EQ(ours.out[i].bytes, theirs.out[i].bytes) << "packet " << i;
      EXPECT_EQ(ours.out[i].redundant, theirs.out[i].redundant) << "packet " << i;
    }
    // Some packets were rebuilt, and each is a lost original: its sequence
    // number, timestamp, payload type and payload (RED does not carry the
    // marker and CSRCs of a redundant block; both decoders leave them out).
    std::size_t rebuilt = 0;
    for (const Packet &p : ours.out) {
      if (!p.redundant) continue;
      ++rebuilt;
      const auto hit = std::find_if(media.begin(), media.end(), [&](const Bytes &m) {
        return same_packet_but_marker_and_csrcs(m, p.bytes);
      });
      EXPECT_NE(hit, media.end()) << "a rebuilt packet that was never sent";
    }
    EXPECT_GT(rebuilt, 3u);
  }
}

TEST(RedDecoder, OursToOursRebuildsEveryPacketWhoseCopyArrived) {
  // Media without markers, CSRC or long payloads: a rebuilt packet then
  // equals the original byte for byte.
  std::vector<Bytes> media;
  for (std::size_t k = 0; k < 200; ++k)
    media.push_back(media_packet(static_cast<std::uint16_t>(k), 160u * k, 160));
  // Isolated losses, so the packets around each are there to place it.
  std::set<std::size_t> lost;
  for (std::size_t k = 5; k < 195; k += 7 + k % 5) lost.insert(k);
  for (int d : {1, 2, 3}) {
    SCOPED_TRACE("distance " + std::to_string(d));
    const Outputs enc = run("rtpredenc2", "pt=100 distance=" + std::to_string(d), media);
    ASSERT_EQ(enc.out.size(), media.size());
    std::vector<Bytes> red;
    for (std::size_t i = 0; i < enc.out.size(); ++i)
      if (!lost.count(i)) red.push_back(enc.out[i].bytes);
    const Outputs dec = run("rtpreddec2", "pt=100", red);
    // Expected: every packet that arrived, and every lost k whose copy rode
    // in packet k + d, which arrived.
    std::set<Bytes> expected;
    for (std::size_t k = 0; k < media.size(); ++k) {
      if (!lost.count(k) || (k + d < media.size() && !lost.count(k + d))) expected.insert(media[k]);
    }
    std::set<Bytes> got;
    for (const Packet &p : dec.out) got.insert(p.bytes);
    EXPECT_EQ(got.size(), dec.out.size()) << "a packet came out twice";
    EXPECT_EQ(got, expected);
  }
}

// Adaptive mode (ours only): no redundancy until loss is reported, then
// the configured distance; rtpreddec (the C decoder) rebuilds exactly the
// lost packets whose copy rode in a later packet that arrived.
TEST(RedEncoderAdaptive, TheCDecoderRebuildsOnlyOnceLossIsReported) {
  std::vector<Bytes> media;
  for (std::size_t k = 0; k < 100; ++k)
    media.push_back(media_packet(static_cast<std::uint16_t>(k), 160u * k, 160));
  const std::set<std::size_t> lost = {10, 20, 21, 30, 50, 60, 70, 71, 85};
  GstHarness *enc = gst_harness_new_parse("rtpredenc2 pt=100 distance=1 adaptive=true");
  gst_harness_set_src_caps_str(enc, kCaps);
  GstElement *e = gst_harness_find_element(enc, "rtpredenc2");
  std::vector<Bytes> red;
  for (std::size_t k = 0; k < media.size(); ++k) {
    if (k == 50) g_object_set(e, "reported-loss", 0.05, nullptr);
    ASSERT_EQ(gst_harness_push(enc, to_buffer(media[k], k)), GST_FLOW_OK);
    GstBuffer *b = gst_harness_pull(enc);
    ASSERT_TRUE(b);
    Bytes bytes(gst_buffer_get_size(b));
    gst_buffer_extract(b, 0, bytes.data(), bytes.size());
    gst_buffer_unref(b);
    if (!lost.count(k)) red.push_back(std::move(bytes));
  }
  gst_object_unref(e);
  gst_harness_teardown(enc);
  const Outputs dec = run("rtpreddec", "pt=100", red);
  // Packet k's copy rides in packet k + 1 from packet 50 on (50's own in 51).
  std::set<std::size_t> expected_rebuilt;
  for (std::size_t k : lost)
    if (k >= 50 && k + 1 < media.size() && !lost.count(k + 1)) expected_rebuilt.insert(k);
  std::set<std::size_t> rebuilt;
  for (const Packet &p : dec.out) {
    if (!p.redundant) continue;
    for (std::size_t k = 0; k < media.size(); ++k)
      if (same_packet_but_marker_and_csrcs(media[k], p.bytes)) rebuilt.insert(k);
  }
  EXPECT_EQ(rebuilt, expected_rebuilt);
}

TEST(RedElements, BufferListsGiveWhatSingleBuffersGive) {
  const auto media = media_stream(60);
  for (const char *props : {"pt=100 distance=2", "pt=100 distance=1 allow-no-red-blocks=false"}) {
    SCOPED_TRACE(props);
    const Outputs single = run("rtpredenc", props, media);
    std::vector<Bytes> expected;
    for (const Packet &p : single.out) expected.push_back(p.bytes);
    EXPECT_EQ(run_lists("rtpredenc2", props, media, 16), expected);
    // ... and our decoder gives back the media from lists, as from buffers.
    const std::set<std::size_t> lost = {3, 9, 10, 33};
    const auto red = red_stream(media, props, lost);
    std::vector<Bytes> decoded;
    for (const Packet &p : run("rtpreddec", "pt=100", red).out) decoded.push_back(p.bytes);
    EXPECT_EQ(run_lists("rtpreddec2", "pt=100", red, 16), decoded);
  }
}

TEST(RedDecoder, MalformedRedPacketsAreDroppedAndCounted) {
  std::vector<Bytes> in;
  in.push_back(media_packet(1, 160, 40, 0, false, 100));  // payload: bytes 1, 8, 15 ... as headers
  // Block headers that claim more than the packet holds.
  Bytes bad = media_packet(2, 320, 6, 0, false, 100);
  const Bytes headers = {0x89, 0x00, 0x03, 0xff, 0x09, 0x00};  // a 1023-byte block in 6 bytes
  std::copy(headers.begin(), headers.end(), bad.end() - 6);
  in.push_back(bad);
  Bytes cut = media_packet(3, 480, 2, 0, false, 100);
  cut[cut.size() - 2] = 0x89;  // a redundant header cut short
  in.push_back(cut);
  Bytes good = media_packet(4, 640, 5, 0, false, 100);
  const Bytes primary_only = {0x09, 1, 2, 3, 4};
  std::copy(primary_only.begin(), primary_only.end(), good.end() - 5);
  in.push_back(good);
  const Outputs ours = run("rtpreddec2", "pt=100", in);
  const Outputs theirs = run("rtpreddec", "pt=100", in);
  EXPECT_EQ(uint_property("rtpreddec2", "pt=100", in, "invalid"), 2u);
  ASSERT_EQ(ours.out.size(), theirs.out.size());
  for (std::size_t i = 0; i < ours.out.size(); ++i)
    EXPECT_EQ(ours.out[i].bytes, theirs.out[i].bytes);
  ASSERT_FALSE(ours.out.empty());
  EXPECT_EQ(ours.out.back().bytes.size(), 12u + 4);  // the good one's primary: 4 bytes
}

TEST(RedDecoder, PacketsOfOtherPayloadTypesPassAndPayloadsListWorks) {
  const auto media = media_stream(10);
  const Outputs none = run("rtpreddec2", "", media);  // no pt, no payloads: everything passes
  ASSERT_EQ(none.out.size(), media.size());
  for (std::size_t i = 0; i < media.size(); ++i) EXPECT_EQ(none.out[i].bytes, media[i]);
  const auto red = red_stream(media, "pt=101 distance=1", {});
  const Outputs listed = run("rtpreddec2", "payloads=\"<100,101>\"", red);
  ASSERT_EQ(listed.out.size(), media.size());
  for (std::size_t i = 0; i < media.size(); ++i) EXPECT_EQ(listed.out[i].bytes, media[i]) << i;
}

}  // namespace

int main(int argc, char **argv) {
  use_build_tree_plugin();
  ::testing::InitGoogleTest(&argc, argv);
  gst_init(&argc, &argv);
  return RUN_ALL_TESTS();
}
