#include "h265check.hpp"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <gst/video/video.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <mutex>
#include <span>
#include <sstream>

namespace h265check {
namespace {

std::string gstr(gchar *s) {
  std::string out = s ? s : "";
  g_free(s);
  return out;
}

std::string error_of(GstMessage *msg) {
  GError *err = nullptr;
  gchar *dbg = nullptr;
  gst_message_parse_error(msg, &err, &dbg);
  std::string s = std::string("error from ") + GST_OBJECT_NAME(GST_MESSAGE_SRC(msg)) + ": " +
                  (err ? err->message : "?") + " (" + gstr(dbg) + ")";
  g_clear_error(&err);
  return s;
}

// Runs a pipeline until EOS or error; empty string on EOS.
std::string run_until_eos(GstElement *pipeline, std::chrono::seconds timeout,
                          const std::function<void()> &feed = {}) {
  fc::ObjectPtr<GstBus> bus(gst_element_get_bus(pipeline));
  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    fc::MessagePtr msg(gst_bus_pop_filtered(bus.get(), GST_MESSAGE_ERROR));
    return "could not set the pipeline to PLAYING" + (msg ? ": " + error_of(msg.get()) : "");
  }
  if (feed) feed();
  fc::MessagePtr msg(
      gst_bus_timed_pop_filtered(bus.get(), static_cast<GstClockTime>(timeout.count()) * GST_SECOND,
                                 static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR)));
  std::string result;
  if (!msg)
    result = "timed out after " + std::to_string(timeout.count()) + " s waiting for EOS";
  else if (GST_MESSAGE_TYPE(msg.get()) == GST_MESSAGE_ERROR)
    result = error_of(msg.get());
  gst_element_set_state(pipeline, GST_STATE_NULL);
  return result;
}

// Adds elements to a new pipeline and links them in order (takes ownership).
fc::PipelinePtr make_chain(const std::vector<GstElement *> &elements) {
  fc::PipelinePtr pipeline(gst_pipeline_new(nullptr));
  for (GstElement *e : elements) gst_bin_add(GST_BIN(pipeline.get()), e);
  for (size_t i = 1; i < elements.size(); ++i) {
    if (!gst_element_link(elements[i - 1], elements[i]))
      throw fc::Error(std::string("cannot link ") + GST_OBJECT_NAME(elements[i - 1]) + " to " +
                      GST_OBJECT_NAME(elements[i]));
  }
  return pipeline;
}

// Creates all elements or none (the ones made are released on failure).
std::vector<GstElement *> make_all(const std::vector<std::pair<std::string, const char *>> &list) {
  std::vector<GstElement *> out;
  try {
    for (const auto &[factory, name] : list) out.push_back(fc::make_element(factory, name));
  } catch (...) {
    for (GstElement *e : out) gst_object_unref(e);
    throw;
  }
  return out;
}

void set_caps_prop(GstElement *e, const char *prop, const std::string &caps) {
  fc::CapsPtr c(gst_caps_from_string(caps.c_str()));
  if (!c) throw fc::Error("bad caps string: " + caps);
  g_object_set(e, prop, c.get(), nullptr);
}

void setup_appsrc(GstElement *src, const EncodedStream &stream) {
  g_object_set(src, "caps", stream.caps.get(), "format", GST_FORMAT_TIME, "is-live", FALSE,
               "max-bytes", static_cast<guint64>(0), nullptr);
}

void feed_appsrc(GstElement *src, const EncodedStream &stream) {
  for (const auto &b : stream.buffers)
    if (gst_app_src_push_buffer(GST_APP_SRC(src), gst_buffer_ref(b.get())) != GST_FLOW_OK) break;
  gst_app_src_end_of_stream(GST_APP_SRC(src));
}

// One SHA-1 per decoded I420 frame, in output order (as framecheck digests).
struct FrameCollector {
  std::mutex lock;
  std::vector<fc::Digest> frames;
  std::string error;

  static GstFlowReturn on_sample(GstAppSink *sink, gpointer user) {
    auto *self = static_cast<FrameCollector *>(user);
    fc::SamplePtr sample(gst_app_sink_pull_sample(sink));
    if (!sample) return GST_FLOW_ERROR;
    fc::Digest d;
    const std::string err = digest(sample.get(), d);
    std::lock_guard g(self->lock);
    if (!err.empty()) {
      if (self->error.empty()) self->error = err;
      return GST_FLOW_ERROR;
    }
    self->frames.push_back(d);
    return GST_FLOW_OK;
  }

