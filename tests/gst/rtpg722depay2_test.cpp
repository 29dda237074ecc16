// rtpg722depay2 through GstHarness: 16 kHz audio/G722 caps from the 8000 Hz
// RTP clock, timestamps from RTP time, output layouts, bad packets.
#include <gst/gst.h>
#include <gst/check/gstharness.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

#include "audio_fixtures.hpp"

using namespace audiofx;

namespace {

constexpr const char *kRtpCaps =
    "application/x-rtp,media=audio,clock-rate=8000,encoding-name=G722,payload=9";

HarnessPtr make_depay(const char *caps = kRtpCaps) {
  return make("rtpg722depay2", "", caps);
}

}  // namespace

TEST(RtpG722Depay2, RestoresSixteenKilohertzMonoCaps) {
  auto h = make_depay();
  ASSERT_EQ(gst_harness_push(h.get(), rtp_packet(pattern(160), 1, 0, true, 0, 9)), GST_FLOW_OK);
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(bytes_of(out[0].get()), pattern(160));
  GstCaps *caps = gst_pad_get_current_caps(h->sinkpad);
  ASSERT_NE(caps, nullptr);
  GstCaps *want = gst_caps_from_string("audio/G722,rate=16000,channels=1");
  EXPECT_TRUE(gst_caps_is_equal(caps, want)) << current_caps(h.get());
  gst_caps_unref(want);
  gst_caps_unref(caps);
}

TEST(RtpG722Depay2, StaticPayloadTypeWithoutEncodingName) {
  auto h = make_depay("application/x-rtp,media=audio,payload=9,clock-rate=8000");
  ASSERT_EQ(gst_harness_push(h.get(), rtp_packet(pattern(80), 1, 0, false, 0, 9)), GST_FLOW_OK);
  EXPECT_EQ(pull_buffers(h.get()).size(), 1u);
  EXPECT_NE(current_caps(h.get()).find("rate=(int)16000"), std::string::npos);
}

TEST(RtpG722Depay2, TimestampsAndDurationsFromRtpTime) {
  auto h = make_depay();
  gst_harness_push(h.get(), rtp_packet(pattern(160), 1, 8000, true, GST_SECOND, 9));
  gst_harness_push(h.get(), rtp_packet(pattern(80), 2, 8160, false, GST_CLOCK_TIME_NONE, 9));
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(GST_BUFFER_PTS(out[0].get()), GST_SECOND);
  EXPECT_EQ(GST_BUFFER_DURATION(out[0].get()), 20 * kMs);
  EXPECT_EQ(GST_BUFFER_PTS(out[1].get()), GST_SECOND + 20 * kMs);
  EXPECT_EQ(GST_BUFFER_DURATION(out[1].get()), 10 * kMs);
}

TEST(RtpG722Depay2, MarkerBitBecomesResync) {
  auto h = make_depay();
  gst_harness_push(h.get(), rtp_packet(pattern(80), 1, 0, true, 0, 9));
  gst_harness_push(h.get(), rtp_packet(pattern(80), 2, 80, false, 10 * kMs, 9));
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(GST_BUFFER_FLAG_IS_SET(out[0].get(), GST_BUFFER_FLAG_RESYNC));
  EXPECT_FALSE(GST_BUFFER_FLAG_IS_SET(out[1].get(), GST_BUFFER_FLAG_RESYNC));
}

TEST(RtpG722Depay2, AHandedOverPacketBecomesTheOutputWithoutItsMetadata) {
  auto h = make_depay();
  GstBuffer *in = rtp_packet(pattern(160), 1, 0, false, 0, 9);
  add_foreign_metadata(in);
  const GstBuffer *address = in;
  ASSERT_EQ(gst_harness_push(h.get(), in), GST_FLOW_OK);  // handed over: ours to change
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 1u);
  GstBuffer *b = out[0].get();
  EXPECT_EQ(b, address) << "a new buffer was made";
  EXPECT_FALSE(has_foreign_metadata(b));
  EXPECT_EQ(bytes_of(b), pattern(160));
  EXPECT_EQ(GST_BUFFER_PTS(b), 0u);
  EXPECT_EQ(GST_BUFFER_DURATION(b), 20 * kMs);
}

