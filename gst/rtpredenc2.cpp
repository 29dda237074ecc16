// rtpredenc2: RTP redundant audio data (RED, RFC 2198) encoder, drop-in for
// gst-plugins-good's rtpredenc: each packet is wrapped in a RED packet (PT
// `pt`) carrying, besides itself, the payload of the packet `distance`
// packets earlier (fewer while the stream is younger). The RED packet keeps
// the input's sequence number, timestamp, marker, SSRC, CSRCs and header
// extensions. Payloads are shared, not copied: a RED packet is a new header
// memory followed by the two payloads' memories.
// Ours only: an adaptive mode (`adaptive`, see fec_adaptive.hpp): without
// reported loss no redundant block (distance 0), with any the configured
// distance (at least 1); `distance` then reads the one in use.
#include <gst/gst.h>

#include <atomic>
#include <cstring>
#include <deque>
#include <mutex>
#include <vector>

#include "element_author.hpp"
#include "elements.hpp"
#include "fec/protection_choice.hpp"
#include "fec_adaptive.hpp"
#include "red_element_common.hpp"
#include "rtp/red.hpp"
#include "rtp/rtp_header.hpp"

namespace red = srtcore::rtp::red;

GST_DEBUG_CATEGORY_STATIC(red_enc_debug);
#define GST_CAT_DEFAULT red_enc_debug

namespace {

constexpr gint kDefaultPt = 0;
constexpr guint kDefaultDistance = 0;
constexpr gboolean kDefaultAllowNoRedBlocks = TRUE;
// Packets kept for redundant blocks at most. A packet further back than
// this is older than RED's 14-bit timestamp offset allows at any usual
// packet duration (16 ticks or more), so rtpredenc would not use it either;
// a larger distance gives RED packets without redundant blocks, and memory
// stays bounded whatever the property says.
constexpr guint kMaxHistory = 1024;

struct HistoryItem {
  guint8 pt = 0;
  guint32 timestamp = 0;
  srtrtp::red::MemoryRef payload;  // the payload bytes only, shared with the packet
};

struct EncState {
  std::mutex lock;  // the properties
  gint pt = kDefaultPt;
  guint distance = kDefaultDistance;
  bool allow_no_red_blocks = kDefaultAllowNoRedBlocks;
  bool resend_caps = false;  // pt changed while RED caps were current
  std::atomic<guint> sent{0};
  std::atomic<gint64> media_ssrc{-1};  // for adaptive mode's RTCP filter

  // The caps downstream name the RED payload type (read when pt changes).
  std::atomic<bool> caps_red{false};

  // Streaming thread only.
  std::deque<HistoryItem> history;  // newest first, at most `distance`
  srtrtp::red::HeaderCarver headers;
};

}  // namespace

struct GstSrtRtpRedEnc {
  GstElement parent;
  GstPad *sinkpad;
  GstPad *srcpad;
  EncState *state;
  srtrtp::AdaptiveFec *adaptive;
  srtrtp::red::OutputBatch *out;
  std::vector<GstBuffer *> *list_in;
};
struct GstSrtRtpRedEncClass {
  GstElementClass parent_class;
};

G_DEFINE_TYPE(GstSrtRtpRedEnc, gst_srt_rtp_red_enc, GST_TYPE_ELEMENT)
GST_ELEMENT_REGISTER_DEFINE(rtpredenc2, "rtpredenc2", GST_RANK_NONE, gst_srt_rtp_red_enc_get_type())

#define SELF(obj) (reinterpret_cast<GstSrtRtpRedEnc *>(obj))

enum {
  PROP_0,
  PROP_PT,
  PROP_SENT,
  PROP_DISTANCE,
  PROP_ALLOW_NO_RED_BLOCKS,
  PROP_ADAPTIVE_FIRST  // then srtrtp::AdaptiveFec's
};

// Sends the sink caps downstream, with payload = the RED payload type when
// the packets that follow are RED packets.
static void push_caps(GstSrtRtpRedEnc *self, bool red, gint pt) {
  GstCaps *caps = gst_pad_get_current_caps(self->sinkpad);
  if (!caps) return;
  if (red) {
    caps = gst_caps_make_writable(caps);
    gst_structure_set(gst_caps_get_structure(caps, 0), "payload", G_TYPE_INT, pt, nullptr);
  }
  gst_pad_push_event(self->srcpad, gst_event_new_caps(caps));
  gst_caps_unref(caps);
  self->state->caps_red = red;
}

