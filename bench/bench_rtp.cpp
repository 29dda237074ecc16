// bench-rtp: CPU time per RTP packet of our H.264, H.265, G.722 and G.729
// payloaders and depayloaders against gst-plugins-good's, on the same
// pre-encoded input, in one run.
//
// Each element runs in the same minimal harness (bench_rig.hpp): buffers go
// from this thread straight into the element's sink pad (gst_pad_chain), and
// the element pushes its output into a sink pad that counts and drops it. The
// time measured is this thread's CPU time (CLOCK_THREAD_CPUTIME_ID) spent in
// the pushes and the EOS; encoding happens once, before any measurement.
//
// Every row also runs a baseline on the same input: by default a pass-through
// element (a chain function that pushes the buffer on), whose cost is the
// harness plus one pad hop and nothing else. Rows show the raw ratio
// ours / theirs and the ratio of element cost, (ours - base) / (theirs - base):
// with one small packet per buffer (audio) the fixed cost is a large share of
// either element's time. --baseline identity measures against identity
// instead, which also does work of its own (GstBaseTransform, a handoff
// signal), so it subtracts more. Runs rotate base / ours / theirs so that each
// takes every position equally often; the table shows medians and the range
// of the per-run ratios.
//
// Inputs are what a pipeline would give: every buffer has its own memory (no
// memory shared by hundreds of looped copies), and the data is in the cache
// as if an encoder or a socket had just written it (read in chunks just
// before they are pushed, untimed; --cold-input leaves it where the copies
// before the run put it). The payloaders alone hold each buffer they get.
// The depayloaders get the same RTP packets in each of the layouts a
// pipeline hands them (Layout below: one memory held by the element alone as
// from udpsrc, the same with another reference held elsewhere, header and
// payload memories as the C payloaders make them, and the block-carved
// packets of our payloaders), each as single buffers and in buffer lists.
// Chain rows run payloader ! depayloader, ours against theirs.
#include "bench_rig.hpp"
#include "framecheck.hpp"
#include "metrics_timing.hpp"

#include <gst/app/gstappsink.h>
#include <gst/rtp/gstrtphdrext.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <sstream>
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
// `fresh`, when set, makes each run's buffers (owned by the caller) instead of
// deep copies of `buffers`, for layouts that a deep copy would not keep.
struct Input {
  fc::CapsPtr caps;
  std::vector<fc::BufferPtr> buffers;
  std::function<std::vector<GstBuffer *>()> fresh;
};

// How a run hands the input to the element: the packet layouts of issue 10.
//  unique:  each packet in one memory that the element alone holds (udpsrc)
//  shared:  the same, with one more reference held by the bench until the run
//           ends (a tee, a jitter buffer or an application holding it)
//  two-mem: header and payload in two memories (rtpXpay, the C payloaders)
//  block:   our payloader's output as it makes it, several packets' memories
//           carved from one 64 KiB block
enum class Layout { kUnique, kShared, kTwoMem, kBlock };
const char *layout_name(Layout l) {
  switch (l) {
    case Layout::kUnique:
      return "unique";
    case Layout::kShared:
      return "shared";
    case Layout::kTwoMem:
      return "two-mem";
    case Layout::kBlock:
      return "block";
  }
  return "?";
}

constexpr Layout kAllLayouts[] = {Layout::kUnique, Layout::kShared, Layout::kTwoMem,
                                  Layout::kBlock};

struct Feed {
  bool hold_ref = false;  // the bench keeps a reference to every input buffer
  guint list_size = 0;    // > 0: buffers go in GstBufferLists of this many
};

// The stream repeated `loops` times with timestamps shifted by its duration, so
// that a run is long enough to measure. Copies are deep: a memory shared by
// every loop would have hundreds of parents, and GStreamer's cost of adding
// and removing a parent grows with their number.
Input looped(const fc::EncodedStream &s, int loops) {
  Input in;
  in.caps.reset(gst_caps_ref(s.caps.get()));
  for (int l = 0; l < loops; ++l) {
    const GstClockTime shift = s.duration * static_cast<GstClockTime>(l);
    for (const auto &b : s.buffers) {
      GstBuffer *c = gst_buffer_copy_deep(b.get());
      if (GST_BUFFER_PTS_IS_VALID(c)) GST_BUFFER_PTS(c) += shift;
      if (GST_BUFFER_DTS_IS_VALID(c)) GST_BUFFER_DTS(c) += shift;
      if (l > 0) GST_BUFFER_FLAG_UNSET(c, GST_BUFFER_FLAG_DISCONT);
      in.buffers.emplace_back(c);
    }
  }
  return in;
}