// A packet someone else holds (tee, jitter buffer) must stay as it was, and
// the output must be the element's to hand over: no inherited metadata, and
// writing into it must not reach the packet. Small payloads are copied into
// recycled buffers (cheaper than sharing); large ones share the memory.
TEST(RtpG722Depay2, APacketHeldElsewhereIsLeftAsItWasAndTheOutputIsSeparate) {
  for (const std::size_t size : {160u, 1280u}) {
    SCOPED_TRACE(size);
    auto h = make_depay();
    GstBuffer *in = rtp_packet(pattern(size), 1, 0, false, 0, 9);
    add_foreign_metadata(in);
    gst_buffer_ref(in);  // held elsewhere
    ASSERT_EQ(gst_harness_push(h.get(), in), GST_FLOW_OK);
    auto out = pull_buffers(h.get());
    ASSERT_EQ(out.size(), 1u);
    GstBuffer *o = out[0].get();
    EXPECT_EQ(bytes_of(o), pattern(size));
    EXPECT_FALSE(has_foreign_metadata(o));
    // Written as a downstream element would: only after make_writable.
    out[0].reset(gst_buffer_make_writable(out[0].release()));
    o = out[0].get();
    GstMapInfo map;
    ASSERT_TRUE(gst_buffer_map(o, &map, GST_MAP_WRITE));
    std::fill(map.data, map.data + map.size, guint8{0xee});
    gst_buffer_unmap(o, &map);
    EXPECT_EQ(gst_buffer_get_size(in), 12 + size);
    const Bytes packet = bytes_of(in);
    EXPECT_EQ(Bytes(packet.begin() + 12, packet.end()), pattern(size));
    EXPECT_TRUE(has_foreign_metadata(in));
    gst_buffer_unref(in);
  }
}

TEST(RtpG722Depay2, ALargePayloadHeldElsewhereSharesThePacketMemory) {
  auto h = make_depay();
  GstBuffer *in = rtp_packet(pattern(1280), 1, 0, false, 0, 9);
  GstMapInfo in_map;
  ASSERT_TRUE(gst_buffer_map(in, &in_map, GST_MAP_READ));
  const guint8 *payload = in_map.data + 12;
  gst_buffer_unmap(in, &in_map);
  gst_buffer_ref(in);
  ASSERT_EQ(gst_harness_push(h.get(), in), GST_FLOW_OK);
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 1u);
  GstMapInfo out_map;
  ASSERT_TRUE(gst_buffer_map(out[0].get(), &out_map, GST_MAP_READ));
  EXPECT_EQ(out_map.data, payload) << "a large payload was copied";
  gst_buffer_unmap(out[0].get(), &out_map);
  gst_buffer_unref(in);
}

// An output buffer that comes back for reuse carries nothing of its last
// trip downstream: metadata, a trim, other bytes.
TEST(RtpG722Depay2, RecycledOutputsStartClean) {
  auto h = make_depay();
  GstBuffer *a = rtp_packet(pattern(320, 1), 1, 0, false, 0, 9);
  gst_buffer_ref(a);
  ASSERT_EQ(gst_harness_push(h.get(), a), GST_FLOW_OK);
  GstBuffer *out_a = gst_harness_pull(h.get());
  ASSERT_NE(out_a, nullptr);
  add_foreign_metadata(out_a);
  GST_BUFFER_FLAG_SET(out_a, GST_BUFFER_FLAG_GAP);
  gst_buffer_resize(out_a, 10, 100);  // downstream trims in place
  const GstBuffer *address = out_a;
  gst_buffer_unref(out_a);
  gst_buffer_unref(a);

  GstBuffer *b = rtp_packet(pattern(160, 7), 2, 160, false, 20 * kMs, 9);
  gst_buffer_ref(b);
  ASSERT_EQ(gst_harness_push(h.get(), b), GST_FLOW_OK);
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 1u);
  GstBuffer *o = out[0].get();
  // Not an outcome users see, but without reuse this test checks nothing.
  EXPECT_EQ(o, address) << "the first output was not reused";
  EXPECT_EQ(bytes_of(o), pattern(160, 7));
  EXPECT_FALSE(has_foreign_metadata(o));
  EXPECT_FALSE(GST_BUFFER_FLAG_IS_SET(o, GST_BUFFER_FLAG_GAP));
  EXPECT_EQ(GST_BUFFER_PTS(o), 20 * kMs);
  gst_buffer_unref(b);
}

