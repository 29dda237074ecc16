#include "audio_fixtures.hpp"

#include <gtest/gtest.h>

#include "rtp/rtp_header.hpp"

namespace audiofx {

HarnessPtr make(const char *element, const std::string &props, const char *src_caps,
                const char *sink_caps) {
  HarnessPtr h(gst_harness_new(element));
  gchar **items = g_strsplit(props.c_str(), " ", -1);
  for (gchar **it = items; *it; ++it) {
    if (!**it) continue;
    gchar **kv = g_strsplit(*it, "=", 2);
    EXPECT_TRUE(kv[0] && kv[1]) << *it;
    if (kv[0] && kv[1]) gst_util_set_object_arg(G_OBJECT(h->element), kv[0], kv[1]);
    g_strfreev(kv);
  }
  g_strfreev(items);
  if (sink_caps) gst_harness_set_sink_caps_str(h.get(), sink_caps);
  gst_harness_set_src_caps_str(h.get(), src_caps);
  return h;
}

Bytes pattern(std::size_t n, std::uint8_t seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed + i);
  return b;
}

GstBuffer *buffer(const Bytes &data, GstClockTime pts, bool discont) {
  GstBuffer *b = gst_buffer_new_memdup(data.data(), data.size());
  GST_BUFFER_PTS(b) = pts;
  if (discont) GST_BUFFER_FLAG_SET(b, GST_BUFFER_FLAG_DISCONT);
  return b;
}

GstBuffer *rtp_packet(const Bytes &payload, std::uint16_t seq, std::uint32_t ts, bool marker,
                      GstClockTime pts, std::uint8_t pt) {
  Bytes raw(srtcore::rtp::kRtpHeaderSize + payload.size());
  srtcore::rtp::RtpHeader h;
  h.marker = marker;
  h.payload_type = pt;
  h.sequence = seq;
  h.timestamp = ts;
  h.ssrc = 0x0badcafe;
  srtcore::rtp::write_rtp_header(raw.data(), h);
  std::copy(payload.begin(), payload.end(), raw.begin() + srtcore::rtp::kRtpHeaderSize);
  GstBuffer *b = gst_buffer_new_memdup(raw.data(), raw.size());
  GST_BUFFER_PTS(b) = pts;
  return b;
}

void add_foreign_metadata(GstBuffer *b) {
  GST_BUFFER_DTS(b) = 5 * kMs;
  GST_BUFFER_DURATION(b) = 7 * kMs;
  GST_BUFFER_OFFSET(b) = 3;
  GST_BUFFER_OFFSET_END(b) = 4;
  GST_BUFFER_FLAG_SET(b, GST_BUFFER_FLAG_DELTA_UNIT | GST_BUFFER_FLAG_DROPPABLE);
  GstCaps *ref = gst_caps_new_empty_simple("timestamp/x-test");
  gst_buffer_add_reference_timestamp_meta(b, ref, GST_SECOND, GST_CLOCK_TIME_NONE);
  gst_caps_unref(ref);
}

bool has_foreign_metadata(GstBuffer *b) {
  gpointer iter = nullptr;
  return gst_buffer_iterate_meta(b, &iter) || GST_BUFFER_DTS_IS_VALID(b) ||
         GST_BUFFER_OFFSET(b) != GST_BUFFER_OFFSET_NONE ||
         GST_BUFFER_OFFSET_END(b) != GST_BUFFER_OFFSET_NONE ||
         GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_DELTA_UNIT) ||
         GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_DROPPABLE);
}

Bytes bytes_of(GstBuffer *b) {
  Bytes out(gst_buffer_get_size(b));
  gst_buffer_extract(b, 0, out.data(), out.size());
  return out;
}

std::vector<Rtp> pull_rtp(GstHarness *h) {
  std::vector<Rtp> out;
  while (GstBuffer *b = gst_harness_try_pull(h)) {
    BufferPtr owned(b);
    const Bytes raw = bytes_of(b);
    const auto p = srtcore::rtp::parse_rtp(raw);
    EXPECT_TRUE(p.has_value()) << "the payloader sent an invalid RTP packet";
    if (!p) continue;
    out.push_back(Rtp{p->header.marker, p->header.payload_type, p->header.sequence,
                      p->header.timestamp, Bytes(p->payload.begin(), p->payload.end()),
                      GST_BUFFER_PTS(b), GST_BUFFER_IS_DISCONT(b)});
  }
  return out;
}

std::vector<BufferPtr> pull_buffers(GstHarness *h) {
  std::vector<BufferPtr> out;
  while (GstBuffer *b = gst_harness_try_pull(h)) out.emplace_back(b);
  return out;
}

std::string current_caps(GstHarness *h) {
  GstCaps *caps = gst_pad_get_current_caps(h->sinkpad);
  if (!caps) return {};
  gchar *s = gst_caps_to_string(caps);
  std::string out(s);
  g_free(s);
  gst_caps_unref(caps);
  return out;
}

static GstStructure *stats_of(GstHarness *h) {
  GstStructure *st = nullptr;
  g_object_get(h->element, "stats", &st, nullptr);
  return st;
}

guint64 stat_u64(GstHarness *h, const char *field) {
  GstStructure *st = stats_of(h);
  guint64 v = G_MAXUINT64;
  if (st) {
    EXPECT_TRUE(gst_structure_get_uint64(st, field, &v)) << "no stats field " << field;
    gst_structure_free(st);
  }
  return v;
}

guint stat_uint(GstHarness *h, const char *field) {
  GstStructure *st = stats_of(h);
  guint v = G_MAXUINT;
  if (st) {
    EXPECT_TRUE(gst_structure_get_uint(st, field, &v)) << "no stats field " << field;
    gst_structure_free(st);
  }
  return v;
}

bool eos_passed(GstHarness *h) {
  if (!gst_harness_push_event(h, gst_event_new_eos())) return false;
  bool seen = false;
  while (GstEvent *e = gst_harness_try_pull_event(h)) {
    if (GST_EVENT_TYPE(e) == GST_EVENT_EOS) seen = true;
    gst_event_unref(e);
  }
  return seen;
}

void flush(GstHarness *h) {
  EXPECT_TRUE(gst_harness_push_event(h, gst_event_new_flush_start()));
  EXPECT_TRUE(gst_harness_push_event(h, gst_event_new_flush_stop(TRUE)));
  GstSegment seg;
  gst_segment_init(&seg, GST_FORMAT_TIME);
  EXPECT_TRUE(gst_harness_push_event(h, gst_event_new_segment(&seg)));
}

ErrorWatch::ErrorWatch(GstElement *element) : element_(element), bus_(gst_bus_new()) {
  gst_element_set_bus(element_, bus_);
}

ErrorWatch::~ErrorWatch() {
  gst_element_set_bus(element_, nullptr);
  gst_object_unref(bus_);
}

std::string ErrorWatch::first_error() {
  GstMessage *m = gst_bus_pop_filtered(bus_, GST_MESSAGE_ERROR);
  if (!m) return {};
  GError *err = nullptr;
  gchar *debug = nullptr;
  gst_message_parse_error(m, &err, &debug);
  std::string out = std::string(err->message) + " / " + (debug ? debug : "");
  g_error_free(err);
  g_free(debug);
  gst_message_unref(m);
  return out;
}

}  // namespace audiofx
