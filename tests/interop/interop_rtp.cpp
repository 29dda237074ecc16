// RTP H.264 interop: our rtph264pay2 / rtph264depay2 against gst-plugins-good's
// rtph264depay / rtph264pay and against each other. Every case encodes a test
// video with x264enc (once, cached), sends it through payloader ! depayloader !
// avdec_h264 and requires every decoded frame to be bit-identical to a direct
// decode (h264parse ! avdec_h264) of the same encoded stream, and as many
// decoded frames as encoded frames.
//
// Element names come from the environment, so the suite can be validated
// against gst-plugins-good alone:
//   SRTRTP_PAY (default rtph264pay2)        SRTRTP_DEPAY (default rtph264depay2)
//   SRTRTP_REF_PAY (default rtph264pay)     SRTRTP_REF_DEPAY (default rtph264depay)
#include "framecheck.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <mutex>
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

std::string our_pay() {
  return fc::env_or("SRTRTP_PAY", "rtph264pay2");
}
std::string our_depay() {
  return fc::env_or("SRTRTP_DEPAY", "rtph264depay2");
}
std::string ref_pay() {
  return fc::env_or("SRTRTP_REF_PAY", "rtph264pay");
}
std::string ref_depay() {
  return fc::env_or("SRTRTP_REF_DEPAY", "rtph264depay");
}

// ------------------------------------------------------------------ streams
enum class StreamId { Baseline, HighBframes, Slices, Large1080p, IntraRefresh };

struct StreamCase {
  StreamId id;
  const char *name;
  fc::EncodeSettings settings;
  bool has_bframes;
};

fc::EncodeSettings base_settings() {
  fc::EncodeSettings s;
  s.width = 320;
  s.height = 240;
  s.frames = 60;
  s.bitrate_kbps = 800;
  return s;
}

const std::vector<StreamCase> &streams() {
  static const std::vector<StreamCase> all = [] {
    std::vector<StreamCase> v;
    {
      auto s = base_settings();
      s.profile = "baseline";
      s.key_int_max = 30;  // a second IDR: parameter sets again mid-stream
      v.push_back({StreamId::Baseline, "baseline", s, false});
    }
    {
      auto s = base_settings();
      s.profile = "high";
      s.bframes = 2;
      s.key_int_max = 30;
      v.push_back({StreamId::HighBframes, "high_bframes", s, true});
    }
    {
      auto s = base_settings();
      s.profile = "main";
      s.slices = 4;
      s.key_int_max = 30;
      v.push_back({StreamId::Slices, "slices4", s, false});
    }
    {
      fc::EncodeSettings s;
      s.width = 1920;
      s.height = 1080;
      s.frames = 30;
      s.profile = "high";
      s.pattern = "snow";  // incompressible: IDR frames of several hundred kB
      s.bitrate_kbps = 20000;
      s.key_int_max = 15;
      s.x264_options = "vbv-bufsize=20000:vbv-maxrate=40000";
      v.push_back({StreamId::Large1080p, "hd1080_large_idr", s, false});
    }
    {
      auto s = base_settings();
      s.profile = "high";
      s.intra_refresh = true;
      s.key_int_max = 20;  // refresh period; x264 sends no IDR after the first
      v.push_back({StreamId::IntraRefresh, "intra_refresh", s, false});
    }
    return v;
  }();
  return all;
}

const StreamCase &stream_case(StreamId id) {
  for (const auto &s : streams()) {
    if (s.id == id) return s;
  }
  throw fc::Error("unknown stream");
}

// Encoded streams and their reference decodes, made once per process.
struct Cache {
  std::mutex lock;
  std::map<std::pair<StreamId, fc::StreamFormat>, fc::EncodedStream> encoded;
  std::map<std::pair<StreamId, fc::StreamFormat>, fc::DecodeResult> reference;
};
Cache &cache() {
  static Cache c;
  return c;
}

