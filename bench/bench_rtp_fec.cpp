// bench-rtp-fec: CPU per packet of our RTP FEC elements against
// gst-plugins-good's, side by side in one run: the same packets through
// ours, theirs and a pass-through baseline, in alternating runs, median of
// the per-run costs. Inputs as a pipeline gives them: each packet in one
// memory held by the element alone (udpsrc), the same with one more
// reference held elsewhere (a tee, a jitter buffer), header and payload in
// two memories (the C payloaders), and each of those in buffer lists.
//   bench-rtp-fec [--packets N] [--reps R] [--payload BYTES] [--only TEXT]
// --only: the cases whose name contains TEXT (and no row/column rows unless
// TEXT is in theirs), for profiling one.
#include <gst/gst.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "bench_rig.hpp"
#include "bench_flexfec.hpp"  // FlexFEC rows
#include "bench_ulpfec.hpp"

namespace {

double thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n == 0 ? 0 : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

enum class Layout { kUnique, kShared, kTwoMem };
const char *layout_name(Layout l) {
  return l == Layout::kUnique ? "unique" : l == Layout::kShared ? "shared" : "two-mem";
}

// One RTP packet as bytes: 160 RTP ticks apart (20 ms of 8 kHz audio).
std::vector<guint8> media_packet(std::uint16_t seq, std::size_t payload, guint8 pt) {
  std::vector<guint8> p(12 + payload);
  p[0] = 0x80;
  p[1] = pt;
  p[2] = static_cast<guint8>(seq >> 8);
  p[3] = static_cast<guint8>(seq);
  GST_WRITE_UINT32_BE(&p[4], 160u * seq);
  GST_WRITE_UINT32_BE(&p[8], 0x11223344u);
  for (std::size_t i = 0; i < payload; ++i) p[12 + i] = static_cast<guint8>(seq + i);
  return p;
}

GstBuffer *as_buffer(const std::vector<guint8> &bytes, Layout layout) {
  if (layout != Layout::kTwoMem) return gst_buffer_new_memdup(bytes.data(), bytes.size());
  const gsize head = 12 + 4u * (bytes[0] & 0x0f);
  GstBuffer *b = gst_buffer_new_memdup(bytes.data(), head);
  const gsize rest = bytes.size() - head;
  gpointer copy = g_memdup2(bytes.data() + head, rest);
  gst_buffer_append_memory(
      b, gst_memory_new_wrapped(GST_MEMORY_FLAG_READONLY, copy, rest, 0, rest, copy, g_free));
  return b;
}

struct Case {
  std::string name;
  std::string ours, theirs;  // element descriptions: factory and properties
  std::vector<std::vector<guint8>> input;
  std::string base = "benchpassthrough";  // what is subtracted (a chain: "a ! b")
  std::string caps = "application/x-rtp,media=audio,clock-rate=8000,encoding-name=G722,payload=9";
};

// CPU ns per input packet of one run of `description` over `input`.
double run_once(const std::string &description, const std::vector<std::vector<guint8>> &input,
                Layout layout, std::size_t list_size, const std::string &caps_str) {
  // A chain "a ! b" becomes the rig's stages.
  std::vector<GstElement *> stages;
  for (std::size_t at = 0; at != std::string::npos;) {
    const std::size_t bang = description.find(" ! ", at);
    const std::string part =
        description.substr(at, bang == std::string::npos ? std::string::npos : bang - at);
    at = bang == std::string::npos ? bang : bang + 3;
    GError *error = nullptr;
    GstElement *e = gst_parse_launch(part.c_str(), &error);
    if (!e) {
      std::fprintf(stderr, "%s: %s\n", part.c_str(), error ? error->message : "?");
      g_clear_error(&error);
      std::exit(2);
    }
    stages.push_back(e);
  }
  GstCaps *caps = gst_caps_from_string(caps_str.c_str());
  double ns = 0;
  {
    bench::Rig rig(stages, caps, "", nullptr);
    std::vector<GstBuffer *> buffers;
    std::vector<GstBuffer *> held;  // the shared layout's other reference
    buffers.reserve(input.size());
    for (const auto &p : input) {
      GstBuffer *b = as_buffer(p, layout);
      if (layout == Layout::kShared) held.push_back(gst_buffer_ref(b));
      buffers.push_back(b);
    }
    std::vector<GstBufferList *> lists;
    if (list_size) {
      for (std::size_t i = 0; i < buffers.size(); i += list_size) {
        GstBufferList *l = gst_buffer_list_new_sized(static_cast<guint>(list_size));
        for (std::size_t k = i; k < std::min(buffers.size(), i + list_size); ++k)
          gst_buffer_list_add(l, buffers[k]);
        lists.push_back(l);
      }
    }
    const double t0 = thread_cpu_ns();
    if (list_size) {
      for (GstBufferList *l : lists) rig.push_list(l);
    } else {
      for (GstBuffer *b : buffers) rig.push(b);
    }
    ns = (thread_cpu_ns() - t0) / static_cast<double>(input.size());
    for (GstBuffer *b : held) gst_buffer_unref(b);
  }
  gst_caps_unref(caps);
  return ns;
}

// RED packets as rtpredenc makes them from `media` (distance 2), with every
// 20th taken out (5% loss), for the decoders.
std::vector<std::vector<guint8>> red_stream(const std::vector<std::vector<guint8>> &media) {
  GError *error = nullptr;
  GstElement *e = gst_parse_launch("rtpredenc pt=100 distance=2", &error);
  GstCaps *caps = gst_caps_from_string(
      "application/x-rtp,media=audio,clock-rate=8000,encoding-name=G722,payload=9");
  bench::Output out;
  {
    bench::Rig rig(e, caps, "", &out);
    for (const auto &p : media) rig.push(gst_buffer_new_memdup(p.data(), p.size()));
  }
  gst_caps_unref(caps);
  std::vector<std::vector<guint8>> red;
  for (std::size_t i = 0; i < out.buffers.size(); ++i) {
    if (i % 20 == 19) continue;
    GstMapInfo map;
    gst_buffer_map(out.buffers[i].get(), &map, GST_MAP_READ);
    red.emplace_back(map.data, map.data + map.size);
    gst_buffer_unmap(out.buffers[i].get(), &map);
  }
  return red;
}

}  // namespace