// Packets as udpsrc delivers them: one memory each (payloaders output a header
// memory and payload memories shared with their input).
Input as_received(const bench::Output &packets) {
  Input in;
  in.caps.reset(gst_caps_ref(packets.caps.get()));
  for (const auto &p : packets.buffers) {
    const gsize size = gst_buffer_get_size(p.get());
    GstBuffer *b = gst_buffer_new_allocate(nullptr, size, nullptr);
    gst_buffer_copy_into(b, p.get(), GST_BUFFER_COPY_METADATA, 0, static_cast<gsize>(-1));
    GstMapInfo map;
    gst_buffer_map(b, &map, GST_MAP_WRITE);
    gst_buffer_extract(p.get(), 0, map.data, size);
    gst_buffer_unmap(b, &map);
    in.buffers.emplace_back(b);
  }
  return in;
}

using bench::capture;
using bench::synth_g729;

struct RunResult {
  double cpu_ns = 0;          // this thread
  double process_cpu_ns = 0;  // all threads: shows work an element moved elsewhere
  size_t out_buffers = 0;
};

// The input is copied before a run (so the element's allocations never
// interleave with the harness's), then read in chunks of about this many
// bytes just before they are pushed, so that it is in the cache as if an
// encoder or a socket had just written it; only the pushes are timed. 0: not
// read first (cold input; --cold-input).
size_t input_chunk_bytes = 256 * 1024;
constexpr size_t kMaxChunkBuffers = 512;

// Brings a buffer's bytes and bookkeeping into the cache. Memory by memory:
// gst_buffer_map would merge a multi-memory buffer and change its layout.
guint8 touch(GstBuffer *b) {
  guint8 sum = static_cast<guint8>(GST_BUFFER_FLAGS(b));
  for (guint m = 0; m < gst_buffer_n_memory(b); ++m) {
    GstMemory *mem = gst_buffer_peek_memory(b, m);
    GstMapInfo map;
    if (!gst_memory_map(mem, &map, GST_MAP_READ)) continue;
    for (gsize i = 0; i < map.size; i += 64) sum = static_cast<guint8>(sum + map.data[i]);
    gst_memory_unmap(mem, &map);
  }
  return sum;
}

// One element of a chain, with its properties.
struct Stage {
  std::string factory;
  fc::Properties props;
  std::function<void(GstElement *)> setup = {};  // after the properties (header extensions)
};