static GstFlowReturn push(GstSrtRtpRedEnc *self, GstBuffer *buffer, bool red, gint pt,
                          bool resend_caps) {
  if (resend_caps || red != self->state->caps_red) {
    // What was gathered goes out under the caps it was made for.
    const GstFlowReturn ret = self->out->flush();
    if (ret != GST_FLOW_OK) {
      gst_buffer_unref(buffer);
      return ret;
    }
    push_caps(self, red, pt);
  }
  return self->out->push(buffer);
}

static GstFlowReturn enc_chain(GstPad *, GstObject *parent, GstBuffer *buffer) {
  auto *self = SELF(parent);
  EncState &s = *self->state;
  gint pt;
  guint distance;
  bool allow_empty, resend_caps;
  const auto level = self->adaptive->level();
  {
    std::lock_guard lock(s.lock);
    pt = s.pt;
    distance = level ? srtcore::fec::red_distance(*level, s.distance) : s.distance;
    allow_empty = s.allow_no_red_blocks;
    resend_caps = s.resend_caps;
    s.resend_caps = false;
  }
  if (distance > kMaxHistory) {
    GST_DEBUG_OBJECT(self, "distance %u is beyond %u: no redundant blocks", distance, kMaxHistory);
    distance = 0;
  }
  while (s.history.size() > distance) s.history.pop_back();
  if (distance == 0 && !allow_empty) return push(self, buffer, false, pt, resend_caps);

  srtrtp::red::PacketLayout in;
  if (!srtrtp::red::read_layout(buffer, &in)) {
    GST_DEBUG_OBJECT(self, "not an RTP packet: passed on as it is");
    return push(self, buffer, s.caps_red, pt, resend_caps);
  }
  s.media_ssrc.store(in.ssrc, std::memory_order_relaxed);
  // The redundant block: the oldest packet kept, when RED can carry it.
  const HistoryItem *redundant = nullptr;
  if (distance > 0 && !s.history.empty()) {
    const HistoryItem &oldest = s.history.back();
    const auto offset = static_cast<gint32>(in.timestamp - oldest.timestamp);
    const gsize length = oldest.payload.size();
    if (offset >= 0 && red::fits(static_cast<std::uint32_t>(offset), length))
      redundant = &oldest;
    else
      GST_DEBUG_OBJECT(self,
                       "no redundant block: timestamp offset %d or length %" G_GSIZE_FORMAT
                       " beyond what RED can carry",
                       offset, length);
  }
  srtrtp::red::MemoryRef payload;
  if (distance > 0) payload = srtrtp::red::region_memory(buffer, in.header_size, in.payload_size);
  const auto remember = [&] {
    if (distance == 0) return;
    if (s.history.size() == distance) s.history.pop_back();
    s.history.push_front(HistoryItem{in.payload_type, in.timestamp, std::move(payload)});
  };
  if (!redundant && !allow_empty) {
    remember();
    return push(self, buffer, false, pt, resend_caps);
  }

  // In place: the input keeps its payload and metadata; its header gives
  // way to a new one (payload type replaced, padding dropped, then the
  // block headers), the redundant payload's memory goes in between.
  const gsize blocks = redundant ? 1 : 0;
  const gsize head = in.header_size + red::header_size(blocks);
  guint8 *h = nullptr;
  GstMemory *header = s.headers.carve(head, &h);
  srtrtp::red::copy_header(buffer, in, h);
  h[0] &= static_cast<guint8>(~0x20);  // no padding
  h[1] = static_cast<guint8>((h[1] & 0x80) | (pt & 0x7f));
  red::BlockHeader block{};
  if (redundant)
    block = {redundant->pt, in.timestamp - redundant->timestamp, redundant->payload.size()};
  red::write_headers(h + in.header_size, {&block, blocks}, in.payload_type);
  if (!gst_buffer_is_writable(buffer)) {
    GstBuffer *out = srtrtp::red::empty_with_metadata(buffer);
    gst_buffer_append_memory(out, header);
    if (redundant) gst_buffer_append_memory(out, redundant->payload.ref());
    if (in.payload_size > 0)
      gst_buffer_append_memory(
          out, srtrtp::red::region_memory(buffer, in.header_size, in.payload_size).release());
    gst_buffer_unref(buffer);
    remember();
    s.sent.fetch_add(1, std::memory_order_relaxed);
    return push(self, out, true, pt, resend_caps);
  }
  gst_buffer_resize(buffer, static_cast<gssize>(in.header_size),
                    static_cast<gssize>(in.payload_size));
  gst_buffer_prepend_memory(buffer, header);
  if (redundant) gst_buffer_insert_memory(buffer, 1, redundant->payload.ref());
  remember();
  s.sent.fetch_add(1, std::memory_order_relaxed);
  return push(self, buffer, true, pt, resend_caps);
}

