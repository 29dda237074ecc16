#include "framecheck.hpp"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <gst/video/video.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <span>
#include <sstream>

namespace framecheck {

namespace {

std::string gstr(gchar *s) {
  std::string out = s ? s : "";
  g_free(s);
  return out;
}

GstClockTime to_clock(std::chrono::seconds s) {
  return static_cast<GstClockTime>(s.count()) * GST_SECOND;
}

// Runs a pipeline until EOS or error. Returns an empty string on EOS, otherwise a
// message a person can act on.
std::string run_until_eos(GstElement *pipeline, std::chrono::seconds timeout,
                          const std::function<void()> &feed = {}) {
  ObjectPtr<GstBus> bus(gst_element_get_bus(pipeline));
  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    MessagePtr msg(gst_bus_pop_filtered(bus.get(), GST_MESSAGE_ERROR));
    std::string why = "could not set the pipeline to PLAYING";
    if (msg) {
      GError *err = nullptr;
      gchar *dbg = nullptr;
      gst_message_parse_error(msg.get(), &err, &dbg);
      why += std::string(": ") + (err ? err->message : "") + " (" + gstr(dbg) + ")";
      g_clear_error(&err);
    }
    return why;
  }
  if (feed) feed();
  MessagePtr msg(
      gst_bus_timed_pop_filtered(bus.get(), to_clock(timeout),
                                 static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR)));
  std::string result;
  if (!msg) {
    result = "timed out after " + std::to_string(timeout.count()) + " s waiting for EOS";
  } else if (GST_MESSAGE_TYPE(msg.get()) == GST_MESSAGE_ERROR) {
    GError *err = nullptr;
    gchar *dbg = nullptr;
    gst_message_parse_error(msg.get(), &err, &dbg);
    result = std::string("error from ") + GST_OBJECT_NAME(GST_MESSAGE_SRC(msg.get())) + ": " +
             (err ? err->message : "?") + " (" + gstr(dbg) + ")";
    g_clear_error(&err);
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  return result;
}

// "name (factory)"
std::string element_label(GstElement *e) {
  GstElementFactory *f = gst_element_get_factory(e);
  std::string label = GST_OBJECT_NAME(e);
  if (f) label += std::string(" (") + GST_OBJECT_NAME(f) + ")";
  return label;
}

// Adds elements to a new pipeline and links them in order. Throws Error.
PipelinePtr make_chain(const std::vector<GstElement *> &elements) {
  PipelinePtr pipeline(gst_pipeline_new(nullptr));
  for (GstElement *e : elements) gst_bin_add(GST_BIN(pipeline.get()), e);
  for (size_t i = 1; i < elements.size(); ++i) {
    if (!gst_element_link(elements[i - 1], elements[i])) {
      throw Error("cannot link " + element_label(elements[i - 1]) + " to " +
                  element_label(elements[i]) + " (see the element's warnings above)");
    }
  }
  return pipeline;
}

GstElement *make_capsfilter(const std::string &caps) {
  GstElement *f = make_element("capsfilter");
  CapsPtr c(gst_caps_from_string(caps.c_str()));
  if (!c) {
    gst_object_unref(f);
    throw Error("bad caps string: " + caps);
  }
  g_object_set(f, "caps", c.get(), nullptr);
  return f;
}

GstElement *make_appsrc(const EncodedStream &stream) {
  GstElement *src = make_element("appsrc", "src");
  g_object_set(src, "caps", stream.caps.get(), "format", GST_FORMAT_TIME, "is-live", FALSE,
               "max-bytes", static_cast<guint64>(0), nullptr);
  return src;
}

void feed_appsrc(GstElement *src, const EncodedStream &stream) {
  for (const auto &b : stream.buffers) {
    if (gst_app_src_push_buffer(GST_APP_SRC(src), gst_buffer_ref(b.get())) != GST_FLOW_OK) break;
  }
  gst_app_src_end_of_stream(GST_APP_SRC(src));
}

// Collects one digest per decoded frame, in output order.
struct FrameCollector {
  std::mutex lock;
  std::vector<Digest> frames;
  std::string error;

