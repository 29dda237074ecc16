// framecheck: encode a test video into memory, send it through RTP payloader and
// depayloader elements, decode it, and compare every decoded frame with a direct
// decode of the same encoded stream. Shared by srtrtp-demo, the interop tests and
// the benchmark. Element names are parameters, so everything here runs equally
// against gst-plugins-good's rtph264pay/rtph264depay and against our elements.
#pragma once

#include <gst/gst.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace framecheck {

// ---------------------------------------------------------------- RAII helpers
struct ObjectUnref {
  void operator()(gpointer p) const {
    if (p) gst_object_unref(p);
  }
};
struct BufferUnref {
  void operator()(GstBuffer *b) const {
    if (b) gst_buffer_unref(b);
  }
};
struct CapsUnref {
  void operator()(GstCaps *c) const {
    if (c) gst_caps_unref(c);
  }
};
struct MessageUnref {
  void operator()(GstMessage *m) const {
    if (m) gst_message_unref(m);
  }
};
struct SampleUnref {
  void operator()(GstSample *s) const {
    if (s) gst_sample_unref(s);
  }
};
// A pipeline is brought to NULL before its last reference goes.
struct PipelineRelease {
  void operator()(GstElement *p) const {
    if (p) {
      gst_element_set_state(p, GST_STATE_NULL);
      gst_object_unref(p);
    }
  }
};

template <typename T>
using ObjectPtr = std::unique_ptr<T, ObjectUnref>;
using BufferPtr = std::unique_ptr<GstBuffer, BufferUnref>;
using CapsPtr = std::unique_ptr<GstCaps, CapsUnref>;
using MessagePtr = std::unique_ptr<GstMessage, MessageUnref>;
using SamplePtr = std::unique_ptr<GstSample, SampleUnref>;
using PipelinePtr = std::unique_ptr<GstElement, PipelineRelease>;

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// ---------------------------------------------------------------- environment
// Sets GST_PLUGIN_PATH (and a private GST_REGISTRY next to it, if given) unless
// the variables are already set. Call before gst_init().
void default_plugin_path(const std::string &plugin_dir, const std::string &registry_file);

// Value of an environment variable, or `fallback` if unset or empty.
std::string env_or(const char *name, const std::string &fallback);

bool element_available(const std::string &factory_name);
// Names from `factories` that are not available in the registry.
std::vector<std::string> missing_elements(const std::vector<std::string> &factories);

// ---------------------------------------------------------------- encoded streams
enum class StreamFormat { ByteStreamAu, ByteStreamNal, AvcAu };
const char *to_string(StreamFormat f);    // "byte-stream/au", ...
const char *identifier(StreamFormat f);   // "bytestream_au", ... (for test names)
std::string caps_string(StreamFormat f);  // "video/x-h264,stream-format=...,alignment=..."

struct EncodeSettings {
  int width = 320;
  int height = 240;
  int fps = 30;
  int frames = 60;
  std::string pattern = "smpte";  // videotestsrc pattern nick
  int horizontal_speed = 4;       // moves the pattern so P/B frames carry data
  std::string profile = "baseline";
  unsigned bframes = 0;
  unsigned slices = 1;  // x264 option slices=N
  bool intra_refresh = false;
  unsigned key_int_max = 0;  // 0: x264's default
  unsigned bitrate_kbps = 1000;
  std::string speed_preset = "superfast";
  std::string x264_options;  // extra x264 option-string entries, "k=v:k=v"

  std::string describe() const;
};

// An encoded stream in memory: caps (with codec_data for avc) and one GstBuffer
// per access unit (au) or per NAL unit (nal alignment), with timestamps and flags
// as the encoder/parser produced them.
struct EncodedStream {
  StreamFormat format = StreamFormat::ByteStreamAu;
  CapsPtr caps;
  std::vector<BufferPtr> buffers;
  size_t frames = 0;  // encoded frames (access units)
  size_t bytes = 0;
  GstClockTime duration = 0;  // of the whole stream
};

