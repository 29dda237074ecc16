// ULPFEC recovery tables: UlpfecEncoder's output (several protection
// settings, frames of 1..60 packets, packets with CSRCs, extensions and
// padding) over random and burst loss (fixed seeds, media and FEC packets
// alike), repaired loss by loss as rtpulpfecdec2 does (a window of the
// received packets around each lost one). The set rebuilt must be exactly
// what the model (ulpfec_model.hpp, read from the FEC bytes by the RFC, not
// by srt-core) can rebuild by peeling, and every rebuilt packet must equal
// the original byte for byte.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <set>
#include <vector>

#include "fec/ulpfec_encoder.hpp"
#include "fec/ulpfec_header.hpp"
#include "fec/ulpfec_recovery.hpp"
#include "sim/gilbert_elliott.hpp"
#include "sim/rng.hpp"
#include "ulpfec_model.hpp"
#include "loss_patterns.hpp"

namespace srtcore::fec {
namespace {

using Bytes = std::vector<std::uint8_t>;
namespace model = ulpfec_test;

constexpr std::uint8_t kMediaPt = 96;
constexpr std::uint8_t kFecPt = 117;
constexpr std::uint32_t kSsrc = 0x1234ABCD;
constexpr int kPackets = 6000;
constexpr std::uint16_t kFirstSeq = 62000;  // wraps within the stream

struct Setting {
  const char *name;
  unsigned percentage;
  unsigned important;
  bool multipacket;
  int max_frame;  // packets per frame: 1..max_frame
};

constexpr Setting kSettings[] = {
    {"100% per frame", 100, 0, true, 12}, {"50% per frame", 50, 0, true, 12},
    {"20%/imp 100%", 20, 100, true, 8},   {"100% long frames", 100, 0, true, 60},
    {"33% long frames", 33, 0, true, 60}, {"50% single", 50, 0, false, 10},
    {"100% single", 100, 0, false, 10},
};

using fec_test::kLosses;
using fec_test::Loss;

// A media packet with, now and then, CSRCs, a header extension and padding
// (ULPFEC protects everything after the first 12 bytes).
Bytes media_packet(sim::Xoshiro256 &rng, std::uint16_t seq, bool marker, std::uint32_t ts) {
  const unsigned cc = rng.chance(0.1) ? 1 + rng.next() % 3 : 0;
  const bool ext = rng.chance(0.1);
  const unsigned pad = rng.chance(0.1) ? 1 + rng.next() % 7 : 0;
  const std::size_t body = 1 + rng.next() % 1300;
  Bytes b;
  b.push_back(static_cast<std::uint8_t>(0x80 | (pad ? 0x20 : 0) | (ext ? 0x10 : 0) | cc));
  b.push_back(static_cast<std::uint8_t>((marker ? 0x80 : 0) | kMediaPt));
  b.push_back(static_cast<std::uint8_t>(seq >> 8));
  b.push_back(static_cast<std::uint8_t>(seq));
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(ts >> (24 - 8 * i)));
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(kSsrc >> (24 - 8 * i)));
  for (unsigned i = 0; i < 4 * cc; ++i) b.push_back(static_cast<std::uint8_t>(rng.next()));
  if (ext) {
    const std::size_t words = 1 + rng.next() % 3;
    b.insert(b.end(), {0xBE, 0xDE, 0, static_cast<std::uint8_t>(words)});
    for (std::size_t i = 0; i < 4 * words; ++i) b.push_back(static_cast<std::uint8_t>(rng.next()));
  }
  for (std::size_t i = 0; i < body; ++i) b.push_back(static_cast<std::uint8_t>(rng.next()));
  if (pad) {
    for (unsigned i = 1; i < pad; ++i) b.push_back(0);
    b.push_back(static_cast<std::uint8_t>(pad));
  }
  return b;
}

struct Sent {
  bool fec = false;
  std::uint16_t seq = 0;
  Bytes bytes;
};

