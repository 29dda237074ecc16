// srtrtp-demo: encodes a test video with x264enc, sends it through an RTP
// payloader and depayloader (by default ours: rtph264pay2 ! rtph264depay2),
// decodes it with avdec_h264 and checks every decoded frame against a direct
// decode of the same encoded stream. Then it sends the same stream as RTP over
// SRT (srtbondsink -> srt-linkemu with 5% loss each way and 20 ms RTT ->
// srtbondsrc) and checks every frame again. Last, the bonded leg: the stream
// played live through srtbondsink bond-mode=broadcast (or backup) over three
// emulated paths (A clean 10 ms, B 5% loss 15 ms, C clean 20 ms and cut for
// the middle third of the stream) to a srtbondsrc listener, checked frame by
// frame, with a per-link table and a per-link throughput plot (SVG). Exit
// status 0 only if every frame of every leg matches.
//
//   srtrtp-demo                                  # 300 frames 1280x720, ours
//   srtrtp-demo --bond-mode backup               # the bonded leg in backup mode
//   srtrtp-demo --pay rtph264pay --depay rtph264depay   # gst-plugins-good
//   srtrtp-demo --format avc/au --aggregate-mode max-stap --frames 100
#include "bond_report.hpp"
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
#ifndef SRTRTP_BUILD_DIR
#define SRTRTP_BUILD_DIR "."
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

// The verdict line of an SRT leg; true if every packet arrived and every
// decoded frame equals the direct decode.
bool srt_verdict(const char *over, const fc::DecodeResult &ref, const demo::SrtLegResult &leg,
                 std::size_t frames) {
  if (!leg.error.empty()) std::printf("error      %s\n", leg.error.c_str());
  fc::DecodeResult got;
  got.frames = leg.frames;
  const fc::Comparison cmp = fc::compare(ref, got);
  const bool pass = leg.error.empty() && cmp.all_identical() && cmp.frames == frames &&
                    leg.packets_received == leg.packets_sent;
  std::printf(
      "\n%zu frames, %zu/%zu RTP packets over %s, %zu/%zu decoded frames identical to a "
      "direct decode: %s\n",
      frames, leg.packets_received, leg.packets_sent, over, cmp.identical, frames,
      pass ? "PASS" : "FAIL");
  if (!pass) std::printf("  %s\n", cmp.describe(ref, got).c_str());
  std::fflush(stdout);
  return pass;
}

}  // namespace

int main(int argc, char **argv) {
  if (*SRTRTP_PLUGIN_DIR) fc::default_plugin_path(SRTRTP_PLUGIN_DIR, SRTRTP_REGISTRY);

  gchar *pay_opt = nullptr, *depay_opt = nullptr, *format_opt = nullptr, *aggregate_opt = nullptr;
  gchar *profile_opt = nullptr, *bond_mode_opt = nullptr, *plot_opt = nullptr;
  int frames = 300, width = 1280, height = 720, slices = 4, bframes = 2, bitrate = 4000;
  int mtu = 1400, config_interval = 0;
  gboolean verbose = FALSE, no_srt = FALSE, no_bond = FALSE;
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
      {"no-srt", 0, 0, G_OPTION_ARG_NONE, &no_srt, "Skip the RTP-over-SRT leg (one link)", nullptr},
      {"no-bond", 0, 0, G_OPTION_ARG_NONE, &no_bond,
       "Skip the bonded RTP-over-SRT leg (three emulated paths)", nullptr},
      {"bond-mode", 0, 0, G_OPTION_ARG_STRING, &bond_mode_opt,
       "The bonded leg's srtbondsink bond-mode: broadcast (default) or backup", "MODE"},
      {"plot", 0, 0, G_OPTION_ARG_FILENAME, &plot_opt,
       "The bonded leg's throughput plot (default <builddir>/demo/bond-throughput.svg)", "FILE"},
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
      profile_s(profile_opt), bond_mode_s(bond_mode_opt), plot_s(plot_opt);
  const std::string bond_mode = bond_mode_s ? bond_mode_s.get() : "broadcast";
  if (bond_mode != "broadcast" && bond_mode != "backup") {
    std::fprintf(stderr,
                 "srtrtp-demo: --bond-mode takes broadcast or backup (srtbondsink refuses "
                 "balancing for now), not '%s'\n",
                 bond_mode.c_str());
    return 2;
  }
  const std::string plot_path =
      plot_s ? plot_s.get() : std::string(SRTRTP_BUILD_DIR) + "/demo/bond-throughput.svg";

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
  if (!no_srt || !no_bond)
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
    std::fflush(stdout);
    bool srt_pass = true, bond_pass = true;
    if (!no_srt) {
      demo::SrtLegOptions srt_opts;
      srt_opts.paths.front().loss = srt_loss / 100.0;
      std::printf(
          "\nsrt        rtph264pay2 mtu=1316 ! srtbondsink -> srt-linkemu (%.1f%% loss each "
          "way, 20 ms RTT) -> srtbondsrc ! rtph264depay2 ! avdec_h264\n",
          srt_loss);
      std::fflush(stdout);
      const demo::SrtLegResult srt = demo::decode_over_srt(stream, stream.frames, srt_opts);
      if (!srt.relays.empty())
        std::printf("link       %s\n", demo::format_relay(srt.relays.front()).c_str());
      srt_pass = srt_verdict("SRT", ref, srt, stream.frames);
    }
    if (!no_bond) {
      using std::chrono::milliseconds;
      demo::SrtLegOptions bond_opts;
      bond_opts.bond_mode = bond_mode;
      bond_opts.paths = {
          {"A", 0.0, milliseconds(10), "127.0.0.2", 10, false},
          {"B", 0.05, milliseconds(15), "127.0.0.3", 5, false},
          {"C", 0.0, milliseconds(20), "127.0.0.4", 1, true},
      };
      std::printf(
          "\nbonded     appsrc is-live=true ! rtph264pay2 mtu=1316 ! srtbondsink sync=true "
          "bond-mode=%s -> 3 srt-linkemu paths -> srtbondsrc ! rtph264depay2 ! avdec_h264, "
          "played live (%.1f s)\n",
          bond_mode.c_str(), static_cast<double>(stream.frames) / std::max(enc.fps, 1));
      for (const auto &p : bond_opts.paths)
        std::printf("path %s     weight=%d localaddress=%s: %s\n", p.name.c_str(), p.weight,
                    p.local_address.c_str(), p.describe().c_str());
      std::fflush(stdout);
      const demo::SrtLegResult bond = demo::decode_over_srt(stream, stream.frames, bond_opts);
      std::printf("\n");
      demo::print_bond_report(bond_opts, bond);
      std::string plot_error;
      if (demo::write_throughput_plot(bond_opts, bond, plot_path, &plot_error))
        std::printf("plot       %s\n", plot_path.c_str());
      else
        std::printf("plot       not written: %s\n", plot_error.c_str());
      bond_pass = srt_verdict(("bonded SRT (" + bond_mode + ")").c_str(), ref, bond, stream.frames);
    }
    return pass && srt_pass && bond_pass ? 0 : 1;
  } catch (const fc::Error &e) {
    std::fprintf(stderr, "srtrtp-demo: %s\n", e.what());
    return 2;
  }
}
