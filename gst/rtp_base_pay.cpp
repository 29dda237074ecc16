// Shared payloader base: properties and behaviour of GstRTPBasePayload that
// users rely on, with a faster output path (one allocation per packet,
// headers written in place, buffer lists).
#include "rtp_base_pay.hpp"

#include <gst/video/video.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <string>

#include "buffer_reset.hpp"
#include "header_extensions.hpp"
#include "media_clock.hpp"
#include "metrics/buffer_timer.hpp"
#include "packet_block.hpp"
#include "rtp/rtp_header.hpp"
#include "source_csrcs.hpp"

GST_DEBUG_CATEGORY_STATIC(base_pay_debug);
#define GST_CAT_DEFAULT base_pay_debug

namespace {

constexpr guint kDefaultMtu = 1400;
constexpr guint kDefaultPt = 96;
constexpr guint kRandom = G_MAXUINT32;  // -1 on the command line: pick at random

enum {
  PROP_0,
  PROP_MTU,
  PROP_PT,
  PROP_SSRC,
  PROP_TIMESTAMP_OFFSET,
  PROP_SEQNUM_OFFSET,
  PROP_TIMESTAMP,
  PROP_SEQNUM,
  PROP_STATS,
  PROP_MAX_PTIME,
  PROP_MIN_PTIME,
  PROP_PTIME_MULTIPLE,
  PROP_PERFECT_RTPTIME,
  PROP_SCALE_RTPTIME,
  PROP_ONVIF_NO_RATE_CONTROL,
  PROP_AUTO_HEADER_EXTENSION,
  PROP_EXTENSIONS,
  PROP_SOURCE_INFO,
  PROP_RTPTIME_FROM_CLOCK,
};

guint request_extension_signal = 0;
GParamSpec *extensions_pspec = nullptr;

constexpr gint64 kDefaultMaxPtime = -1;
constexpr gint64 kDefaultMinPtime = 0;
constexpr gint64 kDefaultPtimeMultiple = 0;

struct StructureFree {
  void operator()(GstStructure *st) const { gst_structure_free(st); }
};
struct CapsUnref {
  void operator()(GstCaps *caps) const { gst_caps_unref(caps); }
};
using CapsPtr = std::unique_ptr<GstCaps, CapsUnref>;
struct BufferUnref {
  void operator()(GstBuffer *b) const { gst_buffer_unref(b); }
};

// C++ state behind the plain GObject struct.
struct BasePayState {
  srtrtp::metrics::BufferTimer timer;  // time in element, for srtrtp-metrics
  // Properties as set
  guint mtu = kDefaultMtu;
  guint pt = kDefaultPt;
  guint ssrc_prop = kRandom;
  guint ts_offset_prop = kRandom;
  gint seqnum_offset_prop = -1;

  // Values in use
  guint32 ssrc = 0;
  guint32 ts_offset = 0;
  guint16 seqnum_offset = 0;
  guint16 seqnum = 0;
  guint32 last_rtp_time = 0;
  guint clock_rate = 0;
  GstSegment segment{};
  bool discont = true;
  bool need_init = true;         // pick ssrc/offsets at the first caps, after properties are final
  bool have_caps = false;        // src caps seen since start (saves a pad lookup per buffer)
  bool outcaps_refused = false;  // set_outcaps already posted the error
  GstClockTime last_pts = GST_CLOCK_TIME_NONE;
  guint64 packets = 0;
  guint64 bytes = 0;

  // Packet time (audio payloaders). Properties, then what downstream caps say;
  // both under the object lock.
  gint64 max_ptime_prop = kDefaultMaxPtime;
  gint64 min_ptime = kDefaultMinPtime;
  gint64 ptime_multiple = kDefaultPtimeMultiple;
  gint64 caps_max_ptime = -1;
  gint64 caps_ptime = 0;
  // Bumped (under the object lock) whenever one of the five above changes,
  // so that audio payloaders need not take the lock per buffer.
  std::atomic<guint> ptime_serial{1};
  // Fixed ptime/maxptime fields of the peer caps, repeated in our caps so
  // that a peer insisting on them accepts ours.
  std::unique_ptr<GstStructure, StructureFree> peer_ptime_fields;

  srtrtp::PacketBlock *block = nullptr;  // where the next packets are written
  // RTP time as GstRTPBasePayload's properties choose it (set from any thread).
  std::atomic<bool> perfect_rtptime{true};
  std::atomic<bool> scale_rtptime{true};
  std::atomic<bool> onvif_no_rate_control{false};
  gsize block_hint = srtrtp::PacketBlock::kMinSize;  // size of the next block
  gsize input_bytes = 0;                             // carved for the current input

  // RTP header extensions (RFC 8285) through GstRTPHeaderExtension objects.
  srtrtp::HeaderExtensionSet exts;
  std::atomic<bool> auto_hdrext{true};
  CapsPtr sink_caps;  // for set_non_rtp_sink_caps
  CapsPtr base_caps;  // our src caps before the extensions' fields
  // The metadata of the input buffer being handled, as the extensions read
  // it; one buffer reused, emptied after each input.
  std::unique_ptr<GstBuffer, BufferUnref> input_meta;
  // How the packets of the current input carry extensions; none outside the
  // chain function (drained packets), as GstRTPBasePayload does.
  std::optional<srtrtp::HeaderExtensionPlan> ext_plan;
  gsize ext_reserve = 0;  // bytes of extension block reserved in each packet
  guint64 ext_write_failures = 0;
  // The stream's image-orientation tag, for extensions that carry it (CVO).
  std::string image_orientation;
  bool orientation_dirty = false;

  // source-info: the CSRCs of the input being handled, written into each of
  // the packets made meanwhile; none in packets made outside the chain
  // function (drain), as GstRTPBasePayload has no input meta then either.
  std::atomic<bool> source_info{false};
  srtrtp::SourceCsrcs csrcs;
  // rtptime-from-clock: RTP time from the clock's absolute time (RFC 7273).
  std::atomic<bool> rtptime_from_clock{false};
  srtrtp::MediaClock media_clock;  // streaming thread

  BasePayState() = default;
  BasePayState(const BasePayState &) = delete;
  BasePayState &operator=(const BasePayState &) = delete;
  ~BasePayState() {
    if (block) srtrtp::PacketBlock::unref(block);
  }
};

}  // namespace

struct GstSrtRtpBasePayPrivate {
  BasePayState *state;
  GstPad *sinkpad;
  GstPad *srcpad;
};

// Written out instead of G_DEFINE_ABSTRACT_TYPE: instance_init needs the
// subclass's class (g_class) to find its pad templates.
static gpointer gst_srt_rtp_base_pay_parent_class = nullptr;
static gint gst_srt_rtp_base_pay_private_offset = 0;
static void gst_srt_rtp_base_pay_class_init(GstSrtRtpBasePayClass *klass);
static void gst_srt_rtp_base_pay_init(GTypeInstance *instance, gpointer g_class);

