// rtpreddec2: RTP redundant audio data (RED, RFC 2198) decoder, drop-in for
// gst-plugins-good's rtpreddec: RED packets (payload type `pt` or one of
// `payloads`) are unwrapped into the packet they carry and, for each
// redundant block whose packet did not arrive, that packet rebuilt (its
// sequence number found from the packets around it, flagged REDUNDANT),
// pushed before the primary. Other packets pass. Payloads are shared, not
// copied. Malformed RED packets are dropped and counted ("invalid").
#include <gst/gst.h>
#include <gst/rtp/gstrtpbuffer.h>

#include <algorithm>
#include <array>
#include <mutex>
#include <vector>

#include "element_author.hpp"
#include "elements.hpp"
#include "red_element_common.hpp"
#include "rtp/red.hpp"

namespace red = srtcore::rtp::red;

GST_DEBUG_CATEGORY_STATIC(red_dec_debug);
#define GST_CAT_DEFAULT red_dec_debug

namespace {

constexpr gint kUndefinedPt = -1;
// Streams (SSRCs) whose history is kept; the least recently seen is
// forgotten first, so a flood of SSRCs costs a fixed amount of memory.
constexpr std::size_t kMaxStreams = 16;

struct Stream {
  guint32 ssrc = 0;
  guint64 last_seen = 0;
  red::SequenceFinder finder;
};

struct DecState {
  std::mutex lock;  // the properties
  gint pt = kUndefinedPt;
  std::vector<gint> payloads;
  guint received = 0;
  guint invalid = 0;

  // Streaming thread only.
  std::vector<Stream> streams;
  srtrtp::red::HeaderCarver headers;
  guint64 clock = 0;  // packets seen, for least-recently-seen eviction

  red::SequenceFinder &finder_for(guint32 ssrc) {
    ++clock;
    for (Stream &st : streams) {
      if (st.ssrc == ssrc) {
        st.last_seen = clock;
        return st.finder;
      }
    }
    if (streams.size() < kMaxStreams) {
      streams.push_back(Stream{ssrc, clock, {}});
      return streams.back().finder;
    }
    Stream &victim = *std::min_element(
        streams.begin(), streams.end(),
        [](const Stream &a, const Stream &b) { return a.last_seen < b.last_seen; });
    victim = Stream{ssrc, clock, {}};
    return victim.finder;
  }
};

}  // namespace

struct GstSrtRtpRedDec {
  GstElement parent;
  GstPad *sinkpad;
  GstPad *srcpad;
  DecState *state;
  srtrtp::red::OutputBatch *out;
  std::vector<GstBuffer *> *list_in;
};
struct GstSrtRtpRedDecClass {
  GstElementClass parent_class;
};

G_DEFINE_TYPE(GstSrtRtpRedDec, gst_srt_rtp_red_dec, GST_TYPE_ELEMENT)
GST_ELEMENT_REGISTER_DEFINE(rtpreddec2, "rtpreddec2", GST_RANK_NONE, gst_srt_rtp_red_dec_get_type())

#define SELF(obj) (reinterpret_cast<GstSrtRtpRedDec *>(obj))

enum { PROP_0, PROP_PT, PROP_RECEIVED, PROP_PAYLOADS, PROP_INVALID };

// A lost packet rebuilt from a redundant block: a fresh header (the RED
// packet's SSRC and CSRCs; marker, extension and padding cleared, as
// rtpreddec) and a shared slice of the RED packet's payload. Made only on
// loss.
static GstBuffer *rebuild(GstBuffer *red_packet, const srtrtp::red::PacketLayout &in, guint8 pt,
                          guint16 seq, guint32 timestamp, gsize offset, gsize length) {
  const gsize head = 12 + 4u * (in.head[0] & 0x0f);
  GstBuffer *out = gst_buffer_new_allocate(nullptr, head, nullptr);
  GstMapInfo map;
  gst_buffer_map(out, &map, GST_MAP_WRITE);
  srtrtp::red::PacketLayout csrcs_only = in;
  csrcs_only.header_size = head;
  srtrtp::red::copy_header(red_packet, csrcs_only, map.data);
  map.data[0] &= static_cast<guint8>(~0x30);
  map.data[1] = static_cast<guint8>(pt & 0x7f);
  GST_WRITE_UINT16_BE(map.data + 2, seq);
  GST_WRITE_UINT32_BE(map.data + 4, timestamp);
  gst_buffer_unmap(out, &map);
  out = gst_buffer_append(
      out, gst_buffer_copy_region(red_packet, GST_BUFFER_COPY_MEMORY, offset, length));
  gst_buffer_copy_into(out, red_packet, GST_BUFFER_COPY_METADATA, 0, static_cast<gsize>(-1));
  GST_BUFFER_FLAG_UNSET(out, GST_BUFFER_FLAG_MARKER);
  GST_BUFFER_FLAG_SET(out, GST_RTP_BUFFER_FLAG_REDUNDANT);
  return out;
}