int main(int argc, char **argv) {
  if (*SRTRTP_PLUGIN_DIR && !g_getenv("GST_PLUGIN_PATH")) {
    g_setenv("GST_PLUGIN_PATH", SRTRTP_PLUGIN_DIR, TRUE);
    if (*SRTRTP_REGISTRY) g_setenv("GST_REGISTRY", SRTRTP_REGISTRY, TRUE);
  }
  gst_init(&argc, &argv);
  bench::register_passthrough();
  bench::register_jitter();
  std::size_t packets = 50000, reps = 7, payload = 160;
  std::string only;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--only")) only = argv[i + 1];
    if (!std::strcmp(argv[i], "--packets")) packets = std::stoul(argv[i + 1]);
    if (!std::strcmp(argv[i], "--reps")) reps = std::stoul(argv[i + 1]);
    if (!std::strcmp(argv[i], "--payload")) payload = std::stoul(argv[i + 1]);
  }
  std::vector<std::vector<guint8>> media;
  for (std::size_t k = 0; k < packets; ++k)
    media.push_back(media_packet(static_cast<std::uint16_t>(k), payload, 9));
  const auto red = red_stream(media);

  // ULPFEC: frames of 5 packets; the decoders behind rtpstorage and a
  // stand-in jitterbuffer, 5% of the stream (media and FEC) lost.
  const char *ulp_caps =
      "application/x-rtp,media=audio,clock-rate=8000,payload=9,ssrc=(uint)287454020";
  const auto frames = bench::with_markers(media, 5);
  const auto ulp = bench::ulpfec_stream(frames, "rtpulpfecenc pt=117 percentage=100", ulp_caps, 20);
  const std::string ulp_base = "rtpstorage size-time=1000000000 ! benchjitter";
  std::vector<Case> cases = {
      {"RED encode, distance 2", "rtpredenc2 pt=100 distance=2", "rtpredenc pt=100 distance=2",
       media},
      {"RED encode, distance 0", "rtpredenc2 pt=100", "rtpredenc pt=100", media},
      {"RED decode, 5% lost", "rtpreddec2 pt=100", "rtpreddec pt=100", red},
  };
  cases.push_back({"ULPFEC encode 100%, fr 5", "rtpulpfecenc2 pt=117 percentage=100",
                   "rtpulpfecenc pt=117 percentage=100", frames, "benchpassthrough", ulp_caps});
  cases.push_back({"ULPFEC encode 20%, fr 5", "rtpulpfecenc2 pt=117 percentage=20",
                   "rtpulpfecenc pt=117 percentage=20", frames, "benchpassthrough", ulp_caps});
  cases.push_back({"ULPFEC decode, 5% lost", ulp_base + " ! rtpulpfecdec2 pt=117",
                   ulp_base + " ! rtpulpfecdec pt=117", ulp, ulp_base, ulp_caps});
  std::printf(
      "# bench-rtp-fec: ns per input packet (thread CPU), %zu packets of %zu payload "
      "bytes, median of %zu alternating runs; element = minus benchpassthrough\n",
      packets, payload, reps);
  std::printf("%-26s %-8s %5s | %8s %8s %8s %6s | %8s %8s %6s\n", "case", "layout", "list", "base",
              "ours", "theirs", "raw", "ours-b", "theirs-b", "elem");
  for (const Case &c : cases) {
    if (!only.empty() && c.name.find(only) == std::string::npos) continue;
    for (Layout layout : {Layout::kUnique, Layout::kShared, Layout::kTwoMem}) {
      for (std::size_t list : {std::size_t{0}, std::size_t{16}}) {
        std::vector<double> base, ours, theirs;
        for (std::size_t r = 0; r < reps; ++r) {
          base.push_back(run_once(c.base, c.input, layout, list, c.caps));
          ours.push_back(run_once(c.ours, c.input, layout, list, c.caps));
          theirs.push_back(run_once(c.theirs, c.input, layout, list, c.caps));
        }
        const double b = median(base), o = median(ours), t = median(theirs);
        std::printf("%-26s %-8s %5zu | %8.1f %8.1f %8.1f %6.2f | %8.1f %8.1f %6.2f\n",
                    c.name.c_str(), layout_name(layout), list, b, o, t, o / t, o - b, t - b,
                    (o - b) / (t - b));
      }
    }
  }
  if (only.empty() || only == "FlexFEC" || only == "2022-1")
    bench_flexfec::print_rows(packets, reps);
  return 0;
}