static void gst_srt_rtp_base_pay_class_intern_init(gpointer klass, gpointer) {
  gst_srt_rtp_base_pay_parent_class = g_type_class_peek_parent(klass);
  g_type_class_adjust_private_offset(klass, &gst_srt_rtp_base_pay_private_offset);
  gst_srt_rtp_base_pay_class_init(static_cast<GstSrtRtpBasePayClass *>(klass));
}

GType gst_srt_rtp_base_pay_get_type() {
  static GType type = 0;
  if (g_once_init_enter(&type)) {
    const GTypeInfo info = {
        sizeof(GstSrtRtpBasePayClass),
        nullptr,
        nullptr,
        gst_srt_rtp_base_pay_class_intern_init,
        nullptr,
        nullptr,
        sizeof(GstSrtRtpBasePay),
        0,
        gst_srt_rtp_base_pay_init,
        nullptr,
    };
    GType t =
        g_type_register_static(GST_TYPE_ELEMENT, "GstSrtRtpBasePay", &info, G_TYPE_FLAG_ABSTRACT);
    gst_srt_rtp_base_pay_private_offset =
        g_type_add_instance_private(t, sizeof(GstSrtRtpBasePayPrivate));
    g_once_init_leave(&type, t);
  }
  return type;
}

static GstSrtRtpBasePayPrivate *gst_srt_rtp_base_pay_get_instance_private(GstSrtRtpBasePay *self) {
  return static_cast<GstSrtRtpBasePayPrivate *>(
      G_STRUCT_MEMBER_P(self, gst_srt_rtp_base_pay_private_offset));
}

static GstSrtRtpBasePayPrivate *priv_of(GstSrtRtpBasePay *self) {
  return static_cast<GstSrtRtpBasePayPrivate *>(gst_srt_rtp_base_pay_get_instance_private(self));
}
static BasePayState &state_of(GstSrtRtpBasePay *self) {
  return *priv_of(self)->state;
}

static void pick_random_values(BasePayState &s) {
  s.ssrc = s.ssrc_prop == kRandom ? g_random_int() : s.ssrc_prop;
  s.ts_offset = s.ts_offset_prop == kRandom ? g_random_int() : s.ts_offset_prop;
  s.seqnum_offset = s.seqnum_offset_prop < 0 ? static_cast<guint16>(g_random_int_range(0, 0x10000))
                                             : static_cast<guint16>(s.seqnum_offset_prop);
  s.seqnum = s.seqnum_offset;
  s.last_rtp_time = s.ts_offset;
  s.discont = true;
  s.packets = 0;
  s.bytes = 0;
  s.need_init = false;
}

gsize gst_srt_rtp_base_pay_max_payload(GstSrtRtpBasePay *self) {
  const BasePayState &s = state_of(self);
  // The mtu covers the CSRCs and the extension block too.
  const gsize header = srtcore::rtp::kRtpHeaderSize + s.csrcs.bytes() + s.ext_reserve;
  return s.mtu > header ? s.mtu - header : 1;
}

gsize gst_srt_rtp_base_pay_max_payload_of_units(GstSrtRtpBasePay *self, gsize unit) {
  const gsize room = gst_srt_rtp_base_pay_max_payload(self);
  // Rather one unit over the mtu than an error (rtpg729pay never counts CSRCs).
  if (room < unit && state_of(self).mtu >= srtcore::rtp::kRtpHeaderSize + unit) return unit;
  return room;
}

guint32 gst_srt_rtp_base_pay_rtp_time(GstSrtRtpBasePay *self, GstClockTime pts) {
  BasePayState &s = state_of(self);
  if (!GST_CLOCK_TIME_IS_VALID(pts) || s.clock_rate == 0) return s.last_rtp_time;
  // Stream time (not scaled by the segment's rate) for onvif-no-rate-control
  // or scale-rtptime=false, as GstRTPBasePayload.
  const bool stream_time = s.onvif_no_rate_control.load(std::memory_order_relaxed) ||
                           !s.scale_rtptime.load(std::memory_order_relaxed);
  guint64 running = stream_time ? gst_segment_to_stream_time(&s.segment, GST_FORMAT_TIME, pts)
                                : gst_segment_to_running_time(&s.segment, GST_FORMAT_TIME, pts);
  if (!GST_CLOCK_TIME_IS_VALID(running)) running = 0;
  if (s.rtptime_from_clock.load(std::memory_order_relaxed) && s.media_clock.has_clock())
    return srtrtp::rtp_time_of_clock_time(s.media_clock.clock_time(running), s.clock_rate);
  const guint64 ticks =
      gst_util_uint64_scale_int(running, static_cast<gint>(s.clock_rate), GST_SECOND);
  return s.ts_offset + static_cast<guint32>(ticks);
}

// SDP-derived caps carry ptime/maxptime (ms) as uint, int or string.
static std::optional<guint> caps_ms(const GstStructure *st, const char *name) {
  guint u;
  gint i;
  if (gst_structure_get_uint(st, name, &u)) return u;
  if (gst_structure_get_int(st, name, &i) && i >= 0) return static_cast<guint>(i);
  if (const gchar *str = gst_structure_get_string(st, name)) {
    gchar *end = nullptr;
    const guint64 v = g_ascii_strtoull(str, &end, 10);
    if (end != str && *end == '\0' && v <= G_MAXUINT) return static_cast<guint>(v);
  }
  return std::nullopt;
}

// ptime and maxptime from downstream caps, as GstRTPBasePayload reads them.
static void apply_peer_ptime(BasePayState &s, const GstStructure *st, GstObject *lock) {
  GstStructure *fields = gst_structure_new_empty("ptime");
  gint64 caps_ptime = 0, caps_max_ptime = -1;
  const struct {
    const char *name;
    gint64 *ns;
  } wanted[] = {{"ptime", &caps_ptime}, {"maxptime", &caps_max_ptime}};
  for (const auto &w : wanted) {
    const auto ms = st ? caps_ms(st, w.name) : std::nullopt;
    if (!ms) continue;
    *w.ns = gint64{*ms} * GST_MSECOND;
    gst_structure_set_value(fields, w.name, gst_structure_get_value(st, w.name));
  }
  GST_OBJECT_LOCK(lock);
  if (s.caps_ptime != caps_ptime || s.caps_max_ptime != caps_max_ptime) ++s.ptime_serial;
  s.caps_ptime = caps_ptime;
  s.caps_max_ptime = caps_max_ptime;
  GST_OBJECT_UNLOCK(lock);
  s.peer_ptime_fields.reset(fields);
}

