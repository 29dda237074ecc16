// bench-rtp: CPU time per RTP packet of our H.264 payloader and depayloader
// against gst-plugins-good's, on the same pre-encoded input, in one run.
//
// Each element runs in a GstHarness: buffers are pushed from this thread
// straight into the element's sink pad, and the element pushes its output into
// the harness's sink pad (which counts and drops it). The time measured is this
// thread's CPU time (CLOCK_THREAD_CPUTIME_ID) from the first push to the end of
// the EOS push, so it is the element's work (plus the harness's small per-buffer
// cost, equal for both); encoding happens once, before any measurement. Runs
// alternate ours/theirs (ABBA), and the table shows medians.
#include "framecheck.hpp"

#include <gst/check/gstharness.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#ifndef SRTRTP_PLUGIN_DIR
#define SRTRTP_PLUGIN_DIR ""
#endif
#ifndef SRTRTP_REGISTRY
#define SRTRTP_REGISTRY ""
#endif

namespace fc = framecheck;

namespace {

struct HarnessTeardown {
  void operator()(GstHarness *h) const {
    if (h) gst_harness_teardown(h);
  }
};
using HarnessPtr = std::unique_ptr<GstHarness, HarnessTeardown>;

struct GFreeDeleter {
  void operator()(gpointer p) const { g_free(p); }
};
using GCharPtr = std::unique_ptr<gchar, GFreeDeleter>;

struct OptionContextDeleter {
  void operator()(GOptionContext *c) const { g_option_context_free(c); }
};

double cpu_ns(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// The input of one element: buffers and caps, pushed the same way to both.
struct Input {
  fc::CapsPtr caps;
  std::vector<fc::BufferPtr> buffers;
};

// The stream repeated `loops` times with timestamps shifted by its duration, so
// that a run is long enough to measure. Copies share the encoded memory.
Input looped(const fc::EncodedStream &s, int loops) {
  Input in;
  in.caps.reset(gst_caps_ref(s.caps.get()));
  for (int l = 0; l < loops; ++l) {
    const GstClockTime shift = s.duration * static_cast<GstClockTime>(l);
    for (const auto &b : s.buffers) {
      GstBuffer *c = gst_buffer_copy(b.get());
      if (GST_BUFFER_PTS_IS_VALID(c)) GST_BUFFER_PTS(c) += shift;
      if (GST_BUFFER_DTS_IS_VALID(c)) GST_BUFFER_DTS(c) += shift;
      if (l > 0) GST_BUFFER_FLAG_UNSET(c, GST_BUFFER_FLAG_DISCONT);
      in.buffers.emplace_back(c);
    }
  }
  return in;
}

struct RunResult {
  double cpu_ns = 0;          // this thread
  double process_cpu_ns = 0;  // all threads: shows work an element moved elsewhere
  size_t out_buffers = 0;
};

// One measured run of `factory` over `in`. Element creation, caps and segment
// happen before the clock starts.
RunResult run_once(const std::string &factory, const fc::Properties &props, const Input &in,
                   const std::string &sink_caps, Input *keep_output = nullptr) {
  GstElement *element = fc::make_element(factory);
  for (const auto &[k, v] : props) fc::set_property(element, k, v);
  HarnessPtr h(gst_harness_new_with_element(element, "sink", "src"));
  gst_object_unref(element);  // the harness holds its own reference
  if (!sink_caps.empty()) gst_harness_set_sink_caps_str(h.get(), sink_caps.c_str());
  gst_harness_set_src_caps(h.get(), gst_caps_ref(in.caps.get()));
  gst_harness_set_drop_buffers(h.get(), keep_output == nullptr);

  RunResult r;
  const double p0 = cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
  const double t0 = cpu_ns(CLOCK_THREAD_CPUTIME_ID);
  for (const auto &b : in.buffers) {
    const GstFlowReturn ret = gst_harness_push(h.get(), gst_buffer_ref(b.get()));
    if (ret != GST_FLOW_OK) {
      throw fc::Error(factory + ": push returned " + gst_flow_get_name(ret));
    }
  }
  gst_harness_push_event(h.get(), gst_event_new_eos());
  r.cpu_ns = cpu_ns(CLOCK_THREAD_CPUTIME_ID) - t0;
  r.process_cpu_ns = cpu_ns(CLOCK_PROCESS_CPUTIME_ID) - p0;
  r.out_buffers = gst_harness_buffers_received(h.get());

  if (keep_output) {
    GstCaps *caps = gst_pad_get_current_caps(h->sinkpad);
    if (!caps) throw fc::Error(factory + ": no output caps");
    keep_output->caps.reset(caps);
    while (GstBuffer *b = gst_harness_try_pull(h.get())) keep_output->buffers.emplace_back(b);
  }
  return r;
}

struct Row {
  std::string input;
  std::string pair;
  size_t packets = 0;
  double ours_ns = 0, theirs_ns = 0, ratio = 0, ratio_lo = 0, ratio_hi = 0;
  std::string note;
};

// Alternates ours/theirs (ABBA) `reps` times after one warm-up run of each.
Row compare(const std::string &input_name, const std::string &ours, const std::string &theirs,
            const fc::Properties &props, const Input &in, const std::string &sink_caps,
            bool per_output_packet, int reps) {
  run_once(ours, props, in, sink_caps);
  run_once(theirs, props, in, sink_caps);
  std::vector<double> t_ours, t_theirs, ratios, p_ours, p_theirs;
  size_t out_ours = 0, out_theirs = 0;
  for (int i = 0; i < reps; ++i) {
    RunResult a, b;
    if (i % 2 == 0) {
      a = run_once(ours, props, in, sink_caps);
      b = run_once(theirs, props, in, sink_caps);
    } else {
      b = run_once(theirs, props, in, sink_caps);
      a = run_once(ours, props, in, sink_caps);
    }
    t_ours.push_back(a.cpu_ns);
    t_theirs.push_back(b.cpu_ns);
    p_ours.push_back(a.process_cpu_ns);
    p_theirs.push_back(b.process_cpu_ns);
    ratios.push_back(a.cpu_ns / b.cpu_ns);
    out_ours = a.out_buffers;
    out_theirs = b.out_buffers;
  }
  Row row;
  row.input = input_name;
  row.pair = ours + " / " + theirs;
  const size_t pk_ours = per_output_packet ? out_ours : in.buffers.size();
  const size_t pk_theirs = per_output_packet ? out_theirs : in.buffers.size();
  row.packets = pk_theirs;
  row.ours_ns = median(t_ours) / static_cast<double>(std::max<size_t>(pk_ours, 1));
  row.theirs_ns = median(t_theirs) / static_cast<double>(std::max<size_t>(pk_theirs, 1));
  row.ratio = median(t_ours) / median(t_theirs);
  row.ratio_lo = *std::min_element(ratios.begin(), ratios.end());
  row.ratio_hi = *std::max_element(ratios.begin(), ratios.end());
  auto add_note = [&row](const std::string &n) { row.note += (row.note.empty() ? "" : "; ") + n; };
  if (pk_ours != pk_theirs) add_note("ours sent " + std::to_string(pk_ours) + " packets");
  if (!per_output_packet && out_ours != out_theirs) {
    add_note("out: ours " + std::to_string(out_ours) + ", theirs " + std::to_string(out_theirs));
  }
  // Work done in other threads is not in the per-thread time: say so.
  const double extra_ours = median(p_ours) / median(t_ours) - 1;
  const double extra_theirs = median(p_theirs) / median(t_theirs) - 1;
  char buf[96];
  if (extra_ours > 0.1) {
    std::snprintf(buf, sizeof buf, "ours +%.0f%% CPU in other threads", extra_ours * 100);
    add_note(buf);
  }
  if (extra_theirs > 0.1) {
    std::snprintf(buf, sizeof buf, "theirs +%.0f%% CPU in other threads", extra_theirs * 100);
    add_note(buf);
  }
  return row;
}

std::string cpu_model() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto p = line.find(':');
      if (p != std::string::npos) return line.substr(p + 2);
    }
  }
  return "unknown CPU";
}

}  // namespace

