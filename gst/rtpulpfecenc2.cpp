// rtpulpfecenc2: ULPFEC (RFC 5109) for RTP streams, a drop-in for
// gst-plugins-good's rtpulpfecenc (same pads, properties and wire output)
// over srt-core's UlpfecEncoder. FEC packets go out on 'src' right after
// the media packet that completes their frame, in the media stream's SSRC
// and sequence numbers (later media packets are renumbered past them, as
// libwebrtc and the C element do); inside RED (rtpredenc) for webrtc.
// Differences, on purpose: at most kMaxStreams SSRCs are protected at once
// (the least recently seen gives way); media packets above 1500 bytes pass
// unprotected; a frame's FEC is capped at 96 packets; buffers that are not
// RTP pass untouched (the C element asserts). As the C element, FEC packets
// carry an empty transport-wide-cc extension when the caps map one and the
// media packet has it (rtpsession fills it in); ours writes zeros where the
// C element leaves two bytes uninitialised.
// Ours only: an adaptive mode (`adaptive`), where the percentage follows the
// loss the receivers report (`reported-loss` from the application, or the
// RTCP report blocks about our SSRCs that the rtpbin session given as
// `rtp-session` receives) through srt-core's ProtectionPolicy, within
// `min-percentage`..`max-percentage`; `percentage` then reads the level in use.
#include <gst/gst.h>
#include <gst/rtp/gstrtpbuffer.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <vector>

#include "buffer_bytes.hpp"
#include "element_author.hpp"
#include "elements.hpp"
#include "fec_adaptive.hpp"
#include "red_element_common.hpp"  // take_buffers
#include "fec/ulpfec_encoder.hpp"
#include "rtp/rtp_header.hpp"

namespace fec = srtcore::fec;

GST_DEBUG_CATEGORY_STATIC(ulpfecenc2_debug);
#define GST_CAT_DEFAULT ulpfecenc2_debug

namespace {

constexpr guint kUndefPt = 255;
constexpr std::size_t kMaxStreams = 16;

struct Stream {
  guint32 ssrc = 0;
  guint64 last_used = 0;
  std::unique_ptr<fec::UlpfecEncoder> engine;
};

struct EncState {
  std::mutex lock;  // streams vs. property changes
  std::vector<Stream> streams;
  guint64 tick = 0;
  guint8 twcc_id = 0;            // from the caps (streaming thread only)
  guint applied_percentage = 0;  // what the engines were last configured with
};

constexpr char kTwccUri[] =
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";

// The id the caps give the transport-wide-cc extension (1..14), 0 if none.
guint8 twcc_id_of(GstCaps *caps) {
  const GstStructure *s = gst_caps_get_structure(caps, 0);
  for (gint i = 0; i < gst_structure_n_fields(s); ++i) {
    const gchar *field = gst_structure_nth_field_name(s, static_cast<guint>(i));
    if (!g_str_has_prefix(field, "extmap-")) continue;
    const gchar *uri = gst_structure_get_string(s, field);
    const gint64 id = g_ascii_strtoll(field + 7, nullptr, 10);
    if (uri && g_str_equal(uri, kTwccUri) && id > 0 && id < 15) return static_cast<guint8>(id);
  }
  return 0;
}

// How the media packet carries the extension, for the FEC packets to do alike.
struct Twcc {
  bool one_byte = false;
  bool two_byte = false;
  guint8 appbits = 0;
};

Twcc twcc_of(GstBuffer *buffer, guint8 id) {
  Twcc t;
  if (id == 0) return t;
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map(buffer, GST_MAP_READ, &rtp)) return t;
  gpointer data = nullptr;
  guint size = 0;
  t.one_byte = gst_rtp_buffer_get_extension_onebyte_header(&rtp, id, 0, &data, &size);
  if (!t.one_byte)
    t.two_byte =
        gst_rtp_buffer_get_extension_twobytes_header(&rtp, &t.appbits, id, 0, &data, &size);
  gst_rtp_buffer_unmap(&rtp);
  return t;
}

void add_twcc(GstBuffer *fec, guint8 id, const Twcc &t) {
  if (!t.one_byte && !t.two_byte) return;
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map(fec, GST_MAP_READWRITE, &rtp)) return;
  const guint8 empty[2] = {0, 0};  // the seqnum rtpsession writes
  if (t.one_byte)
    gst_rtp_buffer_add_extension_onebyte_header(&rtp, id, empty, sizeof empty);
  else
    gst_rtp_buffer_add_extension_twobytes_header(&rtp, t.appbits, id, empty, sizeof empty);
  gst_rtp_buffer_unmap(&rtp);
}

}  // namespace