// Downstream may fix pt or ssrc in its caps (as with GstRTPBasePayload).
static void apply_peer_caps(GstSrtRtpBasePay *self) {
  BasePayState &s = state_of(self);
  GstCaps *peer = gst_pad_peer_query_caps(priv_of(self)->srcpad, nullptr);
  const GstStructure *st = nullptr;
  if (peer && !gst_caps_is_empty(peer) && !gst_caps_is_any(peer)) {
    st = gst_caps_get_structure(peer, 0);
    gint pt;
    guint ssrc;
    if (gst_structure_get_int(st, "payload", &pt) && pt >= 0 && pt <= 127)
      s.pt = static_cast<guint>(pt);
    if (gst_structure_get_uint(st, "ssrc", &ssrc)) s.ssrc = ssrc;
    // extmap-N fields downstream asks for (an SDP's a=extmap lines).
    s.exts.configure_from_caps(GST_ELEMENT(self), request_extension_signal, peer);
  }
  apply_peer_ptime(s, st, GST_OBJECT(self));
  if (peer) gst_caps_unref(peer);
}

// The base caps plus each extension's extmap field and attributes, set on
// the src pad if they changed. Streaming thread.
static gboolean set_caps_with_extensions(GstSrtRtpBasePay *self) {
  BasePayState &s = state_of(self);
  if (!s.base_caps) return TRUE;
  GstCaps *caps = gst_caps_copy(s.base_caps.get());
  if (s.rtptime_from_clock.load(std::memory_order_relaxed)) {
    s.media_clock.update(GST_ELEMENT(self));
    s.media_clock.add_caps_fields(gst_caps_get_structure(caps, 0), s.clock_rate);
  }
  for (const auto &ext : s.exts.current()) {
    if (s.sink_caps &&
        !gst_rtp_header_extension_set_non_rtp_sink_caps(ext.get(), s.sink_caps.get()))
      GST_WARNING_OBJECT(self, "extension %s refused the input caps", GST_OBJECT_NAME(ext.get()));
    if (!gst_rtp_header_extension_set_caps_from_attributes(ext.get(), caps))
      GST_WARNING_OBJECT(self, "extension %s could not describe itself in caps",
                         GST_OBJECT_NAME(ext.get()));
  }
  s.exts.refresh_facts();  // the sink caps may change what an extension supports
  GstCaps *current = gst_pad_get_current_caps(priv_of(self)->srcpad);
  gboolean ok = TRUE;
  if (!current || !gst_caps_is_equal(current, caps)) {
    GST_DEBUG_OBJECT(self, "output caps %" GST_PTR_FORMAT, caps);
    GstPad *srcpad = priv_of(self)->srcpad;
    // gst_pad_set_caps() succeeds even when downstream refuses (a sticky
    // event fails only with the data after it), and an encoder draining at
    // EOS ignores that flow error: ask downstream first, or the pipeline
    // ends with no packets and no error.
    ok = (!gst_pad_is_linked(srcpad) || gst_pad_peer_query_accept_caps(srcpad, caps)) &&
         gst_pad_set_caps(srcpad, caps);
    // Refused while flushing is no failure: the caps go again after the flush.
    if (!ok && !GST_PAD_IS_FLUSHING(srcpad)) {
      s.outcaps_refused = true;
      GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("Downstream refused the RTP caps."),
                        ("%s made %" GST_PTR_FORMAT
                         " and the element after it does not accept them; make the caps "
                         "downstream of it (payload, clock-rate, profile fields) match what "
                         "the input allows",
                         GST_ELEMENT_NAME(self), caps));
    }
  }
  if (current) gst_caps_unref(current);
  gst_caps_unref(caps);
  return ok;
}

gboolean gst_srt_rtp_base_pay_set_outcaps(GstSrtRtpBasePay *self, const gchar *media,
                                          guint clock_rate, const gchar *encoding_name,
                                          const GstStructure *extra) {
  BasePayState &s = state_of(self);
  if (s.need_init) pick_random_values(s);
  s.clock_rate = clock_rate;
  apply_peer_caps(self);
  GstCaps *caps = gst_caps_new_simple(
      "application/x-rtp", "media", G_TYPE_STRING, media, "clock-rate", G_TYPE_INT,
      static_cast<gint>(clock_rate), "encoding-name", G_TYPE_STRING, encoding_name, "payload",
      G_TYPE_INT, static_cast<gint>(s.pt), "ssrc", G_TYPE_UINT, s.ssrc, "timestamp-offset",
      G_TYPE_UINT, s.ts_offset, "seqnum-offset", G_TYPE_UINT, guint{s.seqnum_offset}, nullptr);
  if (extra) {
    GstStructure *st = gst_caps_get_structure(caps, 0);
    const gint n = gst_structure_n_fields(extra);
    for (gint i = 0; i < n; ++i) {
      const gchar *name = gst_structure_nth_field_name(extra, static_cast<guint>(i));
      gst_structure_set_value(st, name, gst_structure_get_value(extra, name));
    }
  }
  if (s.peer_ptime_fields) {
    GstStructure *st = gst_caps_get_structure(caps, 0);
    const GstStructure *pf = s.peer_ptime_fields.get();
    for (gint i = 0; i < gst_structure_n_fields(pf); ++i) {
      const gchar *name = gst_structure_nth_field_name(pf, static_cast<guint>(i));
      gst_structure_set_value(st, name, gst_structure_get_value(pf, name));
    }
  }
  s.base_caps.reset(gst_caps_ref(caps));
  gst_caps_unref(caps);
  return set_caps_with_extensions(self);
}