// One measured run of the chain `stages` over `in`. Element creation, caps,
// segment and the input's copies are not timed. The element gets buffers it
// alone holds (unless `feed` keeps a reference), as from an encoder or udpsrc.
RunResult run_once(const std::vector<Stage> &stages, const Input &in, const std::string &sink_caps,
                   const Feed &feed = {}, bench::Output *keep_output = nullptr) {
  std::vector<GstElement *> elements;
  std::string name;
  for (const auto &st : stages) {
    GstElement *element = fc::make_element(st.factory);
    for (const auto &[k, v] : st.props) fc::set_property(element, k, v);
    if (st.setup) st.setup(element);
    elements.push_back(element);
    name += (name.empty() ? "" : " ! ") + st.factory;
  }
  bench::Rig rig(elements, in.caps.get(), sink_caps, keep_output);
  std::vector<GstBuffer *> owned;
  if (in.fresh) {
    owned = in.fresh();
  } else {
    owned.reserve(in.buffers.size());
    for (const auto &b : in.buffers) owned.push_back(gst_buffer_copy_deep(b.get()));
  }
  std::vector<fc::BufferPtr> held;  // the bench's own references (Feed::hold_ref)
  if (feed.hold_ref) {
    held.reserve(owned.size());
    for (GstBuffer *b : owned) held.emplace_back(gst_buffer_ref(b));
  }
  const size_t n = owned.size();
  const size_t group = feed.list_size ? feed.list_size : 1;
  const size_t chunk_bytes = input_chunk_bytes ? input_chunk_bytes : SIZE_MAX;
  const size_t chunk_buffers = input_chunk_bytes ? kMaxChunkBuffers : SIZE_MAX;
  RunResult r;
  volatile guint8 sink = 0;  // keeps the reads
  std::vector<GstBufferList *> lists;
  for (size_t first = 0; first < n;) {
    size_t end = first;
    for (size_t bytes = 0; end < n && bytes < chunk_bytes && end - first < chunk_buffers;) {
      // Whole lists per chunk.
      for (const size_t stop = std::min(n, end + group); end < stop; ++end) {
        bytes += gst_buffer_get_size(owned[end]);
        if (input_chunk_bytes) sink = static_cast<guint8>(sink + touch(owned[end]));
      }
    }
    lists.clear();
    if (feed.list_size) {
      for (size_t i = first; i < end; i += group) {
        const size_t stop = std::min(end, i + group);
        GstBufferList *list = gst_buffer_list_new_sized(static_cast<guint>(stop - i));
        for (size_t k = i; k < stop; ++k) gst_buffer_list_add(list, owned[k]);
        lists.push_back(list);
      }
    }
    const double p0 = cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
    const double t0 = cpu_ns(CLOCK_THREAD_CPUTIME_ID);
    GstFlowReturn ret = GST_FLOW_OK;
    size_t pushed = first;
    if (feed.list_size) {
      for (size_t k = 0; k < lists.size() && ret == GST_FLOW_OK; ++k) {
        ret = rig.push_list(lists[k]);
        lists[k] = nullptr;
      }
      pushed = end;
    } else {
      for (; pushed < end && ret == GST_FLOW_OK;) ret = rig.push(owned[pushed++]);
    }
    if (ret != GST_FLOW_OK) {
      for (GstBufferList *l : lists)
        if (l) gst_buffer_list_unref(l);
      for (size_t k = pushed; k < n; ++k)
        if (!feed.list_size || k >= end) gst_buffer_unref(owned[k]);
      throw fc::Error(name + ": push returned " + gst_flow_get_name(ret));
    }
    if (end == n) rig.push_eos();
    r.cpu_ns += cpu_ns(CLOCK_THREAD_CPUTIME_ID) - t0;
    r.process_cpu_ns += cpu_ns(CLOCK_PROCESS_CPUTIME_ID) - p0;
    first = end;
  }
  r.out_buffers = rig.received();
  if (keep_output && !keep_output->caps) throw fc::Error(name + ": no output caps");
  return r;
}

RunResult run_once(const std::string &factory, const fc::Properties &props, const Input &in,
                   const std::string &sink_caps, bench::Output *keep_output = nullptr) {
  return run_once({{factory, props}}, in, sink_caps, {}, keep_output);
}

// Buffers that `pay` makes from `frames`, as it makes them (its own layout).
std::vector<GstBuffer *> made_by(const std::string &pay, const fc::Properties &props,
                                 const Input &frames) {
  bench::Output out;
  run_once(pay, props, frames, "", &out);
  std::vector<GstBuffer *> owned;
  owned.reserve(out.buffers.size());
  for (auto &b : out.buffers) owned.push_back(b.release());
  return owned;
}

struct Span {
  double mid = 0, lo = 0, hi = 0;  // median of totals; min-max of the per-run values
};

struct Row {
  std::string input;
  std::string pair;
  size_t packets = 0;
  double base_ns = 0, ours_ns = 0, theirs_ns = 0;  // per packet, raw
  double ours_el_ns = 0, theirs_el_ns = 0;         // per packet, minus the baseline
  Span ratio, el_ratio;
  std::string note;
};

Span span_of(const std::vector<double> &per_run, double mid) {
  return {mid, *std::min_element(per_run.begin(), per_run.end()),
          *std::max_element(per_run.begin(), per_run.end())};
}

// Runs the baseline, ours and theirs `reps` times after one warm-up run of
// each, rotating their order so that each takes every position equally often.
// Each is a chain of stages; the baseline has one pass-through per stage of
// ours, gets no properties and accepts any caps downstream. `packets` (> 0)
// sets what times are divided by.
// --tracer-cost: "ours" is our element with srtrtp-metrics timing its
// buffers, "theirs" the same element without (see metrics_timing.hpp).
bench::MetricsTiming *g_tracer_cost = nullptr;