  static std::string digest(GstSample *sample, fc::Digest &out) {
    GstVideoInfo info;
    GstCaps *caps = gst_sample_get_caps(sample);
    if (!caps || !gst_video_info_from_caps(&info, caps)) return "decoded sample without video caps";
    GstVideoFrame frame;
    if (!gst_video_frame_map(&frame, &info, gst_sample_get_buffer(sample), GST_MAP_READ))
      return "cannot map decoded frame";
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha1(), nullptr);
    const int dims[2] = {GST_VIDEO_INFO_WIDTH(&info), GST_VIDEO_INFO_HEIGHT(&info)};
    EVP_DigestUpdate(ctx, dims, sizeof dims);
    for (guint p = 0; p < GST_VIDEO_FRAME_N_PLANES(&frame); ++p) {
      const auto *data = static_cast<const unsigned char *>(GST_VIDEO_FRAME_PLANE_DATA(&frame, p));
      const int stride = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, p);
      const int row =
          GST_VIDEO_FRAME_COMP_WIDTH(&frame, p) * GST_VIDEO_FRAME_COMP_PSTRIDE(&frame, p);
      for (int y = 0; y < GST_VIDEO_FRAME_COMP_HEIGHT(&frame, p); ++y)
        EVP_DigestUpdate(ctx, data + y * stride, static_cast<size_t>(row));
    }
    unsigned int len = 0;
    unsigned char md[EVP_MAX_MD_SIZE];
    EVP_DigestFinal_ex(ctx, md, &len);
    EVP_MD_CTX_free(ctx);
    gst_video_frame_unmap(&frame);
    std::copy_n(md, out.bytes.size(), out.bytes.begin());
    return {};
  }

  void attach(GstElement *appsink) {
    set_caps_prop(appsink, "caps", "video/x-raw,format=I420");
    g_object_set(appsink, "sync", FALSE, nullptr);
    GstAppSinkCallbacks cb{};
    cb.new_sample = &FrameCollector::on_sample;
    gst_app_sink_set_callbacks(GST_APP_SINK(appsink), &cb, this, nullptr);
  }
};

// Encoded buffers and their caps.
struct BufferCollector {
  std::mutex lock;
  std::vector<fc::BufferPtr> buffers;
  fc::CapsPtr caps;

  static GstFlowReturn on_sample(GstAppSink *sink, gpointer user) {
    auto *self = static_cast<BufferCollector *>(user);
    fc::SamplePtr sample(gst_app_sink_pull_sample(sink));
    if (!sample) return GST_FLOW_ERROR;
    std::lock_guard g(self->lock);
    if (!self->caps && gst_sample_get_caps(sample.get()))
      self->caps.reset(gst_caps_ref(gst_sample_get_caps(sample.get())));
    self->buffers.emplace_back(gst_buffer_ref(gst_sample_get_buffer(sample.get())));
    return GST_FLOW_OK;
  }

  void attach(GstElement *appsink) {
    g_object_set(appsink, "sync", FALSE, nullptr);
    GstAppSinkCallbacks cb{};
    cb.new_sample = &BufferCollector::on_sample;
    gst_app_sink_set_callbacks(GST_APP_SINK(appsink), &cb, this, nullptr);
  }
};

unsigned nal_type(const guint8 *h) {
  return (h[0] >> 1) & 0x3f;
}

// Counts RTP packets on the payloader's source pad and checks AP headers.
struct RtpCounter {
  std::mutex lock;
  RtpStats stats;
  std::string caps;
  bool have_last = false;
  guint16 last_seq = 0;
  guint32 last_ts = 0;
  unsigned run_ps = 0;  // bits: VPS, SPS, PPS seen in this timestamp run
  bool run_irap = false;