std::vector<Sent> encode(const Setting &s, std::uint64_t seed) {
  UlpfecEncoderConfig cfg;
  cfg.payload_type = kFecPt;
  cfg.percentage = s.percentage;
  cfg.percentage_important = s.important;
  cfg.multipacket = s.multipacket;
  UlpfecEncoder enc(cfg);
  sim::Xoshiro256 rng(seed);
  std::vector<Sent> out;
  std::uint16_t seq = kFirstSeq;
  std::uint32_t ts = 1000;
  for (int i = 0; i < kPackets;) {
    const int frame = 1 + static_cast<int>(rng.next() % static_cast<std::uint64_t>(s.max_frame));
    const bool important = rng.chance(0.2);
    ts += 3000;
    for (int k = 0; k < frame && i < kPackets; ++k, ++i) {
      Bytes m = media_packet(rng, seq++, k == frame - 1, ts);
      const std::uint16_t sent_seq = enc.add(m, important);
      m[2] = static_cast<std::uint8_t>(sent_seq >> 8);
      m[3] = static_cast<std::uint8_t>(sent_seq);
      out.push_back({false, sent_seq, m});
      while (auto f = enc.poll()) {
        const Bytes fb(f->begin(), f->end());
        out.push_back({true, static_cast<std::uint16_t>(fb[2] << 8 | fb[3]), fb});
      }
    }
  }
  return out;
}

TEST(UlpfecRecovery, RebuildsExactlyWhatTheMasksAllow) {
  std::printf("%-18s %-16s %6s %6s %8s %8s %9s\n", "setting", "loss", "fec", "lost", "rebuilt",
              "theory", "residual");
  std::uint64_t case_no = 0;
  for (const Setting &s : kSettings) {
    const std::vector<Sent> sent = encode(s, sim::derive_seed(5109, ++case_no));
    std::size_t fec_count = 0;
    for (const Sent &x : sent) fec_count += x.fec;
    ASSERT_GT(fec_count, 0u) << s.name;
    for (const Loss &l : kLosses) {
      sim::Xoshiro256 rng(sim::derive_seed(11, ++case_no));
      sim::GilbertElliottChannel channel(l.ge);
      std::vector<const Sent *> received;
      std::vector<model::Group> arrived;
      std::set<std::uint16_t> lost;
      std::map<std::uint16_t, const Sent *> by_seq;
      for (const Sent &x : sent) {
        by_seq[x.seq] = &x;
        if (channel.lose(rng)) {
          if (!x.fec) lost.insert(x.seq);
          continue;
        }
        received.push_back(&x);
        if (x.fec) arrived.push_back({model::protected_seqs(x.bytes)});
      }
      const auto theory = model::peel(arrived, lost);

      // As the element: each loss in stream order, with the received
      // packets within the window around it that UlpfecSelection picks
      // from the FEC masks.
      UlpfecRecovery rec;
      UlpfecSelection sel;
      std::set<std::uint16_t> rebuilt;
      std::size_t first = 0;
      for (std::size_t i = 0; i < sent.size(); ++i) {
        const Sent &x = sent[i];
        if (x.fec || !lost.count(x.seq)) continue;
        rec.begin(x.seq, kFecPt, kSsrc, kMediaPt);
        while (first < received.size() &&
               static_cast<std::int16_t>(received[first]->seq - x.seq) < -UlpfecRecovery::kWindow)
          ++first;
        for (std::size_t k = first; k < received.size(); ++k) {
          if (static_cast<std::int16_t>(received[k]->seq - x.seq) > UlpfecRecovery::kWindow) break;
          rec.add(received[k]->bytes);
        }
        rec.run();
        if (const auto p = rec.media(x.seq)) {
          rebuilt.insert(x.seq);
          ASSERT_EQ(Bytes(p->begin(), p->end()), x.bytes)
              << s.name << " " << l.name << " " << x.seq;
        }
      }
      EXPECT_EQ(rebuilt, theory) << s.name << " / " << l.name;
      EXPECT_EQ(rec.stats().fec_malformed, 0u);
      EXPECT_EQ(rec.stats().fec_bad_rebuild, 0u);
      std::printf("%-18s %-16s %6zu %6zu %8zu %8zu %9zu\n", s.name, l.name, fec_count, lost.size(),
                  rebuilt.size(), theory.size(), lost.size() - rebuilt.size());
    }
  }
}

}  // namespace
}  // namespace srtcore::fec