static GstFlowReturn dec_chain(GstPad *, GstObject *parent, GstBuffer *buffer) {
  auto *self = SELF(parent);
  DecState &s = *self->state;
  srtrtp::red::PacketLayout in;
  bool red_pt = false, unset = false;
  const bool rtp = srtrtp::red::read_layout(buffer, &in);
  {
    std::lock_guard lock(s.lock);
    unset = s.pt == kUndefinedPt && s.payloads.empty();
    red_pt = rtp && (in.payload_type == s.pt || std::find(s.payloads.begin(), s.payloads.end(),
                                                          in.payload_type) != s.payloads.end());
    if (red_pt && !unset) ++s.received;
  }
  if (unset || !rtp) return self->out->push(buffer);
  red::SequenceFinder &finder = s.finder_for(in.ssrc);
  finder.add(in.seq, in.timestamp);
  if (!red_pt) return self->out->push(buffer);

  // The block headers (the data stays in the buffer, shared by the outputs),
  // usually among the bytes read_layout read already.
  std::array<guint8, red::kMaxHeadersSize> more{};
  srtcore::ByteSpan heads;
  if (in.head_len >= in.header_size + red::kMaxHeadersSize ||
      in.head_len == gst_buffer_get_size(buffer)) {
    heads = {in.head.data() + in.header_size, in.head_len - in.header_size};
  } else {
    const gsize got = gst_buffer_extract(buffer, in.header_size, more.data(), more.size());
    heads = {more.data(), got};
  }
  const auto layout = red::parse_layout(
      {heads.data(), std::min<std::size_t>(heads.size(), in.payload_size)}, in.payload_size);
  if (!layout) {
    {
      std::lock_guard lock(s.lock);
      ++s.invalid;
    }
    GST_WARNING_OBJECT(self,
                       "dropping a malformed RED packet (seq %u, %" G_GSIZE_FORMAT
                       " payload bytes): its block headers and lengths do not fit",
                       in.seq, in.payload_size);
    gst_buffer_unref(buffer);
    return GST_FLOW_OK;
  }
  GstFlowReturn ret = GST_FLOW_OK;
  gsize offset = in.header_size + layout->data_offset;
  for (std::size_t i = 0; i < layout->redundant_count && ret == GST_FLOW_OK; ++i) {
    const red::BlockHeader &b = layout->redundant[i];
    const guint32 timestamp = in.timestamp - b.timestamp_offset;
    if (const auto seq = finder.missing_seq(timestamp)) {  // else arrived, or cannot be placed
      GST_LOG_OBJECT(self, "rebuilt packet %u (timestamp %u) from a redundant block", *seq,
                     timestamp);
      ret = self->out->push(rebuild(buffer, in, b.payload_type, *seq, timestamp, offset, b.length));
    }
    offset += b.length;
  }
  if (ret != GST_FLOW_OK) {
    gst_buffer_unref(buffer);
    return ret;
  }
  // The primary in place: the RED packet keeps its metadata and the
  // primary's bytes; a new header (payload type replaced, padding dropped)
  // takes the place of its header, block headers and redundant blocks.
  guint8 *h = nullptr;
  GstMemory *header = s.headers.carve(in.header_size, &h);
  srtrtp::red::copy_header(buffer, in, h);
  h[0] &= static_cast<guint8>(~0x20);
  h[1] = static_cast<guint8>((h[1] & 0x80) | (layout->primary_payload_type & 0x7f));
  const gsize primary_at = in.header_size + layout->primary_offset;
  if (!gst_buffer_is_writable(buffer)) {
    GstBuffer *out = srtrtp::red::empty_with_metadata(buffer);
    gst_buffer_append_memory(out, header);
    if (layout->primary_length > 0)
      gst_buffer_append_memory(
          out, srtrtp::red::region_memory(buffer, primary_at, layout->primary_length).release());
    gst_buffer_unref(buffer);
    return self->out->push(out);
  }
  gst_buffer_resize(buffer, static_cast<gssize>(primary_at),
                    static_cast<gssize>(layout->primary_length));
  gst_buffer_prepend_memory(buffer, header);
  return self->out->push(buffer);
}

static GstFlowReturn dec_chain_list(GstPad *pad, GstObject *parent, GstBufferList *list) {
  auto *self = SELF(parent);
  std::vector<GstBuffer *> &in = *self->list_in;
  srtrtp::red::take_buffers(list, in);
  self->out->begin_list();
  GstFlowReturn ret = GST_FLOW_OK;
  std::size_t i = 0;
  while (i < in.size() && ret == GST_FLOW_OK) ret = dec_chain(pad, parent, in[i++]);
  for (; i < in.size(); ++i) gst_buffer_unref(in[i]);
  in.clear();
  const GstFlowReturn push_ret = self->out->end_list();
  return ret != GST_FLOW_OK ? ret : push_ret;
}