struct GstSrtRtpUlpFecEnc2 {
  GstElement parent;
  GstPad *sinkpad;
  GstPad *srcpad;
  // Under the object lock.
  guint pt;
  gboolean multipacket;
  guint percentage;
  guint percentage_important;
  guint protected_packets;
  srtrtp::AdaptiveFec *adaptive;  // reported loss -> percentage
  EncState *state;
};
struct GstSrtRtpUlpFecEnc2Class {
  GstElementClass parent_class;
};

G_DEFINE_TYPE(GstSrtRtpUlpFecEnc2, gst_srt_rtp_ulpfec_enc2, GST_TYPE_ELEMENT)
GST_ELEMENT_REGISTER_DEFINE(rtpulpfecenc2, "rtpulpfecenc2", GST_RANK_NONE,
                            gst_srt_rtp_ulpfec_enc2_get_type())

#define SELF(obj) (reinterpret_cast<GstSrtRtpUlpFecEnc2 *>(obj))

enum {
  PROP_0,
  PROP_PT,
  PROP_MULTIPACKET,
  PROP_PROTECTED,
  PROP_PERCENTAGE,
  PROP_PERCENTAGE_IMPORTANT,
  PROP_ADAPTIVE_FIRST  // then srtrtp::AdaptiveFec's
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS("application/x-rtp"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS("application/x-rtp"));

struct Settings {
  guint pt;
  gboolean multipacket;
  guint percentage;
  guint percentage_important;
};

static Settings settings_of(GstSrtRtpUlpFecEnc2 *self) {
  const auto level = self->adaptive->level();
  GST_OBJECT_LOCK(self);
  const Settings s{self->pt, self->multipacket, level.value_or(self->percentage),
                   self->percentage_important};
  GST_OBJECT_UNLOCK(self);
  return s;
}

// Every stream takes a change at once, as in the C element. State lock held.
static void apply(EncState &st, const Settings &s) {
  st.applied_percentage = s.percentage;
  for (Stream &x : st.streams)
    x.engine->configure(s.percentage, s.percentage_important, s.multipacket,
                        static_cast<std::uint8_t>(s.pt));
}

static fec::UlpfecEncoder &stream_for(EncState &st, guint32 ssrc, const Settings &s) {
  ++st.tick;
  for (Stream &x : st.streams) {
    if (x.ssrc == ssrc) {
      x.last_used = st.tick;
      return *x.engine;
    }
  }
  fec::UlpfecEncoderConfig cfg;
  cfg.payload_type = static_cast<std::uint8_t>(s.pt);
  cfg.percentage = s.percentage;
  cfg.percentage_important = s.percentage_important;
  cfg.multipacket = s.multipacket;
  if (st.streams.size() == kMaxStreams) {
    auto oldest = std::min_element(st.streams.begin(), st.streams.end(),
                                   [](auto &a, auto &b) { return a.last_used < b.last_used; });
    st.streams.erase(oldest);
  }
  st.streams.push_back(Stream{ssrc, st.tick, std::make_unique<fec::UlpfecEncoder>(cfg)});
  return *st.streams.back().engine;
}

static GstFlowReturn ulpfecenc2_chain(GstPad *, GstObject *parent, GstBuffer *buffer) {
  auto *self = SELF(parent);
  const Settings s = settings_of(self);
  if (s.pt == kUndefPt) return gst_pad_push(self->srcpad, buffer);

  EncState &st = *self->state;
  std::unique_lock lock(st.lock);
  if (s.percentage != st.applied_percentage) apply(st, s);  // the adaptive level moved
  std::uint16_t seq = 0;
  std::uint16_t original = 0;
  fec::UlpfecEncoder *engine = nullptr;
  GstBuffer *renumbered = nullptr;  // a shared input's copy with the new number
  bool renumbered_in_place = false;
  {
    srtrtp::ReadMap map(buffer, true);
    const auto p = map.ok() ? srtcore::rtp::parse_rtp(map.span()) : std::nullopt;
    if (!p) {
      lock.unlock();
      GST_WARNING_OBJECT(self, "passing on a buffer that is not RTP, unprotected");
      return gst_pad_push(self->srcpad, buffer);
    }
    engine = &stream_for(st, p->header.ssrc, s);
    original = p->header.sequence;
    seq = engine->add(map.span(), GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_NON_DROPPABLE));
    if (seq != original) {
      if (guint8 *own = map.writable_data()) {
        own[2] = static_cast<guint8>(seq >> 8);
        own[3] = static_cast<guint8>(seq);
        renumbered_in_place = true;
      } else if (!gst_buffer_is_writable(buffer)) {
        renumbered = srtrtp::copy_with_sequence(buffer, map.span(), seq);
      }
    }
  }
  if (renumbered) {
    gst_buffer_unref(buffer);
    buffer = renumbered;
  } else if (seq != original && !renumbered_in_place) {
    const guint8 be[2] = {static_cast<guint8>(seq >> 8), static_cast<guint8>(seq)};
    gst_buffer_fill(buffer, 2, be, 2);
  }
  // The FEC buffers take the media buffer's timestamps, as the C element's.
  GstBufferList *fec_list = nullptr;
  Twcc twcc;
  while (auto f = engine->poll()) {
    if (!fec_list) {
      fec_list = gst_buffer_list_new();
      twcc = twcc_of(buffer, st.twcc_id);
    }
    GstBuffer *b = gst_buffer_new_allocate(nullptr, f->size(), nullptr);
    gst_buffer_fill(b, 0, f->data(), f->size());
    gst_buffer_copy_into(b, buffer, GST_BUFFER_COPY_TIMESTAMPS, 0, -1);
    add_twcc(b, st.twcc_id, twcc);
    gst_buffer_list_add(fec_list, b);
  }
  const guint protected_packets = static_cast<guint>(engine->stats().protected_packets);
  lock.unlock();
  GST_OBJECT_LOCK(self);
  self->protected_packets = protected_packets;
  GST_OBJECT_UNLOCK(self);

