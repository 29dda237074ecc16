// srtbondsink -> srtbondsrc with a passphrase: the stream arrives intact
// at the key length asked for; a wrong or missing passphrase fails the
// caller with an error that says which refusal it was and what to set, and
// the listener (which keeps serving) posts a warning saying the same.
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <string>

#include "srtbond_fixtures.hpp"

using namespace srtfx;

namespace {

constexpr std::chrono::milliseconds kWaitMs =
    std::chrono::duration_cast<std::chrono::milliseconds>(kWait);

// "text / debug" of the first warning on the bus, "" if none in time.
std::string wait_warning(GstElement *pipeline) {
  GstBus *bus = gst_element_get_bus(pipeline);
  GstMessage *m = gst_bus_timed_pop_filtered(
      bus, static_cast<GstClockTime>(kWaitMs.count()) * GST_MSECOND, GST_MESSAGE_WARNING);
  gst_object_unref(bus);
  if (!m) return "";
  GError *err = nullptr;
  gchar *debug = nullptr;
  gst_message_parse_warning(m, &err, &debug);
  std::string text = std::string(err->message) + " / " + (debug ? debug : "");
  g_error_free(err);
  g_free(debug);
  gst_message_unref(m);
  return text;
}

// A caller's figure, or a listener's first caller's (in "callers", as srtsrc).
int stats_int(GstElement *element, const char *field) {
  GstStructure *s = nullptr;
  g_object_get(element, "stats", &s, nullptr);
  if (!s) return -1;
  int v = -1;
  // GValueArray, as srtsrc's stats (deprecated in GLib, still what it uses).
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (!gst_structure_get_int(s, field, &v)) {
    const GValue *callers = gst_structure_get_value(s, "callers");
    if (callers && G_VALUE_TYPE(callers) == g_value_array_get_type()) {
      auto *arr = static_cast<GValueArray *>(g_value_get_boxed(callers));
      if (arr && arr->n_values > 0) {
        const GstStructure *c = gst_value_get_structure(g_value_array_get_nth(arr, 0));
        gst_structure_get_int(c, field, &v);
      }
    }
  }
  G_GNUC_END_IGNORE_DEPRECATIONS
  gst_structure_free(s);
  return v;
}

std::string listener_uri(std::uint16_t port) {
  return "uri=srt://127.0.0.1:" + std::to_string(port) + "?mode=listener";
}

std::string caller_uri(std::uint16_t port, const std::string &query = "") {
  return "uri=\"srt://127.0.0.1:" + std::to_string(port) + "?conntimeo=5000" + query + "\"";
}

TEST(SrtBondEncryption, SamePassphraseStreamsAtTheCallersKeyLength) {
  const std::uint16_t port = free_udp_port();
  auto rx = receiver(listener_uri(port) + " passphrase=\"bond element secret\"");
  ASSERT_TRUE(rx);
  ASSERT_NE(gst_element_set_state(rx.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  // The URI keys as srtsink takes them.
  auto tx = sender("auto-reconnect=false " +
                   caller_uri(port, "&passphrase=bond%20element%20secret&pbkeylen=32"));
  ASSERT_TRUE(tx);
  ASSERT_NE(gst_element_set_state(tx.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  std::vector<Bytes> want;
  for (std::uint8_t i = 0; i < 40; ++i) {
    want.push_back(pattern(300 + i, i));
    push(tx.get(), want.back());
  }
  const auto got = pull(by_name(rx.get(), "out"), want.size(), kWaitMs);
  ASSERT_EQ(got.size(), want.size()) << wait_error(tx.get(), std::chrono::milliseconds(10));
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(got[i].data, want[i]) << i;
  for (GstElement *e : {by_name(tx.get(), "out"), by_name(rx.get(), "in")}) {
    EXPECT_EQ(stats_int(e, "pbkeylen"), 32);
    EXPECT_EQ(stats_int(e, "crypto-mode"), 1);  // auto on the caller: AES-CTR
    EXPECT_EQ(stats_int(e, "km-state"), 2);     // SRT_KM_S_SECURED
    EXPECT_EQ(stats_int(e, "packets-received-undecrypted"), 0);
  }
}

// AES-GCM through the elements: the property on the listener, the URI key
// on the caller; the stream arrives intact. Against an AES-CTR listener the
// same caller is refused with SRT_REJ_CRYPTO and told what to set, which
// shows the mode really reached both engines.
TEST(SrtBondEncryption, AesGcmStreamsAndCollidesWithAesCtr) {
  const std::uint16_t port = free_udp_port();
  auto rx =
      receiver(listener_uri(port) + " passphrase=\"bond element secret\" crypto-mode=aes-gcm");
  ASSERT_TRUE(rx);
  ASSERT_NE(gst_element_set_state(rx.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  gint mode = -1;
  g_object_get(by_name(rx.get(), "in"), "crypto-mode", &mode, nullptr);
  EXPECT_EQ(mode, 2);
  auto tx = sender(caller_uri(port, "&passphrase=bond%20element%20secret&cryptomode=2"));
  ASSERT_TRUE(tx);
  ASSERT_NE(gst_element_set_state(tx.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  std::vector<Bytes> want;
  for (std::uint8_t i = 0; i < 40; ++i) {
    want.push_back(pattern(1316 - i, i));  // up to the live default, tag on top
    push(tx.get(), want.back());
  }
  const auto got = pull(by_name(rx.get(), "out"), want.size(), kWaitMs);
  ASSERT_EQ(got.size(), want.size()) << wait_error(tx.get(), std::chrono::milliseconds(10));
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(got[i].data, want[i]) << i;
  for (GstElement *e : {by_name(tx.get(), "out"), by_name(rx.get(), "in")}) {
    EXPECT_EQ(stats_int(e, "km-state"), 2);
    EXPECT_EQ(stats_int(e, "crypto-mode"), 2);  // AES-GCM in use
    EXPECT_EQ(stats_int(e, "packets-received-undecrypted"), 0);
  }

  const std::uint16_t ctr_port = free_udp_port();
  auto ctr =
      receiver(listener_uri(ctr_port) + " passphrase=\"bond element secret\" crypto-mode=aes-ctr");
  ASSERT_TRUE(ctr);
  ASSERT_NE(gst_element_set_state(ctr.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  auto gcm =
      sender(caller_uri(ctr_port) + " passphrase=\"bond element secret\" crypto-mode=aes-gcm");
  ASSERT_TRUE(gcm);
  ASSERT_NE(gst_element_set_state(gcm.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  push(gcm.get(), pattern(10, 0));
  const std::string err = wait_error(gcm.get(), kWaitMs);
  EXPECT_NE(err.find("code 17"), std::string::npos) << err;
  EXPECT_NE(err.find("cryptomode=1 or 0"), std::string::npos) << err;
  const std::string warn = wait_warning(ctr.get());
  EXPECT_NE(warn.find("set cryptomode=2 here (0 also works on a listener)"), std::string::npos)
      << warn;
}

struct Refusal {
  std::string listener_props;
  std::string caller_props;
  const char *caller_says;
  const char *listener_says;
};

TEST(SrtBondEncryption, RefusalsSayWhichAndWhatToSetOnBothSides) {
  const Refusal cases[] = {
      {"passphrase=\"bond element secret\"", "passphrase=\"another element secret\"",
       "the passphrases differ", "the passphrases differ"},
      {"passphrase=\"bond element secret\"", "", "the peer requires encryption",
       "only this side has a passphrase"},
      {"", "passphrase=\"bond element secret\"", "only this side has a passphrase",
       "the peer requires encryption"},
  };
  for (const Refusal &r : cases) {
    SCOPED_TRACE(r.caller_says);
    const std::uint16_t port = free_udp_port();
    auto rx = receiver(listener_uri(port) + " " + r.listener_props);
    ASSERT_TRUE(rx);
    ASSERT_NE(gst_element_set_state(rx.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    auto tx = sender("auto-reconnect=false " + caller_uri(port) + " " + r.caller_props);
    ASSERT_TRUE(tx);
    ASSERT_NE(gst_element_set_state(tx.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    push(tx.get(), pattern(10, 0));
    const std::string err = wait_error(tx.get(), kWaitMs);
    EXPECT_NE(err.find("refused the connection"), std::string::npos) << err;
    EXPECT_NE(err.find(r.caller_says), std::string::npos) << err;
    const std::string warn = wait_warning(rx.get());
    EXPECT_NE(warn.find("Refused the SRT caller"), std::string::npos) << warn;
    EXPECT_NE(warn.find(r.listener_says), std::string::npos) << warn;
    // Nothing reached the listener's application.
    EXPECT_TRUE(pull(by_name(rx.get(), "out"), 1, std::chrono::milliseconds(0)).empty());
  }
}

}  // namespace
