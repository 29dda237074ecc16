// H.264 RTP over srtbondsink -> srt-linkemu (5% loss each way, 20 ms RTT) ->
// srtbondsrc: x264enc stream, rtph264pay2 / rtph264depay2, avdec_h264. Every
// decoded frame must equal a direct decode (h264parse ! avdec_h264) of the
// same encoded stream, and every RTP packet sent must arrive.
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>

#include <string>

#include "framecheck.hpp"
#include "pad_counter.hpp"
#include "srtbond_fixtures.hpp"
#include "udp_relay.hpp"

namespace fc = framecheck;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t kSeed = 20240611;

// A relay to 127.0.0.1:`port` losing 5% each way, 10 ms each way.
std::unique_ptr<srtcore::linkemu::UdpRelay> lossy_relay(std::uint16_t port) {
  srtcore::linkemu::RelayConfig config;
  config.target = "127.0.0.1:" + std::to_string(port);
  for (auto *dir : {&config.forward, &config.backward}) {
    dir->loss = std::getenv("SRTGST_LOSS") ? std::atof(std::getenv("SRTGST_LOSS")) : 0.05;
    dir->delay = 10ms;
  }
  config.forward.seed = kSeed;
  config.backward.seed = kSeed + 1;
  auto relay = std::make_unique<srtcore::linkemu::UdpRelay>(config);
  relay->start();
  return relay;
}

}  // namespace

