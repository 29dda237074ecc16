#include "h264_fixtures.hpp"

#include <gtest/gtest.h>

#include "rtp/rtp_header.hpp"

namespace fixtures {

Bytes sps() {
  return {0x67, 0x64, 0x00, 0x28, 0xac, 0xd9, 0x40, 0x78, 0x02, 0x27, 0xe5, 0x84};
}
Bytes pps() {
  return {0x68, 0xee, 0x3c, 0x80};
}
Bytes aud() {
  return {0x09, 0xf0};
}

static Bytes slice(std::uint8_t header, std::size_t size, bool first) {
  // first_mb_in_slice is the first ue(v): '1' means 0, '010' means 1.
  Bytes n(size < 3 ? 3 : size, 0x5a);
  n[0] = header;
  n[1] = first ? 0x88 : 0x50;
  for (std::size_t i = 2; i < n.size(); ++i) n[i] = static_cast<std::uint8_t>(0x11 + i * 7);
  // Keep start-code-like patterns out of the body.
  for (std::size_t i = 2; i < n.size(); ++i)
    if (n[i] == 0) n[i] = 0x01;
  return n;
}
Bytes idr_slice(std::size_t size, bool first) {
  return slice(0x65, size, first);
}
Bytes p_slice(std::size_t size, bool first) {
  return slice(0x41, size, first);
}
Bytes sei_recovery_point() {
  return {0x06, 0x06, 0x01, 0xc4, 0x80};
}

Bytes annexb(const std::vector<Bytes> &nals) {
  Bytes out;
  for (const Bytes &n : nals) {
    out.insert(out.end(), {0, 0, 0, 1});
    out.insert(out.end(), n.begin(), n.end());
  }
  return out;
}

Bytes length_prefixed(const std::vector<Bytes> &nals) {
  Bytes out;
  for (const Bytes &n : nals) {
    const auto s = static_cast<std::uint32_t>(n.size());
    out.insert(out.end(), {static_cast<std::uint8_t>(s >> 24), static_cast<std::uint8_t>(s >> 16),
                           static_cast<std::uint8_t>(s >> 8), static_cast<std::uint8_t>(s)});
    out.insert(out.end(), n.begin(), n.end());
  }
  return out;
}

Bytes avcc(const Bytes &s, const Bytes &p) {
  Bytes out = {1, s[1], s[2], s[3], 0xff, 0xe1};
  out.push_back(static_cast<std::uint8_t>(s.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
  out.push_back(1);
  out.push_back(static_cast<std::uint8_t>(p.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(p.size()));
  out.insert(out.end(), p.begin(), p.end());
  return out;
}

GstBuffer *buffer(const Bytes &data, GstClockTime pts, bool delta) {
  GstBuffer *b = gst_buffer_new_memdup(data.data(), data.size());
  GST_BUFFER_PTS(b) = pts;
  GST_BUFFER_DTS(b) = pts;
  if (delta) GST_BUFFER_FLAG_SET(b, GST_BUFFER_FLAG_DELTA_UNIT);
  return b;
}

Bytes to_bytes(GstBuffer *buf) {
  Bytes out(gst_buffer_get_size(buf));
  gst_buffer_extract(buf, 0, out.data(), out.size());
  return out;
}

std::vector<GstBuffer *> pull_buffers(GstHarness *h) {
  std::vector<GstBuffer *> out;
  while (GstBuffer *b = gst_harness_try_pull(h)) out.push_back(b);
  return out;
}

void unref_all(std::vector<GstBuffer *> &v) {
  for (GstBuffer *b : v) gst_buffer_unref(b);
  v.clear();
}

Rtp parse(GstBuffer *buf) {
  const Bytes raw = to_bytes(buf);
  const bool discont = GST_BUFFER_IS_DISCONT(buf);
  gst_buffer_unref(buf);
  auto p = srtcore::rtp::parse_rtp(raw);
  EXPECT_TRUE(p.has_value()) << "payloader produced an invalid RTP packet";
  if (!p) return {};
  return Rtp{p->header.marker,
             p->header.payload_type,
             p->header.sequence,
             p->header.timestamp,
             p->header.ssrc,
             Bytes(p->payload.begin(), p->payload.end()),
             discont};
}

std::vector<Rtp> pull_all(GstHarness *h) {
  std::vector<Rtp> out;
  while (GstBuffer *b = gst_harness_try_pull(h)) out.push_back(parse(b));
  return out;
}

GstBuffer *rtp_packet(const Bytes &payload, std::uint16_t seq, std::uint32_t ts, bool marker,
                      GstClockTime pts) {
  Bytes raw(srtcore::rtp::kRtpHeaderSize + payload.size());
  srtcore::rtp::RtpHeader h;
  h.marker = marker;
  h.payload_type = 96;
  h.sequence = seq;
  h.timestamp = ts;
  h.ssrc = 0x12345678;
  srtcore::rtp::write_rtp_header(raw.data(), h);
  std::copy(payload.begin(), payload.end(), raw.begin() + srtcore::rtp::kRtpHeaderSize);
  GstBuffer *b = gst_buffer_new_memdup(raw.data(), raw.size());
  GST_BUFFER_PTS(b) = pts;
  return b;
}

Bytes fu_a(const Bytes &nal, std::size_t offset, std::size_t len, bool start, bool end) {
  Bytes out = {static_cast<std::uint8_t>((nal[0] & 0xe0) | 28),
               static_cast<std::uint8_t>((start ? 0x80 : 0) | (end ? 0x40 : 0) | (nal[0] & 0x1f))};
  out.insert(out.end(), nal.begin() + static_cast<long>(offset),
             nal.begin() + static_cast<long>(offset + len));
  return out;
}

Bytes stap_a(const std::vector<Bytes> &nals) {
  Bytes out = {24};
  for (const Bytes &n : nals) {
    out.push_back(static_cast<std::uint8_t>(n.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(n.size()));
    out.insert(out.end(), n.begin(), n.end());
  }
  return out;
}

std::string caps_string(GstHarness *h) {
  GstCaps *caps = gst_pad_get_current_caps(h->sinkpad);
  if (!caps) return {};
  gchar *s = gst_caps_to_string(caps);
  std::string out(s);
  g_free(s);
  gst_caps_unref(caps);
  return out;
}

void set_props(GstElement *element, const std::string &props) {
  gchar **items = g_strsplit(props.c_str(), " ", -1);
  for (gchar **it = items; *it; ++it) {
    if (!**it) continue;
    gchar **kv = g_strsplit(*it, "=", 2);
    ASSERT_TRUE(kv[0] && kv[1]) << *it;
    gst_util_set_object_arg(G_OBJECT(element), kv[0], kv[1]);
    g_strfreev(kv);
  }
  g_strfreev(items);
}

std::string caps_field(GstHarness *h, const char *name) {
  GstCaps *caps = gst_pad_get_current_caps(h->sinkpad);
  if (!caps) return {};
  const gchar *v = gst_structure_get_string(gst_caps_get_structure(caps, 0), name);
  std::string out = v ? v : "";
  gst_caps_unref(caps);
  return out;
}

}  // namespace fixtures