namespace srtrtp {

PayloadWriter::PayloadWriter(GstSrtRtpBasePay *pay, GstBuffer *input)
    : pay_(pay),
      pts_(GST_BUFFER_PTS(input)),
      rtp_time_(gst_srt_rtp_base_pay_rtp_time(pay, GST_BUFFER_PTS(input))) {
  BasePayState &s = state_of(pay);
  discont_ = s.discont || GST_BUFFER_IS_DISCONT(input);
}

PayloadWriter::PayloadWriter(GstSrtRtpBasePay *pay, GstClockTime pts)
    : PayloadWriter(pay, pts, gst_srt_rtp_base_pay_rtp_time(pay, pts)) {}

PayloadWriter::PayloadWriter(GstSrtRtpBasePay *pay, GstClockTime pts, guint32 rtp_time)
    : pay_(pay), pts_(pts), rtp_time_(rtp_time) {
  discont_ = state_of(pay).discont;
}

void PayloadWriter::set_timing(GstClockTime pts, guint32 rtp_time, GstClockTime input_pts) {
  pts_ = pts;
  const GstClockTime from = GST_CLOCK_TIME_IS_VALID(input_pts) ? input_pts : pts;
  rtp_time_ = GST_CLOCK_TIME_IS_VALID(from) && !gst_srt_rtp_base_pay_perfect_rtptime(pay_)
                  ? gst_srt_rtp_base_pay_rtp_time(pay_, from)
                  : rtp_time;
}

PayloadWriter::~PayloadWriter() {
  if (first_) gst_buffer_unref(first_);
  if (list_) gst_buffer_list_unref(list_);
}

// Room for `size` bytes in the current block, or a new block.
static void reserve(BasePayState &s, gsize size) {
  if (s.block && s.block->available() >= size) return;
  if (s.block) srtrtp::PacketBlock::unref(s.block);
  s.block = srtrtp::PacketBlock::create(std::max(s.block_hint, size));
}

std::span<std::uint8_t> PayloadWriter::begin_packet(std::size_t payload_size) {
  BasePayState &s = state_of(pay_);
  // Room for the largest extension block the extensions may write; the
  // header is moved up against the payload once their real size is known.
  header_size_ = srtcore::rtp::kRtpHeaderSize + s.csrcs.bytes() + s.ext_reserve;
  packet_size_ = header_size_ + payload_size;
  reserve(s, packet_size_);
  packet_ = s.block->next();
  return {packet_ + header_size_, payload_size};
}

// Writes the header (with an empty extension block of the reserved size, if
// any) at the start of the current block's next bytes and takes `size` bytes
// from there as one memory.
GstMemory *PayloadWriter::header_memory(gsize size, gsize payload_size, bool marker) {
  BasePayState &s = state_of(pay_);
  srtcore::rtp::RtpHeader h;
  h.marker = marker;
  h.payload_type = static_cast<std::uint8_t>(s.pt);
  h.sequence = s.seqnum++;
  h.timestamp = rtp_time_;
  h.ssrc = s.ssrc;
  h.has_extension = s.ext_plan.has_value();
  h.csrc_count = static_cast<std::uint8_t>(s.csrcs.count());
  head_ = s.block->next();
  srtcore::rtp::write_rtp_header(head_, h);
  s.csrcs.write(head_ + srtcore::rtp::kRtpHeaderSize);
  if (s.ext_plan) {
    // A valid packet already (extensions such as TWCC map it), its block
    // all padding until they write.
    guint8 *block = head_ + srtcore::rtp::kRtpHeaderSize + s.csrcs.bytes();
    srtcore::rtp::hdrext::write_block_header(block, s.ext_plan->form, s.ext_plan->reserve);
    std::memset(block + srtcore::rtp::hdrext::kBlockHeaderSize, 0, s.ext_plan->reserve);
  }
  s.bytes += payload_size;
  ++s.packets;
  s.last_rtp_time = rtp_time_;
  s.input_bytes += size;
  return s.block->take(size);
}

// Lets the extensions write into the packet `buffer`, whose first memory
// starts with the header made by header_memory(), then closes the gap
// between the written header and the payload: the header moves up, the
// buffer starts later. No allocation.
void PayloadWriter::write_extensions(GstBuffer *buffer) {
  BasePayState &s = state_of(pay_);
  if (!s.ext_plan) return;
  namespace hdrext = srtcore::rtp::hdrext;
  // Fixed header and CSRCs, which stay where they are.
  const gsize fixed = srtcore::rtp::kRtpHeaderSize + s.csrcs.bytes();
  guint8 *block = head_ + fixed;
  const gsize len = srtrtp::write_header_extensions(
      GST_ELEMENT(pay_), s.exts.snapshot(), *s.ext_plan, s.input_meta.get(), buffer,
      block + hdrext::kBlockHeaderSize, &s.ext_write_failures);
  gsize header = fixed;
  if (len > 0) {
    hdrext::write_block_header(block, s.ext_plan->form, len);
    header += hdrext::kBlockHeaderSize + len;
  } else {
    head_[0] &= static_cast<guint8>(~0x10);  // nothing written: no extension block
  }
  const gsize gap = fixed + s.ext_reserve - header;
  if (gap == 0) return;
  std::memmove(head_ + gap, head_, header);
  // The header is at the start of the buffer's first memory, made by
  // header_memory() for this packet alone: its start moves up by the gap.
  // Set directly: gst_memory_resize() would check that the memory and its
  // buffer are writable, two locked CAS pairs per packet.
  GstMemory *first = gst_buffer_peek_memory(buffer, 0);
  first->offset += gap;
  first->size -= gap;
  GST_MEMORY_FLAG_UNSET(first, GST_MEMORY_FLAG_ZERO_PREFIXED);
}

void PayloadWriter::end_packet(bool marker) {
  GstBuffer *buffer = gst_buffer_new();
  gst_buffer_append_memory(buffer,
                           header_memory(packet_size_, packet_size_ - header_size_, marker));
  packet_ = nullptr;
  write_extensions(buffer);
  queue(buffer, marker);
}

void PayloadWriter::wrap_packet(GstBuffer *payload, bool marker) {
  BasePayState &s = state_of(pay_);
  const gsize header_size = srtcore::rtp::kRtpHeaderSize + s.csrcs.bytes() + s.ext_reserve;
  reserve(s, header_size);
  GstMemory *header = header_memory(header_size, gst_buffer_get_size(payload), marker);
  GstBuffer *buffer = payload;
  if (gst_buffer_is_writable(payload) && srtrtp::reset_buffer_metadata(payload)) {
    gst_buffer_prepend_memory(buffer, header);
  } else {
    buffer = gst_buffer_new();
    gst_buffer_append_memory(buffer, header);
    gst_buffer_copy_into(buffer, payload, GST_BUFFER_COPY_MEMORY, 0, static_cast<gsize>(-1));
    gst_buffer_unref(payload);
  }
  write_extensions(buffer);
  queue(buffer, marker);
}

void PayloadWriter::queue(GstBuffer *buffer, bool marker) {
  GST_BUFFER_PTS(buffer) = pts_;
  if (discont_) {
    GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_DISCONT);
    discont_ = false;
  }
  if (marker) GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_MARKER);
  if (!first_ && !list_) {
    first_ = buffer;
    return;
  }
  if (!list_) {
    list_ = gst_buffer_list_new_sized(16);
    gst_buffer_list_add(list_, first_);
    first_ = nullptr;
  }
  gst_buffer_list_add(list_, buffer);
}

// An input's packets are carved: the next block is sized for about two
// inputs like it, and a stream keeps a block between inputs only when it is
// small (audio), so that an idle stream holds a few KiB, not a video frame's.
static void end_input(BasePayState &s) {
  constexpr gsize kKeep = 4 * 1024;
  gsize hint = srtrtp::PacketBlock::kMinSize;
  while (hint < 2 * s.input_bytes && hint < srtrtp::PacketBlock::kDefaultSize) hint *= 2;
  s.block_hint = hint;
  s.input_bytes = 0;
  if (s.block && s.block->capacity() > kKeep) {
    srtrtp::PacketBlock::unref(s.block);  // its packets keep it while they live
    s.block = nullptr;
  }
}

