// Shared depayloader base: what GstRTPBaseDepayload gives its subclasses that
// users rely on (gap detection, DISCONT, timestamps, stats), with the RTP
// header parsed once on a mapped span and outputs pushed as lists.
#include "rtp_base_depay.hpp"

#include <gst/rtp/gstrtpmeta.h>
#include <gst/video/video.h>

#include <array>
#include <atomic>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "buffer_reset.hpp"
#include "header_extensions.hpp"
#include "metrics/buffer_timer.hpp"
#include "ntp64_latency.hpp"
#include "rtp/arrival_stats.hpp"
#include "rtp/rtp_header.hpp"
#include "rtp_packet_view.hpp"

GST_DEBUG_CATEGORY_STATIC(base_depay_debug);
#define GST_CAT_DEFAULT base_depay_debug

namespace {

enum {
  PROP_0,
  PROP_STATS,
  PROP_MAX_REORDER,
  PROP_SOURCE_INFO,
  PROP_AUTO_HEADER_EXTENSION,
  PROP_EXTENSIONS,
  PROP_SHARED_CLOCK,
};

guint request_extension_signal = 0;
GParamSpec *extensions_pspec = nullptr;

// max-reorder as GstRTPBaseDepayload has it: a backwards jump larger than
// this is a sender restart, not a late packet.
constexpr int kDefaultMaxReorder = 100;
// Payloads up to this size from packets held elsewhere are copied into reused
// buffers instead of shared (audio packets: 20-320 bytes).
constexpr guint kCopyMax = 512;

struct BaseDepayState {
  srtrtp::metrics::BufferTimer timer;  // time in element, for srtrtp-metrics
  guint clock_rate = 0;
  GstSegment segment{};
  bool need_segment = false;
  bool have_seq = false;
  guint16 next_seq = 0;
  guint32 last_ssrc = 0;
  std::atomic<int> max_reorder{kDefaultMaxReorder};  // set from any thread
  std::atomic<bool> source_info{false};              // GstRTPSourceMeta on outputs
  // The packet being handled: its SSRC and CSRCs, for source-info.
  guint32 in_ssrc = 0;
  std::array<guint, 15> in_csrcs{};
  guint in_csrc_count = 0;
  bool discont = true;
  // Latest packet with a valid PTS anchors RTP time -> PTS.
  GstClockTime anchor_pts = GST_CLOCK_TIME_NONE;
  guint32 anchor_rtp = 0;
  guint32 last_rtp = 0;
  guint16 last_seq = 0;
  GstClockTime last_pts = GST_CLOCK_TIME_NONE;  // of the latest packet, for stats
  GstClockTime last_dts = GST_CLOCK_TIME_NONE;
  GstBuffer *input = nullptr;  // the packet in handle_packet, until taken as output
  srtrtp::RtpPacketView *input_view = nullptr;  // its mapping
  GstBuffer *pending_one = nullptr;             // a lone output needs no list
  GstBufferList *pending = nullptr;
  std::vector<guint8> scratch;          // packets split other than header | rest
  std::vector<GstBuffer *> list_in;     // the buffers of an input list, reused
  std::vector<GstBuffer *> list_spent;  // its packets to free after the push
  guint64 packets = 0;
  guint64 bytes = 0;  // of valid packets, headers included
  guint64 lost = 0;
  guint64 dropped_late = 0;  // = duplicated + reordered
  guint64 duplicated = 0;
  guint64 reordered = 0;
  srtcore::rtp::SeqHistory seq_history;
  srtcore::rtp::InterarrivalJitter jitter;
  guint64 dropped_invalid = 0;
  guint64 pushed = 0;

  // RTP header extensions (RFC 8285) through GstRTPHeaderExtension objects.
  srtrtp::HeaderExtensionSet exts;
  std::atomic<bool> auto_hdrext{true};
  // The current packet's extension block, copied (the packet's mapping may
  // end before its output is pushed), read onto each of its outputs.
  std::vector<guint8> ext_block;
  std::uint16_t ext_profile = 0;
  bool ext_pending = false;
  guint64 ext_damaged = 0;        // blocks with damage: the damaged part ignored
  guint64 ext_read_failures = 0;  // elements an extension could not read
  // The extension with an image-orientation property (CVO), if any, inside
  // the snapshot, and the orientation last sent downstream as a tag.
  GstRTPHeaderExtension *orientation_ext = nullptr;
  std::string last_orientation;
  bool ext_caps_active = false;  // an extension has asked for its caps fields
  // End-to-end latency from NTP-64 values (stats "latency").
  srtrtp::Ntp64Latency latency;
  std::atomic<bool> shared_clock{false};  // set from any thread
};

}  // namespace

struct GstSrtRtpBaseDepayPrivate {
  BaseDepayState *state;
  GstPad *sinkpad;
  GstPad *srcpad;
};

// Written out instead of G_DEFINE_ABSTRACT_TYPE: instance_init needs the
// subclass's class (g_class) to find its pad templates.
static gpointer gst_srt_rtp_base_depay_parent_class = nullptr;
static gint gst_srt_rtp_base_depay_private_offset = 0;
static void gst_srt_rtp_base_depay_class_init(GstSrtRtpBaseDepayClass *klass);
static void gst_srt_rtp_base_depay_init(GTypeInstance *instance, gpointer g_class);

static void gst_srt_rtp_base_depay_class_intern_init(gpointer klass, gpointer) {
  gst_srt_rtp_base_depay_parent_class = g_type_class_peek_parent(klass);
  g_type_class_adjust_private_offset(klass, &gst_srt_rtp_base_depay_private_offset);
  gst_srt_rtp_base_depay_class_init(static_cast<GstSrtRtpBaseDepayClass *>(klass));
}