  void end_run() {
    if (run_irap) {
      ++stats.irap_runs;
      if (run_ps == 7) ++stats.irap_runs_with_ps;
    }
    run_ps = 0;
    run_irap = false;
  }
  void unit(unsigned type) {
    if (type >= 32 && type <= 34) run_ps |= 1u << (type - 32);
    if (type >= 16 && type <= 23) run_irap = true;
  }
  void ap(const guint8 *p, guint len) {
    unsigned layer = 63, tid = 7, f = 0;
    for (guint i = 2; i + 2 <= len;) {
      const guint n = (guint{p[i]} << 8) | p[i + 1];
      i += 2;
      if (n < 2 || i + n > len) {
        ++stats.invalid;
        return;
      }
      layer = std::min(layer, ((p[i] & 1u) << 5) | (p[i + 1] >> 3));
      tid = std::min(tid, p[i + 1] & 7u);
      f |= p[i] & 0x80u;
      unit(nal_type(p + i));
      i += n;
    }
    const unsigned hdr_layer = ((p[0] & 1u) << 5) | (p[1] >> 3);
    if (hdr_layer != layer || (p[1] & 7u) != tid || (p[0] & 0x80u) != f) ++stats.ap_header_mismatch;
  }

  void packet(GstBuffer *buf) {
    stats.packets++;
    stats.max_packet_size = std::max(stats.max_packet_size, size_t{gst_buffer_get_size(buf)});
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    if (!gst_rtp_buffer_map(buf, GST_MAP_READ, &rtp)) {
      stats.invalid++;
      return;
    }
    const guint16 seq = gst_rtp_buffer_get_seq(&rtp);
    const guint32 ts = gst_rtp_buffer_get_timestamp(&rtp);
    if (gst_rtp_buffer_get_marker(&rtp)) stats.markers++;
    if (!have_last || ts != last_ts) {
      if (have_last) end_run();
      stats.timestamp_runs++;
    }
    if (have_last && seq != static_cast<guint16>(last_seq + 1)) stats.seq_gaps++;
    have_last = true;
    last_seq = seq;
    last_ts = ts;
    const guint len = gst_rtp_buffer_get_payload_len(&rtp);
    const auto *p = static_cast<const guint8 *>(gst_rtp_buffer_get_payload(&rtp));
    const unsigned type = len >= 2 ? nal_type(p) : 64;
    if (type < 48) {
      stats.single++;
      unit(type);
    } else if (type == 48) {
      stats.ap++;
      ap(p, len);
    } else if (type == 49 && len >= 3) {
      stats.fu++;
      if (p[2] & 0x80) {
        stats.fu_starts++;
        unit(p[2] & 0x3fu);
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
      fc::CapsPtr caps(gst_pad_get_current_caps(pad));
      if (caps) self->caps = gstr(gst_caps_to_string(caps.get()));
    }
    if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
      self->packet(GST_PAD_PROBE_INFO_BUFFER(info));
    } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
      GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
      for (guint i = 0; i < gst_buffer_list_length(list); ++i)
        self->packet(gst_buffer_list_get(list, i));
    }
    return GST_PAD_PROBE_OK;
  }
};

// NAL units of a byte-stream buffer (after 00 00 01; zeros before a start
// code belong to it).
template <typename F>
void for_each_nal(std::span<const guint8> au, F &&f) {
  std::vector<std::pair<size_t, size_t>> starts;  // (start code, payload)
  for (size_t i = 0; i + 3 <= au.size(); ++i) {
    if (au[i] == 0 && au[i + 1] == 0 && au[i + 2] == 1) {
      starts.emplace_back(i > 0 && au[i - 1] == 0 ? i - 1 : i, i + 3);
      i += 2;
    }
  }
  for (size_t k = 0; k < starts.size(); ++k) {
    const size_t begin = starts[k].second;
    const size_t end = k + 1 < starts.size() ? starts[k + 1].first : au.size();
    if (end >= begin + 2) f(au.subspan(begin, end - begin));
  }
}

}  // namespace

const char *to_string(Format f) {
  switch (f) {
    case Format::ByteStreamAu:
      return "byte-stream/au";
    case Format::ByteStreamNal:
      return "byte-stream/nal";
    case Format::Hvc1Au:
      return "hvc1/au";
    case Format::Hev1Au:
      return "hev1/au";
  }
  return "?";
}

const char *identifier(Format f) {
  switch (f) {
    case Format::ByteStreamAu:
      return "bytestream_au";
    case Format::ByteStreamNal:
      return "bytestream_nal";
    case Format::Hvc1Au:
      return "hvc1_au";
    case Format::Hev1Au:
      return "hev1_au";
  }
  return "unknown";
}

