// The endpoint itself: formats, routes, GST_TRACERS, bad and busy addresses,
// and clients that never read, never finish their header, or come in crowds,
// while an RTP pipeline streams.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "metrics_fixtures.hpp"
#include "pad_counter.hpp"
#include "srtrtp-metrics.h"

using namespace std::chrono_literals;

namespace {

struct PipelineUnref {
  void operator()(GstElement *p) const {
    gst_element_set_state(p, GST_STATE_NULL);
    gst_object_unref(p);
  }
};
using Pipeline = std::unique_ptr<GstElement, PipelineUnref>;

// A live G.722 RTP loop: payloader into depayloader, packets counted.
Pipeline rtp_loop(const char *name) {
  GError *err = nullptr;
  const std::string desc =
      "audiotestsrc is-live=true samplesperbuffer=320 ! audio/x-raw,rate=16000,channels=1 ! "
      "avenc_g722 ! rtpg722pay2 name=pay ! rtpg722depay2 name=depay ! fakesink sync=false";
  GstElement *p = gst_parse_launch(desc.c_str(), &err);
  if (err) {
    ADD_FAILURE() << err->message;
    g_error_free(err);
  }
  if (p) gst_object_set_name(GST_OBJECT(p), name);
  return Pipeline(p);
}

GstElement *child(GstElement *bin, const char *name) {
  GstElement *e = gst_bin_get_by_name(GST_BIN(bin), name);
  gst_object_unref(e);  // the bin keeps it
  return e;
}

bool have_g722() {
  for (const char *f : {"avenc_g722", "rtpg722pay2", "rtpg722depay2"}) {
    GstElementFactory *factory = gst_element_factory_find(f);
    if (!factory) return false;
    gst_object_unref(factory);
  }
  return true;
}

}  // namespace