GType gst_srt_rtp_base_depay_get_type() {
  static GType type = 0;
  if (g_once_init_enter(&type)) {
    const GTypeInfo info = {
        sizeof(GstSrtRtpBaseDepayClass),
        nullptr,
        nullptr,
        gst_srt_rtp_base_depay_class_intern_init,
        nullptr,
        nullptr,
        sizeof(GstSrtRtpBaseDepay),
        0,
        gst_srt_rtp_base_depay_init,
        nullptr,
    };
    GType t =
        g_type_register_static(GST_TYPE_ELEMENT, "GstSrtRtpBaseDepay", &info, G_TYPE_FLAG_ABSTRACT);
    gst_srt_rtp_base_depay_private_offset =
        g_type_add_instance_private(t, sizeof(GstSrtRtpBaseDepayPrivate));
    g_once_init_leave(&type, t);
  }
  return type;
}

static GstSrtRtpBaseDepayPrivate *gst_srt_rtp_base_depay_get_instance_private(
    GstSrtRtpBaseDepay *self) {
  return static_cast<GstSrtRtpBaseDepayPrivate *>(
      G_STRUCT_MEMBER_P(self, gst_srt_rtp_base_depay_private_offset));
}

static GstSrtRtpBaseDepayPrivate *priv_of(GstSrtRtpBaseDepay *self) {
  return static_cast<GstSrtRtpBaseDepayPrivate *>(
      gst_srt_rtp_base_depay_get_instance_private(self));
}
static BaseDepayState &state_of(GstSrtRtpBaseDepay *self) {
  return *priv_of(self)->state;
}

guint gst_srt_rtp_base_depay_clock_rate(GstSrtRtpBaseDepay *self) {
  return state_of(self).clock_rate;
}
GstPad *gst_srt_rtp_base_depay_src_pad(GstSrtRtpBaseDepay *self) {
  return priv_of(self)->srcpad;
}

static GstClockTime pts_for(const BaseDepayState &s, guint32 rtp_time) {
  if (!GST_CLOCK_TIME_IS_VALID(s.anchor_pts) || s.clock_rate == 0) return GST_CLOCK_TIME_NONE;
  // Signed difference: B-frames and interleaving put earlier times after later ones.
  const gint64 diff = static_cast<gint32>(rtp_time - s.anchor_rtp);
  const gint64 delta =
      diff >= 0 ? static_cast<gint64>(gst_util_uint64_scale_int(
                      static_cast<guint64>(diff), GST_SECOND, static_cast<gint>(s.clock_rate)))
                : -static_cast<gint64>(gst_util_uint64_scale_int(
                      static_cast<guint64>(-diff), GST_SECOND, static_cast<gint>(s.clock_rate)));
  const gint64 pts = static_cast<gint64>(s.anchor_pts) + delta;
  return pts < 0 ? 0 : static_cast<GstClockTime>(pts);
}

static GstFlowReturn push_pending(GstSrtRtpBaseDepay *self);
static void ensure_segment(GstSrtRtpBaseDepay *self);

// An orientation read from the packet (CVO) goes downstream as an
// image-orientation tag, after what was queued before it.
static void send_orientation_if_changed(GstSrtRtpBaseDepay *self) {
  BaseDepayState &s = state_of(self);
  gchar *value = nullptr;
  g_object_get(s.orientation_ext, "image-orientation", &value, nullptr);
  if (value && s.last_orientation != value) {
    s.last_orientation = value;
    push_pending(self);
    if (gst_pad_has_current_caps(priv_of(self)->srcpad)) ensure_segment(self);
    gst_pad_push_event(priv_of(self)->srcpad, gst_event_new_tag(gst_tag_list_new(
                                                  GST_TAG_IMAGE_ORIENTATION, value, nullptr)));
  }
  g_free(value);
}

// The src caps as the extensions want them after a read that asked for it.
// From then on every src caps the subclass sets get their fields too.
static void update_src_caps_from_extensions(GstSrtRtpBaseDepay *self) {
  BaseDepayState &s = state_of(self);
  s.ext_caps_active = true;
  GstCaps *current = gst_pad_get_current_caps(priv_of(self)->srcpad);
  if (!current) return;
  gst_srt_rtp_base_depay_set_src_caps(self, current);
  gst_caps_unref(current);
}

void gst_srt_rtp_base_depay_push(GstSrtRtpBaseDepay *self, GstBuffer *buffer, guint32 rtp_time) {
  BaseDepayState &s = state_of(self);
  buffer = gst_buffer_make_writable(buffer);
  if (s.ext_pending &&
      srtrtp::read_header_extensions(GST_ELEMENT(self), s.exts.snapshot(), s.ext_profile,
                                     s.ext_block, buffer, &s.ext_read_failures))
    update_src_caps_from_extensions(self);
  if (s.ext_pending && s.orientation_ext) send_orientation_if_changed(self);
  GST_BUFFER_PTS(buffer) = pts_for(s, rtp_time);
  GST_BUFFER_DTS(buffer) = GST_CLOCK_TIME_NONE;
  s.latency.on_output(GST_ELEMENT(self), rtp_time, s.shared_clock.load(std::memory_order_relaxed));
  if (s.source_info.load(std::memory_order_relaxed)) {
    // As GstRTPBaseDepayload: the sources of the packet being handled.
    GstRTPSourceMeta *meta = gst_buffer_get_rtp_source_meta(buffer);
    if (!meta)
      meta = gst_buffer_add_rtp_source_meta(buffer, &s.in_ssrc, nullptr, 0);
    else
      gst_rtp_source_meta_set_ssrc(meta, &s.in_ssrc);
    if (meta && s.in_csrc_count > 0)
      gst_rtp_source_meta_append_csrc(meta, s.in_csrcs.data(), s.in_csrc_count);
  }
  if (s.discont) {
    GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_DISCONT);
    s.discont = false;
  }
  if (!s.pending_one && !s.pending) {
    s.pending_one = buffer;
  } else {
    if (!s.pending) {
      s.pending = gst_buffer_list_new_sized(8);
      gst_buffer_list_add(s.pending, s.pending_one);
      s.pending_one = nullptr;
    }
    gst_buffer_list_add(s.pending, buffer);
  }
  ++s.pushed;
}