GstFlowReturn PayloadWriter::push() {
  BasePayState &s = state_of(pay_);
  end_input(s);
  if (!first_ && !list_) return GST_FLOW_OK;
  s.discont = false;
  s.last_pts = pts_;
  s.timer.done();
  if (first_ && always_list_) {
    list_ = gst_buffer_list_new_sized(1);
    gst_buffer_list_add(list_, first_);
    first_ = nullptr;
  }
  if (first_) {
    GstBuffer *buffer = first_;
    first_ = nullptr;
    return gst_pad_push(priv_of(pay_)->srcpad, buffer);
  }
  GstBufferList *list = list_;
  list_ = nullptr;
  return gst_pad_push_list(priv_of(pay_)->srcpad, list);
}

}  // namespace srtrtp

static GstFlowReturn base_pay_drain(GstSrtRtpBasePay *self) {
  auto *klass = GST_SRT_RTP_BASE_PAY_GET_CLASS(self);
  return klass->drain ? klass->drain(self) : GST_FLOW_OK;
}

static void base_pay_flush(GstSrtRtpBasePay *self) {
  auto *klass = GST_SRT_RTP_BASE_PAY_GET_CLASS(self);
  if (klass->flush) klass->flush(self);
  state_of(self).discont = true;
}

static void handle_force_key_unit(GstSrtRtpBasePay *self, GstEvent *event) {
  gboolean all_headers = FALSE;
  if (gst_video_event_is_force_key_unit(event)) {
    if (GST_EVENT_TYPE(event) == GST_EVENT_CUSTOM_DOWNSTREAM)
      gst_video_event_parse_downstream_force_key_unit(event, nullptr, nullptr, nullptr,
                                                      &all_headers, nullptr);
    else
      gst_video_event_parse_upstream_force_key_unit(event, nullptr, &all_headers, nullptr);
    auto *klass = GST_SRT_RTP_BASE_PAY_GET_CLASS(self);
    if (klass->force_key_unit) klass->force_key_unit(self, all_headers);
  }
}

static gboolean base_pay_sink_event(GstPad *pad, GstObject *parent, GstEvent *event) {
  auto *self = GST_SRT_RTP_BASE_PAY(parent);
  auto *klass = GST_SRT_RTP_BASE_PAY_GET_CLASS(self);
  BasePayState &s = state_of(self);
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_CAPS: {
      GstCaps *caps;
      gst_event_parse_caps(event, &caps);
      base_pay_drain(self);
      s.outcaps_refused = false;
      s.sink_caps.reset(gst_caps_ref(caps));
      const gboolean ok = klass->set_caps(self, caps);
      if (!ok && !s.outcaps_refused)
        GST_ELEMENT_ERROR(
            self, CORE, NEGOTIATION, ("Cannot use the input caps."),
            ("%s rejected caps %" GST_PTR_FORMAT "; check the upstream element's output format",
             GST_ELEMENT_NAME(self), caps));
      gst_event_unref(event);
      return ok;
    }
    case GST_EVENT_SEGMENT: {
      const GstSegment *seg;
      gst_event_parse_segment(event, &seg);
      if (seg->format != GST_FORMAT_TIME) {
        GST_ELEMENT_ERROR(self, STREAM, FORMAT, ("Input segment is not in time format."),
                          ("Send a time segment: put a parser (h264parse, h265parse, ...) or a "
                           "live source before %s",
                           GST_ELEMENT_NAME(self)));
        gst_event_unref(event);
        return FALSE;
      }
      base_pay_drain(self);
      gst_segment_copy_into(seg, &s.segment);
      break;
    }
    case GST_EVENT_EOS:
      base_pay_drain(self);
      break;
    case GST_EVENT_TAG: {
      GstTagList *tags = nullptr;
      gst_event_parse_tag(event, &tags);
      gchar *orientation = nullptr;
      if (tags && gst_tag_list_get_string(tags, GST_TAG_IMAGE_ORIENTATION, &orientation)) {
        s.image_orientation = orientation;
        s.orientation_dirty = true;
        g_free(orientation);
      }
      break;
    }
    case GST_EVENT_FLUSH_STOP:
      base_pay_flush(self);
      gst_segment_init(&s.segment, GST_FORMAT_TIME);
      break;
    case GST_EVENT_CUSTOM_DOWNSTREAM:
      handle_force_key_unit(self, event);
      break;
    default:
      break;
  }
  return gst_pad_event_default(pad, parent, event);
}

static gboolean base_pay_src_event(GstPad *pad, GstObject *parent, GstEvent *event) {
  auto *self = GST_SRT_RTP_BASE_PAY(parent);
  if (GST_EVENT_TYPE(event) == GST_EVENT_CUSTOM_UPSTREAM) handle_force_key_unit(self, event);
  return gst_pad_event_default(pad, parent, event);
}

static gboolean base_pay_sink_query(GstPad *pad, GstObject *parent, GstQuery *query) {
  auto *klass = GST_SRT_RTP_BASE_PAY_GET_CLASS(parent);
  if (GST_QUERY_TYPE(query) == GST_QUERY_CAPS && klass->get_sink_caps) {
    GstCaps *filter;
    gst_query_parse_caps(query, &filter);
    GstCaps *caps = klass->get_sink_caps(GST_SRT_RTP_BASE_PAY(parent), filter);
    gst_query_set_caps_result(query, caps);
    gst_caps_unref(caps);
    return TRUE;
  }
  return gst_pad_query_default(pad, parent, query);
}

// What gst_buffer_copy_into(GST_BUFFER_COPY_METADATA) copies, field by
// field: the metas only when there are some (usually none), which saves
// most of that call per input buffer.
static void copy_input_metadata(GstBuffer *dst, GstBuffer *src) {
  constexpr guint kKeep = (GST_MINI_OBJECT_FLAG_LAST - 1) | GST_BUFFER_FLAG_TAG_MEMORY;
  GST_BUFFER_FLAGS(dst) = (GST_BUFFER_FLAGS(dst) & kKeep) | (GST_BUFFER_FLAGS(src) & ~kKeep);
  GST_BUFFER_PTS(dst) = GST_BUFFER_PTS(src);
  GST_BUFFER_DTS(dst) = GST_BUFFER_DTS(src);
  GST_BUFFER_DURATION(dst) = GST_BUFFER_DURATION(src);
  GST_BUFFER_OFFSET(dst) = GST_BUFFER_OFFSET(src);
  GST_BUFFER_OFFSET_END(dst) = GST_BUFFER_OFFSET_END(src);
  gpointer iter = nullptr;
  if (gst_buffer_iterate_meta(src, &iter))
    gst_buffer_copy_into(dst, src, GST_BUFFER_COPY_META, 0, static_cast<gsize>(-1));
}

