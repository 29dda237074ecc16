// Latency from NTP-64 header extension values on a shared clock.
#include "ntp64_latency.hpp"

#include <cstring>

#include "media_clock.hpp"
#include "rtp/header_extension.hpp"

namespace srtrtp {

namespace {

// extmap-N values are the uri, or (direction, uri, attributes).
const gchar *extmap_uri(const GValue *v) {
  if (G_VALUE_HOLDS_STRING(v)) return g_value_get_string(v);
  if (GST_VALUE_HOLDS_ARRAY(v) && gst_value_array_get_size(v) >= 2) {
    const GValue *uri = gst_value_array_get_value(v, 1);
    if (G_VALUE_HOLDS_STRING(uri)) return g_value_get_string(uri);
  }
  return nullptr;
}

constexpr std::size_t kNtp64Size = 8;

}  // namespace

void Ntp64Latency::configure(const GstCaps *caps) {
  id_ = 0;
  have_ntp_ = false;
  sender_refclk_.clear();
  if (!caps || gst_caps_is_empty(caps)) return;
  const GstStructure *st = gst_caps_get_structure(caps, 0);
  if (const gchar *refclk = gst_structure_get_string(st, "a-ts-refclk")) sender_refclk_ = refclk;
  for (gint i = 0; i < gst_structure_n_fields(st); ++i) {
    const gchar *name = gst_structure_nth_field_name(st, static_cast<guint>(i));
    if (!g_str_has_prefix(name, "extmap-")) continue;
    const gchar *uri = extmap_uri(gst_structure_get_value(st, name));
    const guint64 id = g_ascii_strtoull(name + std::strlen("extmap-"), nullptr, 10);
    if (uri && std::strcmp(uri, kNtp64Uri) == 0 && id > 0 &&
        id <= srtcore::rtp::hdrext::kTwoByteMaxId)
      id_ = static_cast<unsigned>(id);
  }
  // A new sender (or its clock) may be named: check the clock again.
  release_clock();
}

void Ntp64Latency::note_packet(std::uint16_t profile, srtcore::ByteSpan block,
                               std::uint32_t rtp_time) {
  if (id_ == 0) return;
  srtcore::rtp::hdrext::ElementReader reader(profile, block);
  while (const auto e = reader.next()) {
    if (e->id != id_ || e->data.size() < kNtp64Size) continue;
    const guint64 v = (guint64{srtcore::load_be32(e->data.data())} << 32) |
                      srtcore::load_be32(e->data.data() + 4);
    if (v == 0) return;  // rtphdrextntp64 without a time to write
    ntp64_ = v;
    ntp_rtp_time_ = rtp_time;
    have_ntp_ = true;
    return;
  }
}

void Ntp64Latency::on_output(GstElement *element, std::uint32_t rtp_time, bool shared) {
  if (!have_ntp_ || rtp_time != ntp_rtp_time_) return;
  GstClock *clock = gst_element_get_clock(element);
  if (!clock) return;
  if (clock != clock_) {
    release_clock();
    clock_ = GST_CLOCK(gst_object_ref(clock));
    const std::string ours = ts_refclk_for(clock_);
    clock_matches_ = ours != "local" && ours == sender_refclk_;
    ntp_offset_ = ntp_epoch_offset(clock_);
  }
  if (clock_matches_ || shared) {
    const GstClockTime sent = ns_of_ntp64(ntp64_);
    const GstClockTime now = gst_clock_get_time(clock) + ntp_offset_;
    latency_.store(GST_CLOCK_DIFF(sent, now), std::memory_order_relaxed);
    measured_.store(true, std::memory_order_release);
  }
  gst_object_unref(clock);
}

void Ntp64Latency::reset() {
  have_ntp_ = false;
  release_clock();
}

void Ntp64Latency::release_clock() {
  if (clock_) gst_object_unref(clock_);
  clock_ = nullptr;
  clock_matches_ = false;
}

void Ntp64Latency::add_stats(GstStructure *st) const {
  if (measured_.load(std::memory_order_acquire))
    gst_structure_set(st, "latency", G_TYPE_INT64, latency_.load(std::memory_order_relaxed),
                      nullptr);
}

}  // namespace srtrtp