// Trims `in`, which the caller alone holds, to [offset, offset + size) in
// place: memories outside it are dropped, so header memories go without a
// copy or a new buffer. False, untouched, when that cannot be done.
static bool trim_in_place(GstBuffer *in, gsize offset, gsize size) {
  const guint n = gst_buffer_n_memory(in);
  if (n == 1) {  // as from udpsrc: no memory to look for
    if (!srtrtp::reset_buffer_metadata(in)) return false;
    // A memory no other buffer holds is cut down itself: half the cost of
    // gst_buffer_resize, which checks the buffer and the memory again.
    GstMemory *mem = gst_buffer_peek_memory(in, 0);
    if (gst_memory_is_writable(mem))
      gst_memory_resize(mem, static_cast<gssize>(offset), size);
    else
      gst_buffer_resize(in, static_cast<gssize>(offset), static_cast<gssize>(size));
    return true;
  }
  guint idx, len;
  gsize skip;
  if (size == 0 || !gst_buffer_find_memory(in, offset, size, &idx, &len, &skip)) return false;
  if (!srtrtp::reset_buffer_metadata(in)) return false;
  if (idx + len < n) gst_buffer_remove_memory_range(in, idx + len, -1);
  if (idx > 0) gst_buffer_remove_memory_range(in, 0, idx);
  // The payload memory of a C payloader's packet is the payload already.
  if (len == 1 && skip == 0 && gst_buffer_peek_memory(in, 0)->size == size) return true;
  gst_buffer_resize(in, static_cast<gssize>(skip), static_cast<gssize>(size));
  return true;
}

// Small output buffers are recycled: a buffer made here goes back to a free
// list when downstream drops its last reference (its mini-object dispose
// hook, the way GstBufferPool takes its buffers back) instead of being freed,
// so a copied payload costs no allocation. GstBufferPool itself measured
// slower than sharing (its atomic queue, GstPoll and pool references per
// buffer). One list for the process, emptied when the last depayloader goes,
// so that nothing is left for leak checkers; buffers still in flight then are
// freed when dropped.
class SmallBufferCache {
 public:
  static constexpr gsize kMaxFree = 64;  // at most ~40 KiB kept

  // A buffer of `size` <= kCopyMax bytes, writable, without metadata.
  static GstBuffer *get(gsize size) {
    GstBuffer *b = instance().hot_.exchange(nullptr);
    if (!b) b = pop();
    if (!b) b = make();
    if (!b) return nullptr;
    GstMemory *mem = gst_buffer_peek_memory(b, 0);
    // From the start again: downstream may have trimmed it in place.
    gst_memory_resize(mem, -static_cast<gssize>(mem->offset), size);
    return b;
  }
  // Depayloader instances alive: the list is kept while there are some.
  static void add_user() {
    SmallBufferCache &c = instance();
    const std::lock_guard lock(c.mutex_);
    ++c.users_;
  }
  static void remove_user() {
    SmallBufferCache &c = instance();
    std::vector<GstBuffer *> spent;
    {
      const std::lock_guard lock(c.mutex_);
      if (--c.users_ > 0) return;
      spent.swap(c.free_);
    }
    if (GstBuffer *b = c.hot_.exchange(nullptr)) spent.push_back(b);
    for (GstBuffer *b : spent) gst_buffer_unref(b);  // dispose declines: no users
  }

 private:
  static SmallBufferCache &instance() {
    static SmallBufferCache cache;
    return cache;
  }
  static GstBuffer *pop() {
    SmallBufferCache &c = instance();
    const std::lock_guard lock(c.mutex_);
    if (c.free_.empty()) return nullptr;
    GstBuffer *b = c.free_.back();
    c.free_.pop_back();
    return b;
  }
  static GstBuffer *make() {
    GstMemory *mem = gst_allocator_alloc(nullptr, kCopyMax, nullptr);
    if (!mem) return nullptr;
    GstBuffer *b = gst_buffer_new();
    gst_buffer_append_memory(b, mem);
    GST_BUFFER_FLAG_UNSET(b, GST_BUFFER_FLAG_TAG_MEMORY);  // set again if anyone changes it
    GST_MINI_OBJECT_CAST(b)->dispose = dispose;
    return b;
  }
  // Called at refcount 0. Takes the buffer back (FALSE) unless its memories
  // were replaced or shared, it carries a locked meta, there are no users or
  // the list is full: then it is freed as usual.
  static gboolean dispose(GstMiniObject *obj) {
    auto *b = reinterpret_cast<GstBuffer *>(obj);
    gst_buffer_ref(b);  // writable again, to drop its metas
    if (!keep(b)) {
      // As GstBufferPool discards a buffer: freed here, by a last unref
      // that no longer comes back to this hook.
      obj->dispose = nullptr;
      gst_buffer_unref(b);
    }
    return FALSE;
  }
  static bool keep(GstBuffer *b) {
    if (GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_TAG_MEMORY) || gst_buffer_n_memory(b) != 1)
      return false;
    // Referenced by this buffer alone (no copy or share of it is alive).
    // Cheaper than gst_memory_is_writable, which locks to walk the parents.
    GstMemory *mem = gst_buffer_peek_memory(b, 0);
    if (GST_MINI_OBJECT_REFCOUNT_VALUE(mem) != 1 || GST_MEMORY_IS_READONLY(mem) ||
        !srtrtp::reset_buffer_metadata(b))
      return false;
    SmallBufferCache &c = instance();
    if (c.users_ == 0) return false;
    // The hot slot first: one atomic operation each way, where the list's
    // mutex costs two, for the buffer that usually cycles alone.
    GstBuffer *empty = nullptr;
    if (c.hot_.compare_exchange_strong(empty, b)) {
      // remove_user may have emptied the slot between the check and the
      // exchange: then nothing would ever take this one out. (Sequentially
      // consistent: either it saw this buffer or this load sees no users.)
      if (c.users_ > 0) return true;
      GstBuffer *back = c.hot_.exchange(nullptr);
      if (back == b) return false;
      if (back) gst_buffer_unref(back);  // another one, stranded the same way
      return true;                       // b was taken by remove_user's sweep
    }
    const std::lock_guard lock(c.mutex_);
    if (c.users_ == 0 || c.free_.size() >= kMaxFree) return false;
    c.free_.push_back(b);  // with the reference taken in dispose
    return true;
  }
  SmallBufferCache() { free_.reserve(kMaxFree); }

  std::atomic<GstBuffer *> hot_{nullptr};  // one free buffer outside the list
  std::mutex mutex_;                       // guards free_ and changes to users_
  std::vector<GstBuffer *> free_;
  std::atomic<int> users_{0};
};

