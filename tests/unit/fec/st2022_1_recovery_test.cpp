// SMPTE 2022-1 recovery tables: St2022Encoder's output over random and
// burst loss (fixed seeds, media and FEC packets alike) into St2022Decoder.
// The set rebuilt must be exactly what the model (st2022_1_model.hpp,
// written from the standard, not from srt-core) can rebuild by peeling, and
// every rebuilt packet must equal the original byte for byte.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <set>
#include <vector>

#include "fec/st2022_1_decoder.hpp"
#include "fec/st2022_1_encoder.hpp"
#include "fec/st2022_1_header.hpp"
#include "rtp/rtp_header.hpp"
#include "sim/gilbert_elliott.hpp"
#include "sim/rng.hpp"
#include "st2022_1_model.hpp"
#include "loss_patterns.hpp"

namespace srtcore::fec {
namespace {

using Bytes = std::vector<std::uint8_t>;

using Geometry = st2022_test::Geometry;

constexpr Geometry kGeometries[] = {
    {"4x4", 4, 4, true, true},
    {"10x10", 10, 10, true, true},
    {"5x10 rows-only", 5, 10, true, false},
    {"5x10 columns-only", 5, 10, false, true},
    {"20x5", 20, 5, true, true},
    {"1x8", 1, 8, true, true},
    {"8x1", 8, 1, true, true},
};

using fec_test::kLosses;
using fec_test::Loss;

constexpr std::int64_t kPackets = 6000;
constexpr std::uint16_t kFirstSeq = 65000;  // wraps within the stream
constexpr std::uint32_t kSsrc = 0x1234ABCD;

Bytes media_packet(sim::Xoshiro256 &rng, std::uint16_t seq) {
  const std::size_t len = 1 + rng.next() % 1316;
  Bytes b(rtp::kRtpHeaderSize + len);
  rtp::RtpHeader h;
  h.marker = rng.chance(0.2);
  h.payload_type = static_cast<std::uint8_t>(33 + rng.next() % 3);
  h.sequence = seq;
  h.timestamp = static_cast<std::uint32_t>(rng.next());
  h.ssrc = kSsrc;
  rtp::write_rtp_header(b.data(), h);
  for (std::size_t i = 0; i < len; ++i)
    b[rtp::kRtpHeaderSize + i] = static_cast<std::uint8_t>(rng.next());
  return b;
}

struct Sent {
  bool fec = false;
  bool row = false;
  std::int64_t offset = 0;  // media: from the first packet; FEC: its SNBase's
  Bytes bytes;
};

std::vector<Sent> encode(const Geometry &g, std::vector<Bytes> &media) {
  St2022EncoderConfig cfg;
  cfg.columns = static_cast<unsigned>(g.l);
  cfg.rows = static_cast<unsigned>(g.d);
  St2022Encoder enc(cfg);
  sim::Xoshiro256 rng(sim::derive_seed(2022, static_cast<std::uint64_t>(g.l * 1000 + g.d)));
  std::vector<Sent> out;
  for (std::int64_t i = 0; i < kPackets; ++i) {
    media.push_back(media_packet(rng, static_cast<std::uint16_t>(kFirstSeq + i)));
    const auto parsed = rtp::parse_rtp(media.back());
    EXPECT_EQ(enc.add(*parsed, g.rows, g.columns), St2022EncodeResult::ok);
    out.push_back({false, false, i, media.back()});
    while (auto f = enc.poll()) {
      const auto p = rtp::parse_rtp(f->bytes);
      const auto h = parse_st2022_header(p->payload);
      const auto base = static_cast<std::uint16_t>(h->sn_base - kFirstSeq);
      out.push_back({true, f->row, base, Bytes(f->bytes.begin(), f->bytes.end())});
    }
  }
  return out;
}

TEST(St2022Recovery, RebuildsExactlyWhatTheMatrixAllows) {
  std::printf("%-20s %-16s %6s %8s %8s %9s\n", "geometry", "loss", "lost", "rebuilt", "theory",
              "residual");
  for (const Geometry &g : kGeometries) {
    std::vector<Bytes> media;
    const std::vector<Sent> sent = encode(g, media);
    const auto model = st2022_test::groups(g.l, g.d, g.rows, g.columns, kPackets);
    // Every complete group got its FEC packet, except columns still held
    // back at the end of the stream (sent L + c*(D-1) packets after).
    std::map<std::pair<bool, std::int64_t>, std::size_t> group_of;
    for (std::size_t i = 0; i < model.size(); ++i)
      group_of[{model[i].row, model[i].members.front()}] = i;
    std::size_t fec_sent = 0;
    for (const Sent &s : sent) {
      if (!s.fec) continue;
      ++fec_sent;
      ASSERT_TRUE(group_of.count({s.row, s.offset})) << g.name << " unexpected FEC " << s.offset;
    }
    ASSERT_GE(fec_sent + static_cast<std::size_t>(g.l), model.size()) << g.name;

    for (const Loss &l : kLosses) {
      sim::Xoshiro256 rng(sim::derive_seed(7, static_cast<std::uint64_t>(g.l * 1000 + g.d)));
      sim::GilbertElliottChannel channel(l.ge);
      St2022Decoder dec;
      std::set<std::int64_t> lost;
      std::vector<bool> fec_arrived(model.size(), false);
      std::set<std::int64_t> rebuilt;
      std::uint64_t now = 0;
      for (const Sent &s : sent) {
        now += 100'000;  // 10k packets/s: far below the 1 s hold
        if (channel.lose(rng)) {
          if (!s.fec) lost.insert(s.offset);
          continue;
        }
        if (s.fec) {
          fec_arrived[group_of.at({s.row, s.offset})] = true;
          (void)dec.on_fec(s.bytes, now);
        } else {
          ASSERT_EQ(dec.on_media(s.bytes, now), St2022MediaResult::fresh);
        }
        while (auto r = dec.poll_recovered()) {
          const auto p = rtp::parse_rtp(*r);
          ASSERT_TRUE(p);
          const auto off = static_cast<std::uint16_t>(p->header.sequence - kFirstSeq);
          ASSERT_TRUE(lost.count(off)) << g.name << " rebuilt a packet never lost: " << off;
          ASSERT_TRUE(rebuilt.insert(off).second) << g.name << " rebuilt twice: " << off;
          ASSERT_EQ(Bytes(r->begin(), r->end()), media[off])
              << g.name << " " << l.name << " " << off;
        }
      }
      const auto theory = st2022_test::peel(model, fec_arrived, lost);
      EXPECT_EQ(rebuilt, theory) << g.name << " / " << l.name;
      EXPECT_EQ(dec.stats().fec_malformed, 0u);
      EXPECT_EQ(dec.stats().recovered, rebuilt.size());
      std::printf("%-20s %-16s %6zu %8zu %8zu %9zu\n", g.name, l.name, lost.size(), rebuilt.size(),
                  theory.size(), lost.size() - rebuilt.size());
    }
  }
}

}  // namespace
}  // namespace srtcore::fec