  static GstFlowReturn on_sample(GstAppSink *sink, gpointer user) {
    auto *self = static_cast<FrameCollector *>(user);
    SamplePtr sample(gst_app_sink_pull_sample(sink));
    if (!sample) return GST_FLOW_ERROR;
    Digest d;
    std::string err;
    d = digest_frame(sample.get(), &err);
    std::lock_guard g(self->lock);
    if (!err.empty()) {
      if (self->error.empty()) self->error = err;
      return GST_FLOW_ERROR;
    }
    self->frames.push_back(d);
    return GST_FLOW_OK;
  }

  void attach(GstElement *appsink) {
    GstAppSinkCallbacks cb{};
    cb.new_sample = &FrameCollector::on_sample;
    gst_app_sink_set_callbacks(GST_APP_SINK(appsink), &cb, this, nullptr);
  }
};

GstElement *make_frame_sink() {
  GstElement *sink = make_element("appsink", "sink");
  CapsPtr caps(gst_caps_from_string("video/x-raw,format=I420"));
  g_object_set(sink, "caps", caps.get(), "sync", FALSE, nullptr);
  return sink;
}

// Collects encoded buffers and their caps.
struct BufferCollector {
  std::mutex lock;
  std::vector<BufferPtr> buffers;
  CapsPtr caps;
  size_t bytes = 0;

  static GstFlowReturn on_sample(GstAppSink *sink, gpointer user) {
    auto *self = static_cast<BufferCollector *>(user);
    SamplePtr sample(gst_app_sink_pull_sample(sink));
    if (!sample) return GST_FLOW_ERROR;
    std::lock_guard g(self->lock);
    if (!self->caps && gst_sample_get_caps(sample.get())) {
      self->caps.reset(gst_caps_ref(gst_sample_get_caps(sample.get())));
    }
    GstBuffer *b = gst_sample_get_buffer(sample.get());
    self->bytes += gst_buffer_get_size(b);
    self->buffers.emplace_back(gst_buffer_ref(b));
    return GST_FLOW_OK;
  }

  void attach(GstElement *appsink) {
    GstAppSinkCallbacks cb{};
    cb.new_sample = &BufferCollector::on_sample;
    gst_app_sink_set_callbacks(GST_APP_SINK(appsink), &cb, this, nullptr);
  }
};

// Counts RTP packets on the payloader's source pad.
struct RtpCounter {
  std::mutex lock;
  RtpStats stats;
  std::string caps;
  bool have_last = false;
  guint16 last_seq = 0;
  guint32 last_ts = 0;

  void packet(GstBuffer *buf) {
    stats.packets++;
    const size_t size = gst_buffer_get_size(buf);
    stats.bytes += size;
    stats.max_packet_size = std::max(stats.max_packet_size, size);
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    if (!gst_rtp_buffer_map(buf, GST_MAP_READ, &rtp)) {
      stats.invalid++;
      return;
    }
    const guint16 seq = gst_rtp_buffer_get_seq(&rtp);
    const guint32 ts = gst_rtp_buffer_get_timestamp(&rtp);
    if (gst_rtp_buffer_get_marker(&rtp)) stats.markers++;
    if (!have_last || ts != last_ts) stats.timestamp_runs++;
    if (have_last && seq != static_cast<guint16>(last_seq + 1)) stats.seq_gaps++;
    have_last = true;
    last_seq = seq;
    last_ts = ts;
    const guint len = gst_rtp_buffer_get_payload_len(&rtp);
    const auto *p = static_cast<const guint8 *>(gst_rtp_buffer_get_payload(&rtp));
    if (len >= 1) {
      const int type = p[0] & 0x1f;
      if (type >= 1 && type <= 23) {
        stats.single_nal++;
      } else if (type == 24) {
        stats.stap_a++;
      } else if (type == 28) {
        stats.fu_a++;
        if (len >= 2 && (p[1] & 0x80)) stats.fu_a_frames++;
      } else {
        stats.other++;
      }
    } else {
      stats.other++;
    }
    gst_rtp_buffer_unmap(&rtp);
  }

