// bench-rtp-memory: the memory each RTP payloader and depayloader keeps per
// stream, ours against gst-plugins-good's, in one run (issue 10: "under 1 KB
// per stream" where the codec allows).
//
// For each element, --streams instances run side by side in the bench's
// minimal harness (bench_rig.hpp). Each gets the same short real stream
// (x264enc / x265enc / avenc_g722 output, synthetic G.729 frames; the
// depayloaders get the C payloader's packets of it), each buffer a fresh copy
// made just before it is pushed, and every output is dropped. The heap in use
// (mallinfo2: arena and mmapped) after all streams ran, minus before, divided
// by the streams, is what one stream costs. The same for benchpassthrough, an
// element with no state, is the harness, GObject and pads; the "state"
// columns subtract it.
#include <gst/gst.h>
#include <malloc.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "bench_rig.hpp"

#ifndef SRTRTP_PLUGIN_DIR
#define SRTRTP_PLUGIN_DIR ""
#endif
#ifndef SRTRTP_REGISTRY
#define SRTRTP_REGISTRY ""
#endif

namespace fc = framecheck;

namespace {

long long heap_in_use() {
  const struct mallinfo2 m = mallinfo2();
  return static_cast<long long>(m.uordblks + m.hblkhd);
}

// One element's input: caps and buffers (copied for every stream).
struct Input {
  fc::CapsPtr caps;
  std::vector<fc::BufferPtr> buffers;
};

Input from_stream(const fc::EncodedStream &s) {
  Input in;
  in.caps.reset(gst_caps_ref(s.caps.get()));
  for (const auto &b : s.buffers) in.buffers.emplace_back(gst_buffer_ref(b.get()));
  return in;
}

// The C payloader's packets of `raw`, as the depayloaders' input.
Input packets_of(const char *pay, const Input &raw) {
  bench::Output out;
  {
    bench::Rig rig(fc::make_element(pay), raw.caps.get(), "", &out);
    for (const auto &b : raw.buffers) rig.push(gst_buffer_copy_deep(b.get()));
    rig.push_eos();
  }
  if (out.buffers.empty() || !out.caps) throw fc::Error(std::string(pay) + " made no packets");
  Input in;
  in.caps = std::move(out.caps);
  in.buffers = std::move(out.buffers);
  return in;
}

// Bytes one stream of `element` keeps once `in` went through it.
double per_stream(const std::string &element, const Input &in, int streams) {
  auto run_one = [&]() {
    auto rig = std::make_unique<bench::Rig>(fc::make_element(element), in.caps.get(), "", nullptr);
    for (const auto &b : in.buffers) rig->push(gst_buffer_copy_deep(b.get()));
    return rig;
  };
  run_one().reset();  // first use: type, class and debug-category set-up
  std::vector<std::unique_ptr<bench::Rig>> rigs;
  rigs.reserve(static_cast<size_t>(streams));
  const long long before = heap_in_use();
  for (int i = 0; i < streams; ++i) rigs.push_back(run_one());
  const long long after = heap_in_use();
  return static_cast<double>(after - before) / streams;
}

struct Row {
  const char *ours, *theirs;
  const Input *input;
};

}  // namespace

int main(int argc, char **argv) {
  if (*SRTRTP_PLUGIN_DIR) fc::default_plugin_path(SRTRTP_PLUGIN_DIR, SRTRTP_REGISTRY);
  gst_init(&argc, &argv);
  int streams = 200;
  if (argc > 1) streams = std::max(1, std::atoi(argv[1]));
  bench::register_passthrough();
  try {
    const Input h264 = from_stream(bench::capture(
        "videotestsrc num-buffers=30 ! video/x-raw,width=640,height=360 ! x264enc "
        "speed-preset=ultrafast key-int-max=15 ! h264parse ! "
        "video/x-h264,stream-format=byte-stream,alignment=au ! appsink name=sink sync=false"));
    const Input h265 = from_stream(bench::capture(
        "videotestsrc num-buffers=10 ! video/x-raw,width=640,height=360 ! x265enc "
        "speed-preset=ultrafast key-int-max=5 ! h265parse ! "
        "video/x-h265,stream-format=byte-stream,alignment=au ! appsink name=sink sync=false"));
    const Input g722 = from_stream(bench::capture(
        "audiotestsrc num-buffers=25 samplesperbuffer=320 ! audio/x-raw,rate=16000,channels=1 ! "
        "avenc_g722 ! appsink name=sink sync=false"));
    const Input g729 = from_stream(bench::synth_g729(50, 2));
    const Input h264_rtp = packets_of("rtph264pay", h264);
    const Input h265_rtp = packets_of("rtph265pay", h265);
    const Input g722_rtp = packets_of("rtpg722pay", g722);
    const Input g729_rtp = packets_of("rtpg729pay", g729);
    const Row rows[] = {
        {"rtph264pay2", "rtph264pay", &h264}, {"rtph264depay2", "rtph264depay", &h264_rtp},
        {"rtph265pay2", "rtph265pay", &h265}, {"rtph265depay2", "rtph265depay", &h265_rtp},
        {"rtpg722pay2", "rtpg722pay", &g722}, {"rtpg722depay2", "rtpg722depay", &g722_rtp},
        {"rtpg729pay2", "rtpg729pay", &g729}, {"rtpg729depay2", "rtpg729depay", &g729_rtp},
    };
    std::printf("## Memory per stream (bytes of heap), %d streams of each element side by side\n",
                streams);
    std::printf("%-15s %10s %10s %10s %12s %12s %7s\n", "element", "ours", "theirs", "harness",
                "ours state", "theirs state", "ratio");
    for (const Row &r : rows) {
      const double base = per_stream("benchpassthrough", *r.input, streams);
      const double ours = per_stream(r.ours, *r.input, streams);
      const double theirs = per_stream(r.theirs, *r.input, streams);
      const double os = ours - base, ts = theirs - base;
      std::printf("%-15s %10.0f %10.0f %10.0f %12.0f %12.0f %7.2f\n", r.ours, ours, theirs, base,
                  os, ts, ts > 0 ? os / ts : 0.0);
    }
  } catch (const fc::Error &e) {
    std::fprintf(stderr, "bench-rtp-memory: %s\n", e.what());
    return 2;
  }
  return 0;
}