static gboolean dec_sink_event(GstPad *pad, GstObject *parent, GstEvent *event) {
  if (GST_EVENT_TYPE(event) == GST_EVENT_FLUSH_STOP) SELF(parent)->state->streams.clear();
  return gst_pad_event_default(pad, parent, event);
}

static GstStateChangeReturn dec_change_state(GstElement *element, GstStateChange transition) {
  const GstStateChangeReturn ret =
      GST_ELEMENT_CLASS(gst_srt_rtp_red_dec_parent_class)->change_state(element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) SELF(element)->state->streams.clear();
  return ret;
}

static void dec_set_property(GObject *object, guint id, const GValue *value, GParamSpec *pspec) {
  DecState &s = *SELF(object)->state;
  std::lock_guard lock(s.lock);
  switch (id) {
    case PROP_PT:
      s.pt = g_value_get_int(value);
      break;
    case PROP_PAYLOADS: {
      s.payloads.clear();
      for (guint i = 0; i < gst_value_array_get_size(value); ++i)
        s.payloads.push_back(g_value_get_int(gst_value_array_get_value(value, i)));
      break;
    }
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
      break;
  }
}

static void dec_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec) {
  DecState &s = *SELF(object)->state;
  std::lock_guard lock(s.lock);
  switch (id) {
    case PROP_PT:
      g_value_set_int(value, s.pt);
      break;
    case PROP_RECEIVED:
      g_value_set_uint(value, s.received);
      break;
    case PROP_INVALID:
      g_value_set_uint(value, s.invalid);
      break;
    case PROP_PAYLOADS:
      for (gint pt : s.payloads) {
        GValue v = G_VALUE_INIT;
        g_value_init(&v, G_TYPE_INT);
        g_value_set_int(&v, pt);
        gst_value_array_append_value(value, &v);
        g_value_unset(&v);
      }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
      break;
  }
}

static void dec_finalize(GObject *object) {
  delete SELF(object)->state;
  delete SELF(object)->out;
  delete SELF(object)->list_in;
  G_OBJECT_CLASS(gst_srt_rtp_red_dec_parent_class)->finalize(object);
}

static void gst_srt_rtp_red_dec_init(GstSrtRtpRedDec *self) {
  self->state = new DecState();
  const auto pads =
      srtrtp::red::make_pads(GST_ELEMENT(self), GST_DEBUG_FUNCPTR(dec_chain),
                             GST_DEBUG_FUNCPTR(dec_chain_list), GST_DEBUG_FUNCPTR(dec_sink_event));
  self->sinkpad = pads.sink;
  self->srcpad = pads.src;
  self->out = new srtrtp::red::OutputBatch(self->srcpad);
  self->list_in = new std::vector<GstBuffer *>();
}

static void gst_srt_rtp_red_dec_class_init(GstSrtRtpRedDecClass *klass) {
  auto *gobject_class = G_OBJECT_CLASS(klass);
  auto *element_class = GST_ELEMENT_CLASS(klass);
  gobject_class->set_property = dec_set_property;
  gobject_class->get_property = dec_get_property;
  gobject_class->finalize = dec_finalize;
  element_class->change_state = GST_DEBUG_FUNCPTR(dec_change_state);

  constexpr auto kRw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  constexpr auto kRo = static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(gobject_class, PROP_PT,
                                  g_param_spec_int("pt", "payload type", "Payload type FEC packets",
                                                   -1, 127, kUndefinedPt, kRw));
  g_object_class_install_property(
      gobject_class, PROP_RECEIVED,
      g_param_spec_uint("received", "Received", "Count of received packets", 0, G_MAXUINT32, 0,
                        kRo));
  g_object_class_install_property(
      gobject_class, PROP_PAYLOADS,
      gst_param_spec_array(
          "payloads", "RED payloads", "All the RED payloads this decoder may encounter",
          g_param_spec_int("pt", "payload type", "A RED payload type", -1, 127, kUndefinedPt, kRw),
          kRw));
  g_object_class_install_property(
      gobject_class, PROP_INVALID,
      g_param_spec_uint("invalid", "Invalid",
                        "Malformed RED packets dropped (block headers or lengths that do not fit)",
                        0, G_MAXUINT32, 0, kRo));

  srtrtp::red::add_pad_templates(element_class);
  gst_element_class_set_static_metadata(
      element_class, "RTP RED decoder (srtrtp)", "Codec/Depayloader/Network/RTP",
      "Unwraps RED packets and rebuilds lost packets from their redundant blocks (RFC 2198)",
      srtrtp::kElementAuthor);
  GST_DEBUG_CATEGORY_INIT(red_dec_debug, "rtpreddec2", 0, "srtrtp RED decoder");
}