int main(int argc, char **argv) {
  if (*SRTRTP_PLUGIN_DIR) fc::default_plugin_path(SRTRTP_PLUGIN_DIR, SRTRTP_REGISTRY);

  gchar *ours_pay_opt = nullptr, *ours_depay_opt = nullptr, *theirs_pay_opt = nullptr,
        *theirs_depay_opt = nullptr, *aggregate_opt = nullptr, *depay_caps_opt = nullptr;
  int frames = 90, reps = 15, target_packets = 60000, mtu = 1400;
  gboolean quick = FALSE;
  GOptionEntry entries[] = {
      {"ours-pay", 0, 0, G_OPTION_ARG_STRING, &ours_pay_opt, "Our payloader (rtph264pay2)", "NAME"},
      {"ours-depay", 0, 0, G_OPTION_ARG_STRING, &ours_depay_opt, "Our depayloader (rtph264depay2)",
       "NAME"},
      {"theirs-pay", 0, 0, G_OPTION_ARG_STRING, &theirs_pay_opt, "Reference payloader (rtph264pay)",
       "NAME"},
      {"theirs-depay", 0, 0, G_OPTION_ARG_STRING, &theirs_depay_opt,
       "Reference depayloader (rtph264depay)", "NAME"},
      {"frames", 'n', 0, G_OPTION_ARG_INT, &frames, "1080p frames to encode (default 90)", "N"},
      {"reps", 'r', 0, G_OPTION_ARG_INT, &reps, "Measured runs per element (default 15)", "N"},
      {"packets", 0, 0, G_OPTION_ARG_INT, &target_packets,
       "Loop each input to about this many packets per run (default 60000)", "N"},
      {"mtu", 0, 0, G_OPTION_ARG_INT, &mtu, "Payloader mtu (default 1400)", "BYTES"},
      {"aggregate-mode", 0, 0, G_OPTION_ARG_STRING, &aggregate_opt,
       "Payloader aggregate-mode for both (default none)", "MODE"},
      {"depay-caps", 0, 0, G_OPTION_ARG_STRING, &depay_caps_opt,
       "Depayloader output caps (default video/x-h264,stream-format=avc,alignment=au)", "CAPS"},
      {"quick", 'q', 0, G_OPTION_ARG_NONE, &quick, "Short run (smoke test)", nullptr},
      {}};
  {
    GError *err = nullptr;
    std::unique_ptr<GOptionContext, OptionContextDeleter> ctx(
        g_option_context_new("- H.264 RTP payloader/depayloader CPU time, ours vs. reference"));
    g_option_context_add_main_entries(ctx.get(), entries, nullptr);
    g_option_context_add_group(ctx.get(), gst_init_get_option_group());
    if (!g_option_context_parse(ctx.get(), &argc, &argv, &err)) {
      std::fprintf(stderr, "bench-rtp: %s\n", err->message);
      g_clear_error(&err);
      return 2;
    }
  }
  GCharPtr p1(ours_pay_opt), p2(ours_depay_opt), p3(theirs_pay_opt), p4(theirs_depay_opt),
      p5(aggregate_opt), p6(depay_caps_opt);
  const std::string ours_pay = p1 ? p1.get() : "rtph264pay2";
  const std::string ours_depay = p2 ? p2.get() : "rtph264depay2";
  const std::string theirs_pay = p3 ? p3.get() : "rtph264pay";
  const std::string theirs_depay = p4 ? p4.get() : "rtph264depay";
  const std::string aggregate = p5 ? p5.get() : "none";
  const std::string depay_caps = p6 ? p6.get() : "video/x-h264,stream-format=avc,alignment=au";
  if (quick) {
    frames = std::min(frames, 20);
    reps = std::min(reps, 3);
    target_packets = std::min(target_packets, 3000);
  }
  reps = std::max(reps, 1);

  const auto missing =
      fc::missing_elements({"videotestsrc", "x264enc", "h264parse", "appsrc", "appsink", ours_pay,
                            ours_depay, theirs_pay, theirs_depay});
  if (!missing.empty()) {
    std::string names;
    for (const auto &m : missing) names += " " + m;
    std::fprintf(stderr, "bench-rtp: missing element(s):%s (GST_PLUGIN_PATH=%s)\n", names.c_str(),
                 fc::env_or("GST_PLUGIN_PATH", "").c_str());
    return 2;
  }

  const time_t now = time(nullptr);
  char date[64];
  strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S %Z", localtime(&now));
  GCharPtr gst_version(gst_version_string());
  std::printf("bench-rtp  %s\n  %s, %u hardware threads, %s\n", date, cpu_model().c_str(),
              std::thread::hardware_concurrency(), gst_version.get());
  std::printf(
      "  ours %s / %s, theirs %s / %s; mtu %d, aggregate-mode %s, %d runs each "
      "(median), depay output %s\n",
      ours_pay.c_str(), ours_depay.c_str(), theirs_pay.c_str(), theirs_depay.c_str(), mtu,
      aggregate.c_str(), reps, depay_caps.c_str());

  try {
    struct Source {
      std::string name;
      fc::EncodedStream stream;
    };
    std::vector<Source> sources;
    std::printf("encoding inputs...\n");
    std::fflush(stdout);
    {
      fc::EncodeSettings s;
      s.width = 1920;
      s.height = 1080;
      s.frames = frames;
      s.profile = "high";
      s.bitrate_kbps = 20000;
      s.key_int_max = 60;
      fc::EncodedStream bs = fc::encode(s);
      fc::EncodedStream avc = fc::convert(bs, fc::StreamFormat::AvcAu);
      const fc::StreamStats st = fc::analyse(bs);
      char name[64];
      std::snprintf(name, sizeof name, "1080p %.0f Mbit/s", st.bitrate_kbps / 1000);
      sources.push_back({std::string(name) + " byte-stream/au", std::move(bs)});
      sources.push_back({std::string(name) + " avc/au", std::move(avc)});
    }
    {
      fc::EncodeSettings s;
      s.width = 640;
      s.height = 360;
      s.frames = std::max(frames * 2, 30);
      s.profile = "main";
      s.bitrate_kbps = 500;
      s.slices = 4;
      s.key_int_max = 60;
      fc::EncodedStream bs = fc::encode(s);
      const fc::StreamStats st = fc::analyse(bs);
      char name[64];
      std::snprintf(name, sizeof name, "360p %.0f kbit/s 4 slices", st.bitrate_kbps);
      sources.push_back({name, std::move(bs)});
    }

    const fc::Properties pay_props = {
        {"mtu", std::to_string(mtu)}, {"config-interval", "0"}, {"aggregate-mode", aggregate}};
    std::vector<Row> rows;
    for (const auto &src : sources) {
      // Loop the input so that one run carries about target_packets packets.
      const Input once = looped(src.stream, 1);
      Input rtp_once;
      run_once(theirs_pay, pay_props, once, "", &rtp_once);
      const size_t per_loop = std::max<size_t>(rtp_once.buffers.size(), 1);
      const int loops = static_cast<int>(
          std::max<size_t>(1, (static_cast<size_t>(target_packets) + per_loop - 1) / per_loop));
      const Input in = looped(src.stream, loops);
      std::printf("  %-34s %6zu frames x %2d loops, %8zu bytes/loop\n", src.name.c_str(),
                  src.stream.frames, loops, src.stream.bytes);
      std::fflush(stdout);

      rows.push_back(compare(src.name, ours_pay, theirs_pay, pay_props, in, "", true, reps));

      // The depayloaders get the same packets: made once by the reference payloader.
      Input packets;
      run_once(theirs_pay, pay_props, in, "", &packets);
      rows.push_back(
          compare(src.name, ours_depay, theirs_depay, {}, packets, depay_caps, false, reps));
    }

    std::printf("\n%-34s %-30s %8s %12s %12s %7s  %s\n", "input", "element pair (ours / theirs)",
                "packets", "ns/pkt ours", "ns/pkt theirs", "ratio", "ratio range");
    for (const auto &r : rows) {
      std::printf("%-34s %-30s %8zu %12.1f %12.1f %7.2f  %.2f-%.2f%s%s\n", r.input.c_str(),
                  r.pair.c_str(), r.packets, r.ours_ns, r.theirs_ns, r.ratio, r.ratio_lo,
                  r.ratio_hi, r.note.empty() ? "" : "  ", r.note.c_str());
    }
    std::printf(
        "\nratio = median CPU time ours / theirs for the same input (< 1: ours is "
        "cheaper); packets = RTP packets per run (payloader output, depayloader input); "
        "range = min-max of the per-pair ratios.\n");
  } catch (const fc::Error &e) {
    std::fprintf(stderr, "bench-rtp: %s\n", e.what());
    return 1;
  }
  return 0;
}
