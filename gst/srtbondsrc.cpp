// srtbondsrc: a live source, one buffer per SRT message, received straight
// into the buffer's memory. Timestamps follow srtsrc: the running time at
// which the message was sent (its TSBPD delivery time minus the latency), so
// that with the latency reported downstream, playback happens at delivery.
#include "srtbondsrc.hpp"

#include <gst/base/gstpushsrc.h>

#include <algorithm>

#include "element_author.hpp"
#include "elements.hpp"
#include "srt_element_common.hpp"
#include "srt_element_glue.hpp"

GST_DEBUG_CATEGORY_STATIC(srtbondsrc_debug);
#define GST_CAT_DEFAULT srtbondsrc_debug

using srtrtp::SrtElement;
namespace io = srtcore::io;

namespace {

enum : guint { kPropKeepListening = srtrtp::kPropCommonLast, kPropCaps };

struct SrcState {
  GstCaps *caps = nullptr;  // `caps` property; guarded by the object lock
  bool connected = false;   // streaming thread only
  bool discont = true;
  guint64 truncated = 0;

  ~SrcState() { gst_caps_replace(&caps, nullptr); }
};

}  // namespace

struct GstSrtBondSrc {
  GstPushSrc parent;
  SrtElement *srt;
  SrcState *state;
};
struct GstSrtBondSrcClass {
  GstPushSrcClass parent_class;
};

static guint src_signals[srtrtp::kSigLast];

G_DEFINE_TYPE_WITH_CODE(GstSrtBondSrc, gst_srt_bond_src, GST_TYPE_PUSH_SRC,
                        G_IMPLEMENT_INTERFACE(GST_TYPE_URI_HANDLER,
                                              srtrtp::srt_uri_handler_init<GST_URI_SRC>))
GST_ELEMENT_REGISTER_DEFINE(srtbondsrc, "srtbondsrc", GST_RANK_SECONDARY, GST_TYPE_SRT_BOND_SRC)

#define SELF(obj) (reinterpret_cast<GstSrtBondSrc *>(obj))

static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

static std::chrono::nanoseconds recv_latency(GstSrtBondSrc *self) {
  if (auto l = self->srt->negotiated_recv_latency()) return *l;
  return self->srt->configured_recv_latency();
}

// Running time at which the message left the sender (srtsrc's timestamps).
static GstClockTime timestamp_of(GstSrtBondSrc *self, const srtcore::srt::MessageInfo &info) {
  GstClock *clock = gst_element_get_clock(GST_ELEMENT(self));
  if (!clock) return GST_CLOCK_TIME_NONE;
  const GstClockTime now = gst_clock_get_time(clock);
  const auto mono_now = io::monotonic_now();
  gst_object_unref(clock);
  const GstClockTime base = gst_element_get_base_time(GST_ELEMENT(self));
  const auto origin =
      info.delivery_time - std::chrono::duration_cast<srtcore::srt::Duration>(recv_latency(self));
  const auto age = std::chrono::duration_cast<std::chrono::nanoseconds>(mono_now - origin);
  const GstClockTime delay = age.count() > 0 ? static_cast<GstClockTime>(age.count()) : 0;
  const GstClockTime running = now > base ? now - base : 0;
  return running > delay ? running - delay : 0;
}

// The caller of a listener source left: wait for the next one or end.
static GstFlowReturn peer_gone(GstSrtBondSrc *self) {
  self->state->connected = false;
  if (!self->srt->keep_listening()) {
    GST_INFO_OBJECT(self, "the caller left; end of stream");
    return GST_FLOW_EOS;
  }
  gst_element_post_message(
      GST_ELEMENT(self),
      gst_message_new_element(GST_OBJECT(self), gst_structure_new_empty("connection-removed")));
  return GST_FLOW_OK;
}