// `payload` (at most kCopyMax bytes) copied into a recycled buffer.
static GstBuffer *copy_small(srtcore::ByteSpan payload) {
  GstBuffer *out = SmallBufferCache::get(payload.size());
  if (!out) return nullptr;
  GstMemory *mem = gst_buffer_peek_memory(out, 0);
  GstMapInfo map;
  if (!gst_memory_map(mem, &map, GST_MAP_WRITE)) {
    gst_buffer_unref(out);
    return nullptr;
  }
  std::memcpy(map.data, payload.data(), payload.size());
  gst_memory_unmap(mem, &map);
  return out;
}

// A new buffer of [offset, offset + size) of `in`, which stays as it is. One
// memory holds the region in every layout we know of: then that memory (or a
// share of part of it) goes into a bare new buffer, skipping
// gst_buffer_copy_region's generic flag and meta handling.
static GstBuffer *share_region(GstBuffer *in, gsize offset, gsize size) {
  guint idx, len;
  gsize skip;
  if (size > 0 && gst_buffer_find_memory(in, offset, size, &idx, &len, &skip) && len == 1) {
    GstMemory *mem = gst_buffer_peek_memory(in, idx);
    GstMemory *part =
        skip == 0 && size == mem->size
            ? gst_memory_ref(mem)
            : gst_memory_share(mem, static_cast<gssize>(skip), static_cast<gssize>(size));
    if (part) {
      GstBuffer *out = gst_buffer_new();
      gst_buffer_append_memory(out, part);
      return out;
    }
  }
  return gst_buffer_copy_region(in, GST_BUFFER_COPY_MEMORY, offset, size);
}

GstBuffer *gst_srt_rtp_base_depay_take_payload(GstSrtRtpBaseDepay *self,
                                               const srtrtp::RtpPacketIn *packet) {
  BaseDepayState &s = state_of(self);
  GstBuffer *in = packet->buffer;
  const gsize offset = packet->payload_offset, size = packet->payload.size();
  const bool ours = in == s.input && gst_buffer_is_writable(in);
  // Someone else holds the packet (a tee, a jitter buffer, a list we could
  // not take apart): leave it as it is. A small payload is copied, from the
  // bytes still mapped, into a recycled buffer: sharing would cost a new
  // buffer and a sub-memory (allocated, parent-locked, freed) per packet,
  // over half of the element's work on audio packets, to save copying 20-320
  // bytes.
  if (!ours && size > 0 && size <= kCopyMax) {
    if (GstBuffer *out = copy_small(packet->payload)) return out;
  }
  if (in == s.input && s.input_view) s.input_view->release();
  if (!ours || !trim_in_place(in, offset, size)) return share_region(in, offset, size);
  s.input = nullptr;
  return in;
}

void gst_srt_rtp_base_depay_mark_discont(GstSrtRtpBaseDepay *self) {
  state_of(self).discont = true;
}

