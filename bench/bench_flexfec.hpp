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
#include <set>
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
// With `out`, what comes out is kept (not for timed runs).
inline double run(const std::string &description, const std::vector<Input> &input,
                  std::size_t media, bench::Output *out = nullptr) {
  GstElement *e = gst_parse_launch(description.c_str(), nullptr);
  if (!e) {
    std::fprintf(stderr, "bench-flexfec: cannot make %s\n", description.c_str());
    std::exit(2);
  }
  GstCaps *caps = gst_caps_from_string(
      "application/x-rtp,media=video,clock-rate=90000,encoding-name=RAW,payload=96");
  double ns = 0;
  {
    bench::Rig rig(e, caps, "", out);
    GstPad *fec = nullptr;
    if (std::any_of(input.begin(), input.end(), [](const Input &i) { return i.repair; }))
      fec = gst_element_request_pad_simple(e, "fec_%u");
    if (fec) {  // the events a FEC stream starts with, as on any pad
      gst_pad_send_event(fec, gst_event_new_stream_start("fec"));
      gst_pad_send_event(fec, gst_event_new_caps(caps));
      GstSegment segment;
      gst_segment_init(&segment, GST_FORMAT_TIME);
      gst_pad_send_event(fec, gst_event_new_segment(&segment));
    }
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

// Media packets a decoder delivered (distinct sequence numbers of the
// media payload type 96): the rest of `media` is its residual loss.
inline std::size_t delivered(const std::string &description, const std::vector<Input> &input,
                             std::size_t media) {
  bench::Output out;
  run(description, input, media, &out);
  std::set<std::uint16_t> seqs;
  for (const auto &b : out.buffers) {
    guint8 h[4];
    if (gst_buffer_extract(b.get(), 0, h, 4) == 4 && (h[1] & 0x7f) == 96)
      seqs.insert(static_cast<std::uint16_t>(h[2] << 8 | h[3]));
  }
  return seqs.size();
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

// The same stream with bursts instead: 12 media packets in a row lost in
// every 100 (more than a 10x5 matrix's rows and columns can always rebuild).
inline std::vector<Input> bursty(const std::vector<Input> &lossy_stream,
                                 const std::vector<Packet> &media) {
  std::vector<Input> out;
  std::size_t k = 0;
  for (const Input &i : lossy_stream) {
    if (i.repair) {
      out.push_back(i);
      continue;
    }
    // Media in lossy_stream skip every 20th packet: put those back, then cut bursts.
    while (k < media.size() && media[k] != i.bytes) {
      if (k % 100 >= 12) out.push_back({false, media[k]});
      ++k;
    }
    if (k < media.size() && k % 100 >= 12) out.push_back(i);
    ++k;
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
  std::vector<Input> st_lost_only;
  for (const Input &i : st)
    if (!i.repair) st_lost_only.push_back(i);
  const auto flex_burst = bursty(flex, media);
  const auto st_burst = bursty(st, media);
  std::vector<Input> burst_only;
  for (const Input &i : st_burst)
    if (!i.repair) burst_only.push_back(i);

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
      {"2022-1 enc 10x5", "rtpst2022-1-fecenc2 columns=10 rows=5",
       "rtpst2022-1-fecenc columns=10 rows=5", &plain, &plain, &plain},
      {"2022-1 enc rows 10", "rtpst2022-1-fecenc2 columns=10 rows=1",
       "rtpst2022-1-fecenc columns=10 rows=1", &plain, &plain, &plain},
      {"2022-1 dec 10x5 5% lost", "rtpst2022-1-fecdec2", "rtpst2022-1-fecdec", &st, &st,
       &st_lost_only},
      {"FlexFEC dec 10x5 bursts 12", "rtpflexfecdec", "rtpst2022-1-fecdec", &flex_burst, &st_burst,
       &burst_only},
      {"2022-1 dec 10x5 bursts 12", "rtpst2022-1-fecdec2", "rtpst2022-1-fecdec", &st_burst,
       &st_burst, &burst_only},
  };
  std::printf(
      "# Row/column FEC (FlexFEC, SMPTE 2022-1): ns per media packet (thread CPU), %zu packets of "
      "%zu payload bytes, median of %zu alternating runs; theirs = gst's SMPTE 2022-1 element at "
      "the same geometry; decoders: every 20th media packet lost (or bursts of 12 in 100), "
      "residual = media packets not "
      "delivered (the same loss pattern for ours and theirs)\n",
      packets, payload, reps);
  std::printf("%-26s | %8s %8s %8s %6s | %8s %8s %6s | %s\n", "case", "base", "ours", "theirs",
              "raw", "ours-b", "theirs-b", "elem", "residual ours/theirs");
  for (const Row &r : rows) {
    std::vector<double> base, ours, theirs;
    for (std::size_t k = 0; k < reps; ++k) {
      base.push_back(run("benchpassthrough", *r.base_in, media.size()));
      ours.push_back(run(r.ours, *r.ours_in, media.size()));
      theirs.push_back(run(r.theirs, *r.theirs_in, media.size()));
    }
    const double b = median_of(base), o = median_of(ours), t = median_of(theirs);
    std::string residual = "-";
    if (r.base_in->size() < media.size()) {  // a decoder row
      const std::size_t n = media.size();
      residual = std::to_string(n - delivered(r.ours, *r.ours_in, n)) + "/" +
                 std::to_string(n - delivered(r.theirs, *r.theirs_in, n));
    }
    std::printf("%-26s | %8.1f %8.1f %8.1f %6.2f | %8.1f %8.1f %6.2f | %s\n", r.name, b, o, t,
                o / t, o - b, t - b, (o - b) / (t - b), residual.c_str());
  }
}

}  // namespace bench_flexfec