std::string caps_string(Format f) {
  const std::string s = to_string(f);
  const size_t slash = s.find('/');
  return "video/x-h265,stream-format=" + s.substr(0, slash) + ",alignment=" + s.substr(slash + 1);
}

std::string EncodeSettings::describe() const {
  std::ostringstream s;
  s << width << "x" << height << "@" << fps << " " << frames << " frames, " << pattern << ", "
    << bitrate_kbps << " kbit/s, key-int-max=" << key_int_max << ", " << speed_preset;
  if (!options.empty()) s << ", " << options;
  return s.str();
}

std::string RtpStats::describe() const {
  char buf[400];
  std::snprintf(buf, sizeof buf,
                "%zu packets (%zu single, %zu AP, %zu FU in %zu units, %zu other, %zu invalid), "
                "largest %zu bytes, %zu markers, %zu timestamp runs, %zu seq gaps, %zu/%zu IRAP "
                "runs with VPS/SPS/PPS, %zu bad AP headers",
                packets, single, ap, fu, fu_starts, other, invalid, max_packet_size, markers,
                timestamp_runs, seq_gaps, irap_runs_with_ps, irap_runs, ap_header_mismatch);
  return buf;
}

std::string RtpPath::describe() const {
  std::string s = pay;
  for (const auto &[k, v] : pay_props) s += " " + k + "=" + v;
  s += " ! " + depay;
  if (!depay_caps.empty()) s += " ! " + depay_caps;
  return s;
}

EncodedStream encode(const EncodeSettings &st, std::chrono::seconds timeout) {
  auto e = make_all({{"videotestsrc", nullptr},
                     {"capsfilter", nullptr},
                     {"x265enc", nullptr},
                     {"capsfilter", nullptr},
                     {"appsink", nullptr}});
  GstElement *src = e[0], *enc = e[2], *sink = e[4];
  set_caps_prop(e[1], "caps",
                "video/x-raw,format=I420,width=" + std::to_string(st.width) + ",height=" +
                    std::to_string(st.height) + ",framerate=" + std::to_string(st.fps) + "/1");
  set_caps_prop(e[3], "caps", caps_string(Format::ByteStreamAu));
  fc::PipelinePtr pipeline = make_chain(e);
  g_object_set(src, "num-buffers", st.frames, "is-live", FALSE, "horizontal-speed",
               st.horizontal_speed, nullptr);
  fc::set_property(src, "pattern", st.pattern);
  fc::set_property(enc, "speed-preset", st.speed_preset);
  g_object_set(enc, "bitrate", st.bitrate_kbps, "key-int-max", static_cast<gint>(st.key_int_max),
               "option-string", st.options.c_str(), nullptr);
  BufferCollector out;
  out.attach(sink);
  const std::string err = run_until_eos(pipeline.get(), timeout);
  if (!err.empty()) throw fc::Error("encoding " + st.describe() + ": " + err);
  if (!out.caps || out.buffers.empty()) throw fc::Error("x265enc produced no output");
  EncodedStream s;
  s.format = Format::ByteStreamAu;
  s.caps = std::move(out.caps);
  s.buffers = std::move(out.buffers);
  s.frames = s.buffers.size();
  return s;
}

EncodedStream convert(const EncodedStream &in, Format to, std::chrono::seconds timeout) {
  auto e = make_all(
      {{"appsrc", nullptr}, {"h265parse", nullptr}, {"capsfilter", nullptr}, {"appsink", nullptr}});
  setup_appsrc(e[0], in);
  set_caps_prop(e[2], "caps", caps_string(to));
  fc::PipelinePtr pipeline = make_chain(e);
  BufferCollector out;
  out.attach(e[3]);
  const std::string err = run_until_eos(pipeline.get(), timeout, [&] { feed_appsrc(e[0], in); });
  if (!err.empty()) throw fc::Error(std::string("converting to ") + to_string(to) + ": " + err);
  if (!out.caps || out.buffers.empty()) throw fc::Error("h265parse produced no output");
  EncodedStream s;
  s.format = to;
  s.caps = std::move(out.caps);
  s.buffers = std::move(out.buffers);
  s.frames = in.frames;
  return s;
}

