// FlexFEC recovery tables: FlexFecEncoder's repair packets (fixed L/D and
// flexible masks; rows, columns, both) over random and burst loss (fixed
// seeds, source and repair packets alike) into FlexFecDecoder. The set
// rebuilt must be exactly what an independent peeling model of the RFC 8627
// section 1.1 geometry can rebuild, and every rebuilt packet must equal the
// original byte for byte (CSRCs, extensions and padding included).
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <set>
#include <vector>

#include "fec/flexfec_decoder.hpp"
#include "fec/flexfec_encoder.hpp"
#include "fec/flexfec_header.hpp"
#include "sim/gilbert_elliott.hpp"
#include "flexfec_model.hpp"
#include "sim/rng.hpp"
#include "loss_patterns.hpp"

namespace srtcore::fec {
namespace {

using Bytes = std::vector<std::uint8_t>;
using flexfec_test::model_groups;
using flexfec_test::peel;

struct Geometry {
  const char *name;
  int l;
  int d;
  bool rows;
  bool columns;
};

constexpr Geometry kGeometries[] = {
    {"rows 10", 10, 0, true, false},   {"columns 5x4", 5, 4, false, true},
    {"2-D 4x4", 4, 4, true, true},     {"2-D 10x5", 10, 5, true, true},
    {"2-D 20x5", 20, 5, true, true},   {"2-D 8x3", 8, 3, true, true},
    {"rows 110", 110, 0, true, false}, {"columns 10x10", 10, 10, false, true},
};

using fec_test::kLosses;
using fec_test::Loss;

constexpr std::int64_t kPackets = 6000;
constexpr std::uint16_t kFirstSeq = 64000;  // wraps within the stream
constexpr std::uint32_t kSsrc = 0x5EED5EED;

// A source packet with random markers, payload types, timestamps, and now
// and then CSRCs, a header extension or padding (all protected by FlexFEC).
Bytes source_packet(sim::Xoshiro256 &rng, std::uint16_t seq) {
  const std::size_t cc = rng.chance(0.2) ? 1 + rng.next() % 3 : 0;
  const bool ext = rng.chance(0.2);
  const std::size_t pad = rng.chance(0.1) ? 1 + rng.next() % 8 : 0;
  const std::size_t len = 1 + rng.next() % 1300;
  Bytes b(12);
  b[0] = static_cast<std::uint8_t>(0x80 | (pad ? 0x20 : 0) | (ext ? 0x10 : 0) | cc);
  b[1] = static_cast<std::uint8_t>((rng.chance(0.2) ? 0x80 : 0) | (96 + rng.next() % 3));
  b[2] = static_cast<std::uint8_t>(seq >> 8);
  b[3] = static_cast<std::uint8_t>(seq);
  const auto ts = static_cast<std::uint32_t>(rng.next());
  for (int i = 0; i < 4; ++i) b[4 + i] = static_cast<std::uint8_t>(ts >> (24 - 8 * i));
  for (int i = 0; i < 4; ++i) b[8 + i] = static_cast<std::uint8_t>(kSsrc >> (24 - 8 * i));
  for (std::size_t i = 0; i < 4 * cc; ++i) b.push_back(static_cast<std::uint8_t>(rng.next()));
  if (ext) b.insert(b.end(), {0xBE, 0xDE, 0, 1, 0x10, 0xAB, 0, 0});
  for (std::size_t i = 0; i < len; ++i) b.push_back(static_cast<std::uint8_t>(rng.next()));
  if (pad) {
    b.insert(b.end(), pad - 1, 0);
    b.push_back(static_cast<std::uint8_t>(pad));
  }
  return b;
}

struct Sent {
  bool repair = false;
  std::int64_t offset = 0;  // source: from the first packet
  std::size_t group = 0;    // repair: index in the model
  Bytes bytes;
};

TEST(FlexFecRecovery, RebuildsExactlyWhatTheGeometryAllows) {
  std::printf("%-14s %-9s %-16s %6s %8s %8s %9s\n", "geometry", "mode", "loss", "lost", "rebuilt",
              "theory", "residual");
  for (const Geometry &g : kGeometries) {
    for (const FlexFecMode mode : {FlexFecMode::fixed, FlexFecMode::flexible}) {
      FlexFecEncoderConfig cfg;
      cfg.mode = mode;
      cfg.columns = static_cast<unsigned>(g.l);
      cfg.rows = static_cast<unsigned>(g.d);
      cfg.row_fec = g.rows;
      cfg.column_fec = g.columns;
      cfg.ssrc = 0xFEC0FEC0;
      if (flexfec_config_problem(cfg)) continue;  // a flexible mask cannot say it
      FlexFecEncoder enc(cfg);
      const auto model = model_groups(g.l, g.d, g.rows, g.columns, kPackets);
      std::map<std::pair<bool, std::int64_t>, std::size_t> group_of;
      for (std::size_t i = 0; i < model.size(); ++i)
        group_of[{model[i].row, model[i].members.front()}] = i;

      sim::Xoshiro256 rng(sim::derive_seed(8627, static_cast<std::uint64_t>(g.l * 1000 + g.d)));
      std::vector<Bytes> media;
      std::vector<Sent> sent;
      std::size_t repairs = 0;
      for (std::int64_t i = 0; i < kPackets; ++i) {
        media.push_back(source_packet(rng, static_cast<std::uint16_t>(kFirstSeq + i)));
        ASSERT_EQ(enc.add(media.back()), FlexFecEncodeResult::ok);
        sent.push_back({false, i, 0, media.back()});
        // Which groups this packet completes, rows first (the model's order).
        std::vector<std::pair<bool, std::int64_t>> due;
        if (g.rows && (i + 1) % g.l == 0) due.push_back({true, i + 1 - g.l});
        if (g.columns && g.d >= 2 && i % (g.l * g.d) >= g.l * (g.d - 1))
          due.push_back({false, i - std::int64_t{g.l} * (g.d - 1)});
        std::size_t k = 0;
        while (auto r = enc.poll()) {
          ASSERT_LT(k, due.size()) << g.name << " unexpected repair after " << i;
          const FlexFecParse p = parse_flexfec(*r);
          ASSERT_EQ(p.error, FlexFecParseError::none);
          EXPECT_EQ(p.packet.header.streams[0].sn_base,
                    static_cast<std::uint16_t>(kFirstSeq + due[k].second));
          sent.push_back({true, 0, group_of.at(due[k]), Bytes(r->begin(), r->end())});
          ++k;
          ++repairs;
        }
        ASSERT_EQ(k, due.size()) << g.name << " after " << i;
      }
      ASSERT_EQ(repairs, model.size());

      for (const Loss &l : kLosses) {
        sim::Xoshiro256 lrng(sim::derive_seed(7, static_cast<std::uint64_t>(g.l * 1000 + g.d)));
        sim::GilbertElliottChannel channel(l.ge);
        FlexFecDecoder dec;
        std::set<std::int64_t> lost, rebuilt;
        std::vector<bool> arrived(model.size(), false);
        std::uint64_t now = 0;
        for (const Sent &s : sent) {
          now += 100'000;
          if (channel.lose(lrng)) {
            if (!s.repair) lost.insert(s.offset);
            continue;
          }
          if (s.repair) {
            arrived[s.group] = true;
            (void)dec.on_fec(s.bytes, now);
          } else {
            ASSERT_EQ(dec.on_media(s.bytes, now), FlexFecMediaResult::fresh);
          }
          while (auto r = dec.poll_recovered()) {
            const auto off = static_cast<std::uint16_t>(((*r)[2] << 8 | (*r)[3]) - kFirstSeq);
            ASSERT_TRUE(lost.count(off)) << g.name << " rebuilt a packet never lost: " << off;
            ASSERT_TRUE(rebuilt.insert(off).second) << g.name << " rebuilt twice: " << off;
            ASSERT_EQ(Bytes(r->begin(), r->end()), media[off]) << g.name << " " << l.name;
          }
        }
        const auto theory = peel(model, arrived, lost);
        EXPECT_EQ(rebuilt, theory) << g.name << " / " << l.name;
        EXPECT_EQ(dec.stats().fec_invalid, 0u);
        EXPECT_EQ(dec.stats().recovered, rebuilt.size());
        std::printf("%-14s %-9s %-16s %6zu %8zu %8zu %9zu\n", g.name,
                    mode == FlexFecMode::fixed ? "fixed" : "flexible", l.name, lost.size(),
                    rebuilt.size(), theory.size(), lost.size() - rebuilt.size());
      }
    }
  }
}

}  // namespace
}  // namespace srtcore::fec