  static GstPadProbeReturn probe(GstPad *pad, GstPadProbeInfo *info, gpointer user) {
    auto *self = static_cast<RtpCounter *>(user);
    std::lock_guard g(self->lock);
    if (self->caps.empty()) {
      CapsPtr caps(gst_pad_get_current_caps(pad));
      if (caps) self->caps = gstr(gst_caps_to_string(caps.get()));
    }
    if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
      self->packet(GST_PAD_PROBE_INFO_BUFFER(info));
    } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
      GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
      for (guint i = 0; i < gst_buffer_list_length(list); ++i) {
        self->packet(gst_buffer_list_get(list, i));
      }
    }
    return GST_PAD_PROBE_OK;
  }
};

// Iterates the NAL units of one access unit.
template <typename F>
void for_each_nal(std::span<const guint8> au, bool avc, int length_size, F &&f) {
  if (avc) {
    size_t pos = 0;
    while (pos + length_size <= au.size()) {
      size_t n = 0;
      for (int i = 0; i < length_size; ++i) n = (n << 8) | au[pos + i];
      pos += length_size;
      if (n == 0 || pos + n > au.size()) throw Error("bad avc NAL length");
      f(au.subspan(pos, n));
      pos += n;
    }
    return;
  }
  // Byte-stream: NAL units start after 00 00 01 (a preceding zero belongs to a
  // 4-byte start code).
  std::vector<std::pair<size_t, size_t>> starts;  // (start code pos, payload pos)
  for (size_t i = 0; i + 3 <= au.size(); ++i) {
    if (au[i] == 0 && au[i + 1] == 0 && au[i + 2] == 1) {
      const size_t sc = (i > 0 && au[i - 1] == 0) ? i - 1 : i;
      starts.emplace_back(sc, i + 3);
      i += 2;
    }
  }
  for (size_t k = 0; k < starts.size(); ++k) {
    const size_t begin = starts[k].second;
    const size_t end = k + 1 < starts.size() ? starts[k + 1].first : au.size();
    if (end > begin) f(au.subspan(begin, end - begin));
  }
}

}  // namespace

// ---------------------------------------------------------------- environment
void default_plugin_path(const std::string &plugin_dir, const std::string &registry_file) {
  const char *have = std::getenv("GST_PLUGIN_PATH");
  if (!have || !*have) {
    g_setenv("GST_PLUGIN_PATH", plugin_dir.c_str(), TRUE);
    const char *reg = std::getenv("GST_REGISTRY");
    if ((!reg || !*reg) && !registry_file.empty()) {
      g_setenv("GST_REGISTRY", registry_file.c_str(), TRUE);
    }
  }
}

std::string env_or(const char *name, const std::string &fallback) {
  const char *v = std::getenv(name);
  return (v && *v) ? std::string(v) : fallback;
}

bool element_available(const std::string &factory_name) {
  ObjectPtr<GstElementFactory> f(gst_element_factory_find(factory_name.c_str()));
  return f != nullptr;
}

std::vector<std::string> missing_elements(const std::vector<std::string> &factories) {
  std::vector<std::string> missing;
  for (const auto &f : factories) {
    if (!element_available(f)) missing.push_back(f);
  }
  return missing;
}

void set_property(GstElement *element, const std::string &name, const std::string &value) {
  GParamSpec *pspec = g_object_class_find_property(G_OBJECT_GET_CLASS(element), name.c_str());
  if (!pspec) {
    throw Error(std::string("element ") + GST_OBJECT_NAME(element) + " has no property '" + name +
                "'");
  }
  GValue v = G_VALUE_INIT;
  g_value_init(&v, pspec->value_type);
  if (!gst_value_deserialize_with_pspec(&v, value.c_str(), pspec)) {
    g_value_unset(&v);
    throw Error(std::string("element ") + GST_OBJECT_NAME(element) + ": bad value '" + value +
                "' for property '" + name + "'");
  }
  g_object_set_property(G_OBJECT(element), name.c_str(), &v);
  g_value_unset(&v);
}

