#include "nal_sink_caps.hpp"

#include <gst/pbutils/pbutils.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace srtrtp {
namespace {

// Levels as pbutils names them, lowest first.
constexpr std::array<const char *, 20> kH264Levels = {
    "1",   "1b", "1.1", "1.2", "1.3", "2",   "2.1", "2.2", "3",   "3.1",
    "3.2", "4",  "4.1", "4.2", "5",   "5.1", "5.2", "6",   "6.1", "6.2"};
constexpr std::array<const char *, 13> kH265Levels = {"1", "2",   "2.1", "3", "3.1", "4",  "4.1",
                                                      "5", "5.1", "5.2", "6", "6.1", "6.2"};

void set_string_list(GstStructure *out, const char *field, const char *const *values,
                     std::size_t n) {
  if (n == 1) {
    gst_structure_set(out, field, G_TYPE_STRING, values[0], nullptr);
    return;
  }
  GValue list = G_VALUE_INIT;
  g_value_init(&list, GST_TYPE_LIST);
  for (std::size_t i = 0; i < n; ++i) {
    GValue v = G_VALUE_INIT;
    g_value_init(&v, G_TYPE_STRING);
    g_value_set_static_string(&v, values[i]);
    gst_value_list_append_and_take_value(&list, &v);
  }
  gst_structure_take_value(out, field, &list);
}

// A decoder of a level also decodes every lower level: offer them all,
// highest first so that fixation keeps the one asked for.
template <std::size_t N>
void set_levels_up_to(GstStructure *out, const std::array<const char *, N> &levels,
                      const char *level) {
  std::array<const char *, N> offered{};
  std::size_t n = 0;
  for (std::size_t i = 0; i < N; ++i)
    if (std::strcmp(levels[i], level) == 0) {
      for (std::size_t j = 0; j <= i; ++j) offered[n++] = levels[i - j];
      break;
    }
  if (n == 0) offered[n++] = level;  // a level this table lacks: that one only
  set_string_list(out, "level", offered.data(), n);
}

// H.265 fields come from SDP as decimal strings, from applications as ints.
std::optional<unsigned> caps_uint(const GstStructure *st, const char *field, unsigned max) {
  gint i;
  if (gst_structure_get_int(st, field, &i)) {
    if (i >= 0 && static_cast<unsigned>(i) <= max) return static_cast<unsigned>(i);
    return std::nullopt;
  }
  const gchar *s = gst_structure_get_string(st, field);
  if (!s || !*s) return std::nullopt;
  gchar *end = nullptr;
  const guint64 v = g_ascii_strtoull(s, &end, 10);
  if (*end != '\0' || v > max) return std::nullopt;
  return static_cast<unsigned>(v);
}

std::optional<std::array<guint8, 3>> parse_profile_level_id(const gchar *plid) {
  if (!plid || std::strlen(plid) != 6) return std::nullopt;
  std::array<guint8, 3> bytes{};
  for (std::size_t i = 0; i < 3; ++i) {
    const int hi = g_ascii_xdigit_value(plid[2 * i]);
    const int lo = g_ascii_xdigit_value(plid[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    bytes[i] = static_cast<guint8>(hi << 4 | lo);
  }
  return bytes;
}

}  // namespace

bool h264_sink_constraints(const GstStructure *rtp, GstStructure *out) {
  const gchar *plid = gst_structure_get_string(rtp, "profile-level-id");
  if (!plid) {
    // RFC 6184: no profile-level-id means constrained baseline; rtph264pay
    // also lets an unrestricted stream through in that case.
    gst_structure_set(out, "profile", G_TYPE_STRING, "constrained-baseline", nullptr);
    return true;
  }
  const auto bytes = parse_profile_level_id(plid);
  const gchar *profile = bytes ? gst_codec_utils_h264_get_profile(bytes->data(), 3) : nullptr;
  const gchar *level = bytes ? gst_codec_utils_h264_get_level(bytes->data(), 3) : nullptr;
  if (!profile || !level) {
    gst_structure_set(out, "profile", G_TYPE_STRING, "constrained-baseline", nullptr);
    return false;
  }
  // Every H.264 decoder takes constrained baseline.
  if (std::string_view(profile) == "constrained-baseline") {
    gst_structure_set(out, "profile", G_TYPE_STRING, profile, nullptr);
  } else {
    const char *profiles[] = {profile, "constrained-baseline"};
    set_string_list(out, "profile", profiles, 2);
  }
  set_levels_up_to(out, kH264Levels, level);
  return false;
}

bool h265_sink_constraints(const GstStructure *rtp, GstStructure *out) {
  // profile_tier_level as pbutils reads it: byte 0 tier and profile, byte 11 level.
  std::array<guint8, 12> ptl{};
  if (auto profile_id = caps_uint(rtp, "profile-id", 31)) {
    ptl[0] = static_cast<guint8>(*profile_id);
    if (const gchar *profile = gst_codec_utils_h265_get_profile(ptl.data(), ptl.size()))
      gst_structure_set(out, "profile", G_TYPE_STRING, profile, nullptr);
  }
  if (auto tier = caps_uint(rtp, "tier-flag", 1)) {
    ptl[0] = static_cast<guint8>(ptl[0] | *tier << 5);
    if (const gchar *name = gst_codec_utils_h265_get_tier(ptl.data(), ptl.size()))
      gst_structure_set(out, "tier", G_TYPE_STRING, name, nullptr);
  }
  if (auto level_id = caps_uint(rtp, "level-id", 255)) {
    ptl[11] = static_cast<guint8>(*level_id);
    if (const gchar *level = gst_codec_utils_h265_get_level(ptl.data(), ptl.size()))
      set_levels_up_to(out, kH265Levels, level);
  }
  return false;
}

GstCaps *nal_sink_caps(GstPad *srcpad, GstCaps *templ, GstCaps *filter, const char *media_type,
                       NalSinkConstraints constraints) {
  GstCaps *allowed = gst_pad_peer_query_caps(srcpad, nullptr);
  GstCaps *caps;
  if (!allowed || gst_caps_is_any(allowed)) {
    caps = gst_caps_ref(templ);
  } else if (gst_caps_is_empty(allowed)) {
    caps = gst_caps_ref(allowed);
  } else {
    GstCaps *wanted = gst_caps_new_empty();
    bool unrestricted = false;
    for (guint i = 0; i < gst_caps_get_size(allowed); ++i) {
      GstStructure *st = gst_structure_new_empty(media_type);
      unrestricted |= constraints(gst_caps_get_structure(allowed, i), st);
      wanted = gst_caps_merge_structure(wanted, st);
    }
    if (unrestricted)
      wanted = gst_caps_merge_structure(wanted, gst_structure_new_empty(media_type));
    caps = gst_caps_intersect(wanted, templ);
    gst_caps_unref(wanted);
  }
  if (allowed) gst_caps_unref(allowed);
  if (filter) {
    GstCaps *filtered = gst_caps_intersect_full(filter, caps, GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref(caps);
    caps = filtered;
  }
  return caps;
}

}  // namespace srtrtp