// Empties the reused metadata buffer; one holding a locked meta is let go.
static void release_input_meta(BasePayState &s) {
  if (s.input_meta && !srtrtp::reset_buffer_metadata(s.input_meta.get())) s.input_meta.reset();
}

// rtptime-from-clock: the capture time of the input as NTP time, for the
// NTP-64 extension (RFC 6051), unless upstream put one there.
static void add_clock_ntp_time(BasePayState &s, GstBuffer *meta) {
  if (!s.rtptime_from_clock.load(std::memory_order_relaxed) || !s.media_clock.has_clock()) return;
  const GstClockTime running =
      gst_segment_to_running_time(&s.segment, GST_FORMAT_TIME, GST_BUFFER_PTS(meta));
  if (GST_CLOCK_TIME_IS_VALID(running))
    srtrtp::add_ntp_reference_meta(meta, s.media_clock.ntp_time(running));
}

// Before an input buffer: the extensions in use (new caps if they changed),
// a copy of the input's metadata for them, and the block layout for its
// packets. Nothing when there are no extensions.
static void prepare_extensions(GstSrtRtpBasePay *self, GstBuffer *input) {
  BasePayState &s = state_of(self);
  bool changed = false;
  const auto &exts = s.exts.current(&changed);
  if (changed) set_caps_with_extensions(self);
  if (exts.empty()) return;
  if ((changed || s.orientation_dirty) && !s.image_orientation.empty()) {
    // Extensions with an image-orientation property (ours for CVO) take the tag.
    for (const auto &ext : exts) {
      GParamSpec *p =
          g_object_class_find_property(G_OBJECT_GET_CLASS(ext.get()), "image-orientation");
      if (p && (p->flags & G_PARAM_WRITABLE) && p->value_type == G_TYPE_STRING)
        g_object_set(ext.get(), "image-orientation", s.image_orientation.c_str(), nullptr);
    }
    s.orientation_dirty = false;
  }
  if (!s.input_meta || !gst_buffer_is_writable(s.input_meta.get()))
    s.input_meta.reset(gst_buffer_new());
  copy_input_metadata(s.input_meta.get(), input);
  add_clock_ntp_time(s, s.input_meta.get());
  s.ext_plan = srtrtp::plan_header_extensions(GST_ELEMENT(self), exts, s.input_meta.get());
  s.ext_reserve = s.ext_plan ? srtcore::rtp::hdrext::kBlockHeaderSize + s.ext_plan->reserve : 0;
  if (!s.ext_plan) release_input_meta(s);
}

static GstFlowReturn base_pay_chain(GstPad *, GstObject *parent, GstBuffer *buffer) {
  // The pad's parent is always this element: no checked cast per buffer.
  auto *self = reinterpret_cast<GstSrtRtpBasePay *>(parent);
  BasePayState &s = state_of(self);
  srtrtp::metrics::ChainScope timing(s.timer);
  if (!s.have_caps) s.have_caps = gst_pad_has_current_caps(priv_of(self)->srcpad);
  if (!s.have_caps) {
    GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("No input caps before the first buffer."),
                      ("Upstream must send caps before data to %s", GST_ELEMENT_NAME(self)));
    gst_buffer_unref(buffer);
    return GST_FLOW_NOT_NEGOTIATED;
  }
  // A new clock or base time changes the RTP times and a-ts-refclk.
  if (s.rtptime_from_clock.load(std::memory_order_relaxed) &&
      s.media_clock.update(GST_ELEMENT(self)))
    set_caps_with_extensions(self);
  prepare_extensions(self, buffer);
  // Read before handle_buffer takes the buffer (it may become a packet).
  if (s.source_info.load(std::memory_order_relaxed)) s.csrcs.take_from(buffer);
  const GstFlowReturn ret = GST_SRT_RTP_BASE_PAY_GET_CLASS(self)->handle_buffer(self, buffer);
  s.csrcs.clear();
  if (s.ext_plan) {
    s.ext_plan.reset();
    s.ext_reserve = 0;
    release_input_meta(s);
  }
  return ret;
}

static GstStructure *make_stats(GstSrtRtpBasePay *self) {
  BasePayState &s = state_of(self);
  GstClockTime running = GST_CLOCK_TIME_NONE;
  if (GST_CLOCK_TIME_IS_VALID(s.last_pts))
    running = gst_segment_to_running_time(&s.segment, GST_FORMAT_TIME, s.last_pts);
  GstStructure *st = gst_structure_new(
      "application/x-rtp-payload-stats", "clock-rate", G_TYPE_UINT, s.clock_rate, "running-time",
      G_TYPE_UINT64, running, "seqnum", G_TYPE_UINT, guint{s.seqnum}, "timestamp", G_TYPE_UINT,
      s.last_rtp_time, "ssrc", G_TYPE_UINT, s.ssrc, "pt", G_TYPE_UINT, s.pt, "seqnum-offset",
      G_TYPE_UINT, guint{s.seqnum_offset}, "timestamp-offset", G_TYPE_UINT, s.ts_offset,
      "packets-sent", G_TYPE_UINT64, s.packets, "payload-bytes-sent", G_TYPE_UINT64, s.bytes,
      "hdrext-write-failures", G_TYPE_UINT64, s.ext_write_failures, nullptr);
  auto *klass = GST_SRT_RTP_BASE_PAY_GET_CLASS(self);
  if (klass->add_stats) klass->add_stats(self, st);
  return st;
}