Row compare(const std::string &input_name, const std::vector<Stage> &ours,
            const std::vector<Stage> &theirs_in, const std::string &baseline, const Input &in,
            const std::string &sink_caps, bool per_output_packet, int reps, const Feed &feed = {},
            size_t packets = 0) {
  const std::vector<Stage> passes(ours.size(), Stage{baseline, {}});
  const std::vector<Stage> &theirs = g_tracer_cost ? ours : theirs_in;
  auto run = [&](int who) {
    if (g_tracer_cost) who == 1 ? g_tracer_cost->on() : g_tracer_cost->off();
    return who == 0   ? run_once(passes, in, "", feed)
           : who == 1 ? run_once(ours, in, sink_caps, feed)
                      : run_once(theirs, in, sink_caps, feed);
  };
  for (int who = 0; who < 3; ++who) run(who);
  std::vector<double> t[3], p[3], ratios, el_ratios;
  size_t out[3] = {};
  for (int i = 0; i < reps; ++i) {
    RunResult r[3];
    for (int k = 0; k < 3; ++k) {
      const int who = (i + k) % 3;
      r[who] = run(who);
    }
    for (int who = 0; who < 3; ++who) {
      t[who].push_back(r[who].cpu_ns);
      p[who].push_back(r[who].process_cpu_ns);
      out[who] = r[who].out_buffers;
    }
    ratios.push_back(r[1].cpu_ns / r[2].cpu_ns);
    el_ratios.push_back((r[1].cpu_ns - r[0].cpu_ns) / (r[2].cpu_ns - r[0].cpu_ns));
  }
  auto names = [](const std::vector<Stage> &chain) {
    std::string n;
    for (const auto &st : chain) n += (n.empty() ? "" : "!") + st.factory;
    return n;
  };
  const double base = median(t[0]), mo = median(t[1]), mt = median(t[2]);
  Row row;
  row.input = input_name;
  row.pair = names(ours) + " / " + names(theirs);
  const size_t n_in = packets ? packets : in.buffers.size();
  const size_t pk_ours = std::max<size_t>(per_output_packet ? out[1] : n_in, 1);
  const size_t pk_theirs = std::max<size_t>(per_output_packet ? out[2] : n_in, 1);
  row.packets = pk_theirs;
  row.base_ns = base / static_cast<double>(pk_theirs);
  row.ours_ns = mo / static_cast<double>(pk_ours);
  row.theirs_ns = mt / static_cast<double>(pk_theirs);
  row.ours_el_ns = (mo - base) / static_cast<double>(pk_ours);
  row.theirs_el_ns = (mt - base) / static_cast<double>(pk_theirs);
  row.ratio = span_of(ratios, mo / mt);
  row.el_ratio = span_of(el_ratios, (mo - base) / (mt - base));
  auto add_note = [&row](const std::string &n) { row.note += (row.note.empty() ? "" : "; ") + n; };
  if (pk_ours != pk_theirs) add_note("ours sent " + std::to_string(pk_ours) + " packets");
  if (!per_output_packet && out[1] != out[2]) {
    add_note("out: ours " + std::to_string(out[1]) + ", theirs " + std::to_string(out[2]));
  }
  // Work done in other threads is not in the per-thread time: say so (not for
  // the baseline, whose time is too short for the share to mean anything).
  const char *who_names[3] = {"baseline", "ours", "theirs"};
  for (int who = 1; who < 3; ++who) {
    const double extra = median(p[who]) / median(t[who]) - 1;
    if (extra <= 0.1) continue;
    char buf[96];
    std::snprintf(buf, sizeof buf, "%s +%.0f%% CPU in other threads", who_names[who], extra * 100);
    add_note(buf);
  }
  return row;
}

