// srtbondsink / srtbondsrc as drop-ins for srtsink / srtsrc without a peer:
// properties (names, types, defaults, ranges, flags) as gst-inspect-1.0 shows
// them for gst-plugins-bad 1.22, signals and their signatures, the URI
// handler, the `caps` property, stats, latency query, and clear errors for
// bad URIs, unsupported settings and a port in use.
#include <gio/gio.h>
#include <gst/base/gstbasesrc.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <string>

#include "srtbond_fixtures.hpp"

using namespace srtfx;

namespace {

struct ElementDeleter {
  void operator()(GstElement *e) const { gst_object_unref(e); }
};
using ElementPtr = std::unique_ptr<GstElement, ElementDeleter>;

ElementPtr make(const char *factory) {
  GstElement *e = gst_element_factory_make(factory, nullptr);
  if (e) gst_object_ref_sink(e);
  return ElementPtr(e);
}

std::string str_prop(GstElement *e, const char *name) {
  gchar *v = nullptr;
  g_object_get(e, name, &v, nullptr);
  std::string s = v ? v : "(null)";
  g_free(v);
  return s;
}

class BothElements : public ::testing::TestWithParam<const char *> {};

}  // namespace

TEST_P(BothElements, PropertiesMatchSrtsrcAndSrtsink) {
  auto e = make(GetParam());
  ASSERT_TRUE(e) << GetParam() << " is not registered";
  GObjectClass *klass = G_OBJECT_GET_CLASS(e.get());
  const auto rw = G_PARAM_READWRITE;

  struct IntSpec {
    const char *name;
    gint min, max, def;
    bool mutable_ready;
  };
  for (const IntSpec &w : {IntSpec{"latency", 0, G_MAXINT32, 125, false},
                           IntSpec{"poll-timeout", -1, G_MAXINT32, -1, true}}) {
    GParamSpec *ps = g_object_class_find_property(klass, w.name);
    ASSERT_TRUE(ps && G_IS_PARAM_SPEC_INT(ps)) << w.name;
    EXPECT_EQ(G_PARAM_SPEC_INT(ps)->minimum, w.min) << w.name;
    EXPECT_EQ(G_PARAM_SPEC_INT(ps)->maximum, w.max) << w.name;
    EXPECT_EQ(G_PARAM_SPEC_INT(ps)->default_value, w.def) << w.name;
    EXPECT_EQ((ps->flags & rw), rw) << w.name;
    EXPECT_EQ((ps->flags & GST_PARAM_MUTABLE_READY) != 0, w.mutable_ready) << w.name;
  }
  GParamSpec *lp = g_object_class_find_property(klass, "localport");
  ASSERT_TRUE(lp && G_IS_PARAM_SPEC_UINT(lp));
  EXPECT_EQ(G_PARAM_SPEC_UINT(lp)->maximum, 65535u);
  EXPECT_EQ(G_PARAM_SPEC_UINT(lp)->default_value, 7001u);

  struct BoolSpec {
    const char *name;
    gboolean def;
  };
  for (const BoolSpec &w : {BoolSpec{"wait-for-connection", TRUE}, BoolSpec{"authentication", TRUE},
                            BoolSpec{"auto-reconnect", TRUE}}) {
    GParamSpec *ps = g_object_class_find_property(klass, w.name);
    ASSERT_TRUE(ps && G_IS_PARAM_SPEC_BOOLEAN(ps)) << w.name;
    EXPECT_EQ(G_PARAM_SPEC_BOOLEAN(ps)->default_value, w.def) << w.name;
  }

  struct StrSpec {
    const char *name;
    const char *def;
  };
  for (const StrSpec &w :
       {StrSpec{"uri", "srt://127.0.0.1:7001"}, StrSpec{"localaddress", nullptr},
        StrSpec{"streamid", nullptr}, StrSpec{"passphrase", ""}, StrSpec{"packetfilter", ""}}) {
    GParamSpec *ps = g_object_class_find_property(klass, w.name);
    ASSERT_TRUE(ps && G_IS_PARAM_SPEC_STRING(ps)) << w.name;
    EXPECT_STREQ(G_PARAM_SPEC_STRING(ps)->default_value, w.def) << w.name;
    EXPECT_TRUE(ps->flags & GST_PARAM_MUTABLE_READY) << w.name;
  }
  EXPECT_FALSE(g_object_class_find_property(klass, "passphrase")->flags & G_PARAM_READABLE);

  GParamSpec *mode = g_object_class_find_property(klass, "mode");
  ASSERT_TRUE(mode && G_IS_PARAM_SPEC_ENUM(mode));
  EXPECT_EQ(G_PARAM_SPEC_ENUM(mode)->default_value, 1);
  GEnumClass *modes = G_PARAM_SPEC_ENUM(mode)->enum_class;
  for (auto [nick, value] : {std::pair{"none", 0}, std::pair{"caller", 1}, std::pair{"listener", 2},
                             std::pair{"rendezvous", 3}}) {
    GEnumValue *v = g_enum_get_value_by_nick(modes, nick);
    ASSERT_NE(v, nullptr) << nick;
    EXPECT_EQ(v->value, value) << nick;
  }
  GParamSpec *keylen = g_object_class_find_property(klass, "pbkeylen");
  ASSERT_TRUE(keylen && G_IS_PARAM_SPEC_ENUM(keylen));
  for (auto [nick, value] :
       {std::pair{"no-key", 0}, std::pair{"16", 16}, std::pair{"24", 24}, std::pair{"32", 32}}) {
    GEnumValue *v = g_enum_get_value_by_nick(G_PARAM_SPEC_ENUM(keylen)->enum_class, nick);
    ASSERT_NE(v, nullptr) << nick;
    EXPECT_EQ(v->value, value) << nick;
  }

  GParamSpec *stats = g_object_class_find_property(klass, "stats");
  ASSERT_TRUE(stats && G_IS_PARAM_SPEC_BOXED(stats));
  EXPECT_EQ(stats->value_type, GST_TYPE_STRUCTURE);
  EXPECT_FALSE(stats->flags & G_PARAM_WRITABLE);
}

