// RTP H.265 interop: our rtph265pay2 / rtph265depay2 against gst-plugins-good's
// rtph265depay / rtph265pay and against each other. Every case encodes a test
// video with x265enc (once, cached), sends it through payloader ! depayloader
// ! avdec_h265 and requires every decoded frame to be bit-identical to a
// direct decode (h265parse ! avdec_h265) of the same encoded stream, and as
// many decoded frames as encoded frames.
//
// Element names come from the environment, so the suite can be validated
// against gst-plugins-good alone:
//   SRTRTP_H265_PAY (default rtph265pay2)      SRTRTP_H265_DEPAY (default rtph265depay2)
//   SRTRTP_H265_REF_PAY (default rtph265pay)   SRTRTP_H265_REF_DEPAY (default rtph265depay)
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "h265check.hpp"

#ifndef SRTRTP_PLUGIN_DIR
#define SRTRTP_PLUGIN_DIR ""
#endif
#ifndef SRTRTP_REGISTRY
#define SRTRTP_REGISTRY ""
#endif

namespace fc = framecheck;
namespace hc = h265check;

namespace {

std::string our_pay() {
  return fc::env_or("SRTRTP_H265_PAY", "rtph265pay2");
}
std::string our_depay() {
  return fc::env_or("SRTRTP_H265_DEPAY", "rtph265depay2");
}
std::string ref_pay() {
  return fc::env_or("SRTRTP_H265_REF_PAY", "rtph265pay");
}
std::string ref_depay() {
  return fc::env_or("SRTRTP_H265_REF_DEPAY", "rtph265depay");
}

// ------------------------------------------------------------------ streams
enum class StreamId { Slices, Bframes, LargeIrap };

struct StreamCase {
  StreamId id;
  const char *name;
  hc::EncodeSettings settings;
};

// Small streams: x265enc is slow on two cores. One large IRAP case.
const std::vector<StreamCase> &streams() {
  static const std::vector<StreamCase> all = [] {
    std::vector<StreamCase> v;
    hc::EncodeSettings s;
    s.options = "slices=4:bframes=0";  // ultrafast would use B-frames
    v.push_back({StreamId::Slices, "slices4", s});
    s.options = "bframes=3";
    v.push_back({StreamId::Bframes, "bframes3", s});
    hc::EncodeSettings big;
    big.width = 1280;
    big.height = 720;
    big.frames = 6;
    big.key_int_max = 3;
    big.pattern = "snow";  // incompressible: IRAP pictures of hundreds of kB
    big.bitrate_kbps = 40000;
    big.options = "vbv-bufsize=40000:vbv-maxrate=80000";
    v.push_back({StreamId::LargeIrap, "hd720_large_irap", big});
    return v;
  }();
  return all;
}

const StreamCase &stream_case(StreamId id) {
  for (const auto &s : streams())
    if (s.id == id) return s;
  throw fc::Error("unknown stream");
}

// Encoded streams and their reference decodes, made once per process.
std::map<std::pair<StreamId, hc::Format>, hc::EncodedStream> &encoded_cache() {
  static std::map<std::pair<StreamId, hc::Format>, hc::EncodedStream> c;
  return c;
}
std::map<std::pair<StreamId, hc::Format>, fc::DecodeResult> &reference_cache() {
  static std::map<std::pair<StreamId, hc::Format>, fc::DecodeResult> c;
  return c;
}

const hc::EncodedStream &encoded(StreamId id, hc::Format format) {
  auto &c = encoded_cache();
  auto it = c.find({id, format});
  if (it != c.end()) return it->second;
  auto base = c.find({id, hc::Format::ByteStreamAu});
  if (base == c.end())
    base = c.emplace(std::make_pair(id, hc::Format::ByteStreamAu),
                     hc::encode(stream_case(id).settings))
               .first;
  if (format == hc::Format::ByteStreamAu) return base->second;
  return c.emplace(std::make_pair(id, format), hc::convert(base->second, format)).first->second;
}

const fc::DecodeResult &reference(StreamId id, hc::Format format) {
  auto &c = reference_cache();
  auto it = c.find({id, format});
  if (it != c.end()) return it->second;
  return c.emplace(std::make_pair(id, format), hc::decode_direct(encoded(id, format)))
      .first->second;
}

const std::vector<std::string> kEncodePeers = {"videotestsrc", "x265enc", "h265parse",
                                               "avdec_h265",   "appsrc",  "appsink"};

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
// The stream cases must contain what their names promise.
class H265StreamSanity : public ::testing::TestWithParam<StreamId> {};

TEST_P(H265StreamSanity, EncodedStreamHasTheIntendedShape) {
  SKIP_IF_MISSING(kEncodePeers);
  const StreamCase &sc = stream_case(GetParam());
  const hc::EncodedStream &s = encoded(sc.id, hc::Format::ByteStreamAu);
  const hc::StreamStats st = hc::analyse(s);
  std::printf(
      "  %s: %s -> %zu AUs, %zu IRAP (%zu CRA), max %zu slices per AU, %zu reordered, "
      "largest AU %zu bytes\n",
      sc.name, sc.settings.describe().c_str(), st.access_units, st.irap_access_units,
      st.cra_access_units, st.max_slices_per_access_unit, st.reordered_frames,
      st.max_access_unit_bytes);
  EXPECT_EQ(st.access_units, static_cast<size_t>(sc.settings.frames));
  EXPECT_EQ(st.vps, 1u);  // once, at the start: later keyframes need ours to repeat them
  EXPECT_EQ(st.sps, 1u);
  EXPECT_GE(st.irap_access_units, 2u);
  switch (sc.id) {
    case StreamId::Slices:
      EXPECT_EQ(st.max_slices_per_access_unit, 4u);
      EXPECT_EQ(st.reordered_frames, 0u);
      EXPECT_GE(st.cra_access_units, 1u);  // a keyframe rtph265pay's config-interval skips
      break;
    case StreamId::Bframes:
      EXPECT_GT(st.reordered_frames, 0u);
      break;
    case StreamId::LargeIrap:
      EXPECT_GE(st.max_access_unit_bytes, 200000u);  // hundreds of FU fragments
      break;
  }
  const fc::DecodeResult &ref = reference(sc.id, hc::Format::ByteStreamAu);
  ASSERT_TRUE(ref.ok()) << ref.error;
  EXPECT_EQ(ref.frames.size(), s.frames);
  // Distinct frames, so "identical at the same index" also catches repeated,
  // dropped or reordered frames.
  std::vector<fc::Digest> distinct = ref.frames;
  std::sort(distinct.begin(), distinct.end(),
            [](const fc::Digest &a, const fc::Digest &b) { return a.bytes < b.bytes; });
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  EXPECT_EQ(distinct.size(), ref.frames.size()) << "the test video repeats frames";
  for (auto f : {hc::Format::ByteStreamNal, hc::Format::Hvc1Au, hc::Format::Hev1Au}) {
    const fc::DecodeResult &other = reference(sc.id, f);
    ASSERT_TRUE(other.ok()) << hc::to_string(f) << ": " << other.error;
    EXPECT_TRUE(fc::compare(ref, other).all_identical())
        << hc::to_string(f) << ": " << fc::compare(ref, other).describe(ref, other);
  }
}

INSTANTIATE_TEST_SUITE_P(H265, H265StreamSanity,
                         ::testing::Values(StreamId::Slices, StreamId::Bframes,
                                           StreamId::LargeIrap),
                         [](const ::testing::TestParamInfo<StreamId> &param_info) {
                           return std::string(stream_case(param_info.param).name);
                         });

// ------------------------------------------------------------------ RTP round trips
enum class PathId { OursToRefDepay, RefPayToOurs, OursToOurs };

const char *path_name(PathId p) {
  switch (p) {
    case PathId::OursToRefDepay:
      return "pay2_to_rtph265depay";
    case PathId::RefPayToOurs:
      return "rtph265pay_to_depay2";
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

// Payloader settings (both payloaders take the same property names and nicks).
struct PayConfig {
  const char *name;
  const char *aggregate_mode;
  int config_interval;
  unsigned mtu;
};
const std::vector<PayConfig> &pay_configs() {
  static const std::vector<PayConfig> all = {
      {"none", "none", 0, 1400},
      {"zerolatency_ci1", "zero-latency", -1, 1400},
      {"max_ci1_mtu500", "max", -1, 500},  // small MTU: FU on most pictures
  };
  return all;
}

// What the depayloader is asked to output. avdec_h265 alone negotiates hvc1/au.
struct DepayOutput {
  const char *name;
  const char *caps;
};
const std::vector<DepayOutput> &depay_outputs() {
  static const std::vector<DepayOutput> all = {
      {"", ""},
      {"out_bytestream_au", "video/x-h265,stream-format=byte-stream,alignment=au"},
      {"out_bytestream_nal", "video/x-h265,stream-format=byte-stream,alignment=nal"},
      {"out_hev1_au", "video/x-h265,stream-format=hev1,alignment=au"},
  };
  return all;
}

struct Case {
  PathId path;
  StreamId stream;
  hc::Format format;
  size_t pay_config;
  size_t depay_output = 0;
};

std::ostream &operator<<(std::ostream &os, const Case &c) {
  return os << path_name(c.path) << "/" << stream_case(c.stream).name << "/"
            << hc::to_string(c.format) << "/" << pay_configs()[c.pay_config].name
            << (c.depay_output ? "/" : "") << depay_outputs()[c.depay_output].name;
}

// Every combination, except the one where gst-plugins-good's payloader itself
// splits access units, so that not even its own depayloader gets the frames
// back: rtph265pay 1.22 with aggregate-mode=max and alignment=nal input (on
// which h265parse puts no PTS) marks the end of a bundle as the end of an
// access unit: 91 markers for 30 pictures of 4 slices each here, and
// rtph265pay ! rtph265depay ! avdec_h265 decodes none of the frames right.
// That is the reference's bug, not a property of our depayloader. (Our
// payloader gets this input in every mode.)
bool reference_payloader_broken(const Case &c) {
  return c.path == PathId::RefPayToOurs && c.format == hc::Format::ByteStreamNal &&
         c.stream == StreamId::Slices &&
         std::string(pay_configs()[c.pay_config].aggregate_mode) == "max";
}

std::vector<Case> all_cases() {
  std::vector<Case> v;
  for (const auto &s : streams()) {
    const bool large = s.id == StreamId::LargeIrap;
    for (auto f : {hc::Format::ByteStreamAu, hc::Format::ByteStreamNal, hc::Format::Hvc1Au,
                   hc::Format::Hev1Au}) {
      if (large && f != hc::Format::ByteStreamAu && f != hc::Format::Hvc1Au) continue;
      for (auto p : {PathId::OursToRefDepay, PathId::RefPayToOurs, PathId::OursToOurs}) {
        // rtph265pay does not take hev1 input.
        if (f == hc::Format::Hev1Au && !pay_is_ours(p)) continue;
        for (size_t k = 0; k < pay_configs().size(); ++k) {
          if (large && k == 1) continue;
          const Case c{p, s.id, f, k};
          if (!reference_payloader_broken(c)) v.push_back(c);
        }
        // Our depayloader's other outputs, behind the default payloader settings.
        if (depay_is_ours(p) && f == hc::Format::ByteStreamAu)
          for (size_t o = 1; o < depay_outputs().size(); ++o) v.push_back(Case{p, s.id, f, 0, o});
      }
    }
  }
  return v;
}

std::string case_name(const ::testing::TestParamInfo<Case> &info) {
  const Case &c = info.param;
  return std::string(stream_case(c.stream).name) + "_" + hc::identifier(c.format) + "_" +
         path_name(c.path) + "_" + pay_configs()[c.pay_config].name + (c.depay_output ? "_" : "") +
         depay_outputs()[c.depay_output].name;
}

hc::RtpPath make_path(const std::string &pay, const std::string &depay, const PayConfig &pc) {
  hc::RtpPath path;
  path.pay = pay;
  path.depay = depay;
  path.pay_props = {{"mtu", std::to_string(pc.mtu)},
                    {"config-interval", std::to_string(pc.config_interval)},
                    {"aggregate-mode", pc.aggregate_mode}};
  return path;
}

class RtpH265Interop : public ::testing::TestWithParam<Case> {};

TEST_P(RtpH265Interop, DecodedFramesIdenticalToDirectDecode) {
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

  const hc::EncodedStream &stream = encoded(c.stream, c.format);
  const fc::DecodeResult &ref = reference(c.stream, c.format);
  ASSERT_TRUE(ref.ok()) << "direct decode failed: " << ref.error;
  ASSERT_EQ(ref.frames.size(), stream.frames) << "direct decode lost frames";

  hc::RtpPath path = make_path(pay, depay, pc);
  path.depay_caps = depay_outputs()[c.depay_output].caps;
  const hc::RtpResult got = hc::decode_via_rtp(stream, path);
  const fc::Comparison cmp = fc::compare(ref, got.decode);
  const hc::RtpStats &r = got.rtp;
  RecordProperty("rtp_packets", static_cast<int>(r.packets));
  RecordProperty("rtp_ap", static_cast<int>(r.ap));
  RecordProperty("rtp_fu", static_cast<int>(r.fu));

  std::string context = path.describe() + ", " + hc::to_string(c.format) + " " +
                        stream_case(c.stream).settings.describe() + "\n  rtp: " + r.describe() +
                        "\n  caps: " + got.rtp_caps;
  if (!got.decode.ok() || !cmp.all_identical()) {
    // Is the input itself a problem? Say what gst-plugins-good alone does with it.
    if (fc::element_available(ref_pay()) && fc::element_available(ref_depay()) &&
        c.format != hc::Format::Hev1Au) {
      hc::RtpPath control = make_path(ref_pay(), ref_depay(), pc);
      control.depay_caps = path.depay_caps;
      const hc::RtpResult ctl = hc::decode_via_rtp(stream, control);
      context += "\n  control (" + ref_pay() + " ! " + ref_depay() +
                 "): " + fc::compare(ref, ctl.decode).describe(ref, ctl.decode) + "; " +
                 ctl.rtp.describe();
    }
  }

  ASSERT_TRUE(got.decode.ok()) << got.decode.error << "\n  " << context;
  EXPECT_EQ(got.decode.frames.size(), stream.frames)
      << "decoded frames != encoded frames\n  " << context;
  EXPECT_TRUE(cmp.all_identical()) << cmp.describe(ref, got.decode) << "\n  " << context;

  // Packets that a receiver other than ours has to accept.
  EXPECT_EQ(r.invalid, 0u) << context;
  EXPECT_EQ(r.seq_gaps, 0u) << context;
  EXPECT_LE(r.max_packet_size, pc.mtu) << context;
  if (pay_is_ours(c.path)) {
    // RFC 7798 4.1: marker on the last packet of each access unit, one RTP
    // timestamp for all packets of an access unit.
    EXPECT_EQ(r.markers, stream.frames) << "marker bits != access units\n  " << context;
    EXPECT_EQ(r.timestamp_runs, stream.frames)
        << "RTP timestamp changes within access units\n  " << context;
    EXPECT_EQ(r.ap_header_mismatch, 0u) << "AP header LayerId/TID/F\n  " << context;
    EXPECT_EQ(r.other, 0u) << "only single NAL unit, AP and FU packets\n  " << context;
    if (std::string(pc.aggregate_mode) == "none") {
      EXPECT_EQ(r.ap, 0u) << "aggregate-mode=none sent APs\n  " << context;
    }
    // config-interval=-1: every keyframe (the CRAs too) with VPS/SPS/PPS.
    if (pc.config_interval == -1) {
      EXPECT_EQ(r.irap_runs_with_ps, r.irap_runs) << context;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(H265, RtpH265Interop, ::testing::ValuesIn(all_cases()), case_name);

}  // namespace

int main(int argc, char **argv) {
  if (*SRTRTP_PLUGIN_DIR) fc::default_plugin_path(SRTRTP_PLUGIN_DIR, SRTRTP_REGISTRY);
  ::testing::InitGoogleTest(&argc, argv);
  gst_init(&argc, &argv);
  std::printf("interop-h265: ours %s / %s, reference %s / %s, GST_PLUGIN_PATH=%s\n",
              our_pay().c_str(), our_depay().c_str(), ref_pay().c_str(), ref_depay().c_str(),
              fc::env_or("GST_PLUGIN_PATH", "(unset)").c_str());
  return RUN_ALL_TESTS();
}