GstElement *make_element(const std::string &factory, const char *name) {
  GstElement *e = gst_element_factory_make(factory.c_str(), name);
  if (!e) throw Error("element '" + factory + "' is not available");
  return e;
}

// ---------------------------------------------------------------- formats
const char *to_string(StreamFormat f) {
  switch (f) {
    case StreamFormat::ByteStreamAu:
      return "byte-stream/au";
    case StreamFormat::ByteStreamNal:
      return "byte-stream/nal";
    case StreamFormat::AvcAu:
      return "avc/au";
  }
  return "?";
}

const char *identifier(StreamFormat f) {
  switch (f) {
    case StreamFormat::ByteStreamAu:
      return "bytestream_au";
    case StreamFormat::ByteStreamNal:
      return "bytestream_nal";
    case StreamFormat::AvcAu:
      return "avc_au";
  }
  return "unknown";
}

std::string caps_string(StreamFormat f) {
  switch (f) {
    case StreamFormat::ByteStreamAu:
      return "video/x-h264,stream-format=byte-stream,alignment=au";
    case StreamFormat::ByteStreamNal:
      return "video/x-h264,stream-format=byte-stream,alignment=nal";
    case StreamFormat::AvcAu:
      return "video/x-h264,stream-format=avc,alignment=au";
  }
  return {};
}

std::string EncodeSettings::describe() const {
  std::ostringstream s;
  s << width << "x" << height << "@" << fps << " " << frames << " frames, " << profile
    << ", bframes=" << bframes << ", slices=" << slices << ", " << bitrate_kbps << " kbit/s";
  if (intra_refresh) s << ", intra-refresh";
  if (key_int_max) s << ", key-int-max=" << key_int_max;
  return s.str();
}

// ---------------------------------------------------------------- encoding
EncodedStream encode(const EncodeSettings &st, std::chrono::seconds timeout) {
  GstElement *src = make_element("videotestsrc");
  GstElement *raw = nullptr;
  GstElement *enc = nullptr;
  GstElement *h264 = nullptr;
  GstElement *sink = nullptr;
  try {
    raw = make_capsfilter("video/x-raw,format=I420,width=" + std::to_string(st.width) +
                          ",height=" + std::to_string(st.height) +
                          ",framerate=" + std::to_string(st.fps) + "/1");
    enc = make_element("x264enc");
    h264 = make_capsfilter("video/x-h264,stream-format=byte-stream,alignment=au,profile=" +
                           st.profile);
    sink = make_element("appsink");
  } catch (...) {
    for (GstElement *e : {src, raw, enc, h264, sink}) {
      if (e) gst_object_unref(e);
    }
    throw;
  }
  PipelinePtr pipeline = make_chain({src, raw, enc, h264, sink});
  g_object_set(src, "num-buffers", st.frames, "is-live", FALSE, nullptr);
  set_property(src, "pattern", st.pattern);
  g_object_set(src, "horizontal-speed", st.horizontal_speed, nullptr);
  set_property(enc, "speed-preset", st.speed_preset);
  std::string opts;
  if (st.slices > 1) opts = "slices=" + std::to_string(st.slices);
  if (!st.x264_options.empty()) opts += (opts.empty() ? "" : ":") + st.x264_options;
  g_object_set(enc, "bitrate", st.bitrate_kbps, "bframes", st.bframes, "key-int-max",
               st.key_int_max, "intra-refresh", st.intra_refresh ? TRUE : FALSE, "option-string",
               opts.c_str(), nullptr);
  g_object_set(sink, "sync", FALSE, nullptr);
  BufferCollector out;
  out.attach(sink);
  std::string err = run_until_eos(pipeline.get(), timeout);
  if (!err.empty()) throw Error("encoding " + st.describe() + ": " + err);
  if (!out.caps || out.buffers.empty()) throw Error("encoder produced no output");
  EncodedStream s;
  s.format = StreamFormat::ByteStreamAu;
  s.caps = std::move(out.caps);
  s.buffers = std::move(out.buffers);
  s.frames = s.buffers.size();
  s.bytes = out.bytes;
  s.duration = gst_util_uint64_scale(s.frames, GST_SECOND, static_cast<guint64>(st.fps));
  return s;
}