void gst_srt_rtp_base_depay_request_keyframe(GstSrtRtpBaseDepay *self) {
  GST_DEBUG_OBJECT(self, "requesting a keyframe upstream");
  gst_pad_push_event(priv_of(self)->sinkpad,
                     gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
}

// Pushes the held segment once caps are out.
static void ensure_segment(GstSrtRtpBaseDepay *self) {
  BaseDepayState &s = state_of(self);
  if (!s.need_segment) return;
  s.need_segment = false;
  gst_pad_push_event(priv_of(self)->srcpad, gst_event_new_segment(&s.segment));
}

static GstFlowReturn push_pending(GstSrtRtpBaseDepay *self) {
  BaseDepayState &s = state_of(self);
  s.timer.done();
  if (s.pending_one) {
    GstBuffer *b = s.pending_one;
    s.pending_one = nullptr;
    ensure_segment(self);
    return gst_pad_push(priv_of(self)->srcpad, b);
  }
  if (!s.pending) return GST_FLOW_OK;
  GstBufferList *list = s.pending;
  s.pending = nullptr;
  ensure_segment(self);
  return gst_pad_push_list(priv_of(self)->srcpad, list);
}

gboolean gst_srt_rtp_base_depay_set_src_caps(GstSrtRtpBaseDepay *self, GstCaps *caps) {
  BaseDepayState &s = state_of(self);
  GstPad *src = priv_of(self)->srcpad;
  // Fields header extensions put in the caps (colorimetry, ...) stay when
  // the subclass sets new ones.
  GstCaps *with_ext = nullptr;
  if (s.ext_caps_active) {
    with_ext = srtrtp::header_extension_src_caps(GST_ELEMENT(self), s.exts.snapshot(), caps);
    if (with_ext) caps = with_ext;
  }
  GstCaps *current = gst_pad_get_current_caps(src);
  gboolean ok = TRUE;
  if (!current || !gst_caps_is_equal(current, caps)) {
    // Buffers queued so far belong to the old caps.
    if (current) push_pending(self);
    GST_DEBUG_OBJECT(self, "output caps %" GST_PTR_FORMAT, caps);
    ok = gst_pad_set_caps(src, caps);
  }
  if (current) gst_caps_unref(current);
  if (with_ext) gst_caps_unref(with_ext);
  return ok;
}

static void drop_pending(BaseDepayState &s) {
  if (s.pending_one) gst_buffer_unref(s.pending_one);
  s.pending_one = nullptr;
  if (s.pending) gst_buffer_list_unref(s.pending);
  s.pending = nullptr;
}

// A packet's extension block: damage counted (the payload is kept either
// way), the block kept for the outputs of the packet when extensions are in
// use.
static void note_extensions(GstSrtRtpBaseDepay *self, const srtcore::rtp::ParsedRtp &rtp) {
  BaseDepayState &s = state_of(self);
  srtcore::rtp::hdrext::ElementReader check(rtp.extension_profile, rtp.extension);
  while (check.next()) {
  }
  if (check.damaged()) {
    ++s.ext_damaged;
    GST_INFO_OBJECT(self, "packet %u: damaged header extension block (%u), read up to the damage",
                    rtp.header.sequence, static_cast<unsigned>(check.status()));
  }
  bool changed = false;
  const auto &exts = s.exts.current(&changed);
  if (changed) {
    s.orientation_ext = nullptr;
    for (const auto &ext : exts)
      if (g_object_class_find_property(G_OBJECT_GET_CLASS(ext.get()), "image-orientation"))
        s.orientation_ext = ext.get();
  }
  if (exts.empty()) return;
  s.ext_block.assign(rtp.extension.begin(), rtp.extension.end());
  s.ext_profile = rtp.extension_profile;
  s.ext_pending = true;
}

// RFC 3550 jitter from the packet's arrival time: its DTS (udpsrc and
// srtbondsrc stamp it, a jitter buffer keeps it), else its PTS.
static void note_arrival(BaseDepayState &s, GstBuffer *buffer, guint32 rtp_timestamp) {
  const GstClockTime arrival =
      GST_BUFFER_DTS_IS_VALID(buffer) ? GST_BUFFER_DTS(buffer) : GST_BUFFER_PTS(buffer);
  if (!GST_CLOCK_TIME_IS_VALID(arrival)) return;
  // floor(arrival x rate / 1 s), mod 2^32, with divisions by constants
  // only (the compiler makes them multiplications): it runs per packet.
  const guint64 sec = arrival / GST_SECOND, ns = arrival % GST_SECOND;
  const auto in_rtp_units =
      static_cast<guint32>(sec * s.clock_rate + ns * s.clock_rate / GST_SECOND);
  s.jitter.add(in_rtp_units, rtp_timestamp);
}

// One packet, taken: its output is queued, pushed by the caller. A packet
// not reused as output goes to `spent` when given (freed by the caller), else
// is freed here.
static GstFlowReturn handle_buffer(GstSrtRtpBaseDepay *self, GstBuffer *buffer,
                                   std::vector<GstBuffer *> *spent = nullptr) {
  BaseDepayState &s = state_of(self);
  auto *klass = GST_SRT_RTP_BASE_DEPAY_GET_CLASS(self);
  if (s.clock_rate == 0) {
    GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("No RTP caps before the first packet."),
                      ("%s needs application/x-rtp caps with clock-rate; set caps on the source "
                       "(e.g. udpsrc caps=...)",
                       GST_ELEMENT_NAME(self)));
    gst_buffer_unref(buffer);
    return GST_FLOW_NOT_NEGOTIATED;
  }

  srtrtp::RtpPacketView input(buffer, s.scratch);
  if (!input.readable()) {
    gst_buffer_unref(buffer);
    return GST_FLOW_ERROR;
  }
  const auto &parsed = input.parsed();
  if (!parsed) {
    ++s.dropped_invalid;
    GST_WARNING_OBJECT(self, "dropping an invalid RTP packet of %" G_GSIZE_FORMAT " bytes",
                       gst_buffer_get_size(buffer));
    input.release();  // the view borrows the buffer
    gst_buffer_unref(buffer);
    return GST_FLOW_OK;
  }
  ++s.packets;
  s.bytes += gst_buffer_get_size(buffer);
  if (s.source_info.load(std::memory_order_relaxed)) {
    s.in_ssrc = parsed->header.ssrc;
    s.in_csrc_count = parsed->header.csrc_count;
    guint8 raw[15 * 4];
    const gsize got = gst_buffer_extract(buffer, 12, raw, 4 * s.in_csrc_count);
    s.in_csrc_count = static_cast<guint>(got / 4);
    for (guint i = 0; i < s.in_csrc_count; ++i) s.in_csrcs[i] = GST_READ_UINT32_BE(raw + 4 * i);
  }
  const guint16 seq = parsed->header.sequence;
  bool lost = GST_BUFFER_IS_DISCONT(buffer);
  bool restart = !s.have_seq;
  if (s.have_seq && parsed->header.ssrc != s.last_ssrc) {
    lost = restart = true;  // a new sender (or a restarted one): nothing of it is late
  } else if (s.have_seq) {
    const auto delta = static_cast<gint16>(static_cast<guint16>(seq - s.next_seq));
    if (delta < 0 && -delta <= s.max_reorder.load(std::memory_order_relaxed)) {
      // Duplicate or too late to use: earlier output already went past it.
      ++s.dropped_late;
      ++(s.seq_history.seen(seq) ? s.duplicated : s.reordered);
      GST_DEBUG_OBJECT(self, "dropping late/duplicate packet %u (expected %u)", seq, s.next_seq);
      input.release();
      gst_buffer_unref(buffer);
      return GST_FLOW_OK;
    }
    if (delta > 0) {
      s.lost += static_cast<guint64>(delta);
      lost = true;
      GST_DEBUG_OBJECT(self, "%d packets lost before %u", delta, seq);
    } else if (delta != 0) {
      lost = restart = true;  // sender restarted its sequence
    }
  }
  if (restart) {
    s.seq_history.restart(seq);
    s.jitter.reset();
  } else {
    s.seq_history.advance(seq);
  }
  note_arrival(s, buffer, parsed->header.timestamp);
  s.have_seq = true;
  s.last_ssrc = parsed->header.ssrc;
  s.next_seq = static_cast<guint16>(seq + 1);
  s.last_seq = seq;
  s.last_rtp = parsed->header.timestamp;
  s.last_pts = GST_BUFFER_PTS(buffer);
  s.last_dts = GST_BUFFER_DTS(buffer);
  if (GST_BUFFER_PTS_IS_VALID(buffer)) {
    s.anchor_pts = GST_BUFFER_PTS(buffer);
    s.anchor_rtp = parsed->header.timestamp;
  }
  if (lost) s.discont = true;
  if (parsed->header.has_extension) {
    note_extensions(self, *parsed);
    s.latency.note_packet(parsed->extension_profile, parsed->extension, parsed->header.timestamp);
  }

  const srtrtp::RtpPacketIn packet{
      parsed->payload, parsed->header.timestamp, seq, parsed->header.marker, lost,
      buffer,          input.payload_offset(),
  };
  s.input = buffer;
  s.input_view = &input;
  GstFlowReturn ret = klass->handle_packet(self, &packet);
  s.ext_pending = false;
  s.input_view = nullptr;
  input.release();
  if (s.input && spent)
    spent->push_back(s.input);
  else if (s.input)
    gst_buffer_unref(s.input);
  s.input = nullptr;
  return ret;
}