static GstFlowReturn enc_chain_list(GstPad *pad, GstObject *parent, GstBufferList *list) {
  auto *self = SELF(parent);
  std::vector<GstBuffer *> &in = *self->list_in;
  srtrtp::red::take_buffers(list, in);
  self->out->begin_list();
  GstFlowReturn ret = GST_FLOW_OK;
  std::size_t i = 0;
  while (i < in.size() && ret == GST_FLOW_OK) ret = enc_chain(pad, parent, in[i++]);
  for (; i < in.size(); ++i) gst_buffer_unref(in[i]);
  in.clear();
  const GstFlowReturn push_ret = self->out->end_list();
  return ret != GST_FLOW_OK ? ret : push_ret;
}

static gboolean enc_sink_event(GstPad *pad, GstObject *parent, GstEvent *event) {
  auto *self = SELF(parent);
  EncState &s = *self->state;
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_CAPS: {
      gint pt;
      bool allow_empty;
      {
        std::lock_guard lock(s.lock);
        pt = s.pt;
        allow_empty = s.allow_no_red_blocks;
      }
      // RED caps whenever RED packets may follow, as rtpredenc.
      if (s.caps_red || allow_empty) {
        GstCaps *caps = nullptr;
        gst_event_parse_caps(event, &caps);
        GstCaps *red_caps = gst_caps_copy(caps);
        gst_structure_set(gst_caps_get_structure(red_caps, 0), "payload", G_TYPE_INT, pt, nullptr);
        gst_event_unref(event);
        event = gst_event_new_caps(red_caps);
        gst_caps_unref(red_caps);
        s.caps_red = true;
      }
      break;
    }
    case GST_EVENT_FLUSH_STOP:
      s.history.clear();
      break;
    default:
      break;
  }
  return gst_pad_event_default(pad, parent, event);
}

static GstStateChangeReturn enc_change_state(GstElement *element, GstStateChange transition) {
  const GstStateChangeReturn ret =
      GST_ELEMENT_CLASS(gst_srt_rtp_red_enc_parent_class)->change_state(element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    SELF(element)->state->history.clear();
    SELF(element)->state->caps_red = false;
  }
  return ret;
}

static void enc_set_property(GObject *object, guint id, const GValue *value, GParamSpec *pspec) {
  if (SELF(object)->adaptive->set_property(PROP_ADAPTIVE_FIRST, id, value)) return;
  EncState &s = *SELF(object)->state;
  std::lock_guard lock(s.lock);
  switch (id) {
    case PROP_PT: {
      // As rtpredenc: new caps follow only if RED caps are out already.
      const gint pt = g_value_get_int(value);
      s.resend_caps = s.resend_caps || (pt != s.pt && s.caps_red);
      s.pt = pt;
      break;
    }
    case PROP_DISTANCE:
      s.distance = g_value_get_uint(value);
      break;
    case PROP_ALLOW_NO_RED_BLOCKS:
      s.allow_no_red_blocks = g_value_get_boolean(value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
      break;
  }
}

static void enc_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec) {
  if (SELF(object)->adaptive->get_property(PROP_ADAPTIVE_FIRST, id, value)) return;
  const auto level = SELF(object)->adaptive->level();
  EncState &s = *SELF(object)->state;
  std::lock_guard lock(s.lock);
  switch (id) {
    case PROP_PT:
      g_value_set_int(value, s.pt);
      break;
    case PROP_SENT:
      g_value_set_uint(value, s.sent.load(std::memory_order_relaxed));
      break;
    case PROP_DISTANCE:  // the one in use in adaptive mode
      g_value_set_uint(value, level ? srtcore::fec::red_distance(*level, s.distance) : s.distance);
      break;
    case PROP_ALLOW_NO_RED_BLOCKS:
      g_value_set_boolean(value, s.allow_no_red_blocks);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
      break;
  }
}