TEST_P(BothElements, SignalsHaveSrtsrcSignatures) {
  auto e = make(GetParam());
  ASSERT_TRUE(e);
  const GType type = G_OBJECT_TYPE(e.get());
  struct Sig {
    const char *name;
    GType ret;
    std::vector<GType> params;
  };
  for (const Sig &w :
       {Sig{"caller-added", G_TYPE_NONE, {G_TYPE_INT, G_TYPE_SOCKET_ADDRESS}},
        Sig{"caller-removed", G_TYPE_NONE, {G_TYPE_INT, G_TYPE_SOCKET_ADDRESS}},
        Sig{"caller-rejected", G_TYPE_NONE, {G_TYPE_SOCKET_ADDRESS, G_TYPE_STRING}},
        Sig{"caller-connecting", G_TYPE_BOOLEAN, {G_TYPE_SOCKET_ADDRESS, G_TYPE_STRING}}}) {
    const guint id = g_signal_lookup(w.name, type);
    ASSERT_NE(id, 0u) << w.name;
    GSignalQuery q;
    g_signal_query(id, &q);
    EXPECT_EQ(q.return_type, w.ret) << w.name;
    ASSERT_EQ(q.n_params, w.params.size()) << w.name;
    for (guint i = 0; i < q.n_params; ++i) EXPECT_EQ(q.param_types[i], w.params[i]) << w.name;
  }
}

