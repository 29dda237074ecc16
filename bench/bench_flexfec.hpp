// FlexFEC rows of bench-rtp-fec: rtpflexfecenc / rtpflexfecdec (no C
// FlexFEC element exists) against the pass-through baseline and
// gst-plugins-good's rtpst2022-1-fecenc / rtpst2022-1-fecdec at the same
// row/column geometry, on the same packets (SSRC 0, which the C 2022-1
// encoder requires). Encoders: media in, repair packets built and pushed to
// their unlinked FEC pads. Decoders: media with every 20th packet dropped on
// 'sink' and the repair stream on a fec_%u pad, in send order, made by
// srt-core's encoders (the 2022-1 one writes what the C element writes);
// ns per media packet offered, repair packets included in the cost; video-
// sized payloads (1200 bytes) whatever --payload says for the RED rows.
#pragma once

#include <gst/gst.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "bench_rig.hpp"
#include "fec/flexfec_encoder.hpp"
#include "fec/st2022_1_encoder.hpp"
#include "rtp/rtp_header.hpp"

namespace bench_flexfec {

using Packet = std::vector<guint8>;

inline double cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

inline double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty()      ? 0
         : v.size() % 2 ? v[v.size() / 2]
                        : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

struct Input {
  bool repair = false;
  Packet bytes;
};

// One run: `description` in a Rig; media on sink, repair on a requested fec_%u.
inline double run(const std::string &description, const std::vector<Input> &input,
                  std::size_t media) {
  GstElement *e = gst_parse_launch(description.c_str(), nullptr);
  if (!e) {
    std::fprintf(stderr, "bench-flexfec: cannot make %s\n", description.c_str());
    std::exit(2);
  }
  GstCaps *caps = gst_caps_from_string(
      "application/x-rtp,media=video,clock-rate=90000,encoding-name=RAW,payload=96");
  double ns = 0;
  {
    bench::Rig rig(e, caps, "", nullptr);
    GstPad *fec = nullptr;
    if (std::any_of(input.begin(), input.end(), [](const Input &i) { return i.repair; }))
      fec = gst_element_request_pad_simple(e, "fec_%u");
    std::vector<GstBuffer *> buffers;
    for (const Input &i : input)
      buffers.push_back(gst_buffer_new_memdup(i.bytes.data(), i.bytes.size()));
    const double t0 = cpu_ns();
    for (std::size_t k = 0; k < buffers.size(); ++k) {
      if (input[k].repair) {
        gst_pad_chain(fec, buffers[k]);
      } else {
        rig.push(buffers[k]);
      }
    }
    ns = (cpu_ns() - t0) / static_cast<double>(media);
    if (fec) {
      gst_element_release_request_pad(e, fec);
      gst_object_unref(fec);
    }
  }
  gst_caps_unref(caps);
  return ns;
}

inline Packet source(std::uint16_t seq, std::size_t payload) {
  Packet p(12 + payload);
  srtcore::rtp::RtpHeader h;
  h.payload_type = 96;
  h.sequence = seq;
  h.timestamp = 3000u * seq;
  srtcore::rtp::write_rtp_header(p.data(), h);
  for (std::size_t i = 0; i < payload; ++i) p[12 + i] = static_cast<guint8>(seq + i);
  return p;
}

// Media with every 20th packet lost and the repair packets of `encoder` in send order.
template <typename Encode>
std::vector<Input> lossy(const std::vector<Packet> &media, Encode &&encode) {
  std::vector<Input> out;
  for (std::size_t k = 0; k < media.size(); ++k) {
    if (k % 20 != 19) out.push_back({false, media[k]});
    encode(media[k], out);
  }
  return out;
}

inline void print_rows(std::size_t packets, std::size_t reps) {
  constexpr std::size_t payload = 1200;
  constexpr unsigned kL = 10, kD = 5;
  std::vector<Packet> media;
  std::vector<Input> plain;
  for (std::size_t k = 0; k < packets; ++k) {
    media.push_back(source(static_cast<std::uint16_t>(k), payload));
    plain.push_back({false, media.back()});
  }
  srtcore::fec::FlexFecEncoderConfig fcfg;
  fcfg.columns = kL;
  fcfg.rows = kD;
  srtcore::fec::FlexFecEncoder fenc(fcfg);
  const auto flex = lossy(media, [&](const Packet &p, std::vector<Input> &out) {
    fenc.add(p);
    while (auto r = fenc.poll()) out.push_back({true, Packet(r->begin(), r->end())});
  });
  srtcore::fec::St2022EncoderConfig scfg;
  scfg.columns = kL;
  scfg.rows = kD;
  srtcore::fec::St2022Encoder senc(scfg);
  const auto st = lossy(media, [&](const Packet &p, std::vector<Input> &out) {
    senc.add(*srtcore::rtp::parse_rtp(p), true, true);
    while (auto r = senc.poll()) out.push_back({true, Packet(r->bytes.begin(), r->bytes.end())});
  });
  std::vector<Input> lost_only;
  for (const Input &i : flex)
    if (!i.repair) lost_only.push_back(i);

  struct Row {
    const char *name, *ours, *theirs;
    const std::vector<Input> *ours_in, *theirs_in, *base_in;
  };
  const Row rows[] = {
      {"FlexFEC enc 10x5 fixed", "rtpflexfecenc columns=10 rows=5",
       "rtpst2022-1-fecenc columns=10 rows=5", &plain, &plain, &plain},
      {"FlexFEC enc 10x5 flexible", "rtpflexfecenc mode=flexible-mask columns=10 rows=5",
       "rtpst2022-1-fecenc columns=10 rows=5", &plain, &plain, &plain},
      {"FlexFEC enc rows 10", "rtpflexfecenc columns=10", "rtpst2022-1-fecenc columns=10", &plain,
       &plain, &plain},
      {"FlexFEC dec 10x5 5% lost", "rtpflexfecdec", "rtpst2022-1-fecdec", &flex, &st, &lost_only},
  };
  std::printf(
      "# FlexFEC: ns per media packet (thread CPU), %zu packets of %zu payload bytes, median of "
      "%zu alternating runs; theirs = gst's SMPTE 2022-1 element at the same geometry\n",
      packets, payload, reps);
  std::printf("%-26s | %8s %8s %8s %6s | %8s %8s %6s\n", "case", "base", "ours", "theirs", "raw",
              "ours-b", "theirs-b", "elem");
  for (const Row &r : rows) {
    std::vector<double> base, ours, theirs;
    for (std::size_t k = 0; k < reps; ++k) {
      base.push_back(run("benchpassthrough", *r.base_in, media.size()));
      ours.push_back(run(r.ours, *r.ours_in, media.size()));
      theirs.push_back(run(r.theirs, *r.theirs_in, media.size()));
    }
    const double b = median_of(base), o = median_of(ours), t = median_of(theirs);
    std::printf("%-26s | %8.1f %8.1f %8.1f %6.2f | %8.1f %8.1f %6.2f\n", r.name, b, o, t, o / t,
                o - b, t - b, (o - b) / (t - b));
  }
}

}  // namespace bench_flexfec