EncodedStream convert(const EncodedStream &in, StreamFormat to, std::chrono::seconds timeout) {
  GstElement *src = make_appsrc(in);
  GstElement *parse = make_element("h264parse");
  GstElement *filter = make_capsfilter(caps_string(to));
  GstElement *sink = make_element("appsink");
  PipelinePtr pipeline = make_chain({src, parse, filter, sink});
  g_object_set(sink, "sync", FALSE, nullptr);
  BufferCollector out;
  out.attach(sink);
  std::string err = run_until_eos(pipeline.get(), timeout, [&] { feed_appsrc(src, in); });
  if (!err.empty()) throw Error(std::string("converting to ") + to_string(to) + ": " + err);
  if (!out.caps || out.buffers.empty()) throw Error("h264parse produced no output");
  EncodedStream s;
  s.format = to;
  s.caps = std::move(out.caps);
  s.buffers = std::move(out.buffers);
  s.frames = in.frames;
  s.bytes = out.bytes;
  s.duration = in.duration;
  return s;
}

StreamStats analyse(const EncodedStream &stream) {
  if (stream.format == StreamFormat::ByteStreamNal) throw Error("analyse() needs au alignment");
  const bool avc = stream.format == StreamFormat::AvcAu;
  int length_size = 4;
  if (avc) {
    const GstStructure *s = gst_caps_get_structure(stream.caps.get(), 0);
    const GValue *v = gst_structure_get_value(s, "codec_data");
    if (!v || !GST_VALUE_HOLDS_BUFFER(v)) throw Error("avc caps without codec_data");
    GstBuffer *cd = gst_value_get_buffer(v);
    guint8 b4 = 0;
    if (gst_buffer_extract(cd, 4, &b4, 1) != 1) throw Error("short codec_data");
    length_size = (b4 & 3) + 1;
  }
  StreamStats st;
  GstClockTime max_pts = GST_CLOCK_TIME_NONE;
  for (const auto &b : stream.buffers) {
    GstMapInfo map;
    if (!gst_buffer_map(b.get(), &map, GST_MAP_READ)) throw Error("cannot map buffer");
    size_t slices = 0;
    bool idr = false;
    try {
      for_each_nal(std::span<const guint8>(map.data, map.size), avc, length_size,
                   [&](std::span<const guint8> nal) {
                     const int type = nal[0] & 0x1f;
                     switch (type) {
                       case 1:
                         slices++;
                         break;
                       case 5:
                         slices++;
                         idr = true;
                         break;
                       case 6:
                         st.sei++;
                         break;
                       case 7:
                         st.sps++;
                         break;
                       case 8:
                         st.pps++;
                         break;
                       case 9:
                         st.aud++;
                         break;
                       default:
                         break;
                     }
                   });
    } catch (...) {
      gst_buffer_unmap(b.get(), &map);
      throw;
    }
    st.access_units++;
    st.bytes += map.size;
    st.max_access_unit_bytes = std::max<size_t>(st.max_access_unit_bytes, map.size);
    gst_buffer_unmap(b.get(), &map);
    st.vcl_nal_units += slices;
    st.max_slices_per_access_unit = std::max(st.max_slices_per_access_unit, slices);
    if (idr) st.idr_access_units++;
    const GstClockTime pts = GST_BUFFER_PTS(b.get());
    if (GST_CLOCK_TIME_IS_VALID(pts)) {
      if (GST_CLOCK_TIME_IS_VALID(max_pts) && pts < max_pts) st.reordered_frames++;
      if (!GST_CLOCK_TIME_IS_VALID(max_pts) || pts > max_pts) max_pts = pts;
    }
  }
  if (stream.duration > 0) {
    st.bitrate_kbps = static_cast<double>(st.bytes) * 8.0 /
                      (static_cast<double>(stream.duration) / GST_SECOND) / 1000.0;
  }
  return st;
}