static void base_pay_set_property(GObject *object, guint id, const GValue *value,
                                  GParamSpec *pspec) {
  BasePayState &s = state_of(GST_SRT_RTP_BASE_PAY(object));
  GST_OBJECT_LOCK(object);
  switch (id) {
    case PROP_MTU:
      s.mtu = g_value_get_uint(value);
      break;
    case PROP_PT:
      s.pt = g_value_get_uint(value);
      break;
    case PROP_SSRC:
      s.ssrc_prop = g_value_get_uint(value);
      s.ssrc = s.ssrc_prop == kRandom ? g_random_int() : s.ssrc_prop;
      break;
    case PROP_TIMESTAMP_OFFSET:
      s.ts_offset_prop = g_value_get_uint(value);
      break;
    case PROP_SEQNUM_OFFSET:
      s.seqnum_offset_prop = g_value_get_int(value);
      break;
    case PROP_MAX_PTIME:
      s.max_ptime_prop = g_value_get_int64(value);
      ++s.ptime_serial;
      break;
    case PROP_MIN_PTIME:
      s.min_ptime = g_value_get_int64(value);
      ++s.ptime_serial;
      break;
    case PROP_PTIME_MULTIPLE:
      s.ptime_multiple = g_value_get_int64(value);
      ++s.ptime_serial;
      break;
    case PROP_PERFECT_RTPTIME:
      s.perfect_rtptime = g_value_get_boolean(value);
      break;
    case PROP_SCALE_RTPTIME:
      s.scale_rtptime = g_value_get_boolean(value);
      break;
    case PROP_ONVIF_NO_RATE_CONTROL:
      s.onvif_no_rate_control = g_value_get_boolean(value);
      break;
    case PROP_AUTO_HEADER_EXTENSION:
      s.auto_hdrext = g_value_get_boolean(value) != FALSE;
      break;
    case PROP_SOURCE_INFO:
      s.source_info = g_value_get_boolean(value) != FALSE;
      break;
    case PROP_RTPTIME_FROM_CLOCK:
      s.rtptime_from_clock = g_value_get_boolean(value) != FALSE;
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(object);
}

static void base_pay_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec) {
  auto *self = GST_SRT_RTP_BASE_PAY(object);
  BasePayState &s = state_of(self);
  switch (id) {
    case PROP_MTU:
      g_value_set_uint(value, s.mtu);
      break;
    case PROP_PT:
      g_value_set_uint(value, s.pt);
      break;
    case PROP_SSRC:
      g_value_set_uint(value, s.ssrc_prop);
      break;
    case PROP_TIMESTAMP_OFFSET:
      g_value_set_uint(value, s.ts_offset_prop);
      break;
    case PROP_SEQNUM_OFFSET:
      g_value_set_int(value, s.seqnum_offset_prop);
      break;
    case PROP_TIMESTAMP:
      g_value_set_uint(value, s.last_rtp_time);
      break;
    case PROP_SEQNUM:
      g_value_set_uint(value, s.seqnum);
      break;
    case PROP_STATS:
      g_value_take_boxed(value, make_stats(self));
      break;
    case PROP_MAX_PTIME:
      GST_OBJECT_LOCK(object);
      g_value_set_int64(value, s.max_ptime_prop);
      GST_OBJECT_UNLOCK(object);
      break;
    case PROP_MIN_PTIME:
      GST_OBJECT_LOCK(object);
      g_value_set_int64(value, s.min_ptime);
      GST_OBJECT_UNLOCK(object);
      break;
    case PROP_PTIME_MULTIPLE:
      GST_OBJECT_LOCK(object);
      g_value_set_int64(value, s.ptime_multiple);
      GST_OBJECT_UNLOCK(object);
      break;
    case PROP_PERFECT_RTPTIME:
      g_value_set_boolean(value, s.perfect_rtptime);
      break;
    case PROP_SCALE_RTPTIME:
      g_value_set_boolean(value, s.scale_rtptime);
      break;
    case PROP_ONVIF_NO_RATE_CONTROL:
      g_value_set_boolean(value, s.onvif_no_rate_control);
      break;
    case PROP_AUTO_HEADER_EXTENSION:
      g_value_set_boolean(value, s.auto_hdrext);
      break;
    case PROP_EXTENSIONS:
      s.exts.to_value(value);
      break;
    case PROP_SOURCE_INFO:
      g_value_set_boolean(value, s.source_info);
      break;
    case PROP_RTPTIME_FROM_CLOCK:
      g_value_set_boolean(value, s.rtptime_from_clock);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
      break;
  }
}

static GstStateChangeReturn base_pay_change_state(GstElement *element, GstStateChange transition) {
  auto *self = GST_SRT_RTP_BASE_PAY(element);
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    BasePayState &s = state_of(self);
    s.need_init = true;
    s.have_caps = false;
    s.media_clock.reset();
    gst_segment_init(&s.segment, GST_FORMAT_TIME);
  }
  GstStateChangeReturn ret =
      GST_ELEMENT_CLASS(gst_srt_rtp_base_pay_parent_class)->change_state(element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) base_pay_flush(self);
  return ret;
}

static void base_pay_finalize(GObject *object) {
  auto *priv = priv_of(GST_SRT_RTP_BASE_PAY(object));
  delete priv->state;
  priv->state = nullptr;
  G_OBJECT_CLASS(gst_srt_rtp_base_pay_parent_class)->finalize(object);
}

// The add-extension, clear-extensions and request-extension class handlers.
static void base_pay_add_extension(GstSrtRtpBasePay *self, GstRTPHeaderExtension *ext) {
  g_return_if_fail(GST_IS_RTP_HEADER_EXTENSION(ext));
  g_return_if_fail(gst_rtp_header_extension_get_id(ext) > 0);
  state_of(self).exts.add(ext);
  g_object_notify_by_pspec(G_OBJECT(self), extensions_pspec);
}

static void base_pay_clear_extensions(GstSrtRtpBasePay *self) {
  state_of(self).exts.clear();
  g_object_notify_by_pspec(G_OBJECT(self), extensions_pspec);
}

static GstRTPHeaderExtension *base_pay_request_extension(GstSrtRtpBasePay *self, guint id,
                                                         const gchar *uri) {
  return srtrtp::auto_header_extension(GST_ELEMENT(self), state_of(self).auto_hdrext, id, uri);
}