const fc::EncodedStream &encoded(StreamId id, fc::StreamFormat format) {
  Cache &c = cache();
  std::lock_guard g(c.lock);
  auto key = std::make_pair(id, format);
  auto it = c.encoded.find(key);
  if (it != c.encoded.end()) return it->second;
  auto base_key = std::make_pair(id, fc::StreamFormat::ByteStreamAu);
  auto base = c.encoded.find(base_key);
  if (base == c.encoded.end()) {
    base = c.encoded.emplace(base_key, fc::encode(stream_case(id).settings)).first;
  }
  if (format == fc::StreamFormat::ByteStreamAu) return base->second;
  return c.encoded.emplace(key, fc::convert(base->second, format)).first->second;
}

const fc::DecodeResult &reference(StreamId id, fc::StreamFormat format) {
  const fc::EncodedStream &s = encoded(id, format);
  Cache &c = cache();
  std::lock_guard g(c.lock);
  auto key = std::make_pair(id, format);
  auto it = c.reference.find(key);
  if (it != c.reference.end()) return it->second;
  return c.reference.emplace(key, fc::decode_direct(s)).first->second;
}

const std::vector<std::string> kEncodePeers = {"videotestsrc", "x264enc", "h264parse",
                                               "avdec_h264",   "appsrc",  "appsink"};

// Skips (with the reason printed) when a peer element is missing.
#define SKIP_IF_MISSING(list)                                     \
  do {                                                            \
    const auto missing_ = fc::missing_elements(list);             \
    if (!missing_.empty()) {                                      \
      std::string names_;                                         \
      for (const auto &m_ : missing_) names_ += " " + m_;         \
      GTEST_SKIP() << "peer element(s) not installed:" << names_; \
    }                                                             \
  } while (0)

// ------------------------------------------------------------------ sanity of the inputs
// The stream cases must contain what their names promise, or the RTP cases
// below would prove less than they claim.
class StreamSanity : public ::testing::TestWithParam<StreamId> {};

TEST_P(StreamSanity, EncodedStreamHasTheIntendedShape) {
  SKIP_IF_MISSING(kEncodePeers);
  const StreamCase &sc = stream_case(GetParam());
  const fc::EncodedStream &s = encoded(sc.id, fc::StreamFormat::ByteStreamAu);
  const fc::StreamStats st = fc::analyse(s);
  std::printf(
      "  %s: %s -> %zu AUs, %zu bytes (%.0f kbit/s), %zu IDR, %zu slices, max %zu per "
      "AU, %zu reordered, largest AU %zu bytes\n",
      sc.name, sc.settings.describe().c_str(), st.access_units, st.bytes, st.bitrate_kbps,
      st.idr_access_units, st.vcl_nal_units, st.max_slices_per_access_unit, st.reordered_frames,
      st.max_access_unit_bytes);
  EXPECT_EQ(st.access_units, static_cast<size_t>(sc.settings.frames));
  EXPECT_GE(st.sps, 1u);
  EXPECT_GE(st.pps, 1u);
  EXPECT_EQ(st.reordered_frames > 0, sc.has_bframes);
  switch (sc.id) {
    case StreamId::Baseline:
      EXPECT_EQ(st.max_slices_per_access_unit, 1u);
      EXPECT_GE(st.idr_access_units, 2u);
      break;
    case StreamId::HighBframes:
      EXPECT_GE(st.idr_access_units, 2u);
      break;
    case StreamId::Slices:
      EXPECT_EQ(st.max_slices_per_access_unit, 4u);
      EXPECT_EQ(st.vcl_nal_units, 4u * st.access_units);
      break;
    case StreamId::Large1080p:
      // Several hundred kB: hundreds of FU-A fragments per frame.
      EXPECT_GE(st.max_access_unit_bytes, 300000u);
      EXPECT_GE(st.idr_access_units, 2u);
      break;
    case StreamId::IntraRefresh:
      EXPECT_EQ(st.idr_access_units, 1u);
      break;
  }
  // The direct decode, which every case compares against, decodes every frame.
  const fc::DecodeResult &ref = reference(sc.id, fc::StreamFormat::ByteStreamAu);
  ASSERT_TRUE(ref.ok()) << ref.error;
  EXPECT_EQ(ref.frames.size(), s.frames);
  // Every frame differs from every other, so "identical at the same index" also
  // catches repeated, dropped or reordered frames.
  std::vector<fc::Digest> distinct = ref.frames;
  std::sort(distinct.begin(), distinct.end(),
            [](const fc::Digest &a, const fc::Digest &b) { return a.bytes < b.bytes; });
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  EXPECT_EQ(distinct.size(), ref.frames.size()) << "the test video repeats frames";
  // ... and so does the same stream in the other formats, to the same frames.
  for (auto f : {fc::StreamFormat::ByteStreamNal, fc::StreamFormat::AvcAu}) {
    const fc::DecodeResult &other = reference(sc.id, f);
    ASSERT_TRUE(other.ok()) << fc::to_string(f) << ": " << other.error;
    EXPECT_TRUE(fc::compare(ref, other).all_identical())
        << fc::to_string(f) << ": " << fc::compare(ref, other).describe(ref, other);
  }
}

