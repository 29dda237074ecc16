// srtrtp-demo: encodes a test video with x264enc, sends it through an RTP
// payloader and depayloader (by default ours: rtph264pay2 ! rtph264depay2),
// decodes it with avdec_h264 and checks every decoded frame against a direct
// decode of the same encoded stream. Then it sends the same stream as RTP over
// SRT (srtbondsink -> srt-linkemu with 5% loss each way and 20 ms RTT ->
// srtbondsrc) and checks every frame again. Exit status 0 only if every frame
// of both legs matches.
//
//   srtrtp-demo                                  # 300 frames 1280x720, ours
//   srtrtp-demo --pay rtph264pay --depay rtph264depay   # gst-plugins-good
//   srtrtp-demo --format avc/au --aggregate-mode max-stap --frames 100
#include "framecheck.hpp"
#include "srt_leg.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
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

bool parse_format(const std::string &s, fc::StreamFormat &out) {
  for (auto f :
       {fc::StreamFormat::ByteStreamAu, fc::StreamFormat::ByteStreamNal, fc::StreamFormat::AvcAu}) {
    if (s == fc::to_string(f)) {
      out = f;
      return true;
    }
  }
  return false;
}

}  // namespace

int main(int argc, char **argv) {
  if (*SRTRTP_PLUGIN_DIR) fc::default_plugin_path(SRTRTP_PLUGIN_DIR, SRTRTP_REGISTRY);

  gchar *pay_opt = nullptr, *depay_opt = nullptr, *format_opt = nullptr, *aggregate_opt = nullptr;
  gchar *profile_opt = nullptr;
  int frames = 300, width = 1280, height = 720, slices = 4, bframes = 2, bitrate = 4000;
  int mtu = 1400, config_interval = 0;
  gboolean verbose = FALSE, no_srt = FALSE;
  double srt_loss = 5.0;
  GOptionEntry entries[] = {
      {"pay", 0, 0, G_OPTION_ARG_STRING, &pay_opt, "Payloader element (default rtph264pay2)",
       "NAME"},
      {"depay", 0, 0, G_OPTION_ARG_STRING, &depay_opt,
       "Depayloader element (default rtph264depay2)", "NAME"},
      {"frames", 'n', 0, G_OPTION_ARG_INT, &frames, "Frames to encode (default 300)", "N"},
      {"width", 0, 0, G_OPTION_ARG_INT, &width, "Width (default 1280)", "W"},
      {"height", 0, 0, G_OPTION_ARG_INT, &height, "Height (default 720)", "H"},
      {"slices", 0, 0, G_OPTION_ARG_INT, &slices, "Slices per frame (default 4)", "N"},
      {"bframes", 0, 0, G_OPTION_ARG_INT, &bframes, "B-frames (default 2)", "N"},
      {"bitrate", 0, 0, G_OPTION_ARG_INT, &bitrate, "Bitrate in kbit/s (default 4000)", "KBPS"},
      {"profile", 0, 0, G_OPTION_ARG_STRING, &profile_opt, "H.264 profile (default high)",
       "PROFILE"},
      {"format", 0, 0, G_OPTION_ARG_STRING, &format_opt,
       "Payloader input: byte-stream/au (default), byte-stream/nal or avc/au", "FORMAT"},
      {"mtu", 0, 0, G_OPTION_ARG_INT, &mtu, "Payloader mtu (default 1400)", "BYTES"},
      {"aggregate-mode", 0, 0, G_OPTION_ARG_STRING, &aggregate_opt,
       "Payloader aggregate-mode: none, zero-latency, max-stap (default: element's default)",
       "MODE"},
      {"config-interval", 0, 0, G_OPTION_ARG_INT, &config_interval,
       "Payloader config-interval (default 0)", "SECONDS"},
      {"no-srt", 0, 0, G_OPTION_ARG_NONE, &no_srt, "Skip the RTP-over-SRT leg", nullptr},
      {"srt-loss", 0, 0, G_OPTION_ARG_DOUBLE, &srt_loss,
       "Random loss in percent, each way, on the SRT leg's emulated link (default 5)", "PCT"},
      {"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Print stream and packet details", nullptr},
      {}};
  GError *err = nullptr;
  {
    std::unique_ptr<GOptionContext, OptionContextDeleter> ctx(
        g_option_context_new("- H.264 through RTP, checked frame by frame"));
    g_option_context_add_main_entries(ctx.get(), entries, nullptr);
    g_option_context_add_group(ctx.get(), gst_init_get_option_group());
    if (!g_option_context_parse(ctx.get(), &argc, &argv, &err)) {
      std::fprintf(stderr, "srtrtp-demo: %s\n", err->message);
      g_clear_error(&err);
      return 2;
    }
  }
  GCharPtr pay_s(pay_opt), depay_s(depay_opt), format_s(format_opt), aggregate_s(aggregate_opt),
      profile_s(profile_opt);

  fc::RtpPath path;
  path.pay = pay_s ? pay_s.get() : "rtph264pay2";
  path.depay = depay_s ? depay_s.get() : "rtph264depay2";
  path.pay_props.emplace_back("mtu", std::to_string(mtu));
  path.pay_props.emplace_back("config-interval", std::to_string(config_interval));
  if (aggregate_s) path.pay_props.emplace_back("aggregate-mode", aggregate_s.get());

  fc::StreamFormat format = fc::StreamFormat::ByteStreamAu;
  if (format_s && !parse_format(format_s.get(), format)) {
    std::fprintf(stderr, "srtrtp-demo: unknown --format '%s'\n", format_s.get());
    return 2;
  }

  fc::EncodeSettings enc;
  enc.width = width;
  enc.height = height;
  enc.frames = frames;
  enc.slices = static_cast<unsigned>(std::max(slices, 1));
  enc.bframes = static_cast<unsigned>(std::max(bframes, 0));
  enc.bitrate_kbps = static_cast<unsigned>(std::max(bitrate, 1));
  enc.profile = profile_s ? profile_s.get() : "high";

  std::vector<std::string> needed = {"videotestsrc", "x264enc", "h264parse", "avdec_h264",
                                     "appsrc",       "appsink", path.pay,    path.depay};
  if (!no_srt)
    needed.insert(needed.end(), {"rtph264pay2", "rtph264depay2", "srtbondsink", "srtbondsrc"});
  const auto missing = fc::missing_elements(needed);
  if (!missing.empty()) {
    std::string names;
    for (const auto &m : missing) names += (names.empty() ? "" : ", ") + m;
    std::fprintf(stderr, "srtrtp-demo: missing element(s): %s\n", names.c_str());
    std::fprintf(stderr, "  GST_PLUGIN_PATH=%s\n", fc::env_or("GST_PLUGIN_PATH", "").c_str());
    return 2;
  }

  try {
    std::printf("encoding   %s (videotestsrc ! x264enc)\n", enc.describe().c_str());
    std::fflush(stdout);
    fc::EncodedStream original = fc::encode(enc);
    const fc::StreamStats st = fc::analyse(original);
    const fc::EncodedStream stream = format == fc::StreamFormat::ByteStreamAu
                                         ? std::move(original)
                                         : fc::convert(original, format);
    std::printf(
        "encoded    %zu frames, %zu bytes (%.0f kbit/s), %zu IDR, %zu slices, "
        "%zu reordered (B) frames, largest frame %zu bytes; input %s\n",
        stream.frames, stream.bytes, st.bitrate_kbps, st.idr_access_units, st.vcl_nal_units,
        st.reordered_frames, st.max_access_unit_bytes, fc::to_string(format));

    const fc::DecodeResult ref = fc::decode_direct(stream);
    if (!ref.ok()) {
      std::fprintf(stderr, "srtrtp-demo: direct decode failed: %s\n", ref.error.c_str());
      return 2;
    }
    std::printf("reference  h264parse ! avdec_h264: %zu frames\n", ref.frames.size());

    std::printf("rtp        %s ! avdec_h264\n", path.describe().c_str());
    std::fflush(stdout);
    const fc::DecodeResult got = fc::decode_via_rtp(stream, path);
    const fc::RtpStats &r = got.rtp;
    std::printf(
        "packets    %zu RTP packets, %zu bytes, largest %zu; %zu single NAL, %zu STAP-A, "
        "%zu FU-A (%zu NAL units fragmented), %zu other; %zu marker bits, %zu "
        "timestamps, %zu sequence gaps, %zu invalid\n",
        r.packets, r.bytes, r.max_packet_size, r.single_nal, r.stap_a, r.fu_a, r.fu_a_frames,
        r.other, r.markers, r.timestamp_runs, r.seq_gaps, r.invalid);
    if (verbose) std::printf("rtp caps   %s\n", got.rtp_caps.c_str());
    if (!got.ok()) std::printf("error      %s\n", got.error.c_str());

    const fc::Comparison cmp = fc::compare(ref, got);
    const bool pass = got.ok() && cmp.all_identical() && cmp.frames == stream.frames;
    std::printf(
        "\n%zu frames, %zu RTP packets, %zu/%zu decoded frames identical to a direct "
        "decode: %s\n",
        stream.frames, r.packets, cmp.identical, stream.frames, pass ? "PASS" : "FAIL");
    if (!pass) {
      std::printf("  %s\n", cmp.describe(ref, got).c_str());
      size_t shown = 0;
      const size_t n = std::max(ref.frames.size(), got.frames.size());
      for (size_t i = 0; i < n && shown < 10; ++i) {
        const bool have_ref = i < ref.frames.size(), have_got = i < got.frames.size();
        if (have_ref && have_got && ref.frames[i] == got.frames[i]) continue;
        std::printf("  frame %4zu: direct %s, via RTP %s\n", i,
                    have_ref ? ref.frames[i].hex().c_str() : "(none)",
                    have_got ? got.frames[i].hex().c_str() : "(none)");
        ++shown;
      }
    }
    if (no_srt) return pass ? 0 : 1;

    demo::SrtLegOptions srt_opts;
    srt_opts.loss = srt_loss / 100.0;
    std::printf(
        "\nsrt        rtph264pay2 mtu=1316 ! srtbondsink -> srt-linkemu (%.1f%% loss each "
        "way, 20 ms RTT) -> srtbondsrc ! rtph264depay2 ! avdec_h264\n",
        srt_loss);
    std::fflush(stdout);
    const demo::SrtLegResult srt = demo::decode_over_srt(stream, stream.frames, srt_opts);
    std::printf("link       %s\n", srt.link.c_str());
    if (!srt.error.empty()) std::printf("error      %s\n", srt.error.c_str());
    fc::DecodeResult srt_got;
    srt_got.frames = srt.frames;
    const fc::Comparison srt_cmp = fc::compare(ref, srt_got);
    const bool srt_pass = srt.error.empty() && srt_cmp.all_identical() &&
                          srt_cmp.frames == stream.frames &&
                          srt.packets_received == srt.packets_sent;
    std::printf(
        "\n%zu frames, %zu/%zu RTP packets over SRT, %zu/%zu decoded frames identical to a "
        "direct decode: %s\n",
        stream.frames, srt.packets_received, srt.packets_sent, srt_cmp.identical, stream.frames,
        srt_pass ? "PASS" : "FAIL");
    if (!srt_pass) std::printf("  %s\n", srt_cmp.describe(ref, srt_got).c_str());
    return pass && srt_pass ? 0 : 1;
  } catch (const fc::Error &e) {
    std::fprintf(stderr, "srtrtp-demo: %s\n", e.what());
    return 2;
  }
}
