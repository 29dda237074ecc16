// Real peers on the endpoint: Debian's Prometheus scraping an SRT stream over
// a lossy relay that carries RTP (payloader and depayloader), checked through
// Prometheus's HTTP API against the elements' own stats; and the dashboard in
// headless Chromium while a bonded link is cut and restored.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "metrics_fixtures.hpp"
#include "pad_counter.hpp"
#include "lossy_relay.hpp"

using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t kSeed = 20261204;

struct PipelineUnref {
  void operator()(GstElement *p) const {
    gst_element_set_state(p, GST_STATE_NULL);
    gst_object_unref(p);
  }
};
using Pipeline = std::unique_ptr<GstElement, PipelineUnref>;

Pipeline launch(const std::string &desc, const char *name) {
  GError *err = nullptr;
  GstElement *p = gst_parse_launch(desc.c_str(), &err);
  if (err) {
    ADD_FAILURE() << desc << ": " << err->message;
    g_error_free(err);
  }
  if (p) gst_object_set_name(GST_OBJECT(p), name);
  return Pipeline(p);
}

GstElement *child(GstElement *bin, const char *name) {
  GstElement *e = gst_bin_get_by_name(GST_BIN(bin), name);
  gst_object_unref(e);
  return e;
}

bool have(std::initializer_list<const char *> factories, std::string *missing) {
  for (const char *f : factories) {
    GstElementFactory *factory = gst_element_factory_find(f);
    if (!factory) {
      *missing = f;
      return false;
    }
    gst_object_unref(factory);
  }
  return true;
}

// The value of an instant query that yields one series, from Prometheus's JSON.
std::optional<double> prom_query(std::uint16_t port, const std::string &query) {
  std::string q;
  for (unsigned char c : query) {
    if (std::isalnum(c) || c == '_')
      q += static_cast<char>(c);
    else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      q += hex;
    }
  }
  const auto reply = mfx::http_get(port, "/api/v1/query?query=" + q, "", 5s);
  if (reply.status != 200) return std::nullopt;
  static const std::regex one(
      R"re("result":\[\{"metric":\{[^}]*\},"value":\[[0-9.]+,"([^"]+)"\]\}\])re");
  std::smatch m;
  if (!std::regex_search(reply.body, m, one)) return std::nullopt;
  return std::strtod(m[1].str().c_str(), nullptr);
}

}  // namespace