// Encodes with videotestsrc ! x264enc into byte-stream/au. Throws framecheck::Error.
EncodedStream encode(const EncodeSettings &settings,
                     std::chrono::seconds timeout = std::chrono::seconds(300));
// The same stream re-packed by h264parse into another format. Throws Error.
EncodedStream convert(const EncodedStream &in, StreamFormat to,
                      std::chrono::seconds timeout = std::chrono::seconds(120));

// What is in a stream (parsed from byte-stream or avc access units).
struct StreamStats {
  size_t access_units = 0;
  size_t idr_access_units = 0;
  size_t vcl_nal_units = 0;
  size_t max_slices_per_access_unit = 0;
  size_t sps = 0, pps = 0, sei = 0, aud = 0;
  size_t reordered_frames = 0;  // frames whose PTS is below an earlier frame's (B-frames)
  size_t max_access_unit_bytes = 0;
  size_t bytes = 0;
  double bitrate_kbps = 0;
};
StreamStats analyse(const EncodedStream &stream);  // au alignment only; throws Error

// ---------------------------------------------------------------- decoding
struct Digest {
  std::array<unsigned char, 20> bytes{};  // SHA-1 of the visible I420 planes
  bool operator==(const Digest &) const = default;
  std::string hex(size_t n_bytes = 8) const;
};

struct RtpStats {
  size_t packets = 0;
  size_t bytes = 0;
  size_t invalid = 0;  // not parseable as RTP
  size_t max_packet_size = 0;
  size_t markers = 0;
  size_t timestamp_runs = 0;  // runs of equal RTP timestamps (one per access unit)
  size_t single_nal = 0, stap_a = 0, fu_a = 0, other = 0;
  size_t fu_a_frames = 0;  // FU-A runs started (S bit)
  size_t seq_gaps = 0;     // sequence number not previous+1
};

struct DecodeResult {
  std::vector<Digest> frames;
  RtpStats rtp;          // for the RTP path only
  std::string rtp_caps;  // negotiated caps between payloader and depayloader
  std::string error;     // empty when the pipeline reached EOS without error
  bool ok() const { return error.empty(); }
};

// appsrc ! h264parse ! avdec_h264 ! appsink (I420)
DecodeResult decode_direct(const EncodedStream &stream,
                           std::chrono::seconds timeout = std::chrono::seconds(120));

using Properties = std::vector<std::pair<std::string, std::string>>;
struct RtpPath {
  std::string pay = "rtph264pay";
  std::string depay = "rtph264depay";
  Properties pay_props;  // e.g. {"aggregate-mode", "max-stap"}, set by value string
  Properties depay_props;
  std::string depay_caps;  // if set, a capsfilter between depayloader and decoder
  std::string describe() const;
};
// appsrc ! <pay> ! <depay> [! capsfilter] ! avdec_h264 ! appsink (I420), counting RTP packets
// between payloader and depayloader.
DecodeResult decode_via_rtp(const EncodedStream &stream, const RtpPath &path,
                            std::chrono::seconds timeout = std::chrono::seconds(120));

// SHA-1 over the frame size and the visible rows of every plane of a decoded
// video sample; empty *error on success.
Digest digest_frame(GstSample *sample, std::string *error);

// Digests of up to `count` frames pulled from an appsink, each pull waiting
// at most `wait`; the first digest error (if any) goes to DecodeResult::error.
DecodeResult pull_frames(GstElement *appsink, size_t count, GstClockTime wait);

struct Comparison {
  size_t reference_frames = 0;
  size_t frames = 0;
  size_t identical = 0;      // frames equal at the same index
  long first_mismatch = -1;  // index, or -1
  bool all_identical() const { return frames == reference_frames && identical == frames; }
  std::string describe(const DecodeResult &ref, const DecodeResult &got) const;
};
Comparison compare(const DecodeResult &reference, const DecodeResult &got);

// Sets a property from its string form (enum nicks, numbers, booleans).
// Throws Error if the element has no such property or the value does not parse.
void set_property(GstElement *element, const std::string &name, const std::string &value);
// Creates an element or throws Error naming the missing factory.
GstElement *make_element(const std::string &factory, const char *name = nullptr);

}  // namespace framecheck