TEST_P(BothElements, CallerConnectingAcceptsByDefaultAndHandlersCanRefuse) {
  auto e = make(GetParam());
  ASSERT_TRUE(e);
  GInetAddress *lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  GSocketAddress *addr = g_inet_socket_address_new(lo, 4000);
  gboolean ok = FALSE;
  g_signal_emit_by_name(e.get(), "caller-connecting", addr, "anything", &ok);
  EXPECT_TRUE(ok);
  CallerSignals sig;
  sig.accept = [](const std::string &id) { return id == "good"; };
  sig.connect(e.get());
  g_signal_emit_by_name(e.get(), "caller-connecting", addr, "bad", &ok);
  EXPECT_FALSE(ok);
  g_signal_emit_by_name(e.get(), "caller-connecting", addr, "good", &ok);
  EXPECT_TRUE(ok);
  g_signal_handlers_disconnect_by_data(e.get(), &sig);
  g_object_unref(addr);
  g_object_unref(lo);
}

TEST_P(BothElements, UriSetsPropertiesAsSrtsrcDoes) {
  auto e = make(GetParam());
  ASSERT_TRUE(e);
  gint mode = 0, latency = 0;
  guint port = 0;
  g_object_set(e.get(), "uri", "srt://:7001", nullptr);
  g_object_get(e.get(), "mode", &mode, "localport", &port, nullptr);
  EXPECT_EQ(mode, 2);  // listener
  EXPECT_EQ(str_prop(e.get(), "localaddress"), "0.0.0.0");
  EXPECT_EQ(port, 7001u);

  g_object_set(e.get(), "uri", "srt://127.0.0.1:5000?mode=listener", nullptr);
  g_object_get(e.get(), "mode", &mode, "localport", &port, nullptr);
  EXPECT_EQ(mode, 2);
  EXPECT_EQ(str_prop(e.get(), "localaddress"), "127.0.0.1");
  EXPECT_EQ(port, 5000u);

  g_object_set(e.get(), "uri", "srt://1.2.3.4:1234?latency=300&streamid=abc", nullptr);
  g_object_get(e.get(), "mode", &mode, "latency", &latency, nullptr);
  EXPECT_EQ(mode, 1);
  EXPECT_EQ(latency, 300);
  EXPECT_EQ(str_prop(e.get(), "streamid"), "abc");
  EXPECT_EQ(str_prop(e.get(), "localaddress"), "(null)");
  EXPECT_EQ(str_prop(e.get(), "uri"), "srt://1.2.3.4:1234?latency=300&streamid=abc");

  // Properties change single settings; a new URI starts from defaults again.
  g_object_set(e.get(), "latency", 200, "streamid", "xyz", "mode", 3, nullptr);
  g_object_get(e.get(), "mode", &mode, "latency", &latency, nullptr);
  EXPECT_EQ(mode, 3);
  EXPECT_EQ(latency, 200);
  EXPECT_EQ(str_prop(e.get(), "streamid"), "xyz");
  g_object_set(e.get(), "uri", "srt://1.2.3.4:1234", nullptr);
  g_object_get(e.get(), "latency", &latency, nullptr);
  EXPECT_EQ(latency, 125);
  EXPECT_EQ(str_prop(e.get(), "streamid"), "(null)");

  // The packet filter: a URI key and a property, as libsrt's packetfilter.
  g_object_set(e.get(), "uri", "srt://1.2.3.4:1234?packetfilter=fec,cols:10,rows:5", nullptr);
  EXPECT_EQ(str_prop(e.get(), "packetfilter"), "fec,cols:10,rows:5");
  g_object_set(e.get(), "packetfilter", "fec,cols:4,arq:never", nullptr);
  EXPECT_EQ(str_prop(e.get(), "packetfilter"), "fec,cols:4,arq:never");
  g_object_set(e.get(), "uri", "srt://1.2.3.4:1234", nullptr);
  EXPECT_EQ(str_prop(e.get(), "packetfilter"), "");
}