std::string stream_param_name(const ::testing::TestParamInfo<StreamId> &info) {
  return stream_case(info.param).name;
}

INSTANTIATE_TEST_SUITE_P(H264, StreamSanity,
                         ::testing::Values(StreamId::Baseline, StreamId::HighBframes,
                                           StreamId::Slices, StreamId::Large1080p,
                                           StreamId::IntraRefresh),
                         stream_param_name);

// ------------------------------------------------------------------ RTP round trips
enum class PathId { OursToRefDepay, RefPayToOurs, OursToOurs };

const char *path_name(PathId p) {
  switch (p) {
    case PathId::OursToRefDepay:
      return "pay2_to_rtph264depay";
    case PathId::RefPayToOurs:
      return "rtph264pay_to_depay2";
    case PathId::OursToOurs:
      return "pay2_to_depay2";
  }
  return "?";
}

bool pay_is_ours(PathId p) {
  return p != PathId::RefPayToOurs;
}
bool depay_is_ours(PathId p) {
  return p != PathId::OursToRefDepay;
}

// Payloader settings (both payloaders take the same property names).
struct PayConfig {
  const char *name;
  const char *aggregate_mode;
  int config_interval;
  unsigned mtu;
};

const std::vector<PayConfig> &pay_configs() {
  static const std::vector<PayConfig> all = {
      {"none", "none", 0, 1400},
      {"zerolatency_ci1", "zero-latency", -1, 1400},  // SPS+PPS+IDR in one STAP-A
      {"maxstap", "max-stap", 0, 1400},
      {"maxstap_ci1_mtu500", "max-stap", -1, 500},  // small MTU: FU-A on most frames
  };
  return all;
}

// What the depayloader is asked to output. avdec_h264 alone negotiates avc/au;
// a capsfilter makes the depayloader produce byte-stream instead.
struct DepayOutput {
  const char *name;
  const char *caps;  // empty: negotiated with avdec_h264
};

const std::vector<DepayOutput> &depay_outputs() {
  static const std::vector<DepayOutput> all = {
      {"", ""},
      {"out_bytestream_au", "video/x-h264,stream-format=byte-stream,alignment=au"},
      {"out_bytestream_nal", "video/x-h264,stream-format=byte-stream,alignment=nal"},
  };
  return all;
}

struct Case {
  PathId path;
  StreamId stream;
  fc::StreamFormat format;
  size_t pay_config;
  size_t depay_output = 0;
};

std::ostream &operator<<(std::ostream &os, const Case &c) {
  return os << path_name(c.path) << "/" << stream_case(c.stream).name << "/"
            << fc::to_string(c.format) << "/" << pay_configs()[c.pay_config].name
            << (c.depay_output ? "/" : "") << depay_outputs()[c.depay_output].name;
}

