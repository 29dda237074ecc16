// srtbondsink -> srtbondsrc over loopback: message boundaries and bytes kept,
// oversized buffers split at the payload size, buffer lists, stream ids and
// refusals through caller-connecting, the negotiated latency in the latency
// query, stats after streaming. Every wait is on an event with a timeout.
#include <gio/gio.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <string>

#include "srtbond_fixtures.hpp"

using namespace srtfx;

namespace {

constexpr std::chrono::milliseconds kWaitMs =
    std::chrono::duration_cast<std::chrono::milliseconds>(kWait);

std::string port_str(std::uint16_t p) {
  return std::to_string(p);
}

void push_list(GstElement *pipeline, const std::vector<Bytes> &items) {
  GstBufferList *list = gst_buffer_list_new_sized(static_cast<guint>(items.size()));
  for (const Bytes &b : items) gst_buffer_list_add(list, buffer_of(b));
  ASSERT_EQ(gst_app_src_push_buffer_list(GST_APP_SRC(by_name(pipeline, "in")), list), GST_FLOW_OK);
}

// The messages a buffer becomes at payload size `chunk`.
void expect_split(std::vector<Bytes> &want, const Bytes &b, std::size_t chunk) {
  for (std::size_t off = 0; off < b.size(); off += chunk)
    want.emplace_back(b.begin() + static_cast<std::ptrdiff_t>(off),
                      b.begin() + static_cast<std::ptrdiff_t>(std::min(b.size(), off + chunk)));
}

}  // namespace