  GstFlowReturn ret = gst_pad_push(self->srcpad, buffer);
  if (fec_list) {
    if (ret == GST_FLOW_OK)
      ret = gst_pad_push_list(self->srcpad, fec_list);
    else
      gst_buffer_list_unref(fec_list);
  }
  return ret;
}

// Buffers of a list are taken out of it (not referenced from it, as the
// default does), so that each stays writable when renumbered.
static GstFlowReturn ulpfecenc2_chain_list(GstPad *pad, GstObject *parent, GstBufferList *list) {
  std::vector<GstBuffer *> in;
  srtrtp::red::take_buffers(list, in);
  GstFlowReturn ret = GST_FLOW_OK;
  std::size_t i = 0;
  while (i < in.size() && ret == GST_FLOW_OK) ret = ulpfecenc2_chain(pad, parent, in[i++]);
  for (; i < in.size(); ++i) gst_buffer_unref(in[i]);
  return ret;
}

static gboolean ulpfecenc2_sink_event(GstPad *pad, GstObject *parent, GstEvent *event) {
  if (GST_EVENT_TYPE(event) == GST_EVENT_CAPS) {
    GstCaps *caps = nullptr;
    gst_event_parse_caps(event, &caps);
    SELF(parent)->state->twcc_id = twcc_id_of(caps);
  }
  return gst_pad_event_default(pad, parent, event);
}

// Whether `ssrc` is one of the streams we protect (adaptive mode's RTCP filter).
static bool protects(GstSrtRtpUlpFecEnc2 *self, guint32 ssrc) {
  std::lock_guard lock(self->state->lock);
  for (const Stream &x : self->state->streams)
    if (x.ssrc == ssrc) return true;
  return false;
}

static void ulpfecenc2_set_property(GObject *object, guint id, const GValue *value,
                                    GParamSpec *pspec) {
  auto *self = SELF(object);
  if (self->adaptive->set_property(PROP_ADAPTIVE_FIRST, id, value)) return;
  GST_OBJECT_LOCK(self);
  switch (id) {
    case PROP_PT:
      self->pt = g_value_get_uint(value);
      break;
    case PROP_MULTIPACKET:
      self->multipacket = g_value_get_boolean(value);
      break;
    case PROP_PERCENTAGE:
      self->percentage = g_value_get_uint(value);
      break;
    case PROP_PERCENTAGE_IMPORTANT:
      self->percentage_important = g_value_get_uint(value);
      break;
    default:
      GST_OBJECT_UNLOCK(self);
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
      return;
  }
  GST_OBJECT_UNLOCK(self);
  const Settings s = settings_of(self);
  std::lock_guard lock(self->state->lock);
  apply(*self->state, s);
}