// Every combination, except those where gst-plugins-good's payloader itself is
// known to split access units, so that not even its own depayloader gets the
// frames back. h264parse's alignment=nal output carries a PTS on the first NAL
// unit of each access unit only; the others have no PTS and a DTS that, in
// streams with B-frames or several slices per frame, is not the access unit's
// time. rtph264pay 1.22 stamps those NAL units with other RTP timestamps and,
// when it aggregates (zero-latency, max-stap), ends access units at those false
// boundaries: extra marker bits, and rtph264depay ! avdec_h264 then outputs
// twice the frames. That is the reference's bug, not a property of our
// depayloader. (Our payloader gets this input in every mode, and must put one
// RTP timestamp and one marker bit on each access unit: RFC 6184 5.1.)
bool reference_payloader_broken(const Case &c) {
  const StreamCase &sc = stream_case(c.stream);
  return c.path == PathId::RefPayToOurs && c.format == fc::StreamFormat::ByteStreamNal &&
         (sc.has_bframes || sc.settings.slices > 1) &&
         std::string(pay_configs()[c.pay_config].aggregate_mode) != "none";
}

std::vector<Case> all_cases() {
  std::vector<Case> v;
  for (const auto &s : streams()) {
    for (auto f : {fc::StreamFormat::ByteStreamAu, fc::StreamFormat::ByteStreamNal,
                   fc::StreamFormat::AvcAu}) {
      for (auto p : {PathId::OursToRefDepay, PathId::RefPayToOurs, PathId::OursToOurs}) {
        for (size_t k = 0; k < pay_configs().size(); ++k) {
          Case c{p, s.id, f, k};
          if (!reference_payloader_broken(c)) v.push_back(c);
        }
        // Our depayloader's other output formats, behind the default payloader settings.
        if (depay_is_ours(p)) {
          for (size_t o = 1; o < depay_outputs().size(); ++o) v.push_back(Case{p, s.id, f, 0, o});
        }
      }
    }
  }
  return v;
}

std::string case_name(const ::testing::TestParamInfo<Case> &info) {
  const Case &c = info.param;
  return std::string(stream_case(c.stream).name) + "_" + fc::identifier(c.format) + "_" +
         path_name(c.path) + "_" + pay_configs()[c.pay_config].name + (c.depay_output ? "_" : "") +
         depay_outputs()[c.depay_output].name;
}

fc::RtpPath make_path(const std::string &pay, const std::string &depay, const PayConfig &pc) {
  fc::RtpPath path;
  path.pay = pay;
  path.depay = depay;
  path.pay_props = {{"mtu", std::to_string(pc.mtu)},
                    {"config-interval", std::to_string(pc.config_interval)},
                    {"aggregate-mode", pc.aggregate_mode}};
  return path;
}

std::string rtp_summary(const fc::RtpStats &r) {
  char buf[400];
  std::snprintf(buf, sizeof buf,
                "%zu packets (%zu single NAL, %zu STAP-A, %zu FU-A in %zu units, %zu other, "
                "%zu invalid), largest %zu bytes, %zu markers, %zu timestamp runs, %zu seq gaps",
                r.packets, r.single_nal, r.stap_a, r.fu_a, r.fu_a_frames, r.other, r.invalid,
                r.max_packet_size, r.markers, r.timestamp_runs, r.seq_gaps);
  return buf;
}

class RtpH264Interop : public ::testing::TestWithParam<Case> {};