// ---------------------------------------------------------------- decoding
std::string Digest::hex(size_t n_bytes) const {
  std::string s;
  char tmp[3];
  for (size_t i = 0; i < std::min(n_bytes, bytes.size()); ++i) {
    std::snprintf(tmp, sizeof tmp, "%02x", bytes[i]);
    s += tmp;
  }
  return s;
}

DecodeResult decode_direct(const EncodedStream &stream, std::chrono::seconds timeout) {
  GstElement *src = make_appsrc(stream);
  GstElement *parse = make_element("h264parse");
  GstElement *dec = make_element("avdec_h264");
  GstElement *sink = make_frame_sink();
  PipelinePtr pipeline = make_chain({src, parse, dec, sink});
  FrameCollector frames;
  frames.attach(sink);
  DecodeResult r;
  r.error = run_until_eos(pipeline.get(), timeout, [&] { feed_appsrc(src, stream); });
  std::lock_guard g(frames.lock);
  if (r.error.empty() && !frames.error.empty()) r.error = frames.error;
  r.frames = std::move(frames.frames);
  return r;
}

std::string RtpPath::describe() const {
  std::string s = pay;
  for (const auto &[k, v] : pay_props) s += " " + k + "=" + v;
  s += " ! " + depay;
  for (const auto &[k, v] : depay_props) s += " " + k + "=" + v;
  if (!depay_caps.empty()) s += " ! " + depay_caps;
  return s;
}

DecodeResult decode_via_rtp(const EncodedStream &stream, const RtpPath &path,
                            std::chrono::seconds timeout) {
  GstElement *src = make_appsrc(stream);
  GstElement *pay = nullptr;
  GstElement *depay = nullptr;
  GstElement *filter = nullptr;
  GstElement *dec = nullptr;
  GstElement *sink = nullptr;
  try {
    pay = make_element(path.pay, "pay");
    depay = make_element(path.depay, "depay");
    if (!path.depay_caps.empty()) filter = make_capsfilter(path.depay_caps);
    dec = make_element("avdec_h264");
    sink = make_frame_sink();
    for (const auto &[k, v] : path.pay_props) set_property(pay, k, v);
    for (const auto &[k, v] : path.depay_props) set_property(depay, k, v);
  } catch (...) {
    for (GstElement *e : {src, pay, depay, filter, dec, sink}) {
      if (e) gst_object_unref(e);
    }
    throw;
  }
  std::vector<GstElement *> chain = {src, pay, depay};
  if (filter) chain.push_back(filter);
  chain.insert(chain.end(), {dec, sink});
  PipelinePtr pipeline = make_chain(chain);
  FrameCollector frames;
  frames.attach(sink);
  RtpCounter counter;
  ObjectPtr<GstPad> paysrc(gst_element_get_static_pad(pay, "src"));
  gst_pad_add_probe(
      paysrc.get(),
      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
      &RtpCounter::probe, &counter, nullptr);
  DecodeResult r;
  r.error = run_until_eos(pipeline.get(), timeout, [&] { feed_appsrc(src, stream); });
  {
    std::lock_guard g(frames.lock);
    if (r.error.empty() && !frames.error.empty()) r.error = frames.error;
    r.frames = std::move(frames.frames);
  }
  std::lock_guard g(counter.lock);
  r.rtp = counter.stats;
  r.rtp_caps = counter.caps;
  return r;
}