StreamStats analyse(const EncodedStream &stream) {
  if (stream.format != Format::ByteStreamAu) throw fc::Error("analyse() needs byte-stream/au");
  StreamStats st;
  GstClockTime max_pts = GST_CLOCK_TIME_NONE;
  for (const auto &b : stream.buffers) {
    GstMapInfo map;
    if (!gst_buffer_map(b.get(), &map, GST_MAP_READ)) throw fc::Error("cannot map buffer");
    size_t slices = 0;
    bool irap = false, cra = false;
    for_each_nal(std::span<const guint8>(map.data, map.size), [&](std::span<const guint8> nal) {
      const unsigned t = nal_type(nal.data());
      if (t < 32) ++slices;
      irap |= t >= 16 && t <= 23;
      cra |= t == 21;
      st.vps += t == 32;
      st.sps += t == 33;
      st.pps += t == 34;
    });
    st.access_units++;
    st.max_access_unit_bytes = std::max(st.max_access_unit_bytes, size_t{map.size});
    gst_buffer_unmap(b.get(), &map);
    st.max_slices_per_access_unit = std::max(st.max_slices_per_access_unit, slices);
    st.irap_access_units += irap;
    st.cra_access_units += cra;
    const GstClockTime pts = GST_BUFFER_PTS(b.get());
    if (GST_CLOCK_TIME_IS_VALID(pts)) {
      if (GST_CLOCK_TIME_IS_VALID(max_pts) && pts < max_pts) st.reordered_frames++;
      if (!GST_CLOCK_TIME_IS_VALID(max_pts) || pts > max_pts) max_pts = pts;
    }
  }
  return st;
}

fc::DecodeResult decode_direct(const EncodedStream &stream, std::chrono::seconds timeout) {
  auto e = make_all(
      {{"appsrc", nullptr}, {"h265parse", nullptr}, {"avdec_h265", nullptr}, {"appsink", nullptr}});
  setup_appsrc(e[0], stream);
  fc::PipelinePtr pipeline = make_chain(e);
  FrameCollector frames;
  frames.attach(e[3]);
  fc::DecodeResult r;
  r.error = run_until_eos(pipeline.get(), timeout, [&] { feed_appsrc(e[0], stream); });
  std::lock_guard g(frames.lock);
  if (r.error.empty() && !frames.error.empty()) r.error = frames.error;
  r.frames = std::move(frames.frames);
  return r;
}

RtpResult decode_via_rtp(const EncodedStream &stream, const RtpPath &path,
                         std::chrono::seconds timeout) {
  std::vector<std::pair<std::string, const char *>> list = {
      {"appsrc", nullptr}, {path.pay, "pay"}, {path.depay, "depay"}};
  if (!path.depay_caps.empty()) list.emplace_back("capsfilter", nullptr);
  // avdec_h265 takes access units only: h265parse joins nal-aligned output.
  const bool nal_output = path.depay_caps.find("alignment=nal") != std::string::npos;
  if (nal_output) list.emplace_back("h265parse", nullptr);
  list.emplace_back("avdec_h265", nullptr);
  list.emplace_back("appsink", nullptr);
  auto e = make_all(list);
  GstElement *src = e[0], *pay = e[1];
  try {
    setup_appsrc(src, stream);
    for (const auto &[k, v] : path.pay_props) fc::set_property(pay, k, v);
    if (!path.depay_caps.empty()) set_caps_prop(e[3], "caps", path.depay_caps);
  } catch (...) {
    for (GstElement *x : e) gst_object_unref(x);
    throw;
  }
  fc::PipelinePtr pipeline = make_chain(e);
  FrameCollector frames;
  frames.attach(e.back());
  RtpCounter counter;
  fc::ObjectPtr<GstPad> paysrc(gst_element_get_static_pad(pay, "src"));
  const gulong probe = gst_pad_add_probe(
      paysrc.get(),
      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
      &RtpCounter::probe, &counter, nullptr);
  RtpResult r;
  r.decode.error = run_until_eos(pipeline.get(), timeout, [&] { feed_appsrc(src, stream); });
  gst_pad_remove_probe(paysrc.get(), probe);  // the counter goes before the pipeline
  {
    std::lock_guard g(frames.lock);
    if (r.decode.error.empty() && !frames.error.empty()) r.decode.error = frames.error;
    r.decode.frames = std::move(frames.frames);
  }
  std::lock_guard g(counter.lock);
  counter.end_run();
  r.rtp = counter.stats;
  r.rtp_caps = counter.caps;
  return r;
}

}  // namespace h265check