TEST_P(RtpH264Interop, DecodedFramesIdenticalToDirectDecode) {
  const Case &c = GetParam();
  const PayConfig &pc = pay_configs()[c.pay_config];
  const std::string pay = pay_is_ours(c.path) ? our_pay() : ref_pay();
  const std::string depay = depay_is_ours(c.path) ? our_depay() : ref_depay();

  // A missing peer skips; a missing element of ours fails.
  std::vector<std::string> peers = kEncodePeers;
  if (!pay_is_ours(c.path)) peers.push_back(pay);
  if (!depay_is_ours(c.path)) peers.push_back(depay);
  SKIP_IF_MISSING(peers);
  if (pay_is_ours(c.path)) {
    ASSERT_TRUE(fc::element_available(pay)) << pay << " not found";
  }
  if (depay_is_ours(c.path)) {
    ASSERT_TRUE(fc::element_available(depay)) << depay << " not found";
  }

  const fc::EncodedStream &stream = encoded(c.stream, c.format);
  const fc::DecodeResult &ref = reference(c.stream, c.format);
  ASSERT_TRUE(ref.ok()) << "direct decode failed: " << ref.error;
  ASSERT_EQ(ref.frames.size(), stream.frames) << "direct decode lost frames";

  fc::RtpPath path = make_path(pay, depay, pc);
  path.depay_caps = depay_outputs()[c.depay_output].caps;
  const fc::DecodeResult got = fc::decode_via_rtp(stream, path);
  const fc::Comparison cmp = fc::compare(ref, got);
  const fc::RtpStats &r = got.rtp;
  RecordProperty("rtp_packets", static_cast<int>(r.packets));
  RecordProperty("rtp_stap_a", static_cast<int>(r.stap_a));
  RecordProperty("rtp_fu_a", static_cast<int>(r.fu_a));

  std::string context = path.describe() + ", " + fc::to_string(c.format) + " " +
                        stream_case(c.stream).settings.describe() + "\n  rtp: " + rtp_summary(r) +
                        "\n  caps: " + got.rtp_caps;
  if (!got.ok() || !cmp.all_identical()) {
    // Is the input itself a problem? Run the same case through gst-plugins-good
    // alone and say what it did.
    if (fc::element_available(ref_pay()) && fc::element_available(ref_depay())) {
      fc::RtpPath control = make_path(ref_pay(), ref_depay(), pc);
      control.depay_caps = path.depay_caps;
      const fc::DecodeResult ctl = fc::decode_via_rtp(stream, control);
      context += "\n  control (" + ref_pay() + " ! " + ref_depay() +
                 "): " + fc::compare(ref, ctl).describe(ref, ctl) + "; " + rtp_summary(ctl.rtp);
    }
  }

  ASSERT_TRUE(got.ok()) << got.error << "\n  " << context;
  EXPECT_EQ(got.frames.size(), stream.frames) << "decoded frames != encoded frames\n  " << context;
  EXPECT_TRUE(cmp.all_identical()) << cmp.describe(ref, got) << "\n  " << context;

  // Packets that a receiver other than ours has to accept.
  EXPECT_EQ(r.invalid, 0u) << context;
  EXPECT_EQ(r.seq_gaps, 0u) << context;
  EXPECT_LE(r.max_packet_size, pc.mtu) << context;
  if (pay_is_ours(c.path)) {
    // RFC 6184 5.1: the marker bit on the last packet of each access unit, and
    // one RTP timestamp for all packets of an access unit.
    EXPECT_EQ(r.markers, stream.frames) << "marker bits != access units\n  " << context;
    EXPECT_EQ(r.timestamp_runs, stream.frames)
        << "RTP timestamp changes within access units\n  " << context;
    if (std::string(pc.aggregate_mode) == "none") {
      EXPECT_EQ(r.stap_a, 0u) << "aggregate-mode=none sent STAP-A\n  " << context;
    }
    EXPECT_EQ(r.other, 0u) << "packetization-mode 1 allows single NAL, STAP-A and FU-A only\n  "
                           << context;
  }
}

INSTANTIATE_TEST_SUITE_P(H264, RtpH264Interop, ::testing::ValuesIn(all_cases()), case_name);

}  // namespace

int main(int argc, char **argv) {
  if (*SRTRTP_PLUGIN_DIR) fc::default_plugin_path(SRTRTP_PLUGIN_DIR, SRTRTP_REGISTRY);
  ::testing::InitGoogleTest(&argc, argv);
  gst_init(&argc, &argv);
  std::printf("interop-rtp: ours %s / %s, reference %s / %s, GST_PLUGIN_PATH=%s\n",
              our_pay().c_str(), our_depay().c_str(), ref_pay().c_str(), ref_depay().c_str(),
              fc::env_or("GST_PLUGIN_PATH", "(unset)").c_str());
  return RUN_ALL_TESTS();
}