static GstFlowReturn base_depay_chain(GstPad *, GstObject *parent, GstBuffer *buffer) {
  // The pad's parent is always this element: no checked cast per packet.
  auto *self = reinterpret_cast<GstSrtRtpBaseDepay *>(parent);
  srtrtp::metrics::ChainScope timing(state_of(self).timer);
  const GstFlowReturn ret = handle_buffer(self, buffer);
  const GstFlowReturn push_ret = push_pending(self);
  return ret != GST_FLOW_OK ? ret : push_ret;
}

// A list's packets in one go and their output in one push, instead of a pad
// chain call and a push per packet. The buffers of a list we alone hold are
// taken out of it, so that they are ours alone too (trimmed in place). The
// packets not reused are freed after the push, as a list would free them:
// freeing each one (and with the last, the access unit its payload shares)
// before the output went out cost 3-8x the page faults in
// `rtph264pay ! rtph264depay2` (glibc returning and refaulting heap).
static GstFlowReturn base_depay_chain_list(GstPad *, GstObject *parent, GstBufferList *list) {
  auto *self = reinterpret_cast<GstSrtRtpBaseDepay *>(parent);
  BaseDepayState &s = state_of(self);
  srtrtp::metrics::ChainScope timing(s.timer);
  const guint n = gst_buffer_list_length(list);
  std::vector<GstBuffer *> &in = s.list_in;
  in.clear();
  for (guint i = 0; i < n; ++i) in.push_back(gst_buffer_ref(gst_buffer_list_get(list, i)));
  if (gst_buffer_list_is_writable(list)) gst_buffer_list_remove(list, 0, n);
  gst_buffer_list_unref(list);
  std::vector<GstBuffer *> &spent = s.list_spent;
  spent.clear();
  GstFlowReturn ret = GST_FLOW_OK;
  size_t i = 0;
  while (i < in.size() && ret == GST_FLOW_OK) ret = handle_buffer(self, in[i++], &spent);
  for (; i < in.size(); ++i) gst_buffer_unref(in[i]);
  in.clear();
  const GstFlowReturn push_ret = push_pending(self);
  for (GstBuffer *b : spent) gst_buffer_unref(b);
  spent.clear();
  return ret != GST_FLOW_OK ? ret : push_ret;
}

