// RTP audio interop: our rtpg722pay2/depay2 and rtpg729pay2/depay2 against
// gst-plugins-good's rtpg722pay/depay and rtpg729pay/depay, and against each
// other. Every case decodes what came out of payloader ! depayloader and
// requires the samples to be identical to a direct decode of the same encoded
// stream:
//   G.722: audiotestsrc ! avenc_g722, decoded with avdec_g722.
//   G.729: libbcg729 frames; without VAD decoded with avdec_g729; with VAD/DTX
//          (Annex B SID frames, untransmitted frames) decoded with libbcg729,
//          because avdec_g729 cannot decode SID frames. The depayloader's
//          buffers are laid back on the 10 ms grid by their timestamps, so
//          wrong RTP time across DTX gaps shows as different samples.
// The RTP between the two elements is checked too (sequence, timestamps,
// payload sizes, marker bits, SID placement) when the payloader is ours.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

#include "audio_pipeline.hpp"
#include "g729_codec.hpp"
#include "build_tree_plugin.hpp"

#ifndef SRTRTP_PLUGIN_DIR
#define SRTRTP_PLUGIN_DIR ""
#endif
#ifndef SRTRTP_REGISTRY
#define SRTRTP_REGISTRY ""
#endif

namespace ai = audiointerop;
using ai::Bytes;