static GstFlowReturn src_create(GstPushSrc *push, GstBuffer **out) {
  auto *self = SELF(push);
  SrtElement &srt = *self->srt;
  SrcState &s = *self->state;
  const bool listener = srt.mode() == srtrtp::SrtMode::kListener;
  GstBuffer *buffer = gst_buffer_new_allocate(nullptr, srt.receive_size(), nullptr);
  GstMapInfo map;
  if (!gst_buffer_map(buffer, &map, GST_MAP_WRITE)) {
    gst_buffer_unref(buffer);
    GST_ELEMENT_ERROR(self, RESOURCE, READ, ("Could not map a buffer for writing."), (nullptr));
    return GST_FLOW_ERROR;
  }
  GstFlowReturn ret = GST_FLOW_OK;
  std::optional<io::ReceivedMessage> msg;
  while (!msg) {
    if (srt.flushing()) {
      ret = GST_FLOW_FLUSHING;
      break;
    }
    if (!s.connected) {
      const SrtElement::Wait w = srt.wait_connected();
      if (w == SrtElement::Wait::kFlushing) {
        ret = GST_FLOW_FLUSHING;
        break;
      }
      if (w != SrtElement::Wait::kConnected) {
        if (!srt.handle_failure(true)) {
          ret = GST_FLOW_ERROR;
          break;
        }
        continue;
      }
      s.connected = true;
      s.discont = true;
      srt.take_disconnects();
    }
    io::WaitStatus status = io::WaitStatus::kTimeout;
    msg = srt.endpoint()->receive(srtcore::srt::MutableByteSpan(map.data, map.size),
                                  srt.wait_slice(), &status);
    if (msg) break;
    if (status == io::WaitStatus::kCancelled) {
      ret = GST_FLOW_FLUSHING;
      break;
    }
    const bool failed = status == io::WaitStatus::kFailed;
    if (listener && (failed || (srt.take_disconnects() > 0 && srt.endpoint()->peers().empty()))) {
      ret = peer_gone(self);
      if (ret != GST_FLOW_OK) break;
    } else if (failed) {
      s.connected = false;
      if (!srt.handle_failure(true)) {
        ret = GST_FLOW_ERROR;
        break;
      }
    }
  }
  gst_buffer_unmap(buffer, &map);
  if (!msg) {
    gst_buffer_unref(buffer);
    return ret;
  }

  const srtcore::srt::MessageInfo &info = msg->info;
  std::size_t size = info.size;
  if (size > map.size) {
    // The peer's messages are larger than any payload size we know of.
    ++s.truncated;
    GST_WARNING_OBJECT(self, "message of %zu bytes truncated to %zu", size, map.size);
    size = map.size;
  }
  gst_buffer_resize(buffer, 0, static_cast<gssize>(size));
  GST_BUFFER_PTS(buffer) = timestamp_of(self, info);
  GST_BUFFER_DTS(buffer) = GST_CLOCK_TIME_NONE;
  if (s.discont || info.dropped_before > 0) {
    if (info.dropped_before > 0)
      GST_DEBUG_OBJECT(self, "%u packets dropped before message %u", info.dropped_before,
                       info.msg_no);
    GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_DISCONT);
    s.discont = false;
  }
  srt.count_bytes(size);
  *out = buffer;
  return GST_FLOW_OK;
}

static gboolean src_query(GstBaseSrc *base, GstQuery *query) {
  auto *self = SELF(base);
  if (GST_QUERY_TYPE(query) == GST_QUERY_LATENCY) {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(recv_latency(self));
    const auto l = static_cast<GstClockTime>(ns.count());
    gst_query_set_latency(query, TRUE, l, l);
    return TRUE;
  }
  return GST_BASE_SRC_CLASS(gst_srt_bond_src_parent_class)->query(base, query);
}

static GstCaps *src_get_caps(GstBaseSrc *base, GstCaps *filter) {
  auto *self = SELF(base);
  GST_OBJECT_LOCK(self);
  GstCaps *caps = self->state->caps ? gst_caps_ref(self->state->caps) : gst_caps_new_any();
  GST_OBJECT_UNLOCK(self);
  if (!filter) return caps;
  GstCaps *result = gst_caps_intersect_full(filter, caps, GST_CAPS_INTERSECT_FIRST);
  gst_caps_unref(caps);
  return result;
}

