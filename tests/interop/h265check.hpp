// h265check: the H.265 counterpart of tools/common/framecheck for the
// interop-h265 suite. Encodes a test video with x265enc into memory, converts
// it with h265parse, sends it through RTP payloader ! depayloader elements,
// decodes with avdec_h265 and compares every decoded frame with a direct
// decode of the same stream. framecheck's RAII types, Digest, DecodeResult and
// compare() are reused; only the H.265 pipelines and packet counts live here.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "framecheck.hpp"

namespace h265check {

namespace fc = framecheck;

enum class Format { ByteStreamAu, ByteStreamNal, Hvc1Au, Hev1Au };
const char *to_string(Format f);   // "byte-stream/au", ...
const char *identifier(Format f);  // "bytestream_au", ... (for test names)
std::string caps_string(Format f);

struct EncodeSettings {
  int width = 320;
  int height = 240;
  int fps = 30;
  int frames = 30;
  std::string pattern = "smpte";
  int horizontal_speed = 4;  // moves the pattern so P/B frames carry data
  unsigned bitrate_kbps = 800;
  unsigned key_int_max = 15;  // a second keyframe (a CRA: x265 uses open GOPs)
  std::string speed_preset = "ultrafast";
  std::string options;  // x265 option-string, "k=v:k=v"
  std::string describe() const;
};

// An encoded stream in memory: caps (with codec_data for hvc1/hev1) and one
// buffer per access unit (au) or NAL unit (nal), as x265enc/h265parse made them.
struct EncodedStream {
  Format format = Format::ByteStreamAu;
  fc::CapsPtr caps;
  std::vector<fc::BufferPtr> buffers;
  size_t frames = 0;
};

EncodedStream encode(const EncodeSettings &settings,
                     std::chrono::seconds timeout = std::chrono::seconds(120));
EncodedStream convert(const EncodedStream &in, Format to,
                      std::chrono::seconds timeout = std::chrono::seconds(60));

// What is in a byte-stream/au stream.
struct StreamStats {
  size_t access_units = 0;
  size_t irap_access_units = 0;
  size_t cra_access_units = 0;
  size_t max_slices_per_access_unit = 0;
  size_t vps = 0, sps = 0, pps = 0;
  size_t reordered_frames = 0;  // PTS below an earlier frame's (B-frames)
  size_t max_access_unit_bytes = 0;
};
StreamStats analyse(const EncodedStream &byte_stream_au);

// RTP packets between payloader and depayloader, read per RFC 7798.
struct RtpStats {
  size_t packets = 0;
  size_t invalid = 0;
  size_t max_packet_size = 0;
  size_t markers = 0;
  size_t timestamp_runs = 0;  // runs of equal RTP timestamps (one per access unit)
  size_t seq_gaps = 0;
  size_t single = 0, ap = 0, fu = 0, fu_starts = 0, other = 0;
  size_t ap_header_mismatch = 0;  // AP LayerId/TID not the lowest of its units, or F not their OR
  size_t irap_runs = 0;           // timestamp runs carrying an IRAP slice
  size_t irap_runs_with_ps = 0;   // ... that also carry VPS, SPS and PPS
  std::string describe() const;
};

struct RtpResult {
  fc::DecodeResult decode;  // frames and error; its H.264 packet counts are unused
  RtpStats rtp;
  std::string rtp_caps;
};

using Properties = std::vector<std::pair<std::string, std::string>>;
struct RtpPath {
  std::string pay = "rtph265pay";
  std::string depay = "rtph265depay";
  Properties pay_props;
  // If set, a capsfilter between depayloader and decoder (and h265parse after
  // it for alignment=nal, since avdec_h265 takes access units only).
  std::string depay_caps;
  std::string describe() const;
};

// appsrc ! h265parse ! avdec_h265 ! appsink (I420)
fc::DecodeResult decode_direct(const EncodedStream &stream,
                               std::chrono::seconds timeout = std::chrono::seconds(60));
// appsrc ! <pay> ! <depay> [! capsfilter [! h265parse]] ! avdec_h265 ! appsink
RtpResult decode_via_rtp(const EncodedStream &stream, const RtpPath &path,
                         std::chrono::seconds timeout = std::chrono::seconds(60));

}  // namespace h265check