// Downstream often drops outputs on another thread (after a queue): each
// output must keep its bytes until then, however the buffers are reused.
TEST(RtpG722Depay2, OutputsDroppedOnAnotherThreadKeepTheirBytes) {
  auto h = make_depay();
  std::mutex m;
  std::condition_variable cv;
  std::deque<std::pair<BufferPtr, std::uint8_t>> handed;
  bool done = false;
  std::atomic<int> wrong{0};
  std::thread dropper([&] {
    std::unique_lock lock(m);
    for (;;) {
      cv.wait(lock, [&] { return done || !handed.empty(); });
      if (handed.empty()) return;
      auto [b, seed] = std::move(handed.front());
      handed.pop_front();
      lock.unlock();
      if (bytes_of(b.get()) != pattern(160, seed)) ++wrong;
      b.reset();
      lock.lock();
    }
  });
  for (int i = 0; i < 2000; ++i) {
    const auto seed = static_cast<std::uint8_t>(i);
    GstBuffer *in = rtp_packet(pattern(160, seed), static_cast<std::uint16_t>(i),
                               static_cast<std::uint32_t>(i) * 160, false, 0, 9);
    gst_buffer_ref(in);
    ASSERT_EQ(gst_harness_push(h.get(), in), GST_FLOW_OK);
    gst_buffer_unref(in);
    BufferPtr out(gst_harness_pull(h.get()));
    ASSERT_TRUE(out);
    {
      const std::lock_guard lock(m);
      handed.emplace_back(std::move(out), seed);
    }
    cv.notify_one();
  }
  {
    const std::lock_guard lock(m);
    done = true;
  }
  cv.notify_one();
  dropper.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(RtpG722Depay2, EmptyAndGarbagePacketsAreCountedAndSkipped) {
  auto h = make_depay();
  gst_harness_push(h.get(), rtp_packet(pattern(80), 1, 0, false, 0, 9));
  gst_harness_push(h.get(), rtp_packet({}, 2, 80, false, 10 * kMs, 9));
  gst_harness_push(h.get(), buffer(pattern(7), 20 * kMs));  // not RTP
  gst_harness_push(h.get(), rtp_packet(pattern(80), 3, 80, false, 10 * kMs, 9));
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(GST_BUFFER_IS_DISCONT(out[1].get())) << "audio is missing before it";
  EXPECT_EQ(stat_u64(h.get(), "dropped-empty"), 1u);
  EXPECT_EQ(stat_u64(h.get(), "packets-invalid"), 1u);
}

TEST(RtpG722Depay2, StereoPayloadMustHoldWholeSamplePairs) {
  auto h = make_depay(
      "application/x-rtp,media=audio,clock-rate=8000,encoding-name=G722,encoding-params=(string)2");
  gst_harness_push(h.get(), rtp_packet(pattern(81), 1, 0, false, 0));
  gst_harness_push(h.get(), rtp_packet(pattern(160), 2, 0, false, 0));
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(GST_BUFFER_DURATION(out[0].get()), 10 * kMs);
  EXPECT_EQ(stat_u64(h.get(), "dropped-bad-length"), 1u);
  EXPECT_NE(current_caps(h.get()).find("channels=(int)2"), std::string::npos);
}

TEST(RtpG722Depay2, LossMarksDiscontAndEosPasses) {
  auto h = make_depay();
  gst_harness_push(h.get(), rtp_packet(pattern(80), 1, 0, false, 0, 9));
  gst_harness_push(h.get(), rtp_packet(pattern(80), 3, 160, false, 20 * kMs, 9));
  auto out = pull_buffers(h.get());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(GST_BUFFER_IS_DISCONT(out[1].get()));
  EXPECT_EQ(stat_u64(h.get(), "packets-lost"), 1u);
  EXPECT_TRUE(eos_passed(h.get()));
}