static void ulpfecenc2_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec) {
  auto *self = SELF(object);
  if (self->adaptive->get_property(PROP_ADAPTIVE_FIRST, id, value)) return;
  if (id == PROP_PERCENTAGE) {  // the level in use in adaptive mode
    g_value_set_uint(value, settings_of(self).percentage);
    return;
  }
  GST_OBJECT_LOCK(self);
  switch (id) {
    case PROP_PT:
      g_value_set_uint(value, self->pt);
      break;
    case PROP_MULTIPACKET:
      g_value_set_boolean(value, self->multipacket);
      break;
    case PROP_PERCENTAGE_IMPORTANT:
      g_value_set_uint(value, self->percentage_important);
      break;
    case PROP_PROTECTED:
      g_value_set_uint(value, self->protected_packets);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(self);
}

static GstStateChangeReturn ulpfecenc2_change_state(GstElement *element,
                                                    GstStateChange transition) {
  auto *self = SELF(element);
  const GstStateChangeReturn ret =
      GST_ELEMENT_CLASS(gst_srt_rtp_ulpfec_enc2_parent_class)->change_state(element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    std::lock_guard lock(self->state->lock);
    self->state->streams.clear();
  }
  return ret;
}

static void ulpfecenc2_dispose(GObject *object) {
  SELF(object)->adaptive->release_session();
  G_OBJECT_CLASS(gst_srt_rtp_ulpfec_enc2_parent_class)->dispose(object);
}

static void ulpfecenc2_finalize(GObject *object) {
  delete SELF(object)->adaptive;
  delete SELF(object)->state;
  G_OBJECT_CLASS(gst_srt_rtp_ulpfec_enc2_parent_class)->finalize(object);
}

static void gst_srt_rtp_ulpfec_enc2_class_init(GstSrtRtpUlpFecEnc2Class *klass) {
  auto *gobject_class = G_OBJECT_CLASS(klass);
  auto *element_class = GST_ELEMENT_CLASS(klass);
  gobject_class->set_property = ulpfecenc2_set_property;
  gobject_class->get_property = ulpfecenc2_get_property;
  gobject_class->dispose = ulpfecenc2_dispose;
  gobject_class->finalize = ulpfecenc2_finalize;
  element_class->change_state = ulpfecenc2_change_state;

  // As rtpulpfecenc's (names, types, ranges, defaults, flags).
  const auto rw =
      static_cast<GParamFlags>(G_PARAM_CONSTRUCT | G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(
      gobject_class, PROP_PT,
      g_param_spec_uint("pt", "payload type", "The payload type of FEC packets", 0, 255, kUndefPt,
                        rw));
  g_object_class_install_property(gobject_class, PROP_MULTIPACKET,
                                  g_param_spec_boolean("multipacket", "Multipacket",
                                                       "Apply FEC on multiple packets", TRUE, rw));
  g_object_class_install_property(
      gobject_class, PROP_PERCENTAGE,
      g_param_spec_uint("percentage", "Percentage", "FEC overhead percentage for the whole stream",
                        0, 100, 0, rw));
  g_object_class_install_property(
      gobject_class, PROP_PERCENTAGE_IMPORTANT,
      g_param_spec_uint("percentage-important", "Percentage important",
                        "FEC overhead percentage for important packets", 0, 100, 0, rw));
  g_object_class_install_property(
      gobject_class, PROP_PROTECTED,
      g_param_spec_uint("protected", "Protected", "Count of protected packets", 0, G_MAXUINT32, 0,
                        static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));

  // Ours only (the C element has no adaptive mode).
  srtrtp::AdaptiveFec::install_properties(gobject_class, PROP_ADAPTIVE_FIRST,
                                          "percentage then reads the level in use");

  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_set_static_metadata(
      element_class, "RTP FEC Encoder", "Codec/Payloader/Network/RTP",
      "Encodes RTP FEC (RFC5109) (srt-core)", srtrtp::kElementAuthor);
  GST_DEBUG_CATEGORY_INIT(ulpfecenc2_debug, "rtpulpfecenc2", 0, "ULPFEC encoder");
}

static void gst_srt_rtp_ulpfec_enc2_init(GstSrtRtpUlpFecEnc2 *self) {
  self->state = new EncState();
  self->adaptive = new srtrtp::AdaptiveFec(GST_ELEMENT(self),
                                           [self](guint32 ssrc) { return protects(self, ssrc); });
  self->pt = kUndefPt;
  self->multipacket = TRUE;
  self->srcpad = gst_pad_new_from_static_template(&src_template, "src");
  gst_element_add_pad(GST_ELEMENT(self), self->srcpad);
  self->sinkpad = gst_pad_new_from_static_template(&sink_template, "sink");
  GST_PAD_SET_PROXY_CAPS(self->sinkpad);
  GST_PAD_SET_PROXY_ALLOCATION(self->sinkpad);
  gst_pad_set_chain_function(self->sinkpad, ulpfecenc2_chain);
  gst_pad_set_chain_list_function(self->sinkpad, ulpfecenc2_chain_list);
  gst_pad_set_event_function(self->sinkpad, ulpfecenc2_sink_event);
  gst_element_add_pad(GST_ELEMENT(self), self->sinkpad);
}