static gboolean src_start(GstBaseSrc *base) {
  auto *self = SELF(base);
  self->state->connected = false;
  self->state->discont = true;
  return self->srt->open();
}

static gboolean src_stop(GstBaseSrc *base) {
  SELF(base)->srt->close();
  return TRUE;
}

static void src_set_property(GObject *object, guint id, const GValue *value, GParamSpec *pspec) {
  auto *self = SELF(object);
  if (self->srt->set_property(id, value)) return;
  switch (id) {
    case kPropKeepListening:
      self->srt->set_keep_listening(g_value_get_boolean(value));
      break;
    case kPropCaps: {
      const GstCaps *caps = gst_value_get_caps(value);
      GstCaps *copy = caps ? gst_caps_copy(caps) : gst_caps_new_any();
      GST_OBJECT_LOCK(self);
      gst_caps_replace(&self->state->caps, copy);
      GST_OBJECT_UNLOCK(self);
      gst_caps_unref(copy);
      gst_pad_mark_reconfigure(GST_BASE_SRC_PAD(self));
      break;
    }
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

static void src_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec) {
  auto *self = SELF(object);
  if (self->srt->get_property(id, value)) return;
  switch (id) {
    case kPropKeepListening:
      g_value_set_boolean(value, self->srt->keep_listening());
      break;
    case kPropCaps:
      GST_OBJECT_LOCK(self);
      gst_value_set_caps(value, self->state->caps);
      GST_OBJECT_UNLOCK(self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

static void src_finalize(GObject *object) {
  auto *self = SELF(object);
  delete self->srt;
  delete self->state;
  G_OBJECT_CLASS(gst_srt_bond_src_parent_class)->finalize(object);
}

static void gst_srt_bond_src_class_init(GstSrtBondSrcClass *klass) {
  GST_DEBUG_CATEGORY_INIT(srtbondsrc_debug, "srtbondsrc", 0, "SRT source (srt-core)");
  auto *gobject_class = G_OBJECT_CLASS(klass);
  auto *element_class = GST_ELEMENT_CLASS(klass);
  auto *base_class = GST_BASE_SRC_CLASS(klass);
  auto *push_class = GST_PUSH_SRC_CLASS(klass);
  gobject_class->set_property = src_set_property;
  gobject_class->get_property = src_get_property;
  gobject_class->finalize = src_finalize;
  srtrtp::install_srt_properties(gobject_class);
  srtrtp::install_srt_signals(G_TYPE_FROM_CLASS(klass), src_signals);
  constexpr auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(
      gobject_class, kPropKeepListening,
      g_param_spec_boolean("keep-listening", "Keep listening",
                           "Toggle keep-listening for connection reuse", FALSE, rw));
  g_object_class_install_property(
      gobject_class, kPropCaps,
      g_param_spec_boxed("caps", "Caps", "The caps of the source pad", GST_TYPE_CAPS, rw));

  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "SRT source (srt-core)", "Source/Network",
      "Receive data over the network via SRT (drop-in for srtsrc, bonding-ready engine)",
      srtrtp::kElementAuthor);
  base_class->start = GST_DEBUG_FUNCPTR(src_start);
  base_class->stop = GST_DEBUG_FUNCPTR(src_stop);
  base_class->unlock = srtrtp::srt_unlock<GstBaseSrc>;
  base_class->unlock_stop = srtrtp::srt_unlock_stop<GstBaseSrc>;
  base_class->query = GST_DEBUG_FUNCPTR(src_query);
  base_class->get_caps = GST_DEBUG_FUNCPTR(src_get_caps);
  push_class->create = GST_DEBUG_FUNCPTR(src_create);
}

static void gst_srt_bond_src_init(GstSrtBondSrc *self) {
  self->srt = new SrtElement(GST_ELEMENT(self), false, src_signals);
  self->state = new SrcState();
  gst_base_src_set_format(GST_BASE_SRC(self), GST_FORMAT_TIME);
  gst_base_src_set_live(GST_BASE_SRC(self), TRUE);
  gst_base_src_set_do_timestamp(GST_BASE_SRC(self), FALSE);  // timestamps from SRT
}