static void enc_dispose(GObject *object) {
  SELF(object)->adaptive->release_session();
  G_OBJECT_CLASS(gst_srt_rtp_red_enc_parent_class)->dispose(object);
}

static void enc_finalize(GObject *object) {
  delete SELF(object)->adaptive;
  delete SELF(object)->state;
  delete SELF(object)->out;
  delete SELF(object)->list_in;
  G_OBJECT_CLASS(gst_srt_rtp_red_enc_parent_class)->finalize(object);
}

static void gst_srt_rtp_red_enc_init(GstSrtRtpRedEnc *self) {
  self->state = new EncState();
  EncState *st = self->state;
  self->adaptive = new srtrtp::AdaptiveFec(GST_ELEMENT(self), [st](guint32 ssrc) {
    return st->media_ssrc.load(std::memory_order_relaxed) == static_cast<gint64>(ssrc);
  });
  const auto pads =
      srtrtp::red::make_pads(GST_ELEMENT(self), GST_DEBUG_FUNCPTR(enc_chain),
                             GST_DEBUG_FUNCPTR(enc_chain_list), GST_DEBUG_FUNCPTR(enc_sink_event));
  self->sinkpad = pads.sink;
  self->srcpad = pads.src;
  self->out = new srtrtp::red::OutputBatch(self->srcpad);
  self->list_in = new std::vector<GstBuffer *>();
}

static void gst_srt_rtp_red_enc_class_init(GstSrtRtpRedEncClass *klass) {
  auto *gobject_class = G_OBJECT_CLASS(klass);
  auto *element_class = GST_ELEMENT_CLASS(klass);
  gobject_class->set_property = enc_set_property;
  gobject_class->get_property = enc_get_property;
  gobject_class->dispose = enc_dispose;
  gobject_class->finalize = enc_finalize;
  element_class->change_state = GST_DEBUG_FUNCPTR(enc_change_state);

  constexpr auto kRw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(
      gobject_class, PROP_PT,
      g_param_spec_int("pt", "payload type", "Payload type FEC packets (-1 disable)", 0, 127,
                       kDefaultPt, kRw));
  g_object_class_install_property(
      gobject_class, PROP_SENT,
      g_param_spec_uint("sent", "Sent", "Count of sent packets", 0, G_MAXUINT32, 0,
                        static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));
  g_object_class_install_property(
      gobject_class, PROP_DISTANCE,
      g_param_spec_uint("distance", "RED distance",
                        "Tells which media packet to use as a redundant block (0 - no redundant "
                        "blocks, 1 to use previous packet, 2 to use the packet before previous, "
                        "etc.)",
                        0, G_MAXUINT32, kDefaultDistance, kRw));
  g_object_class_install_property(
      gobject_class, PROP_ALLOW_NO_RED_BLOCKS,
      g_param_spec_boolean("allow-no-red-blocks", "Allow no redundant blocks",
                           "true - can produce RED packets even without redundant blocks "
                           "(distance==0) false - RED packets will be produced only if distance>0",
                           kDefaultAllowNoRedBlocks, kRw));

  // Ours only (the C element has no adaptive mode).
  srtrtp::AdaptiveFec::install_properties(gobject_class, PROP_ADAPTIVE_FIRST,
                                          "level 0 sends no redundant block, any other the "
                                          "configured distance (at least 1)");

  srtrtp::red::add_pad_templates(element_class);
  gst_element_class_set_static_metadata(
      element_class, "RTP RED encoder (srtrtp)", "Codec/Payloader/Network/RTP",
      "Wraps RTP packets in RED packets with a redundant copy of an earlier one (RFC 2198)",
      srtrtp::kElementAuthor);
  GST_DEBUG_CATEGORY_INIT(red_enc_debug, "rtpredenc2", 0, "srtrtp RED encoder");
}