TEST(SrtBondStream, ListenerSinkToCallerSourceKeepsMessagesAndSplitsLargeBuffers) {
  const std::uint16_t port = free_udp_port();
  CallerSignals sig;  // outlives the pipelines, whose teardown still signals
  auto tx = sender("uri=srt://127.0.0.1:" + port_str(port) + "?mode=listener");
  auto rx = receiver("uri=srt://127.0.0.1:" + port_str(port) + " latency=100");
  ASSERT_TRUE(tx && rx);
  sig.connect(by_name(tx.get(), "out"));
  ASSERT_NE(gst_element_set_state(tx.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  ASSERT_NE(gst_element_set_state(rx.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);

  std::vector<Bytes> want;
  std::uint8_t seed = 1;
  // Fits, exactly fits, one over, several payloads, and a buffer list.
  for (std::size_t size : {100u, 1316u, 1317u, 4000u, 1u}) {
    Bytes b = pattern(size, seed++);
    push(tx.get(), b);
    expect_split(want, b, 1316);
  }
  std::vector<Bytes> list;
  for (std::size_t i = 0; i < 20; ++i) list.push_back(pattern(50 + i * 97, seed++));
  push_list(tx.get(), list);
  for (const Bytes &b : list) expect_split(want, b, 1316);

  const auto got = pull(by_name(rx.get(), "out"), want.size(), kWaitMs);
  ASSERT_EQ(got.size(), want.size()) << wait_error(rx.get(), std::chrono::milliseconds(10))
                                     << wait_error(tx.get(), std::chrono::milliseconds(10));
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(got[i].data, want[i]) << "message " << i;
  EXPECT_TRUE(got[0].discont);
  for (std::size_t i = 1; i < got.size(); ++i) EXPECT_FALSE(got[i].discont) << i;
  for (const auto &r : got) EXPECT_TRUE(GST_CLOCK_TIME_IS_VALID(r.pts));

  ASSERT_TRUE(sig.log.wait_count(2, kWaitMs));
  EXPECT_EQ(sig.log.entries()[0], "connecting ");  // no stream id
  EXPECT_EQ(sig.log.entries()[1], "added 127.0.0.1");

  std::size_t total = 0;
  for (const Bytes &b : want) total += b.size();
  GstStructure *s = nullptr;
  g_object_get(by_name(rx.get(), "in"), "stats", &s, nullptr);
  ASSERT_NE(s, nullptr);
  guint64 received = 0;
  EXPECT_TRUE(gst_structure_get_uint64(s, "bytes-received-total", &received));
  EXPECT_EQ(received, total);
  EXPECT_TRUE(gst_structure_has_field(s, "rtt-ms")) << gst_structure_to_string(s);
  gst_structure_free(s);
  g_object_get(by_name(tx.get(), "out"), "stats", &s, nullptr);
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(gst_structure_has_field(s, "callers")) << gst_structure_to_string(s);
  guint64 sent = 0;
  EXPECT_TRUE(gst_structure_get_uint64(s, "bytes-sent-total", &sent));
  EXPECT_EQ(sent, total);
  gst_structure_free(s);
}

TEST(SrtBondStream, ListenerSourceChecksStreamIdAndReportsNegotiatedLatency) {
  const std::uint16_t port = free_udp_port();
  CallerSignals sig;  // outlives the pipelines, whose teardown still signals
  auto rx = receiver("uri=srt://127.0.0.1:" + port_str(port) + "?mode=listener latency=80");
  ASSERT_TRUE(rx);
  sig.accept = [](const std::string &id) { return id == "#!::r=cam1"; };
  sig.connect(by_name(rx.get(), "in"));
  ASSERT_NE(gst_element_set_state(rx.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);

  // A refused stream id: the caller gets an error that names the refusal.
  auto bad =
      sender("uri=srt://127.0.0.1:" + port_str(port) + "?streamid=intruder auto-reconnect=false");
  ASSERT_TRUE(bad);
  ASSERT_NE(gst_element_set_state(bad.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  push(bad.get(), pattern(10, 0));
  const std::string err = wait_error(bad.get(), kWaitMs);
  EXPECT_NE(err.find("refused the connection"), std::string::npos) << err;
  EXPECT_NE(err.find("forbidden"), std::string::npos) << err;
  ASSERT_TRUE(sig.log.wait_count(2, kWaitMs));
  EXPECT_EQ(sig.log.entries()[0], "connecting intruder");
  EXPECT_EQ(sig.log.entries()[1], "rejected intruder");
  bad.reset();

  // The right one streams; latency is the larger of both sides (120 ms).
  auto good =
      sender("uri=\"srt://127.0.0.1:" + port_str(port) + "?streamid=%23!::r=cam1\" latency=120");
  ASSERT_TRUE(good);
  ASSERT_NE(gst_element_set_state(good.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  std::vector<Bytes> want;
  for (std::uint8_t i = 0; i < 50; ++i) {
    want.push_back(pattern(200 + i, i));
    push(good.get(), want.back());
  }
  const auto got = pull(by_name(rx.get(), "out"), want.size(), kWaitMs);
  ASSERT_EQ(got.size(), want.size()) << wait_error(good.get(), std::chrono::milliseconds(10));
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(got[i].data, want[i]) << i;
  const auto log = sig.log.entries();
  EXPECT_NE(std::find(log.begin(), log.end(), "connecting #!::r=cam1"), log.end());
  EXPECT_NE(std::find(log.begin(), log.end(), "added 127.0.0.1"), log.end());

  GstQuery *q = gst_query_new_latency();
  ASSERT_TRUE(gst_element_query(by_name(rx.get(), "in"), q));
  GstClockTime min = 0, max = 0;
  gst_query_parse_latency(q, nullptr, &min, &max);
  EXPECT_EQ(min, 120 * GST_MSECOND);
  EXPECT_EQ(max, 120 * GST_MSECOND);
  gst_query_unref(q);

  // The caller leaving ends the stream (keep-listening is off).
  good.reset();
  ASSERT_TRUE(sig.log.wait_count(log.size() + 1, kWaitMs));
  GstBus *bus = gst_element_get_bus(rx.get());
  GstMessage *eos =
      gst_bus_timed_pop_filtered(bus, static_cast<GstClockTime>(kWaitMs.count()) * GST_MSECOND,
                                 static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  ASSERT_NE(eos, nullptr);
  EXPECT_EQ(GST_MESSAGE_TYPE(eos), GST_MESSAGE_EOS);
  gst_message_unref(eos);
  gst_object_unref(bus);
}

TEST(SrtBondStream, CallerWithoutListenerTimesOutWithAClearError) {
  const std::uint16_t port = free_udp_port();
  auto tx =
      sender("uri=\"srt://127.0.0.1:" + port_str(port) + "?conntimeo=500\" auto-reconnect=false");
  ASSERT_TRUE(tx);
  ASSERT_NE(gst_element_set_state(tx.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  push(tx.get(), pattern(10, 0));
  const std::string err = wait_error(tx.get(), kWaitMs);
  EXPECT_NE(err.find("127.0.0.1:" + port_str(port)), std::string::npos) << err;
  EXPECT_TRUE(err.find("No answer") != std::string::npos ||
              err.find("refused") != std::string::npos)
      << err;
}

TEST(SrtBondStream, SinkWithoutWaitForConnectionDropsUntilConnected) {
  const std::uint16_t port = free_udp_port();
  auto tx =
      sender("uri=srt://127.0.0.1:" + port_str(port) + "?mode=listener wait-for-connection=false");
  ASSERT_TRUE(tx);
  ASSERT_NE(gst_element_set_state(tx.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  // Nobody connected: buffers are dropped, the pipeline keeps running.
  for (int i = 0; i < 10; ++i) push(tx.get(), pattern(100, static_cast<std::uint8_t>(i)));
  EXPECT_EQ(wait_error(tx.get(), std::chrono::milliseconds(200)), "");
}

TEST(SrtBondStream, ListenerSinkSendsTheStreamHeadersToEveryNewCallerFirst) {
  const std::uint16_t port = free_udp_port();
  CallerSignals sig;
  auto tx = launch(
      "appsrc name=in is-live=true format=time ! srtbondsink name=out sync=false "
      "uri=srt://127.0.0.1:" +
      port_str(port) + "?mode=listener");
  ASSERT_TRUE(tx);
  // Caps with a streamheader (as mpegtsmux or flvmux put their headers).
  const Bytes header = pattern(700, 99);
  {
    GstBuffer *h = buffer_of(header);
    GST_BUFFER_FLAG_SET(h, GST_BUFFER_FLAG_HEADER);
    GValue array = G_VALUE_INIT, value = G_VALUE_INIT;
    g_value_init(&array, GST_TYPE_ARRAY);
    g_value_init(&value, GST_TYPE_BUFFER);
    gst_value_set_buffer(&value, h);
    gst_value_array_append_and_take_value(&array, &value);
    GstCaps *caps = gst_caps_new_empty_simple("application/x-test-stream");
    gst_caps_set_value(caps, "streamheader", &array);
    g_value_unset(&array);
    gst_buffer_unref(h);
    g_object_set(by_name(tx.get(), "in"), "caps", caps, nullptr);
    gst_caps_unref(caps);
  }
  sig.connect(by_name(tx.get(), "out"));
  ASSERT_NE(gst_element_set_state(tx.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);

  auto rx1 = receiver("uri=srt://127.0.0.1:" + port_str(port));
  ASSERT_TRUE(rx1);
  ASSERT_NE(gst_element_set_state(rx1.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  std::vector<Bytes> first;
  for (std::uint8_t i = 0; i < 5; ++i) first.push_back(pattern(200 + i, i));
  for (const Bytes &b : first) push(tx.get(), b);  // waits for the first caller
  const auto got1 = pull(by_name(rx1.get(), "out"), 6, kWaitMs);
  ASSERT_EQ(got1.size(), 6u) << wait_error(tx.get(), std::chrono::milliseconds(10));
  EXPECT_EQ(got1[0].data, header);
  for (std::size_t i = 0; i < first.size(); ++i) EXPECT_EQ(got1[i + 1].data, first[i]) << i;

  // A late joiner: the headers first, then live data; the first caller does
  // not get them again.
  auto rx2 = receiver("uri=srt://127.0.0.1:" + port_str(port));
  ASSERT_TRUE(rx2);
  ASSERT_NE(gst_element_set_state(rx2.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  ASSERT_TRUE(sig.log.wait_count(4, kWaitMs));  // connecting + added, twice
  std::vector<Bytes> later;
  for (std::uint8_t i = 0; i < 3; ++i) later.push_back(pattern(300 + i, 50 + i));
  for (const Bytes &b : later) push(tx.get(), b);
  const auto got2 = pull(by_name(rx2.get(), "out"), 4, kWaitMs);
  ASSERT_EQ(got2.size(), 4u) << wait_error(tx.get(), std::chrono::milliseconds(10));
  EXPECT_EQ(got2[0].data, header);
  for (std::size_t i = 0; i < later.size(); ++i) EXPECT_EQ(got2[i + 1].data, later[i]) << i;
  const auto more1 = pull(by_name(rx1.get(), "out"), 3, kWaitMs);
  ASSERT_EQ(more1.size(), 3u);
  for (std::size_t i = 0; i < later.size(); ++i) EXPECT_EQ(more1[i].data, later[i]) << i;
}

namespace {

// caller-connecting: refuses every caller with a code chosen from its
// stream id (the application's own access control).
gboolean refuse_with_chosen_code(GstElement *element, GSocketAddress *, const gchar *stream_id,
                                 gpointer) {
  const guint code = g_str_has_suffix(stream_id, "missing") ? 1404 : 1401;
  g_object_set(element, "caller-reject-code", code, nullptr);
  return FALSE;
}

}  // namespace

TEST(SrtBondStream, RefusedCallerGetsTheRejectCodeTheApplicationChose) {
  const std::uint16_t port = free_udp_port();
  auto rx = receiver("uri=srt://127.0.0.1:" + port_str(port) + "?mode=listener");
  ASSERT_TRUE(rx);
  GstElement *src = by_name(rx.get(), "in");
  guint code = 0;
  g_object_get(src, "caller-reject-code", &code, nullptr);
  EXPECT_EQ(code, 1403u);  // SRT_REJX_FORBIDDEN, as srtsrc
  g_signal_connect(src, "caller-connecting", G_CALLBACK(refuse_with_chosen_code), nullptr);
  ASSERT_NE(gst_element_set_state(rx.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  for (const auto &[id, want] : {std::pair<std::string, std::string>{"cam-missing", "1404"},
                                 std::pair<std::string, std::string>{"cam-unknown", "1401"}}) {
    auto tx = sender("uri=srt://127.0.0.1:" + port_str(port) + "?streamid=" + id +
                     " auto-reconnect=false");
    ASSERT_TRUE(tx);
    ASSERT_NE(gst_element_set_state(tx.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    push(tx.get(), pattern(10, 0));
    const std::string err = wait_error(tx.get(), kWaitMs);
    EXPECT_NE(err.find("reject code " + want), std::string::npos) << err;
    EXPECT_NE(err.find(want == "1404" ? "resource not found" : "unauthorized"), std::string::npos)
        << err;
  }
}

TEST(SrtBondStream, ListenerSinkServesAtMostMaxConnectionsCallers) {
  const std::uint16_t port = free_udp_port();
  auto tx = sender("uri=srt://127.0.0.1:" + port_str(port) + "?mode=listener max-connections=1");
  ASSERT_TRUE(tx);
  guint max = 0;
  g_object_get(by_name(tx.get(), "out"), "max-connections", &max, nullptr);
  EXPECT_EQ(max, 1u);
  ASSERT_NE(gst_element_set_state(tx.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  auto rx1 = receiver("uri=srt://127.0.0.1:" + port_str(port));
  ASSERT_TRUE(rx1);
  ASSERT_NE(gst_element_set_state(rx1.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  push(tx.get(), pattern(100, 1));  // waits for the first caller
  ASSERT_EQ(pull(by_name(rx1.get(), "out"), 1, kWaitMs).size(), 1u);

  // The second caller is refused as by a full libsrt listener.
  auto rx2 = receiver("uri=srt://127.0.0.1:" + port_str(port) + " auto-reconnect=false");
  ASSERT_TRUE(rx2);
  ASSERT_NE(gst_element_set_state(rx2.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  const std::string err = wait_error(rx2.get(), kWaitMs);
  EXPECT_NE(err.find("backlog"), std::string::npos) << err;

  // Once the first leaves, a caller that keeps trying gets in.
  auto rx3 = receiver("uri=srt://127.0.0.1:" + port_str(port));
  ASSERT_TRUE(rx3);
  ASSERT_NE(gst_element_set_state(rx3.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  gst_element_set_state(rx1.get(), GST_STATE_NULL);
  std::vector<Received> got;
  for (std::uint8_t i = 0; got.empty() && i < 100; ++i) {
    push(tx.get(), pattern(100, i));
    got = pull(by_name(rx3.get(), "out"), 1, std::chrono::milliseconds(200));
  }
  EXPECT_EQ(got.size(), 1u);
}