TEST(MetricsInterop, PrometheusScrapesSrtOverALossyLinkAndRtpMatchingTheElementsStats) {
  const std::string prometheus = mfx::find_program("prometheus");
  if (prometheus.empty()) GTEST_SKIP() << "prometheus missing (Debian package prometheus)";
  std::string missing;
  if (!have({"avenc_g722", "rtpg722pay2", "rtpg722depay2", "srtbondsink", "srtbondsrc"}, &missing))
    GTEST_SKIP() << missing << " missing";
  ASSERT_NE(mfx::tracer_port(), 0);

  const std::string dir = mfx::scratch_dir("prometheus");
  const std::uint16_t prom_port = mfx::free_tcp_port();
  {
    std::ofstream config(dir + "/prometheus.yml");
    config << "global:\n  scrape_interval: 500ms\n  scrape_timeout: 400ms\n"
           << "scrape_configs:\n  - job_name: srtrtp\n    static_configs:\n"
           << "      - targets: ['127.0.0.1:" << mfx::tracer_port() << "']\n";
  }
  mfx::Child prom(
      {prometheus, "--config.file=" + dir + "/prometheus.yml",
       "--storage.tsdb.path=" + dir + "/data",
       "--web.listen-address=127.0.0.1:" + std::to_string(prom_port), "--log.level=warn"},
      {}, dir + "/prometheus.log");
  ASSERT_TRUE(prom.running());
  // Scraped once before streaming: buffers are timed from the first scrape on.
  ASSERT_TRUE(mfx::poll_until([&] {
    return prom_query(prom_port, "up{job=\"srtrtp\"}").value_or(0) == 1;
  })) << "Prometheus never scraped the endpoint: see "
      << dir << "/prometheus.log";

  // SRT through 5% loss each way, carrying G.722 RTP; 150 buffers of 20 ms.
  const std::uint16_t rx_port = mfx::free_udp_port();
  auto relay = relay_to(rx_port, 0.05, 10ms, kSeed);
  auto rx = launch("srtbondsrc name=srx uri=srt://127.0.0.1:" + std::to_string(rx_port) +
                       "?mode=listener caps=\"application/x-rtp,media=audio,clock-rate=8000,"
                       "encoding-name=G722,payload=9\" ! rtpg722depay2 name=depay ! "
                       "fakesink sync=false",
                   "receiver");
  auto tx = launch(
      "audiotestsrc is-live=true samplesperbuffer=320 num-buffers=150 ! "
      "audio/x-raw,rate=16000,channels=1 ! avenc_g722 ! rtpg722pay2 name=pay ! "
      "srtbondsink name=stx sync=false uri=srt://127.0.0.1:" +
          std::to_string(relay->listen_address().port()),
      "sender");
  ASSERT_TRUE(rx && tx);
  ASSERT_NE(gst_element_set_state(rx.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  ASSERT_NE(gst_element_set_state(tx.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  std::string error;
  const auto t0 = std::chrono::steady_clock::now();
  auto progress = [&](const std::string &what) {
    std::fprintf(stderr, "  %5.1f s: %s\n",
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
                 what.c_str());
  };
  ASSERT_TRUE(padcount::wait_bus(tx.get(), GST_MESSAGE_EOS, 60s, &error)) << error;
  progress("sender at EOS");
  GstElement *stx = child(tx.get(), "stx"), *srx = child(rx.get(), "srx");
  GstElement *pay = child(tx.get(), "pay"), *depay = child(rx.get(), "depay");
  // Everything sent has arrived (retransmissions done): data counters are final.
  ASSERT_TRUE(mfx::poll_until([&] {
    auto sent = mfx::stat(pay, "packets-sent");
    auto got = mfx::stat(depay, "packets-received");
    return sent && got && *sent == *got && *sent >= 150;
  })) << "depayloader got "
      << mfx::stat(depay, "packets-received").value_or(-1);
  progress("every packet delivered");

  struct Check {
    GstElement *element;
    const char *field;
    std::string query;
    double scale;
  };
  const std::vector<Check> checks = {
      {stx, "packets-sent", "srtrtp_srt_packets_sent_total{element=\"stx\"}", 1},
      {stx, "bytes-sent", "srtrtp_srt_bytes_sent_total{element=\"stx\"}", 1},
      {stx, "packets-retransmitted", "srtrtp_srt_packets_retransmitted_total{element=\"stx\"}", 1},
      {stx, "packets-sent-lost", "srtrtp_srt_packets_send_lost_total{element=\"stx\"}", 1},
      {srx, "packets-received", "srtrtp_srt_packets_received_total{element=\"srx\"}", 1},
      {srx, "packets-received-lost", "srtrtp_srt_packets_receive_lost_total{element=\"srx\"}", 1},
      {srx, "packets-received-retransmitted",
       "srtrtp_srt_packets_receive_retransmitted_total{element=\"srx\"}", 1},
      {pay, "packets-sent", "srtrtp_rtp_packets_sent_total{element=\"pay\"}", 1},
      {pay, "payload-bytes-sent", "srtrtp_rtp_payload_bytes_sent_total{element=\"pay\"}", 1},
      {depay, "packets-received", "srtrtp_rtp_packets_received_total{element=\"depay\"}", 1},
      {depay, "bytes-received", "srtrtp_rtp_bytes_received_total{element=\"depay\"}", 1},
      {depay, "packets-lost", "srtrtp_rtp_packets_lost_total{element=\"depay\"}", 1},
      {depay, "buffers-pushed", "srtrtp_rtp_buffers_pushed_total{element=\"depay\"}", 1},
      {depay, "packets-duplicated", "srtrtp_rtp_packets_duplicated_total{element=\"depay\"}", 1},
      {depay, "packets-reordered", "srtrtp_rtp_packets_reordered_total{element=\"depay\"}", 1},
  };
  for (const auto &c : checks) {
    std::optional<double> in_prom, own;
    EXPECT_TRUE(mfx::poll_until([&] {
      own = mfx::stat(c.element, c.field);
      in_prom = prom_query(prom_port, c.query);
      return own && in_prom && *in_prom == *own * c.scale;
    })) << c.query
        << ": Prometheus " << in_prom.value_or(-1) << ", stats " << own.value_or(-1);
    progress(c.query);
  }
  // The lossy link really lost and retransmitted.
  EXPECT_GT(*mfx::stat(srx, "packets-received-lost"), 0);
  EXPECT_GT(*mfx::stat(stx, "packets-retransmitted"), 0);
  // Gauges and the histogram came through too.
  auto rtt = prom_query(prom_port, "srtrtp_srt_rtt_seconds{element=\"stx\"}");
  ASSERT_TRUE(rtt.has_value());
  EXPECT_NEAR(*rtt * 1000, *mfx::stat(stx, "rtt-ms"), 50.0);
  EXPECT_GT(*rtt, 0.015);  // 10 ms each way through the relay
  // RFC 3550 jitter: RTP units in the stats, seconds in Prometheus (G.722: 8000 Hz).
  std::optional<double> jitter;
  EXPECT_TRUE(mfx::poll_until([&] {
    jitter = prom_query(prom_port, "srtrtp_rtp_jitter_seconds{element=\"depay\"}");
    return jitter && std::abs(*jitter * 8000 - *mfx::stat(depay, "jitter")) < 1e-6;
  })) << "jitter: Prometheus "
      << jitter.value_or(-1) << " s, stats " << *mfx::stat(depay, "jitter") << " units";
  auto count =
      prom_query(prom_port, "srtrtp_element_buffer_duration_seconds_count{element=\"pay\"}");
  ASSERT_TRUE(count.has_value());
  EXPECT_GE(*count, 150);
  auto up = prom_query(prom_port, "up{job=\"srtrtp\"}");
  EXPECT_EQ(up.value_or(0), 1);
}

TEST(MetricsInterop, DashboardInChromiumShowsABondedLinkGoingDownAndBack) {
  const std::string chromium = mfx::find_program("chromium");
  const std::string python = mfx::find_program("python3");
  if (chromium.empty()) GTEST_SKIP() << "chromium missing (Debian package chromium)";
  if (python.empty()) GTEST_SKIP() << "python3 missing";
  std::string missing;
  if (!have({"srtbondsink", "srtbondsrc"}, &missing)) GTEST_SKIP() << missing << " missing";

  // A bonded broadcast stream over two relayed paths; path 0 is cut later.
  const std::uint16_t rx_port = mfx::free_udp_port();
  auto path0 = relay_to(rx_port, 0.0, 5ms, kSeed);
  auto path1 = relay_to(rx_port, 0.0, 8ms, kSeed + 7);
  const std::string link0 = "srt://127.0.0.1:" + std::to_string(path0->listen_address().port()) +
                            "?localaddress=127.0.0.2&peeridletimeo=1000";
  const std::string link1 = "srt://127.0.0.1:" + std::to_string(path1->listen_address().port()) +
                            "?localaddress=127.0.0.3&peeridletimeo=1000";
  auto rx = launch("srtbondsrc name=brx uri=srt://127.0.0.1:" + std::to_string(rx_port) +
                       "?mode=listener ! fakesink sync=false",
                   "bond-receiver");
  auto tx = launch(
      "audiotestsrc is-live=true samplesperbuffer=160 ! "
      "audio/x-raw,rate=16000,channels=1 ! srtbondsink name=btx sync=false "
      "bond-mode=broadcast links=\"" +
          link0 + "," + link1 + "\"",
      "bond-sender");
  ASSERT_TRUE(rx && tx);
  ASSERT_NE(gst_element_set_state(rx.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  ASSERT_NE(gst_element_set_state(tx.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  GstElement *btx = child(tx.get(), "btx");
  ASSERT_TRUE(mfx::poll_until([&] {
    return mfx::link_state(btx, 0) == "running" && mfx::link_state(btx, 1) == "running";
  })) << mfx::link_state(btx, 0)
      << " " << mfx::link_state(btx, 1);

  const std::string dir = mfx::scratch_dir("dashboard");
  const std::uint16_t devtools = mfx::free_tcp_port();
  mfx::Child browser({chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                      "--window-size=1000,1250", "--user-data-dir=" + dir + "/profile",
                      "--remote-debugging-port=" + std::to_string(devtools),
                      "http://127.0.0.1:" + std::to_string(mfx::tracer_port()) + "/"},
                     {}, dir + "/chromium.log");
  const std::string cdp = std::string(METRICS_SOURCE_DIR) + "/cdp.py";
  auto eval = [&](const std::string &js) -> std::string {
    std::string cmd = python + " " + cdp + " eval " + std::to_string(devtools) + " '" + js +
                      "' 2>>" + dir + "/cdp.log";
    std::string out;
    if (FILE *f = popen(cmd.c_str(), "r")) {
      char buf[4096];
      while (std::size_t n = fread(buf, 1, sizeof buf, f)) out.append(buf, n);
      pclose(f);
    }
    return out;
  };
  auto page_polls = [&] {
    return std::atoi(eval("document.getElementById(\"status\").dataset.polls").c_str() + 1);
  };
  auto badges = [&] {
    return eval(
        "[...document.querySelectorAll(\".card.srt\")].map(c => c.dataset.state)"
        ".join(\",\")");
  };
  ASSERT_TRUE(mfx::poll_until([&] { return page_polls() >= 2; }, 60s))
      << "the page never polled: see " << dir;
  ASSERT_TRUE(mfx::poll_until([&] { return badges().find("running") != std::string::npos; }))
      << badges();

  path0->cut();
  ASSERT_TRUE(mfx::poll_until([&] { return mfx::link_state(btx, 0) != "running"; }))
      << "link 0 still running after the cut";
  ASSERT_TRUE(mfx::poll_until([&] {
    const std::string b = badges();
    return b.find("broken") != std::string::npos || b.find("pending") != std::string::npos ||
           b.find("gone") != std::string::npos;
  })) << "the page never showed link 0 down: "
      << badges();
  path0->restore();
  ASSERT_TRUE(mfx::poll_until([&] { return mfx::link_state(btx, 0) == "running"; }))
      << "link 0 did not come back: " << mfx::link_state(btx, 0);
  // Both links running again on the page, and the event log has down and up.
  EXPECT_TRUE(mfx::poll_until([&] {
    const std::string b = badges();
    return b.find("broken") == std::string::npos && b.find("pending") == std::string::npos &&
           b.find("gone") == std::string::npos;
  })) << badges();
  const std::string events = eval(
      "[...document.querySelectorAll(\"#events li\")].map(e => e.dataset.from + \">\" + "
      "e.dataset.to).join(\",\")");
  EXPECT_NE(events.find("running>"), std::string::npos) << events;
  EXPECT_NE(events.find(">running"), std::string::npos) << events;
  // Keep a screenshot of the page as the test's artefact.
  const std::string png = dir + "/dashboard.png";
  std::remove(png.c_str());
  EXPECT_EQ(
      std::system(
          (python + " " + cdp + " screenshot " + std::to_string(devtools) + " " + png).c_str()),
      0);
  std::ifstream shot(png, std::ios::binary);
  char magic[8] = {};
  shot.read(magic, 8);
  EXPECT_EQ(std::string(magic + 1, 3), "PNG") << png;
}
