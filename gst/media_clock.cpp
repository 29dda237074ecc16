// RFC 7273 clock naming and RTP/NTP time from the pipeline clock.
#include "media_clock.hpp"

#include <cstring>

namespace srtrtp {

namespace {

bool type_is(GstClock *clock, const char *type_name) {
  for (GType t = G_OBJECT_TYPE(clock); t != 0; t = g_type_parent(t))
    if (std::strcmp(g_type_name(t), type_name) == 0) return true;
  return false;
}

bool has_property(GstClock *clock, const char *name, GType type) {
  GParamSpec *p = g_object_class_find_property(G_OBJECT_GET_CLASS(clock), name);
  return p && p->value_type == type && (p->flags & G_PARAM_READABLE);
}

// "ntp=" ntp-server, RFC 7273 section 4.8: host [":" port], IPv6 in brackets.
std::string ntp_refclk(GstClock *clock) {
  if (!has_property(clock, "address", G_TYPE_STRING) || !has_property(clock, "port", G_TYPE_INT))
    return "local";
  gchar *address = nullptr;
  gint port = 0;
  g_object_get(clock, "address", &address, "port", &port, nullptr);
  std::string out = "local";
  if (address) {
    const bool v6 = std::strchr(address, ':') != nullptr;
    out = std::string("ntp=") + (v6 ? "[" : "") + address + (v6 ? "]" : "");
    if (port > 0) out += ":" + std::to_string(port);
  }
  g_free(address);
  return out;
}

// "ptp=IEEE1588-2008:" EUI-64 grandmaster id ":" domain (RFC 7273 4.8).
std::string ptp_refclk(GstClock *clock) {
  if (!has_property(clock, "grandmaster-clock-id", G_TYPE_UINT64) ||
      !has_property(clock, "domain", G_TYPE_UINT))
    return "local";
  guint64 gm = 0;
  guint domain = 0;
  g_object_get(clock, "grandmaster-clock-id", &gm, "domain", &domain, nullptr);
  gchar *s =
      g_strdup_printf("ptp=IEEE1588-2008:%02X-%02X-%02X-%02X-%02X-%02X-%02X-%02X:%u",
                      static_cast<guint>((gm >> 56) & 0xff), static_cast<guint>((gm >> 48) & 0xff),
                      static_cast<guint>((gm >> 40) & 0xff), static_cast<guint>((gm >> 32) & 0xff),
                      static_cast<guint>((gm >> 24) & 0xff), static_cast<guint>((gm >> 16) & 0xff),
                      static_cast<guint>((gm >> 8) & 0xff), static_cast<guint>(gm & 0xff), domain);
  std::string out(s);
  g_free(s);
  return out;
}

}  // namespace

std::string ts_refclk_for(GstClock *clock) {
  if (!clock) return "local";
  if (type_is(clock, "GstNtpClock")) return ntp_refclk(clock);
  if (type_is(clock, "GstPtpClock")) return ptp_refclk(clock);
  return "local";
}

GstClockTime ntp_epoch_offset(GstClock *clock) {
  return clock && type_is(clock, "GstNtpClock") ? 0 : kNtpToUnixSeconds * GST_SECOND;
}

bool MediaClock::update(GstElement *element) {
  GstClock *clock = gst_element_get_clock(element);
  const GstClockTime base_time = gst_element_get_base_time(element);
  const bool base_changed = base_time != base_time_;
  base_time_ = base_time;
  if (clock == clock_) {
    if (clock) gst_object_unref(clock);
    return base_changed;
  }
  reset();
  clock_ = clock;  // the reference from gst_element_get_clock
  refclk_ = ts_refclk_for(clock_);
  ntp_offset_ = ntp_epoch_offset(clock_);
  return true;
}

void MediaClock::reset() {
  if (clock_) gst_object_unref(clock_);
  clock_ = nullptr;
  refclk_ = "local";
  ntp_offset_ = 0;
}

void MediaClock::add_caps_fields(GstStructure *st, guint clock_rate) const {
  gst_structure_set(st, "a-ts-refclk", G_TYPE_STRING, refclk_.c_str(), "a-mediaclk", G_TYPE_STRING,
                    "direct=0", nullptr);
  if (clock_ && clock_rate > 0)
    gst_structure_set(st, "timestamp-offset", G_TYPE_UINT,
                      rtp_time_of_clock_time(base_time_, clock_rate), nullptr);
}

void add_ntp_reference_meta(GstBuffer *buffer, GstClockTime ntp_ns) {
  static GstStaticCaps ntp_caps = GST_STATIC_CAPS("timestamp/x-ntp");
  GstCaps *caps = gst_static_caps_get(&ntp_caps);
  if (!gst_buffer_get_reference_timestamp_meta(buffer, caps))
    gst_buffer_add_reference_timestamp_meta(buffer, caps, ntp_ns, GST_CLOCK_TIME_NONE);
  gst_caps_unref(caps);
}

}  // namespace srtrtp