static gboolean base_depay_sink_event(GstPad *pad, GstObject *parent, GstEvent *event) {
  auto *self = GST_SRT_RTP_BASE_DEPAY(parent);
  auto *klass = GST_SRT_RTP_BASE_DEPAY_GET_CLASS(self);
  BaseDepayState &s = state_of(self);
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_CAPS: {
      GstCaps *caps;
      gst_event_parse_caps(event, &caps);
      const GstStructure *st = gst_caps_get_structure(caps, 0);
      gint rate = 0;
      if (!gst_structure_get_int(st, "clock-rate", &rate) || rate <= 0) {
        GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("RTP caps without a clock-rate."),
                          ("Add clock-rate to the caps given to %s (got %" GST_PTR_FORMAT ")",
                           GST_ELEMENT_NAME(self), caps));
        gst_event_unref(event);
        return FALSE;
      }
      s.clock_rate = static_cast<guint>(rate);
      s.latency.configure(caps);
      // extmap-N fields (an SDP's a=extmap lines): the extensions to read.
      if (!s.exts.configure_from_caps(GST_ELEMENT(self), request_extension_signal, caps))
        GST_WARNING_OBJECT(self, "some extmap fields of %" GST_PTR_FORMAT " were not usable", caps);
      const gboolean ok = klass->set_caps(self, caps);
      if (!ok)
        GST_ELEMENT_ERROR(
            self, CORE, NEGOTIATION, ("Cannot use the RTP caps."),
            ("%s rejected %" GST_PTR_FORMAT "; check encoding-name and the format parameters",
             GST_ELEMENT_NAME(self), caps));
      gst_event_unref(event);
      return ok;
    }
    case GST_EVENT_SEGMENT: {
      // Held until output caps are known, so caps always precede the segment.
      const GstSegment *seg;
      gst_event_parse_segment(event, &seg);
      if (seg->format == GST_FORMAT_TIME)
        gst_segment_copy_into(seg, &s.segment);
      else  // depayloaders output time, as GstRTPBaseDepayload does
        gst_segment_init(&s.segment, GST_FORMAT_TIME);
      s.need_segment = true;
      gst_event_unref(event);
      return TRUE;
    }
    case GST_EVENT_EOS:
      if (klass->drain) klass->drain(self);
      push_pending(self);
      if (gst_pad_has_current_caps(priv_of(self)->srcpad)) ensure_segment(self);
      break;
    case GST_EVENT_FLUSH_STOP:
      if (klass->flush) klass->flush(self);
      drop_pending(s);
      s.have_seq = false;
      s.discont = true;
      s.anchor_pts = GST_CLOCK_TIME_NONE;
      break;
    default:
      break;
  }
  return gst_pad_event_default(pad, parent, event);
}

static GstStructure *make_stats(GstSrtRtpBaseDepay *self) {
  BaseDepayState &s = state_of(self);
  // Field names and types as GstRTPBaseDepayload's, which applications read.
  const guint64 rt_pts = gst_segment_to_running_time(&s.segment, GST_FORMAT_TIME, s.last_pts);
  const guint64 rt_dts = gst_segment_to_running_time(&s.segment, GST_FORMAT_TIME, s.last_dts);
  GstStructure *st = gst_structure_new(
      "application/x-rtp-depayload-stats", "clock_rate", G_TYPE_UINT, s.clock_rate, "npt-start",
      G_TYPE_UINT64, guint64{0}, "npt-stop", G_TYPE_UINT64, GST_CLOCK_TIME_NONE, "play-speed",
      G_TYPE_DOUBLE, 1.0, "play-scale", G_TYPE_DOUBLE, 1.0, "running-time-dts", G_TYPE_UINT64,
      rt_dts, "running-time-pts", G_TYPE_UINT64, rt_pts, "seqnum", G_TYPE_UINT, guint{s.last_seq},
      "timestamp", G_TYPE_UINT, s.last_rtp, "packets-received", G_TYPE_UINT64, s.packets,
      "bytes-received", G_TYPE_UINT64, s.bytes, "packets-lost", G_TYPE_UINT64, s.lost,
      "packets-late", G_TYPE_UINT64, s.dropped_late, "packets-duplicated", G_TYPE_UINT64,
      s.duplicated, "packets-reordered", G_TYPE_UINT64, s.reordered, "jitter", G_TYPE_UINT,
      s.jitter.value(), "packets-invalid", G_TYPE_UINT64, s.dropped_invalid, "buffers-pushed",
      G_TYPE_UINT64, s.pushed, "hdrext-invalid", G_TYPE_UINT64, s.ext_damaged,
      "hdrext-read-failures", G_TYPE_UINT64, s.ext_read_failures, nullptr);
  s.latency.add_stats(st);
  auto *klass = GST_SRT_RTP_BASE_DEPAY_GET_CLASS(self);
  if (klass->add_stats) klass->add_stats(self, st);
  return st;
}

static void base_depay_set_property(GObject *object, guint id, const GValue *value,
                                    GParamSpec *pspec) {
  switch (id) {
    case PROP_MAX_REORDER:
      state_of(GST_SRT_RTP_BASE_DEPAY(object)).max_reorder = g_value_get_int(value);
      break;
    case PROP_SOURCE_INFO:
      state_of(GST_SRT_RTP_BASE_DEPAY(object)).source_info = g_value_get_boolean(value);
      break;
    case PROP_AUTO_HEADER_EXTENSION:
      state_of(GST_SRT_RTP_BASE_DEPAY(object)).auto_hdrext = g_value_get_boolean(value) != FALSE;
      break;
    case PROP_SHARED_CLOCK:
      state_of(GST_SRT_RTP_BASE_DEPAY(object)).shared_clock = g_value_get_boolean(value) != FALSE;
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
      break;
  }
}

static void base_depay_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec) {
  switch (id) {
    case PROP_STATS:
      g_value_take_boxed(value, make_stats(GST_SRT_RTP_BASE_DEPAY(object)));
      break;
    case PROP_MAX_REORDER:
      g_value_set_int(value, state_of(GST_SRT_RTP_BASE_DEPAY(object)).max_reorder);
      break;
    case PROP_SOURCE_INFO:
      g_value_set_boolean(value, state_of(GST_SRT_RTP_BASE_DEPAY(object)).source_info);
      break;
    case PROP_AUTO_HEADER_EXTENSION:
      g_value_set_boolean(value, state_of(GST_SRT_RTP_BASE_DEPAY(object)).auto_hdrext);
      break;
    case PROP_EXTENSIONS:
      state_of(GST_SRT_RTP_BASE_DEPAY(object)).exts.to_value(value);
      break;
    case PROP_SHARED_CLOCK:
      g_value_set_boolean(value, state_of(GST_SRT_RTP_BASE_DEPAY(object)).shared_clock);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
      break;
  }
}