namespace {

#define SKIP_IF_MISSING(list)                                     \
  do {                                                            \
    const auto missing_ = ai::missing_elements(list);             \
    if (!missing_.empty()) {                                      \
      std::string names_;                                         \
      for (const auto &m_ : missing_) names_ += " " + m_;         \
      GTEST_SKIP() << "peer element(s) not installed:" << names_; \
    }                                                             \
  } while (0)

enum class Path { OursToRef, RefToOurs, OursToOurs };

struct Codec {
  const char *pay, *depay, *ref_pay, *ref_depay;
};
constexpr Codec kG722{"rtpg722pay2", "rtpg722depay2", "rtpg722pay", "rtpg722depay"};
constexpr Codec kG729{"rtpg729pay2", "rtpg729depay2", "rtpg729pay", "rtpg729depay"};

bool pay_is_ours(Path p) {
  return p != Path::RefToOurs;
}
bool depay_is_ours(Path p) {
  return p != Path::OursToRef;
}

// Payloader settings; both payloaders share these property names. caps:
// a capsfilter after the payloader (downstream ptime).
struct PayConfig {
  const char *name;
  const char *props;
  const char *caps;
  std::size_t max_frames;  // what our payloader may put in a packet (0: up to the mtu)
};

struct Case {
  Path path;
  PayConfig config;
};

std::string describe(const Case &c) {
  static const char *paths[] = {"pay2_to_ref_depay", "ref_pay_to_depay2", "pay2_to_depay2"};
  return std::string(paths[static_cast<int>(c.path)]) + "_" + c.config.name;
}
std::string case_name(const ::testing::TestParamInfo<Case> &info) {
  return describe(info.param);
}
// For gtest's failure messages.
void PrintTo(const Case &c, std::ostream *os) {
  *os << describe(c);
}

std::vector<Case> cases(const std::vector<PayConfig> &configs) {
  std::vector<Case> v;
  for (Path p : {Path::OursToRef, Path::RefToOurs, Path::OursToOurs})
    for (const PayConfig &c : configs) v.push_back({p, c});
  return v;
}

std::string launch(const Codec &codec, const Case &c, const std::string &tail) {
  std::string s = "appsrc name=src ! ";
  s += pay_is_ours(c.path) ? codec.pay : codec.ref_pay;
  s += std::string(" name=pay ") + c.config.props + " ! ";
  if (*c.config.caps) s += std::string("capsfilter caps=\"") + c.config.caps + "\" ! ";
  s += depay_is_ours(c.path) ? codec.depay : codec.ref_depay;
  return s + " name=depay ! " + tail + " ! appsink name=sink";
}

std::vector<std::string> peers(const Codec &codec, const Case &c, std::vector<std::string> others) {
  if (!pay_is_ours(c.path)) others.push_back(codec.ref_pay);
  if (!depay_is_ours(c.path)) others.push_back(codec.ref_depay);
  return others;
}

// Checks every RTP receiver needs: one stream, no sequence gaps, nothing empty.
void check_rtp_basics(const ai::RunResult &r, std::uint8_t pt, const std::string &context) {
  ASSERT_FALSE(r.rtp.empty()) << context;
  for (std::size_t k = 0; k < r.rtp.size(); ++k) {
    EXPECT_EQ(r.rtp[k].pt, pt) << "packet " << k << "\n  " << context;
    EXPECT_FALSE(r.rtp[k].payload.empty()) << "packet " << k << "\n  " << context;
    if (k > 0) {
      EXPECT_EQ(static_cast<std::uint16_t>(r.rtp[k].seq - r.rtp[k - 1].seq), 1)
          << "packet " << k << "\n  " << context;
    }
  }
}

std::size_t markers(const ai::RunResult &r) {
  std::size_t n = 0;
  for (const auto &p : r.rtp) n += p.marker ? 1 : 0;
  return n;
}

// G.729 frames (a SID counts as one) the payloader sent.
std::size_t frames_sent(const ai::RunResult &r) {
  std::size_t n = 0;
  for (const auto &p : r.rtp) n += p.payload.size() / 10 + (p.payload.size() % 10 ? 1 : 0);
  return n;
}

// rtpg729pay (gst-plugins-good 1.22) has no EOS handling: frames it holds for
// min-ptime when the stream ends are never sent. Our payloader must send them;
// behind the reference payloader, the depayloader is judged on what was sent.
std::size_t frames_expected(const Case &c, const ai::RunResult &r, std::size_t total) {
  if (pay_is_ours(c.path)) return total;
  const std::size_t sent = frames_sent(r);
  if (sent < total)
    std::printf("  note: %s dropped the %zu frame(s) it held at EOS\n", kG729.ref_pay,
                total - sent);
  return std::min(sent, total);
}

// ------------------------------------------------------------------ G.722

const std::vector<std::string> kG722Peers = {"audiotestsrc", "avenc_g722", "avdec_g722", "appsrc",
                                             "appsink"};
constexpr std::size_t kG722Step = 80;  // bytes (and RTP ticks) per 10 ms

struct G722Data {
  ai::Stream stream;
  Bytes reference;  // avdec_g722 of the stream as encoded
  std::string error;
};

const G722Data &g722_data() {
  static std::once_flag once;
  static G722Data d;
  std::call_once(once, [] {
    // 1234 samples per buffer: the encoder's last buffer is part of a 10 ms step.
    const ai::RunResult enc = ai::run(
        "audiotestsrc num-buffers=40 samplesperbuffer=1234 wave=pink-noise volume=0.5 ! "
        "audio/x-raw,rate=16000,channels=1 ! avenc_g722 ! appsink name=sink",
        nullptr);
    if (!enc.ok()) {
      d.error = "encode: " + enc.error;
      return;
    }
    d.stream.caps = "audio/G722,rate=16000,channels=1";
    d.stream.chunks = enc.out;
    const ai::RunResult dec =
        ai::run("appsrc name=src ! avdec_g722 ! appsink name=sink", &d.stream);
    if (!dec.ok()) d.error = "direct decode: " + dec.error;
    d.reference = ai::concat(dec.out);
  });
  return d;
}

TEST(G722Stream, EncodedStreamAndReferenceDecode) {
  SKIP_IF_MISSING(kG722Peers);
  const G722Data &d = g722_data();
  ASSERT_TRUE(d.error.empty()) << d.error;
  const std::size_t bytes = ai::concat(d.stream.chunks).size();
  std::printf("  G.722: %zu buffers, %zu bytes (%.2f s), last buffer %zu bytes\n",
              d.stream.chunks.size(), bytes, bytes / 8000.0, d.stream.chunks.back().data.size());
  EXPECT_EQ(bytes, 40u * 1234u / 2u) << "one byte per two samples at 64 kbit/s";
  EXPECT_NE(d.stream.chunks.back().data.size() % kG722Step, 0u)
      << "the stream should end inside a 10 ms step, to test the flush at EOS";
  EXPECT_EQ(d.reference.size(), bytes * 4) << "two 16-bit samples per byte";
}

class G722Interop : public ::testing::TestWithParam<Case> {};

TEST_P(G722Interop, DecodedSamplesIdenticalToDirectDecode) {
  const Case &c = GetParam();
  SKIP_IF_MISSING(peers(kG722, c, kG722Peers));
  const G722Data &d = g722_data();
  ASSERT_TRUE(d.error.empty()) << d.error;
  const std::string pipeline = launch(kG722, c, "avdec_g722");
  const ai::RunResult r = ai::run(pipeline, &d.stream);
  const std::string context = pipeline + "\n  rtp caps: " + r.rtp_caps;
  ASSERT_TRUE(r.ok()) << r.error << "\n  " << context;
  const Bytes got = ai::concat(r.out);
  EXPECT_TRUE(got == d.reference) << ai::compare(d.reference, got) << "\n  " << context;

  check_rtp_basics(r, 9, context);
  EXPECT_NE(r.rtp_caps.find("clock-rate=(int)8000"), std::string::npos) << context;
  std::size_t payload = 0;
  for (const auto &p : r.rtp) payload += p.payload.size();
  EXPECT_EQ(payload, ai::concat(d.stream.chunks).size()) << context;
  std::printf("  %zu packets, %zu markers\n", r.rtp.size(), markers(r));
  if (!pay_is_ours(c.path)) return;
  // Ours: 10 ms steps, 80 ticks per step, one marker at the start.
  EXPECT_EQ(markers(r), 1u) << context;
  EXPECT_TRUE(r.rtp.front().marker) << context;
  for (std::size_t k = 0; k + 1 < r.rtp.size(); ++k) {
    const std::size_t size = r.rtp[k].payload.size();
    EXPECT_EQ(size % kG722Step, 0u) << "packet " << k << "\n  " << context;
    if (c.config.max_frames) {
      EXPECT_LE(size, c.config.max_frames * kG722Step) << "packet " << k << "\n  " << context;
    }
    EXPECT_EQ(r.rtp[k + 1].ts - r.rtp[k].ts, size) << "packet " << k << "\n  " << context;
  }
}

const std::vector<PayConfig> kG722Configs = {
    {"default", "", "", 0},
    {"max_ptime_10ms", "max-ptime=10000000", "", 1},
    {"min_ptime_40ms", "min-ptime=40000000", "", 0},
    {"ptime_multiple_30ms", "ptime-multiple=30000000", "", 0},
    {"caps_ptime_30ms", "", "application/x-rtp,ptime=(uint)30", 3},
};

INSTANTIATE_TEST_SUITE_P(G722, G722Interop, ::testing::ValuesIn(cases(kG722Configs)), case_name);

// ------------------------------------------------------------------ G.729

const std::vector<std::string> kG729Peers = {"avdec_g729", "appsrc", "appsink"};
constexpr int kG729Frames = 400;  // 4 s
constexpr GstClockTime kFrame = 10 * GST_MSECOND;

#define SKIP_WITHOUT_BCG729()                                                          \
  do {                                                                                 \
    if (!g729codec::available())                                                       \
      GTEST_SKIP() << "libbcg729 was not found at build time (Debian: libbcg729-dev)"; \
  } while (0)

struct G729Data {
  std::vector<Bytes> speech_frames, dtx_frames;  // per 10 ms; DTX: 10, 2 or 0 bytes
  ai::Stream speech, dtx;
  Bytes speech_reference;                   // avdec_g729
  std::vector<std::int16_t> dtx_reference;  // libbcg729
  std::string error;
};

// One buffer per transmitted frame, stamped on the 10 ms grid, as an encoder
// element would send them (DISCONT on the first).
ai::Stream to_stream(const std::vector<Bytes> &frames) {
  ai::Stream s;
  s.caps = "audio/G729,rate=8000,channels=1";
  for (std::size_t i = 0; i < frames.size(); ++i) {
    if (frames[i].empty()) continue;
    s.chunks.push_back({frames[i], i * kFrame, kFrame, s.chunks.empty()});
  }
  return s;
}

// Everything up to the last transmitted frame (nothing after it is known).
std::vector<Bytes> trim(std::vector<Bytes> frames) {
  while (!frames.empty() && frames.back().empty()) frames.pop_back();
  return frames;
}

const G729Data &g729_data() {
  static std::once_flag once;
  static G729Data d;
  std::call_once(once, [] {
    const std::vector<std::int16_t> pcm = g729codec::test_signal(kG729Frames);
    d.speech_frames = g729codec::encode(pcm, false);
    d.dtx_frames = trim(g729codec::encode(pcm, true));
    d.speech = to_stream(d.speech_frames);
    d.dtx = to_stream(d.dtx_frames);
    d.dtx_reference = g729codec::decode(d.dtx_frames);
    const ai::RunResult dec =
        ai::run("appsrc name=src ! avdec_g729 ! appsink name=sink", &d.speech);
    if (!dec.ok()) d.error = "direct decode: " + dec.error;
    d.speech_reference = ai::concat(dec.out);
  });
  return d;
}

bool is_speech(const Bytes &f) {
  return f.size() == 10;
}

// Packets our payloader must mark: the first, and each that starts a
// talkspurt (speech after a SID or untransmitted frames).
std::size_t expected_markers(const std::vector<Bytes> &frames) {
  std::size_t n = frames.empty() || is_speech(frames[0]) ? 0 : 1;
  for (std::size_t i = 0; i < frames.size(); ++i)
    if (is_speech(frames[i]) && (i == 0 || !is_speech(frames[i - 1]))) ++n;
  return n;
}

TEST(G729Streams, EncodedStreamsAndReferenceDecodes) {
  SKIP_WITHOUT_BCG729();
  SKIP_IF_MISSING(kG729Peers);
  const G729Data &d = g729_data();
  ASSERT_TRUE(d.error.empty()) << d.error;
  ASSERT_EQ(d.speech_frames.size(), static_cast<std::size_t>(kG729Frames));
  for (const Bytes &f : d.speech_frames) ASSERT_EQ(f.size(), 10u);
  std::size_t sid = 0, none = 0;
  for (const Bytes &f : d.dtx_frames) {
    sid += f.size() == 2;
    none += f.empty();
  }
  std::printf("  G.729 DTX stream: %zu frames: %zu SID, %zu untransmitted, %zu talkspurts\n",
              d.dtx_frames.size(), sid, none, expected_markers(d.dtx_frames));
  EXPECT_GE(sid, 3u) << "the VAD stream should hold several SID frames";
  EXPECT_GE(none, 20u) << "... and DTX gaps";
  EXPECT_GE(expected_markers(d.dtx_frames), 3u) << "... and several talkspurts";
  EXPECT_EQ(d.speech_reference.size(), kG729Frames * 80u * 2u) << "avdec_g729 decodes every frame";
  EXPECT_EQ(d.dtx_reference.size(), d.dtx_frames.size() * 80u);
}

// SID-free speech, decoded with avdec_g729.
class G729Interop : public ::testing::TestWithParam<Case> {};

TEST_P(G729Interop, SpeechDecodedIdenticalToDirectDecode) {
  SKIP_WITHOUT_BCG729();
  const Case &c = GetParam();
  SKIP_IF_MISSING(peers(kG729, c, kG729Peers));
  const G729Data &d = g729_data();
  ASSERT_TRUE(d.error.empty()) << d.error;
  const std::string pipeline = launch(kG729, c, "avdec_g729");
  const ai::RunResult r = ai::run(pipeline, &d.speech);
  const std::string context = pipeline + "\n  rtp caps: " + r.rtp_caps;
  ASSERT_TRUE(r.ok()) << r.error << "\n  " << context;
  const std::size_t expected = frames_expected(c, r, d.speech_frames.size());
  const Bytes want(d.speech_reference.begin(),
                   d.speech_reference.begin() + static_cast<std::ptrdiff_t>(expected * 160));
  const Bytes got = ai::concat(r.out);
  EXPECT_TRUE(got == want) << ai::compare(want, got) << "\n  " << context;
  check_rtp_basics(r, 18, context);
  std::printf("  %zu packets, %zu markers\n", r.rtp.size(), markers(r));
  if (!pay_is_ours(c.path)) return;
  EXPECT_EQ(markers(r), 1u) << context;
  for (std::size_t k = 0; k + 1 < r.rtp.size(); ++k) {
    const std::size_t frames = r.rtp[k].payload.size() / 10;
    EXPECT_EQ(r.rtp[k].payload.size() % 10, 0u) << context;
    if (c.config.max_frames) {
      EXPECT_LE(frames, c.config.max_frames) << context;
    }
    EXPECT_EQ(r.rtp[k + 1].ts - r.rtp[k].ts, 80u * frames) << "packet " << k << "\n  " << context;
  }
}

// Lays depayloaded G.729 buffers back on the 10 ms grid by their timestamps.
std::vector<Bytes> slots_from(const std::vector<ai::Chunk> &out, std::string *problem) {
  std::vector<Bytes> slots;
  for (const ai::Chunk &c : out) {
    const std::size_t rest = c.data.size() % 10;
    if (!GST_CLOCK_TIME_IS_VALID(c.pts) || c.data.empty() || (rest != 0 && rest != 2)) {
      *problem = "a buffer without time or with a bad length";
      continue;
    }
    std::size_t slot = static_cast<std::size_t>((c.pts + kFrame / 2) / kFrame);
    for (std::size_t off = 0; off < c.data.size(); off += 10, ++slot) {
      const std::size_t len = std::min<std::size_t>(10, c.data.size() - off);
      if (slots.size() <= slot) slots.resize(slot + 1);
      if (!slots[slot].empty()) *problem = "two frames in one 10 ms slot";
      slots[slot].assign(c.data.begin() + static_cast<std::ptrdiff_t>(off),
                         c.data.begin() + static_cast<std::ptrdiff_t>(off + len));
    }
  }
  return slots;
}

// VAD/DTX stream with SID frames, decoded with libbcg729.
TEST_P(G729Interop, DtxStreamDecodedIdenticalToDirectDecode) {
  SKIP_WITHOUT_BCG729();
  const Case &c = GetParam();
  SKIP_IF_MISSING(peers(kG729, c, {"appsrc", "appsink"}));
  const G729Data &d = g729_data();
  const std::string pipeline = launch(kG729, c, "capsfilter caps=audio/G729");
  const ai::RunResult r = ai::run(pipeline, &d.dtx);
  const std::string context = pipeline + "\n  rtp caps: " + r.rtp_caps;
  ASSERT_TRUE(r.ok()) << r.error << "\n  " << context;
  std::string problem;
  const std::vector<Bytes> slots = slots_from(r.out, &problem);
  EXPECT_TRUE(problem.empty()) << problem << "\n  " << context;
  // What should have arrived: every frame, or what the reference payloader sent.
  std::vector<Bytes> want = d.dtx_frames;
  std::size_t left = frames_expected(c, r, d.dtx.chunks.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (left == 0) {
      want.resize(i);
      break;
    }
    left -= want[i].empty() ? 0 : 1;
  }
  EXPECT_EQ(slots, want) << "frames or their timing differ\n  " << context;
  const std::vector<std::int16_t> got = g729codec::decode(slots);
  const std::vector<std::int16_t> want_pcm(
      d.dtx_reference.begin(),
      d.dtx_reference.begin() + static_cast<std::ptrdiff_t>(want.size() * 80));
  EXPECT_TRUE(got == want_pcm) << "decoded samples differ\n  " << context;

  check_rtp_basics(r, 18, context);
  std::size_t sid_packets = 0, mixed = 0;
  for (const auto &p : r.rtp) {
    const std::size_t rest = p.payload.size() % 10;
    EXPECT_TRUE(rest == 0 || rest == 2) << p.payload.size() << " bytes\n  " << context;
    sid_packets += rest == 2;
    mixed += rest == 2 && p.payload.size() > 2;
  }
  std::printf("  %zu packets, %zu with a SID (%zu after speech), %zu markers\n", r.rtp.size(),
              sid_packets, mixed, markers(r));
  if (!pay_is_ours(c.path)) return;
  EXPECT_EQ(markers(r), expected_markers(d.dtx_frames)) << context;
  for (std::size_t k = 0; k + 1 < r.rtp.size(); ++k) {
    // RTP time follows the frame grid, DTX gaps included.
    const GstClockTime dt = r.rtp[k + 1].pts - r.rtp[k].pts;
    EXPECT_EQ(r.rtp[k + 1].ts - r.rtp[k].ts, dt / kFrame * 80)
        << "packet " << k << "\n  " << context;
  }
  if (c.config.max_frames != 1 && std::string(c.config.name) != "default") {
    EXPECT_GT(mixed, 0u) << "no packet carried speech and a SID: the case proves less\n  "
                         << context;
  }
}

const std::vector<PayConfig> kG729Configs = {
    {"default", "", "", 0},
    {"min_ptime_20ms", "min-ptime=20000000", "", 0},
    {"ptime_30ms_by_properties", "min-ptime=30000000 max-ptime=30000000", "", 3},
    {"caps_ptime_40ms", "", "application/x-rtp,ptime=(uint)40", 4},
};

INSTANTIATE_TEST_SUITE_P(G729, G729Interop, ::testing::ValuesIn(cases(kG729Configs)), case_name);

}  // namespace

int main(int argc, char **argv) {
  use_build_tree_plugin();
  ::testing::InitGoogleTest(&argc, argv);
  gst_init(&argc, &argv);
  std::printf("interop-audio: GST_PLUGIN_PATH=%s, libbcg729 %s\n",
              g_getenv("GST_PLUGIN_PATH") ? g_getenv("GST_PLUGIN_PATH") : "(unset)",
              g729codec::available() ? "linked" : "missing (G.729 cases skip)");
  return RUN_ALL_TESTS();
}