TEST_P(BothElements, UriHandler) {
  auto e = make(GetParam());
  ASSERT_TRUE(e);
  ASSERT_TRUE(GST_IS_URI_HANDLER(e.get()));
  const gchar *const *protocols = gst_uri_handler_get_protocols(GST_URI_HANDLER(e.get()));
  ASSERT_NE(protocols, nullptr);
  EXPECT_STREQ(protocols[0], "srt");
  const bool sink = std::string(GetParam()) == "srtbondsink";
  EXPECT_EQ(gst_uri_handler_get_uri_type(GST_URI_HANDLER(e.get())),
            sink ? GST_URI_SINK : GST_URI_SRC);

  GError *err = nullptr;
  EXPECT_TRUE(
      gst_uri_handler_set_uri(GST_URI_HANDLER(e.get()), "srt://[::1]:9000?latency=50", &err));
  gchar *uri = gst_uri_handler_get_uri(GST_URI_HANDLER(e.get()));
  EXPECT_STREQ(uri, "srt://[::1]:9000?latency=50");
  g_free(uri);

  EXPECT_FALSE(gst_uri_handler_set_uri(GST_URI_HANDLER(e.get()), "udp://1.2.3.4:5", &err));
  ASSERT_NE(err, nullptr);
  g_clear_error(&err);
  EXPECT_FALSE(gst_uri_handler_set_uri(GST_URI_HANDLER(e.get()), "srt://h:1?latency=soon", &err));
  ASSERT_NE(err, nullptr);
  EXPECT_TRUE(g_error_matches(err, GST_URI_ERROR, GST_URI_ERROR_BAD_URI));
  EXPECT_NE(std::string(err->message).find("latency=soon"), std::string::npos) << err->message;
  g_clear_error(&err);

  // The factory advertises srt:// (gst-plugins-bad's srtsrc may outrank it).
  GstElementFactory *f = gst_element_factory_find(GetParam());
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(gst_element_factory_get_uri_type(f), sink ? GST_URI_SINK : GST_URI_SRC);
  EXPECT_STREQ(gst_element_factory_get_uri_protocols(f)[0], "srt");
  gst_object_unref(f);
}

TEST_P(BothElements, StatsBeforeConnecting) {
  auto e = make(GetParam());
  ASSERT_TRUE(e);
  GstStructure *s = nullptr;
  g_object_get(e.get(), "stats", &s, nullptr);
  ASSERT_NE(s, nullptr);
  EXPECT_STREQ(gst_structure_get_name(s), "application/x-srt-statistics");
  const bool sink = std::string(GetParam()) == "srtbondsink";
  guint64 total = 1;
  EXPECT_TRUE(
      gst_structure_get_uint64(s, sink ? "bytes-sent-total" : "bytes-received-total", &total));
  EXPECT_EQ(total, 0u);
  gst_structure_free(s);
}

TEST_P(BothElements, BadUriIsAnElementErrorAtStart) {
  const bool sink = std::string(GetParam()) == "srtbondsink";
  const std::string el =
      std::string(GetParam()) + " name=e uri=\"srt://127.0.0.1:7001?latency=-3\"";
  auto p = launch(sink ? "fakesrc ! " + el : el + " ! fakesink");
  ASSERT_TRUE(p);
  const std::string err = start_error(p.get());
  EXPECT_NE(err.find("latency=-3"), std::string::npos) << err;
  EXPECT_NE(err.find("Invalid SRT settings"), std::string::npos) << err;
}

TEST_P(BothElements, UnsupportedSettingsAreElementErrors) {
  const bool sink = std::string(GetParam()) == "srtbondsink";
  for (const char *extra : {"passphrase=tooshort", "uri=srt://127.0.0.1:7001?transtype=file",
                            "uri=srt://127.0.0.1:7001?payloadsize=2000"}) {
    const std::string el = std::string(GetParam()) + " " + extra;
    auto p = launch(sink ? "fakesrc ! " + el : el + " ! fakesink");
    ASSERT_TRUE(p);
    const std::string err = start_error(p.get());
    EXPECT_NE(err.find("Invalid SRT settings"), std::string::npos) << extra << ": " << err;
  }
}