TEST(SrtGstH264, MessagesThroughLossyLinkArriveIdentical) {
  const std::uint16_t rx_port = srtfx::free_udp_port();
  auto relay = lossy_relay(rx_port);
  auto rx = srtfx::launch("srtbondsrc name=in uri=srt://127.0.0.1:" + std::to_string(rx_port) +
                          "?mode=listener ! appsink name=out sync=false max-buffers=100000");
  auto tx = srtfx::launch(
      "appsrc name=in is-live=true format=time caps=application/octet-stream ! "
      "srtbondsink name=out sync=false uri=srt://127.0.0.1:" +
      std::to_string(relay->listen_address().port()));
  ASSERT_TRUE(rx && tx);
  ASSERT_NE(gst_element_set_state(rx.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  ASSERT_NE(gst_element_set_state(tx.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  std::vector<srtfx::Bytes> want;
  GstElement *appsrc = srtfx::by_name(tx.get(), "in");
  for (std::size_t i = 0; i < 2000; ++i) {
    want.push_back(srtfx::pattern(1 + (i * 389) % 1316, static_cast<std::uint8_t>(i * 3)));
    ASSERT_EQ(gst_app_src_push_buffer(GST_APP_SRC(appsrc), srtfx::buffer_of(want.back())),
              GST_FLOW_OK);
  }
  const auto got = srtfx::pull(srtfx::by_name(rx.get(), "out"), want.size(), 30000ms);
  if (got.size() != want.size()) {
    // Which ones are missing, for the report.
    std::string missing;
    std::size_t j = 0;
    for (std::size_t i = 0; i < want.size(); ++i) {
      if (j < got.size() && got[j].data == want[i]) {
        if (got[j].discont) missing += " discont@" + std::to_string(i);
        ++j;
      } else {
        missing += " " + std::to_string(i);
      }
    }
    FAIL() << got.size() << " of " << want.size() << " messages; missing:" << missing << "; seed "
           << kSeed << "; "
           << srtcore::linkemu::format_direction("forward", relay->stats().forward);
  }
  std::size_t bad = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (got[i].data != want[i] && bad++ < 5)
      ADD_FAILURE() << "message " << i << ": " << got[i].data.size() << " bytes, want "
                    << want[i].size() << "; seed " << kSeed;
  }
  EXPECT_EQ(bad, 0u);
  EXPECT_GT(relay->stats().forward.link.lost_random, 0u);
  relay->stop();
}

TEST(SrtGstH264, RtpOverSrtThroughLossyLinkDecodesIdenticalFrames) {
  const std::vector<std::string> needed = {"x264enc",     "h264parse",     "avdec_h264",
                                           "rtph264pay2", "rtph264depay2", "srtbondsink",
                                           "srtbondsrc"};
  if (auto missing = fc::missing_elements(needed); !missing.empty()) {
    GTEST_SKIP() << "missing element " << missing.front();
  }
  fc::EncodeSettings settings;
  settings.frames = 90;
  settings.key_int_max = 30;
  const fc::EncodedStream stream = fc::encode(settings);
  const fc::DecodeResult reference = fc::decode_direct(stream);
  ASSERT_TRUE(reference.ok()) << reference.error;
  ASSERT_EQ(reference.frames.size(), static_cast<size_t>(settings.frames));

  const std::uint16_t rx_port = srtfx::free_udp_port();
  srtcore::linkemu::RelayConfig relay_config;
  relay_config.target = "127.0.0.1:" + std::to_string(rx_port);
  for (auto *dir : {&relay_config.forward, &relay_config.backward}) {
    dir->loss = std::getenv("SRTGST_LOSS") ? std::atof(std::getenv("SRTGST_LOSS")) : 0.05;
    dir->delay = 10ms;
  }
  relay_config.forward.seed = kSeed;
  relay_config.backward.seed = kSeed + 1;
  srtcore::linkemu::UdpRelay relay(relay_config);
  relay.start();
  const std::uint16_t relay_port = relay.listen_address().port();

  auto rx =
      srtfx::launch("srtbondsrc name=in uri=srt://127.0.0.1:" + std::to_string(rx_port) +
                    "?mode=listener caps=\"application/x-rtp,media=video,clock-rate=90000,"
                    "encoding-name=H264,payload=96\" ! rtph264depay2 ! avdec_h264 max-threads=1 ! "
                    "appsink name=out caps=video/x-raw,format=I420 sync=false max-buffers=100000");
  auto tx = srtfx::launch(
      "appsrc name=in format=time ! rtph264pay2 name=pay mtu=1316 ! "
      "srtbondsink name=out sync=false uri=srt://127.0.0.1:" +
      std::to_string(relay_port));
  ASSERT_TRUE(rx && tx);
  g_object_set(srtfx::by_name(tx.get(), "in"), "caps", stream.caps.get(), nullptr);
  padcount::PadCounter sent, received;
  sent.attach(srtfx::by_name(tx.get(), "pay"), "src");
  received.attach(srtfx::by_name(rx.get(), "in"), "src");

  ASSERT_NE(gst_element_set_state(rx.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  ASSERT_NE(gst_element_set_state(tx.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  GstElement *appsrc = srtfx::by_name(tx.get(), "in");
  for (const auto &b : stream.buffers)
    ASSERT_EQ(gst_app_src_push_buffer(GST_APP_SRC(appsrc), gst_buffer_ref(b.get())), GST_FLOW_OK);
  gst_app_src_end_of_stream(GST_APP_SRC(appsrc));

  std::string error;
  ASSERT_TRUE(padcount::wait_bus(tx.get(), GST_MESSAGE_EOS, 60s, &error)) << "sender: " << error;
  const std::size_t packets = sent.count();
  ASSERT_TRUE(received.wait_at_least(packets, 30s))
      << "received " << received.count() << " of " << packets << " RTP packets; seed " << kSeed
      << "; " << srtcore::linkemu::format_direction("forward", relay.stats().forward);
  EXPECT_EQ(received.count(), packets);

  // One decoder thread: every frame comes out as soon as its access unit is in.
  const fc::DecodeResult got =
      fc::pull_frames(srtfx::by_name(rx.get(), "out"), reference.frames.size(), 10 * GST_SECOND);
  EXPECT_EQ(got.error, "");
  const fc::Comparison c = fc::compare(reference, got);
  EXPECT_TRUE(c.all_identical()) << c.describe(reference, got) << "; seed " << kSeed;
  const auto st = relay.stats();
  EXPECT_GT(st.forward.link.lost_random, 0u) << "the link lost nothing: not a lossy test";
  relay.stop();
}

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