static GstStateChangeReturn base_depay_change_state(GstElement *element,
                                                    GstStateChange transition) {
  auto *self = GST_SRT_RTP_BASE_DEPAY(element);
  BaseDepayState &s = state_of(self);
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    gst_segment_init(&s.segment, GST_FORMAT_TIME);
    s.have_seq = false;
    s.discont = true;
    s.anchor_pts = GST_CLOCK_TIME_NONE;
    s.packets = s.bytes = s.lost = s.dropped_late = s.dropped_invalid = s.pushed = 0;
    s.duplicated = s.reordered = 0;
    s.jitter.reset();
    s.ext_damaged = s.ext_read_failures = 0;
    s.ext_caps_active = false;
    s.last_orientation.clear();
  }
  GstStateChangeReturn ret =
      GST_ELEMENT_CLASS(gst_srt_rtp_base_depay_parent_class)->change_state(element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    auto *klass = GST_SRT_RTP_BASE_DEPAY_GET_CLASS(self);
    if (klass->flush) klass->flush(self);
    drop_pending(s);
    s.latency.reset();
  }
  return ret;
}

static void base_depay_finalize(GObject *object) {
  auto *priv = priv_of(GST_SRT_RTP_BASE_DEPAY(object));
  if (priv->state) drop_pending(*priv->state);
  delete priv->state;
  priv->state = nullptr;
  SmallBufferCache::remove_user();
  G_OBJECT_CLASS(gst_srt_rtp_base_depay_parent_class)->finalize(object);
}

// The add-extension, clear-extensions and request-extension class handlers.
static void base_depay_add_extension(GstSrtRtpBaseDepay *self, GstRTPHeaderExtension *ext) {
  g_return_if_fail(GST_IS_RTP_HEADER_EXTENSION(ext));
  g_return_if_fail(gst_rtp_header_extension_get_id(ext) > 0);
  state_of(self).exts.add(ext);
  g_object_notify_by_pspec(G_OBJECT(self), extensions_pspec);
}

static void base_depay_clear_extensions(GstSrtRtpBaseDepay *self) {
  state_of(self).exts.clear();
  g_object_notify_by_pspec(G_OBJECT(self), extensions_pspec);
}

static GstRTPHeaderExtension *base_depay_request_extension(GstSrtRtpBaseDepay *self, guint id,
                                                           const gchar *uri) {
  return srtrtp::auto_header_extension(GST_ELEMENT(self), state_of(self).auto_hdrext, id, uri);
}

static void gst_srt_rtp_base_depay_class_init(GstSrtRtpBaseDepayClass *klass) {
  GST_DEBUG_CATEGORY_INIT(base_depay_debug, "srtrtpbasedepay", 0, "srtrtp depayloader base");
  auto *gobject_class = G_OBJECT_CLASS(klass);
  gobject_class->set_property = base_depay_set_property;
  gobject_class->get_property = base_depay_get_property;
  gobject_class->finalize = base_depay_finalize;
  GST_ELEMENT_CLASS(klass)->change_state = base_depay_change_state;
  g_object_class_install_property(
      gobject_class, PROP_STATS,
      g_param_spec_boxed("stats", "Statistics", "Various statistics", GST_TYPE_STRUCTURE,
                         static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));
  g_object_class_install_property(
      gobject_class, PROP_MAX_REORDER,
      g_param_spec_int("max-reorder", "Max Reorder",
                       "Max seqnum reorder before assuming sender has restarted", 0, G_MAXINT,
                       kDefaultMaxReorder,
                       static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
  g_object_class_install_property(
      gobject_class, PROP_SOURCE_INFO,
      g_param_spec_boolean("source-info", "RTP source information",
                           "Add RTP source information as buffer meta", FALSE,
                           static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
  const auto ids = srtrtp::install_header_extension_api(
      gobject_class, PROP_AUTO_HEADER_EXTENSION, PROP_EXTENSIONS,
      G_CALLBACK(base_depay_add_extension), G_CALLBACK(base_depay_clear_extensions),
      G_CALLBACK(base_depay_request_extension));
  request_extension_signal = ids.request_signal;
  extensions_pspec = ids.extensions_pspec;
  g_object_class_install_property(
      gobject_class, PROP_SHARED_CLOCK,
      g_param_spec_boolean(
          "shared-clock", "Shared clock",
          "The sender's clock is this pipeline's clock: report \"latency\" in stats from NTP-64 "
          "header extensions even when a-ts-refclk does not name a shared NTP or PTP clock",
          FALSE, static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
  gst_type_mark_as_plugin_api(GST_TYPE_SRT_RTP_BASE_DEPAY, static_cast<GstPluginAPIFlags>(0));
}

static void gst_srt_rtp_base_depay_init(GTypeInstance *instance, gpointer g_class) {
  auto *self = reinterpret_cast<GstSrtRtpBaseDepay *>(instance);
  auto *priv = priv_of(self);
  priv->state = new BaseDepayState();
  priv->state->timer.attach(GST_ELEMENT(self));
  SmallBufferCache::add_user();
  gst_segment_init(&priv->state->segment, GST_FORMAT_TIME);
  auto *klass = GST_ELEMENT_CLASS(g_class);
  GstPadTemplate *sink_tmpl = gst_element_class_get_pad_template(klass, "sink");
  GstPadTemplate *src_tmpl = gst_element_class_get_pad_template(klass, "src");
  g_return_if_fail(sink_tmpl && src_tmpl);
  priv->sinkpad = gst_pad_new_from_template(sink_tmpl, "sink");
  gst_pad_set_chain_function(priv->sinkpad, base_depay_chain);
  gst_pad_set_chain_list_function(priv->sinkpad, base_depay_chain_list);
  gst_pad_set_event_function(priv->sinkpad, base_depay_sink_event);
  gst_element_add_pad(GST_ELEMENT(self), priv->sinkpad);
  priv->srcpad = gst_pad_new_from_template(src_tmpl, "src");
  gst_pad_use_fixed_caps(priv->srcpad);
  gst_element_add_pad(GST_ELEMENT(self), priv->srcpad);
}