Digest digest_frame(GstSample *sample, std::string *error) {
  Digest out;
  GstVideoInfo info;
  GstCaps *caps = gst_sample_get_caps(sample);
  if (!caps || !gst_video_info_from_caps(&info, caps)) {
    *error = "decoded sample without video caps";
    return out;
  }
  GstVideoFrame frame;
  if (!gst_video_frame_map(&frame, &info, gst_sample_get_buffer(sample), GST_MAP_READ)) {
    *error = "cannot map decoded frame";
    return out;
  }
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha1(), nullptr);
  const int dims[2] = {GST_VIDEO_INFO_WIDTH(&info), GST_VIDEO_INFO_HEIGHT(&info)};
  EVP_DigestUpdate(ctx, dims, sizeof dims);
  for (guint p = 0; p < GST_VIDEO_FRAME_N_PLANES(&frame); ++p) {
    const auto *data = static_cast<const unsigned char *>(GST_VIDEO_FRAME_PLANE_DATA(&frame, p));
    const int stride = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, p);
    const int row = GST_VIDEO_FRAME_COMP_WIDTH(&frame, p) * GST_VIDEO_FRAME_COMP_PSTRIDE(&frame, p);
    const int rows = GST_VIDEO_FRAME_COMP_HEIGHT(&frame, p);
    for (int y = 0; y < rows; ++y) EVP_DigestUpdate(ctx, data + y * stride, row);
  }
  unsigned int len = 0;
  unsigned char md[EVP_MAX_MD_SIZE];
  EVP_DigestFinal_ex(ctx, md, &len);
  EVP_MD_CTX_free(ctx);
  gst_video_frame_unmap(&frame);
  std::copy_n(md, out.bytes.size(), out.bytes.begin());
  error->clear();
  return out;
}

DecodeResult pull_frames(GstElement *appsink, size_t count, GstClockTime wait) {
  DecodeResult got;
  while (got.frames.size() < count) {
    GstSample *s = gst_app_sink_try_pull_sample(GST_APP_SINK(appsink), wait);
    if (!s) break;
    std::string digest_error;
    got.frames.push_back(digest_frame(s, &digest_error));
    if (!digest_error.empty() && got.error.empty()) got.error = digest_error;
    gst_sample_unref(s);
  }
  return got;
}

Comparison compare(const DecodeResult &reference, const DecodeResult &got) {
  Comparison c;
  c.reference_frames = reference.frames.size();
  c.frames = got.frames.size();
  const size_t n = std::min(c.reference_frames, c.frames);
  for (size_t i = 0; i < n; ++i) {
    if (reference.frames[i] == got.frames[i]) {
      c.identical++;
    } else if (c.first_mismatch < 0) {
      c.first_mismatch = static_cast<long>(i);
    }
  }
  if (c.first_mismatch < 0 && c.frames != c.reference_frames) {
    c.first_mismatch = static_cast<long>(n);
  }
  return c;
}

std::string Comparison::describe(const DecodeResult &ref, const DecodeResult &got) const {
  std::ostringstream s;
  s << frames << " decoded frames (reference " << reference_frames << "), " << identical << "/"
    << reference_frames << " identical to a direct decode";
  if (first_mismatch >= 0) {
    const auto i = static_cast<size_t>(first_mismatch);
    s << "; first difference at frame " << i << ": reference "
      << (i < ref.frames.size() ? ref.frames[i].hex() : std::string("(none)")) << ", got "
      << (i < got.frames.size() ? got.frames[i].hex() : std::string("(none)"));
    // Is the frame there at all, shifted? Helps to tell loss from corruption.
    if (i < got.frames.size()) {
      auto it = std::find(ref.frames.begin(), ref.frames.end(), got.frames[i]);
      if (it != ref.frames.end()) {
        s << " (= reference frame " << (it - ref.frames.begin()) << ")";
      } else {
        s << " (matches no reference frame)";
      }
    }
  }
  if (!got.error.empty()) s << "; pipeline error: " << got.error;
  return s.str();
}

}  // namespace framecheck