TEST_P(BothElements, PortInUseFailsTheStateChangeWithAClearError) {
  // Hold the port with a plain UDP socket.
  GSocket *holder =
      g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, nullptr);
  GInetAddress *lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  GSocketAddress *any = g_inet_socket_address_new(lo, 0);
  ASSERT_TRUE(g_socket_bind(holder, any, FALSE, nullptr));
  GSocketAddress *bound = g_socket_get_local_address(holder, nullptr);
  const guint port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));

  const bool sink = std::string(GetParam()) == "srtbondsink";
  const std::string el =
      std::string(GetParam()) + " uri=srt://127.0.0.1:" + std::to_string(port) + "?mode=listener";
  auto p = launch(sink ? "fakesrc ! " + el : el + " ! fakesink");
  ASSERT_TRUE(p);
  const std::string err = start_error(p.get());
  EXPECT_NE(err.find("Could not open the SRT socket"), std::string::npos) << err;
  EXPECT_NE(err.find("port"), std::string::npos) << err;
  p.reset();
  g_object_unref(bound);
  g_object_unref(any);
  g_object_unref(lo);
  g_object_unref(holder);
}

INSTANTIATE_TEST_SUITE_P(SrtBond, BothElements, ::testing::Values("srtbondsink", "srtbondsrc"));

TEST(SrtBondSrc, CapsPropertyAsUdpsrc) {
  auto p = launch(
      "srtbondsrc name=src caps=\"application/x-rtp,media=video,clock-rate=90000,"
      "encoding-name=H264\" ! fakesink");
  ASSERT_TRUE(p);
  GstElement *src = by_name(p.get(), "src");
  GstCaps *set = nullptr;
  g_object_get(src, "caps", &set, nullptr);
  ASSERT_NE(set, nullptr);
  GstPad *pad = gst_element_get_static_pad(src, "src");
  GstCaps *caps = gst_pad_query_caps(pad, nullptr);
  GstCaps *want =
      gst_caps_from_string("application/x-rtp,media=video,clock-rate=90000,encoding-name=H264");
  EXPECT_TRUE(gst_caps_is_equal(caps, want)) << gst_caps_to_string(caps);
  EXPECT_TRUE(gst_caps_is_equal(set, want));
  gst_caps_unref(want);
  gst_caps_unref(caps);
  gst_caps_unref(set);
  gst_object_unref(pad);

  // Without the property the pad offers anything.
  auto q = launch("srtbondsrc name=src ! fakesink");
  GstPad *pad2 = gst_element_get_static_pad(by_name(q.get(), "src"), "src");
  GstCaps *any = gst_pad_query_caps(pad2, nullptr);
  EXPECT_TRUE(gst_caps_is_any(any));
  gst_caps_unref(any);
  gst_object_unref(pad2);
}

TEST(SrtBondSrc, LatencyQueryAnswersTheConfiguredLatencyBeforeConnecting) {
  auto e = make("srtbondsrc");
  ASSERT_TRUE(e);
  g_object_set(e.get(), "uri", "srt://127.0.0.1:7001?rcvlatency=80&latency=300", nullptr);
  GstQuery *q = gst_query_new_latency();
  ASSERT_TRUE(gst_element_query(e.get(), q));
  gboolean live = FALSE;
  GstClockTime min = 0, max = 0;
  gst_query_parse_latency(q, &live, &min, &max);
  EXPECT_TRUE(live);
  EXPECT_EQ(min, 80 * GST_MSECOND);
  EXPECT_EQ(max, 80 * GST_MSECOND);
  gst_query_unref(q);
}

TEST(SrtBondSrc, KeepListeningProperty) {
  auto e = make("srtbondsrc");
  ASSERT_TRUE(e);
  GParamSpec *ps = g_object_class_find_property(G_OBJECT_GET_CLASS(e.get()), "keep-listening");
  ASSERT_TRUE(ps && G_IS_PARAM_SPEC_BOOLEAN(ps));
  EXPECT_FALSE(G_PARAM_SPEC_BOOLEAN(ps)->default_value);
  EXPECT_TRUE(GST_IS_BASE_SRC(e.get()));
  EXPECT_TRUE(gst_base_src_is_live(GST_BASE_SRC(e.get())));
}