TEST(MetricsEndpoint, ServesPrometheusAndOpenMetricsWithTheElementsCounters) {
  if (!have_g722()) GTEST_SKIP() << "avenc_g722 (gst-libav) missing";
  ASSERT_NE(mfx::tracer_port(), 0);
  auto p = rtp_loop("formats");
  padcount::PadCounter out;
  out.attach(child(p.get(), "depay"), "src");
  ASSERT_NE(gst_element_set_state(p.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  ASSERT_TRUE(out.wait_at_least(20, mfx::kWait));
  // Buffers are timed from the endpoint's first scrape on: scrape, then stream more.
  ASSERT_EQ(mfx::http_get(mfx::tracer_port(), "/metrics").status, 200);
  ASSERT_TRUE(out.wait_at_least(out.count() + 20, mfx::kWait));

  const auto prom = mfx::http_get(mfx::tracer_port(), "/metrics");
  ASSERT_EQ(prom.status, 200);
  EXPECT_EQ(prom.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(prom.body.find("# TYPE srtrtp_rtp_packets_sent_total counter"), std::string::npos);
  EXPECT_NE(prom.body.find("# TYPE srtrtp_element_buffer_duration_seconds histogram"),
            std::string::npos);
  const std::map<std::string, std::string> pay = {{"pipeline", "formats"}, {"element", "pay"}};
  const auto sent = mfx::value(prom.body, "srtrtp_rtp_packets_sent_total", pay);
  ASSERT_TRUE(sent.has_value()) << prom.body.substr(0, 2000);
  EXPECT_GE(*sent, 20);
  // The histogram is cumulative and ends with +Inf == _count.
  auto buckets = mfx::samples(prom.body, "srtrtp_element_buffer_duration_seconds_bucket", pay);
  ASSERT_EQ(buckets.size(), 15u);
  for (std::size_t i = 1; i < buckets.size(); ++i)
    EXPECT_GE(buckets[i].value, buckets[i - 1].value);
  EXPECT_EQ(buckets.back().labels["le"], "+Inf");
  const auto count = mfx::value(prom.body, "srtrtp_element_buffer_duration_seconds_count", pay);
  ASSERT_TRUE(count.has_value());
  EXPECT_EQ(buckets.back().value, *count);
  // One buffer in 16 is timed and counts for 16: about one per input
  // buffer, at least as many as came out, in steps of 16.
  EXPECT_GE(*count, 20);
  EXPECT_EQ(static_cast<long long>(*count) % 16, 0) << *count;

  const auto om =
      mfx::http_get(mfx::tracer_port(), "/metrics", "application/openmetrics-text;version=1.0.0");
  ASSERT_EQ(om.status, 200);
  EXPECT_EQ(om.content_type, "application/openmetrics-text; version=1.0.0; charset=utf-8");
  EXPECT_NE(om.body.find("# TYPE srtrtp_rtp_packets_sent counter"), std::string::npos);
  EXPECT_EQ(om.body.substr(om.body.size() - 6), "# EOF\n");

  EXPECT_EQ(mfx::http_get(mfx::tracer_port(), "/nothing").status, 404);
  const auto page = mfx::http_get(mfx::tracer_port(), "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("srtrtp metrics"), std::string::npos);
}

TEST(MetricsEndpoint, GstTracersTurnsItOnInGstLaunch) {
  const std::string launch = mfx::find_program("gst-launch-1.0");
  if (launch.empty()) GTEST_SKIP() << "gst-launch-1.0 missing";
  if (!have_g722()) GTEST_SKIP() << "avenc_g722 (gst-libav) missing";
  const std::uint16_t port = mfx::free_tcp_port();
  mfx::Child gst(
      {launch, "-q", "audiotestsrc", "is-live=true", "!", "audio/x-raw,rate=16000,channels=1", "!",
       "avenc_g722", "!", "rtpg722pay2", "name=p", "!", "fakesink"},
      {"GST_TRACERS=srtrtp-metrics(address=127.0.0.1:" + std::to_string(port) + ")"},
      mfx::scratch_dir("gst-tracers") + "/gst-launch.log");
  std::string body;
  EXPECT_TRUE(mfx::poll_until([&] {
    body = mfx::http_get(port, "/metrics", "", 2s).body;
    auto v = mfx::value(body, "srtrtp_rtp_packets_sent_total", {{"element", "p"}});
    return v && *v > 0;
  })) << body;
}

TEST(MetricsEndpoint, BadOrBusyAddressWarnsAndThePipelineRuns) {
  if (!have_g722()) GTEST_SKIP() << "avenc_g722 (gst-libav) missing";
  GstTracer *bad = srtrtp_metrics_start("not-an-address:99999");
  ASSERT_NE(bad, nullptr);
  EXPECT_EQ(srtrtp_metrics_port(bad), 0u);
  // Busy: the port of the shared tracer is taken.
  GstTracer *busy =
      srtrtp_metrics_start(("127.0.0.1:" + std::to_string(mfx::tracer_port())).c_str());
  ASSERT_NE(busy, nullptr);
  EXPECT_EQ(srtrtp_metrics_port(busy), 0u);
  auto p = rtp_loop("busy");
  padcount::PadCounter out;
  out.attach(child(p.get(), "depay"), "src");
  ASSERT_NE(gst_element_set_state(p.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  EXPECT_TRUE(out.wait_at_least(20, mfx::kWait));
  gst_object_unref(bad);
  gst_object_unref(busy);
  // The shared endpoint still answers.
  EXPECT_EQ(mfx::http_get(mfx::tracer_port(), "/metrics").status, 200);
}

TEST(MetricsEndpoint, HostileClientsNeitherBlockStreamingNorGrowMemory) {
  if (!have_g722()) GTEST_SKIP() << "avenc_g722 (gst-libav) missing";
  const std::uint16_t port = mfx::tracer_port();
  auto p = rtp_loop("hostile");
  padcount::PadCounter out;
  out.attach(child(p.get(), "depay"), "src");
  ASSERT_NE(gst_element_set_state(p.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  ASSERT_TRUE(out.wait_at_least(10, mfx::kWait));
  // Warm up allocators before the baseline.
  for (int i = 0; i < 50; ++i) ASSERT_EQ(mfx::http_get(port, "/").status, 200);
  const std::size_t rss_before = mfx::rss_bytes();

  for (int round = 0; round < 2; ++round) {
    // Never read: ask for the dashboard page with a tiny receive buffer.
    std::vector<int> silent;
    for (int i = 0; i < 8; ++i) {
      int fd = mfx::connect_loopback(port, 1024);
      ASSERT_GE(fd, 0);
      const std::string req = "GET / HTTP/1.1\r\n\r\n";
      send(fd, req.data(), req.size(), MSG_NOSIGNAL);
      silent.push_back(fd);
    }
    // Endless header: 64 KiB without a blank line.
    std::vector<int> endless;
    for (int i = 0; i < 4; ++i) {
      int fd = mfx::connect_loopback(port);
      ASSERT_GE(fd, 0);
      std::string junk = "GET /metrics HTTP/1.1\r\nX-Junk: " + std::string(65536, 'a');
      send(fd, junk.data(), junk.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      endless.push_back(fd);
    }
    // Slow header: one line, then silence (closed by the server's timeout).
    int slow = mfx::connect_loopback(port);
    ASSERT_GE(slow, 0);
    send(slow, "GET /metrics HTTP/1.1\r\n", 23, MSG_NOSIGNAL);

    // Many scrapers at once, while the above hang on, and streaming goes on.
    const std::size_t streamed = out.count();
    std::atomic<int> ok{0};
    std::vector<std::thread> scrapers;
    for (int t = 0; t < 8; ++t)
      scrapers.emplace_back([&] {
        for (int i = 0; i < 10; ++i)
          if (mfx::http_get(port, "/metrics").status == 200) ++ok;
      });
    for (auto &t : scrapers) t.join();
    EXPECT_EQ(ok.load(), 80);
    EXPECT_TRUE(out.wait_at_least(streamed + 20, mfx::kWait)) << "streaming stalled";

    // Every hostile connection is closed by the server (431 or timeout).
    std::size_t drained = 0;
    auto closed_by_server = [&](int fd) {
      char buf[65536];
      return mfx::poll_until([&] {
        const ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) drained += static_cast<std::size_t>(n);
        return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
      });
    };
    for (int fd : endless) {
      EXPECT_TRUE(closed_by_server(fd));
      close(fd);
    }
    EXPECT_TRUE(closed_by_server(slow));
    close(slow);
    for (int fd : silent) {
      EXPECT_TRUE(closed_by_server(fd)) << "round " << round << ": " << drained << " bytes";
      close(fd);
    }
  }
  // Bounded: two rounds of hostile clients and 160 scrapes leave no growth
  // beyond allocator noise (one connection holds at most ~100 KiB).
  const std::size_t rss_after = mfx::rss_bytes();
  EXPECT_LT(rss_after, rss_before + 8u * 1024 * 1024)
      << "RSS " << rss_before << " -> " << rss_after;
}