// Gives an element the first `n` of three RFC 8285 header extensions, new
// objects of gst-plugins-good's elements, the same for ours and theirs:
// 64-bit NTP on every packet, TWCC, MID.
std::function<void(GstElement *)> with_header_extensions(int n) {
  return [n](GstElement *element) {
    struct Ext {
      const char *factory;
      guint id;
    };
    const Ext exts[] = {{"rtphdrextntp64", 1}, {"rtphdrexttwcc", 2}, {"rtphdrextmid", 3}};
    for (int i = 0; i < n && i < 3; ++i) {
      GstElement *e = gst_element_factory_make(exts[i].factory, nullptr);
      if (!e) throw fc::Error(std::string("missing ") + exts[i].factory);
      gst_object_ref_sink(e);
      auto *ext = GST_RTP_HEADER_EXTENSION(e);
      gst_rtp_header_extension_set_id(ext, exts[i].id);
      if (i == 0) g_object_set(e, "every-packet", TRUE, nullptr);
      if (i == 2) g_object_set(e, "mid", "v0", nullptr);
      g_signal_emit_by_name(element, "add-extension", ext);
      gst_object_unref(e);
    }
  };
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
        *theirs_depay_opt = nullptr, *aggregate_opt = nullptr, *depay_caps_opt = nullptr,
        *only_opt = nullptr, *baseline_opt = nullptr, *layouts_opt = nullptr;
  int frames = 90, reps = 15, target_packets = 60000, mtu = 1400, h265_frames = 40,
      audio_seconds = 5, ptime_ms = 20, list_size = 16;
  gboolean quick = FALSE, cold_input = FALSE, no_chains = FALSE, no_hdrext = FALSE,
           tracer_cost = FALSE;
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
      {"baseline", 0, 0, G_OPTION_ARG_STRING, &baseline_opt,
       "Element whose cost on the same input is subtracted (default benchpassthrough; "
       "identity also does its own work per buffer)",
       "NAME"},
      {"only", 0, 0, G_OPTION_ARG_STRING, &only_opt,
       "Codecs to run, comma-separated: h264,h265,g722,g729 (default all)", "LIST"},
      {"h265-frames", 0, 0, G_OPTION_ARG_INT, &h265_frames,
       "720p frames to encode with x265enc (default 40)", "N"},
      {"audio-seconds", 0, 0, G_OPTION_ARG_INT, &audio_seconds,
       "Seconds of G.722 / G.729 input before looping (default 5)", "N"},
      {"ptime", 0, 0, G_OPTION_ARG_INT, &ptime_ms,
       "G.722 / G.729 payloaders' min-ptime and max-ptime (default 20)", "MS"},
      {"layouts", 0, 0, G_OPTION_ARG_STRING, &layouts_opt,
       "Depayloader input layouts, comma-separated: unique,shared,two-mem,block (default all)",
       "LIST"},
      {"list-size", 0, 0, G_OPTION_ARG_INT, &list_size,
       "Each layout also in GstBufferLists of this many packets (default 16; 0: single buffers "
       "only)",
       "N"},
      {"no-chains", 0, 0, G_OPTION_ARG_NONE, &no_chains,
       "Leave out the payloader ! depayloader chain rows", nullptr},
      {"cold-input", 0, 0, G_OPTION_ARG_NONE, &cold_input,
       "Do not read each chunk of input into the cache before pushing it", nullptr},
      {"quick", 'q', 0, G_OPTION_ARG_NONE, &quick, "Short run (smoke test)", nullptr},
      {"tracer-cost", 0, 0, G_OPTION_ARG_NONE, &tracer_cost,
       "Each row: our element with srtrtp-metrics timing its buffers (\"ours\") against the "
       "same element without (\"theirs\"), in this process, run by run",
       nullptr},
      {"no-hdrext", 0, 0, G_OPTION_ARG_NONE, &no_hdrext,
       "Leave out the rows with RTP header extensions (1 and 3 per packet)", nullptr},
      {}};
  {
    GError *err = nullptr;
    std::unique_ptr<GOptionContext, OptionContextDeleter> ctx(
        g_option_context_new("- RTP payloader/depayloader CPU time, ours vs. reference"));
    g_option_context_add_main_entries(ctx.get(), entries, nullptr);
    g_option_context_add_group(ctx.get(), gst_init_get_option_group());
    if (!g_option_context_parse(ctx.get(), &argc, &argv, &err)) {
      std::fprintf(stderr, "bench-rtp: %s\n", err->message);
      g_clear_error(&err);
      return 2;
    }
  }
  GCharPtr p1(ours_pay_opt), p2(ours_depay_opt), p3(theirs_pay_opt), p4(theirs_depay_opt),
      p5(aggregate_opt), p6(depay_caps_opt), p7(only_opt), p8(baseline_opt), p9(layouts_opt);
  const std::string ours_pay = p1 ? p1.get() : "rtph264pay2";
  const std::string ours_depay = p2 ? p2.get() : "rtph264depay2";
  const std::string theirs_pay = p3 ? p3.get() : "rtph264pay";
  const std::string theirs_depay = p4 ? p4.get() : "rtph264depay";
  const std::string aggregate = p5 ? p5.get() : "none";
  const std::string depay_caps = p6 ? p6.get() : "video/x-h264,stream-format=avc,alignment=au";
  const std::string baseline = p8 ? p8.get() : "benchpassthrough";
  bench::register_passthrough();
  std::set<std::string> codecs = {"h264", "h265", "g722", "g729"};
  if (p7) {
    std::set<std::string> chosen;
    std::istringstream list(p7.get());
    for (std::string c; std::getline(list, c, ',');) {
      if (c.empty()) continue;
      if (!codecs.count(c)) {
        std::fprintf(stderr, "bench-rtp: --only: unknown codec '%s' (h264,h265,g722,g729)\n",
                     c.c_str());
        return 2;
      }
      chosen.insert(c);
    }
    codecs = chosen;
  }
  std::vector<Layout> layouts(std::begin(kAllLayouts), std::end(kAllLayouts));
  if (p9) {
    layouts.clear();
    std::istringstream list(p9.get());
    for (std::string l; std::getline(list, l, ',');) {
      if (l.empty()) continue;
      auto it = std::find_if(std::begin(kAllLayouts), std::end(kAllLayouts),
                             [&l](Layout x) { return l == layout_name(x); });
      if (it == std::end(kAllLayouts)) {
        std::fprintf(stderr, "bench-rtp: --layouts: unknown layout '%s'\n", l.c_str());
        return 2;
      }
      layouts.push_back(*it);
    }
  }
  std::vector<guint> list_sizes = {0};
  if (list_size > 0) list_sizes.push_back(static_cast<guint>(list_size));
  const bool chains = !no_chains;
  const bool run_h264 = codecs.count("h264") > 0, run_h265 = codecs.count("h265") > 0,
             run_g722 = codecs.count("g722") > 0, run_g729 = codecs.count("g729") > 0;
  if (quick) {
    h265_frames = std::min(h265_frames, 10);
    audio_seconds = std::min(audio_seconds, 2);
    frames = std::min(frames, 20);
    reps = std::min(reps, 3);
    target_packets = std::min(target_packets, 3000);
  }
  reps = std::max(reps, 1);
  if (cold_input) input_chunk_bytes = 0;
  bench::MetricsTiming timing;
  if (tracer_cost) {
    g_tracer_cost = &timing;
    std::printf(
        "--tracer-cost: \"ours\" = our element timed by srtrtp-metrics, \"theirs\" = "
        "the same element untimed; element ratio = the tracer's cost\n");
  }
  h265_frames = std::max(h265_frames, 1);
  audio_seconds = std::max(audio_seconds, 1);
  ptime_ms = std::max(ptime_ms, 10);

  std::vector<std::string> needed = {"appsink", baseline};
  auto need = [&needed](std::initializer_list<std::string> names) {
    needed.insert(needed.end(), names.begin(), names.end());
  };
  if (run_h264) {
    need({"videotestsrc", "x264enc", "h264parse", "appsrc", ours_pay, ours_depay, theirs_pay,
          theirs_depay});
  }
  if (run_h265) {
    need({"videotestsrc", "x265enc", "h265parse", "rtph265pay2", "rtph265depay2", "rtph265pay",
          "rtph265depay"});
  }
  if (run_g722) {
    need({"audiotestsrc", "avenc_g722", "rtpg722pay2", "rtpg722depay2", "rtpg722pay",
          "rtpg722depay"});
  }
  if (run_g729) need({"rtpg729pay2", "rtpg729depay2", "rtpg729pay", "rtpg729depay"});
  if (!no_hdrext && (run_h264 || run_g722))
    need({"rtphdrextntp64", "rtphdrexttwcc", "rtphdrextmid"});
  const auto missing = fc::missing_elements(needed);
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
      "(median), depay output %s; baseline %s; input %s\n",
      ours_pay.c_str(), ours_depay.c_str(), theirs_pay.c_str(), theirs_depay.c_str(), mtu,
      aggregate.c_str(), reps, depay_caps.c_str(), baseline.c_str(),
      cold_input ? "cold" : "warm (read in 256 KiB chunks before pushing)");
  if (run_h265 || run_g722 || run_g729) {
    std::printf(
        "  H.265: rtph265pay2 / rtph265depay2 vs rtph265pay / rtph265depay, x265enc ultrafast 720p "
        "%d frames, mtu %d, aggregate-mode %s, depay output byte-stream/au; G.722 / G.729: "
        "min-ptime = max-ptime = %d ms\n",
        h265_frames, mtu, aggregate.c_str(), ptime_ms);
  }

  try {
    struct Source {
      std::string name;
      fc::EncodedStream stream;
    };
    // One input through a payloader pair, then the packets made from it by the
    // reference payloader through a depayloader pair.
    struct Case {
      std::string ours_pay, theirs_pay, ours_depay, theirs_depay;
      fc::Properties pay_props;
      std::string depay_caps;
      const char *unit;          // what the input buffers are, for the progress line
      bool hdrext_rows = false;  // also with 1 and 3 header extensions per packet
    };
    std::vector<Row> rows;
    auto run_case = [&](const Source &src, const Case &c) {
      // Loop the input so that one run carries about target_packets packets.
      const Input once = looped(src.stream, 1);
      bench::Output rtp_once;
      run_once(c.theirs_pay, c.pay_props, once, "", &rtp_once);
      const size_t per_loop = std::max<size_t>(rtp_once.buffers.size(), 1);
      const int loops = static_cast<int>(
          std::max<size_t>(1, (static_cast<size_t>(target_packets) + per_loop - 1) / per_loop));
      const Input in = looped(src.stream, loops);
      std::printf("  %-34s %6zu %s x %2d loops, %8zu bytes/loop\n", src.name.c_str(),
                  src.stream.frames, c.unit, loops, src.stream.bytes);
      std::fflush(stdout);

      rows.push_back(compare(src.name, {{c.ours_pay, c.pay_props}}, {{c.theirs_pay, c.pay_props}},
                             baseline, in, "", true, reps));
      // The same with header extensions, the same extension elements on
      // both sides: payloader alone, and payloader ! depayloader per packet.
      if (c.hdrext_rows && !no_hdrext) {
        for (const int n : {1, 3}) {
          const auto setup = with_header_extensions(n);
          const std::string tag = " [" + std::to_string(n) + " hdrext]";
          rows.push_back(compare(src.name + tag, {{c.ours_pay, c.pay_props, setup}},
                                 {{c.theirs_pay, c.pay_props, setup}}, baseline, in, "", true,
                                 reps));
          if (chains) {
            bench::Output made_ext;
            run_once({{c.theirs_pay, c.pay_props, setup}}, in, "", {}, &made_ext);
            rows.push_back(
                compare(src.name + " [chain, " + std::to_string(n) + " hdrext]",
                        {{c.ours_pay, c.pay_props, setup}, {c.ours_depay, {}, setup}},
                        {{c.theirs_pay, c.pay_props, setup}, {c.theirs_depay, {}, setup}}, baseline,
                        in, c.depay_caps, false, reps, {}, made_ext.buffers.size()));
          }
        }
      }

      // The depayloaders get the same packets in every layout: made once by
      // the reference payloader (by ours for the block layout).
      bench::Output made;
      run_once(c.theirs_pay, c.pay_props, in, "", &made);
      const size_t rtp_packets = made.buffers.size();
      Input one_mem = as_received(made);
      Input two_mem;
      two_mem.caps.reset(gst_caps_ref(made.caps.get()));
      two_mem.buffers = std::move(made.buffers);
      Input block;
      {
        bench::Output ours_made;
        run_once(c.ours_pay, c.pay_props, in, "", &ours_made);
        block.caps.reset(gst_caps_ref(ours_made.caps.get()));
        block.buffers = std::move(ours_made.buffers);
        block.fresh = [&c, &in] { return made_by(c.ours_pay, c.pay_props, in); };
      }
      for (const Layout layout : layouts) {
        const Input &packets = layout == Layout::kTwoMem  ? two_mem
                               : layout == Layout::kBlock ? block
                                                          : one_mem;
        for (const guint per_list : list_sizes) {
          const Feed feed{layout == Layout::kShared, per_list};
          std::string name = src.name + " [" + layout_name(layout);
          if (per_list) name += ", lists of " + std::to_string(per_list);
          name += "]";
          rows.push_back(compare(name, {{c.ours_depay, {}}}, {{c.theirs_depay, {}}}, baseline,
                                 packets, c.depay_caps, false, reps, feed));
        }
      }
      // The whole chain, payloader into depayloader, per RTP packet (theirs).
      if (chains) {
        rows.push_back(compare(src.name + " [chain]",
                               {{c.ours_pay, c.pay_props}, {c.ours_depay, {}}},
                               {{c.theirs_pay, c.pay_props}, {c.theirs_depay, {}}}, baseline, in,
                               c.depay_caps, false, reps, {}, rtp_packets));
      }
    };

    std::printf("encoding inputs...\n");
    std::fflush(stdout);
    if (run_h264) {
      std::vector<Source> sources;
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

      const Case h264{
          ours_pay,
          theirs_pay,
          ours_depay,
          theirs_depay,
          {{"mtu", std::to_string(mtu)}, {"config-interval", "0"}, {"aggregate-mode", aggregate}},
          depay_caps,
          "frames",
          true};
      for (const auto &src : sources) run_case(src, h264);
    }

    auto kbps = [](const fc::EncodedStream &s) {
      return s.duration ? static_cast<double>(s.bytes) * 8e6 / static_cast<double>(s.duration)
                        : 0.0;
    };
    const std::string ptime_ns = std::to_string(static_cast<gint64>(ptime_ms) * 1000000);

    if (run_h265) {
      // x265 is slow: a short 720p clip, encoded once, then looped.
      const std::string launch =
          "videotestsrc num-buffers=" + std::to_string(h265_frames) +
          " pattern=smpte horizontal-speed=4 ! video/x-raw,format=I420,width=1280,height=720,"
          "framerate=30/1 ! x265enc speed-preset=ultrafast bitrate=15000 key-int-max=30 "
          "log-level=none ! h265parse ! video/x-h265,stream-format=byte-stream,alignment=au ! "
          "appsink name=sink sync=false";
      Source src{"", capture(launch)};
      char name[64];
      std::snprintf(name, sizeof name, "720p %.0f Mbit/s H.265 bytestream",
                    kbps(src.stream) / 1000);
      src.name = name;
      const Case h265{
          "rtph265pay2",
          "rtph265pay",
          "rtph265depay2",
          "rtph265depay",
          {{"mtu", std::to_string(mtu)}, {"config-interval", "0"}, {"aggregate-mode", aggregate}},
          "video/x-h265,stream-format=byte-stream,alignment=au",
          "frames"};
      run_case(src, h265);
    }

    if (run_g722) {
      const int samples = audio_seconds * 16000;
      const std::string launch =
          "audiotestsrc wave=sine num-buffers=" + std::to_string((samples + 319) / 320) +
          " samplesperbuffer=320 ! audio/x-raw,format=S16LE,rate=16000,channels=1 ! "
          "avenc_g722 ! appsink name=sink sync=false";
      Source src{"", capture(launch)};
      char name[64];
      std::snprintf(name, sizeof name, "G.722 %.0f kbit/s avenc_g722", kbps(src.stream));
      src.name = name;
      const Case g722{"rtpg722pay2",
                      "rtpg722pay",
                      "rtpg722depay2",
                      "rtpg722depay",
                      {{"min-ptime", ptime_ns}, {"max-ptime", ptime_ns}},
                      "",
                      "buffers",
                      true};
      run_case(src, g722);
    }

    if (run_g729) {
      // 80 ms (8 frames) per buffer, split by the payloaders into ptime packets.
      Source src{"G.729 8 kbit/s 80-byte buffers", synth_g729(audio_seconds * 100 / 8, 8)};
      const Case g729{"rtpg729pay2",
                      "rtpg729pay",
                      "rtpg729depay2",
                      "rtpg729depay",
                      {{"min-ptime", ptime_ns}, {"max-ptime", ptime_ns}},
                      "",
                      "buffers"};
      run_case(src, g729);
    }

    std::printf("\n%-50s %-30s %7s | %9s %9s %9s %5s %9s | %9s %9s %5s %9s\n", "input",
                "element pair (ours / theirs)", "packets", "base", "ours", "theirs", "ratio",
                "range", "ours-b", "theirs-b", "ratio", "range");
    for (const auto &r : rows) {
      std::printf(
          "%-50s %-30s %7zu | %9.1f %9.1f %9.1f %5.2f %4.2f-%4.2f | %9.1f %9.1f %5.2f "
          "%4.2f-%4.2f%s%s\n",
          r.input.c_str(), r.pair.c_str(), r.packets, r.base_ns, r.ours_ns, r.theirs_ns,
          r.ratio.mid, r.ratio.lo, r.ratio.hi, r.ours_el_ns, r.theirs_el_ns, r.el_ratio.mid,
          r.el_ratio.lo, r.el_ratio.hi, r.note.empty() ? "" : "  ", r.note.c_str());
    }
    std::printf(
        "\nns per packet (packets = RTP packets per run: payloader output, depayloader input); "
        "base = %s on the same input; left: raw CPU time, ratio = ours / theirs; right: "
        "element cost (minus base), ratio = (ours - base) / (theirs - base); < 1: ours is "
        "cheaper; median of the runs, range = min-max of the per-run ratios.\n",
        baseline.c_str());
  } catch (const fc::Error &e) {
    std::fprintf(stderr, "bench-rtp: %s\n", e.what());
    return 1;
  }
  return 0;
}