static void gst_srt_rtp_base_pay_class_init(GstSrtRtpBasePayClass *klass) {
  GST_DEBUG_CATEGORY_INIT(base_pay_debug, "srtrtpbasepay", 0, "srtrtp payloader base");
  auto *gobject_class = G_OBJECT_CLASS(klass);
  gobject_class->set_property = base_pay_set_property;
  gobject_class->get_property = base_pay_get_property;
  gobject_class->finalize = base_pay_finalize;
  GST_ELEMENT_CLASS(klass)->change_state = base_pay_change_state;

  constexpr auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  constexpr auto ro = static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(
      gobject_class, PROP_MTU,
      g_param_spec_uint("mtu", "MTU", "Maximum size of one RTP packet, header included", 28,
                        G_MAXUINT, kDefaultMtu, rw));
  g_object_class_install_property(
      gobject_class, PROP_PT,
      g_param_spec_uint("pt", "payload type", "The payload type of the packets", 0, 0x7f,
                        kDefaultPt, rw));
  g_object_class_install_property(
      gobject_class, PROP_SSRC,
      g_param_spec_uint("ssrc", "SSRC", "The SSRC of the packets (default == random)", 0,
                        G_MAXUINT32, kRandom, rw));
  g_object_class_install_property(
      gobject_class, PROP_TIMESTAMP_OFFSET,
      g_param_spec_uint("timestamp-offset", "Timestamp Offset",
                        "Offset to add to all outgoing timestamps (default = random)", 0,
                        G_MAXUINT32, kRandom, rw));
  g_object_class_install_property(
      gobject_class, PROP_SEQNUM_OFFSET,
      g_param_spec_int("seqnum-offset", "Sequence number Offset",
                       "Offset to add to all outgoing seqnum (-1 = random)", -1, G_MAXUINT16, -1,
                       rw));
  g_object_class_install_property(
      gobject_class, PROP_TIMESTAMP,
      g_param_spec_uint("timestamp", "Timestamp", "The RTP timestamp of the last processed packet",
                        0, G_MAXUINT32, 0, ro));
  g_object_class_install_property(
      gobject_class, PROP_SEQNUM,
      g_param_spec_uint("seqnum", "Sequence number",
                        "The RTP sequence number of the last processed packet", 0, G_MAXUINT16, 0,
                        ro));
  g_object_class_install_property(
      gobject_class, PROP_STATS,
      g_param_spec_boxed("stats", "Statistics", "Various statistics", GST_TYPE_STRUCTURE, ro));
  // Packet time: used by the audio payloaders (as in GstRTPBasePayload).
  g_object_class_install_property(
      gobject_class, PROP_MAX_PTIME,
      g_param_spec_int64("max-ptime", "Max packet time",
                         "Maximum duration of the packet data in ns (-1 = unlimited up to MTU)", -1,
                         G_MAXINT64, kDefaultMaxPtime, rw));
  g_object_class_install_property(
      gobject_class, PROP_MIN_PTIME,
      g_param_spec_int64("min-ptime", "Min packet time",
                         "Minimum duration of the packet data in ns (can't go above MTU)", 0,
                         G_MAXINT64, kDefaultMinPtime, rw));
  g_object_class_install_property(
      gobject_class, PROP_PTIME_MULTIPLE,
      g_param_spec_int64("ptime-multiple", "Packet time multiple",
                         "Force buffers to be multiples of this duration in ns (0 disables)", 0,
                         G_MAXINT64, kDefaultPtimeMultiple, rw));
  // RTP time: blurbs and defaults as GstRTPBasePayload's.
  g_object_class_install_property(
      gobject_class, PROP_PERFECT_RTPTIME,
      g_param_spec_boolean("perfect-rtptime", "Perfect RTP Time",
                           "Generate perfect RTP timestamps when possible", TRUE, rw));
  g_object_class_install_property(
      gobject_class, PROP_SCALE_RTPTIME,
      g_param_spec_boolean("scale-rtptime", "Scale RTP time",
                           "Whether the RTP timestamp should be scaled with the rate (speed)", TRUE,
                           rw));
  g_object_class_install_property(
      gobject_class, PROP_ONVIF_NO_RATE_CONTROL,
      g_param_spec_boolean("onvif-no-rate-control", "ONVIF no rate control",
                           "Enable ONVIF Rate-Control=no timestamping mode", FALSE, rw));
  // CSRCs from the input's GstRTPSourceMeta, as GstRTPBasePayload.
  g_object_class_install_property(
      gobject_class, PROP_SOURCE_INFO,
      g_param_spec_boolean("source-info", "RTP source information",
                           "Write CSRC based on buffer meta RTP source information", FALSE, rw));
  const auto ids = srtrtp::install_header_extension_api(
      gobject_class, PROP_AUTO_HEADER_EXTENSION, PROP_EXTENSIONS,
      G_CALLBACK(base_pay_add_extension), G_CALLBACK(base_pay_clear_extensions),
      G_CALLBACK(base_pay_request_extension));
  request_extension_signal = ids.request_signal;
  extensions_pspec = ids.extensions_pspec;
  g_object_class_install_property(
      gobject_class, PROP_RTPTIME_FROM_CLOCK,
      g_param_spec_boolean(
          "rtptime-from-clock", "RTP time from clock",
          "RTP timestamps from the pipeline clock's absolute time (base time + running time) x "
          "clock-rate, without offset (RFC 7273 direct media clock; timestamp-offset ignored); "
          "caps get a-ts-refclk and a-mediaclk",
          FALSE, rw));
  gst_type_mark_as_plugin_api(GST_TYPE_SRT_RTP_BASE_PAY, static_cast<GstPluginAPIFlags>(0));
}

static void gst_srt_rtp_base_pay_init(GTypeInstance *instance, gpointer g_class) {
  auto *self = reinterpret_cast<GstSrtRtpBasePay *>(instance);
  auto *priv = priv_of(self);
  priv->state = new BasePayState();
  priv->state->timer.attach(GST_ELEMENT(self));
  pick_random_values(*priv->state);
  gst_segment_init(&priv->state->segment, GST_FORMAT_TIME);

  auto *klass = GST_ELEMENT_CLASS(g_class);
  GstPadTemplate *sink_tmpl = gst_element_class_get_pad_template(klass, "sink");
  GstPadTemplate *src_tmpl = gst_element_class_get_pad_template(klass, "src");
  g_return_if_fail(sink_tmpl && src_tmpl);
  priv->sinkpad = gst_pad_new_from_template(sink_tmpl, "sink");
  gst_pad_set_chain_function(priv->sinkpad, base_pay_chain);
  gst_pad_set_event_function(priv->sinkpad, base_pay_sink_event);
  gst_pad_set_query_function(priv->sinkpad, base_pay_sink_query);
  GST_PAD_SET_PROXY_ALLOCATION(priv->sinkpad);
  gst_element_add_pad(GST_ELEMENT(self), priv->sinkpad);

  priv->srcpad = gst_pad_new_from_template(src_tmpl, "src");
  gst_pad_set_event_function(priv->srcpad, base_pay_src_event);
  gst_pad_use_fixed_caps(priv->srcpad);
  gst_element_add_pad(GST_ELEMENT(self), priv->srcpad);
}

GstSrtRtpPtime gst_srt_rtp_base_pay_get_ptime(GstSrtRtpBasePay *self) {
  BasePayState &s = state_of(self);
  GstSrtRtpPtime p;
  GST_OBJECT_LOCK(self);
  p.min_ptime = s.min_ptime;
  p.ptime_multiple = s.ptime_multiple;
  p.ptime = s.caps_ptime;
  if (s.max_ptime_prop >= 0 && s.caps_max_ptime >= 0)
    p.max_ptime = MIN(s.max_ptime_prop, s.caps_max_ptime);
  else
    p.max_ptime = s.max_ptime_prop >= 0 ? s.max_ptime_prop : s.caps_max_ptime;
  GST_OBJECT_UNLOCK(self);
  return p;
}

guint gst_srt_rtp_base_pay_ptime_serial(GstSrtRtpBasePay *self) {
  return state_of(self).ptime_serial.load(std::memory_order_acquire);
}

gboolean gst_srt_rtp_base_pay_perfect_rtptime(GstSrtRtpBasePay *self) {
  return state_of(self).perfect_rtptime.load(std::memory_order_relaxed);
}

void gst_srt_rtp_base_pay_set_default_pt(GstSrtRtpBasePay *self, guint pt) {
  state_of(self).pt = pt;
}
