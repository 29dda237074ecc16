// H.264 RTP over a bonded srtbondsink (two paths, each through its own
// emulated link) to a srtbondsrc listener: x264enc stream played live,
// rtph264pay2 / rtph264depay2, avdec_h264. Path 0 loses 5% each way and is
// cut for a third of the stream, then restored; path 1 is clean. In
// broadcast and in backup mode, every RTP packet must arrive and every
// decoded frame must equal a direct decode of the same encoded stream.
#define GLIB_DISABLE_DEPRECATION_WARNINGS  // GValueArray: the srtsrc stats type
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>

#include <string>

#include "framecheck.hpp"
#include "pad_counter.hpp"
#include "srtbond_fixtures.hpp"
#include "lossy_relay.hpp"

namespace fc = framecheck;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t kSeed = 20261204;

}  // namespace

class SrtGstBondH264 : public ::testing::TestWithParam<const char *> {};

TEST_P(SrtGstBondH264, LinkCutAndRestoredDecodesIdenticalFrames) {
  // "<mode>-encrypted": both ends with a passphrase (every link keyed).
  std::string mode = GetParam();
  std::string secret;
  if (const auto dash = mode.find("-encrypted"); dash != std::string::npos) {
    mode.resize(dash);
    secret = " passphrase=\"bonded h264 secret\" pbkeylen=32";
  }
  const std::vector<std::string> needed = {"x264enc",     "h264parse",     "avdec_h264",
                                           "rtph264pay2", "rtph264depay2", "srtbondsink",
                                           "srtbondsrc"};
  if (auto missing = fc::missing_elements(needed); !missing.empty()) {
    GTEST_SKIP() << "missing element " << missing.front();
  }
  fc::EncodeSettings settings;
  settings.frames = 120;  // 4 s at 30 fps, played live
  settings.key_int_max = 30;
  const fc::EncodedStream stream = fc::encode(settings);
  const fc::DecodeResult reference = fc::decode_direct(stream);
  ASSERT_TRUE(reference.ok()) << reference.error;
  ASSERT_EQ(reference.frames.size(), static_cast<size_t>(settings.frames));

  const std::uint16_t rx_port = srtfx::free_udp_port();
  auto lossy = relay_to(rx_port, 0.05, 10ms, kSeed);
  auto clean = relay_to(rx_port, 0.0, 15ms, kSeed + 7);
  const std::string links = "srt://127.0.0.1:" + std::to_string(lossy->listen_address().port()) +
                            "?weight=10&localaddress=127.0.0.2,srt://127.0.0.1:" +
                            std::to_string(clean->listen_address().port()) +
                            "?weight=1&localaddress=127.0.0.3";

  auto rx = srtfx::launch(
      // The passphrase after the uri: setting the uri resets the other
      // settings, as srtsrc's does.
      "srtbondsrc name=in uri=srt://127.0.0.1:" + std::to_string(rx_port) + "?mode=listener" +
      secret +
      " caps=\"application/x-rtp,media=video,clock-rate=90000,"
      "encoding-name=H264,payload=96\" ! rtph264depay2 ! avdec_h264 max-threads=1 ! "
      "appsink name=out caps=video/x-raw,format=I420 sync=false max-buffers=100000");
  auto tx = srtfx::launch(
      "appsrc name=in is-live=true format=time ! rtph264pay2 name=pay "
      "mtu=1316 ! srtbondsink name=out sync=true" +
      secret + " bond-mode=" + mode + " links=\"" + links + "\"");
  ASSERT_TRUE(rx && tx);
  g_object_set(srtfx::by_name(tx.get(), "in"), "caps", stream.caps.get(), nullptr);
  padcount::PadCounter frames_in, sent, received;
  frames_in.attach(srtfx::by_name(tx.get(), "pay"), "sink");
  sent.attach(srtfx::by_name(tx.get(), "pay"), "src");
  received.attach(srtfx::by_name(rx.get(), "in"), "src");

  ASSERT_NE(gst_element_set_state(rx.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  ASSERT_NE(gst_element_set_state(tx.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  // Played from running time 0 (the encoder's times may start anywhere).
  GstElement *appsrc = srtfx::by_name(tx.get(), "in");
  const GstClockTime first_dts = GST_BUFFER_DTS_OR_PTS(stream.buffers.front().get());
  for (const auto &b : stream.buffers) {
    GstBuffer *copy = gst_buffer_copy(b.get());
    if (GST_BUFFER_PTS_IS_VALID(copy)) GST_BUFFER_PTS(copy) -= first_dts;
    if (GST_BUFFER_DTS_IS_VALID(copy)) GST_BUFFER_DTS(copy) -= first_dts;
    ASSERT_EQ(gst_app_src_push_buffer(GST_APP_SRC(appsrc), copy), GST_FLOW_OK);
  }
  gst_app_src_end_of_stream(GST_APP_SRC(appsrc));

  // The sink plays the stream in real time: cut path 0 for its middle third.
  ASSERT_TRUE(frames_in.wait_at_least(40, 30s));
  lossy->cut();
  ASSERT_TRUE(frames_in.wait_at_least(80, 30s));
  lossy->restore();

  std::string error;
  ASSERT_TRUE(padcount::wait_bus(tx.get(), GST_MESSAGE_EOS, 60s, &error)) << "sender: " << error;
  const std::size_t packets = sent.count();
  ASSERT_TRUE(received.wait_at_least(packets, 30s))
      << mode << ": received " << received.count() << " of " << packets << " RTP packets; seed "
      << kSeed;
  EXPECT_EQ(received.count(), packets);

  const fc::DecodeResult got =
      fc::pull_frames(srtfx::by_name(rx.get(), "out"), reference.frames.size(), 10 * GST_SECOND);
  EXPECT_EQ(got.error, "");
  const fc::Comparison c = fc::compare(reference, got);
  EXPECT_TRUE(c.all_identical()) << mode << ": " << c.describe(reference, got) << "; seed "
                                 << kSeed;
  // Both paths carried data, and path 0 really was cut and lossy.
  const auto lossy_stats = lossy->stats();
  EXPECT_GT(lossy_stats.forward.link.lost_random, 0u);
  EXPECT_GT(lossy_stats.forward.link.dropped_cut, 0u);
  EXPECT_GT(clean->stats().forward.link.delivered, 0u);
  GstStructure *st = nullptr;
  g_object_get(srtfx::by_name(tx.get(), "out"), "stats", &st, nullptr);
  ASSERT_NE(st, nullptr);
  const GValue *links_value = gst_structure_get_value(st, "links");
  ASSERT_NE(links_value, nullptr) << gst_structure_to_string(st);
  EXPECT_EQ(static_cast<GValueArray *>(g_value_get_boxed(links_value))->n_values, 2u);
  gst_structure_free(st);
  gst_element_set_state(tx.get(), GST_STATE_NULL);
  gst_element_set_state(rx.get(), GST_STATE_NULL);
  lossy->stop();
  clean->stop();
}

INSTANTIATE_TEST_SUITE_P(Modes, SrtGstBondH264,
                         ::testing::Values("broadcast", "backup", "balancing",
                                           "balancing-encrypted"));
