// Recovery tables: for random and burst loss patterns (recorded from the
// link model's generators, fixed seeds) over every layout, the packets
// FecReceiver rebuilds must be exactly those the matrix can rebuild in
// theory, computed here independently: groups laid out from the rule in
// libsrt's documentation (staircase: each column starts cols+1 after the
// previous, back to the top row every `rows` columns), then peeled: a group
// whose FEC packet arrived and that misses one packet gives it back, until
// nothing changes. Rebuilt packets must equal the originals byte for byte
// (header fields and payload), and what is neither received nor rebuilt
// must be reported unrecoverable.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "fec_model.hpp"
#include "fec_stream.hpp"
#include "sim/gilbert_elliott.hpp"

namespace srtcore::srt {
namespace {

using fec_test::Datagram;

using fec_test::layout;
using fec_test::Model;
using fec_test::peel;

struct Case {
  const char *name;
  int cols;
  int rows;
  bool staircase;
};

struct Loss {
  const char *name;
  sim::GilbertElliott ge;  // p = 1, r = 1 with loss_good: independent loss
};

constexpr Case kCases[] = {
    {"row-only 10", 10, 1, true},
    {"10x5 even", 10, 5, false},
    {"10x5 staircase", 10, 5, true},
    {"5x-5 cols-only even", 5, -5, false},
    {"5x-5 cols-only staircase", 5, -5, true},
    {"4x4 staircase", 4, 4, true},
    {"8x3 staircase", 8, 3, true},
    {"20x10 even", 20, 10, false},
};

const Loss kLosses[] = {
    {"random 1%", {0.0, 1.0, 0.01, 1.0}},        {"random 5%", {0.0, 1.0, 0.05, 1.0}},
    {"random 15%", {0.0, 1.0, 0.15, 1.0}},       {"burst 1%/len 3", {0.0033, 0.33, 0.0, 1.0}},
    {"burst 2%/len 10", {0.002, 0.1, 0.0, 1.0}},
};

TEST(FecRecovery, RebuildsExactlyWhatTheMatrixAllows) {
  constexpr int kPackets = 6000;
  constexpr std::size_t kPayload = 1316;
  constexpr std::uint32_t kIsn = 0x7FFFFF00;  // wraps the sequence space on the way
  std::printf("%-26s %-16s %6s %9s %9s %9s %5s\n", "layout", "loss", "lost", "rebuilt", "theory",
              "residual", "late");
  std::uint64_t seed = 1;
  for (const Case &c : kCases) {
    FecParams p;
    p.cols = c.cols;
    p.rows = c.rows;
    p.staircase = c.staircase;
    const auto sent = fec_test::send_stream(p, kIsn, kPackets, kPayload, seed);
    const Model model = layout(c.cols, c.rows, c.staircase, kPackets);

    // The sender emitted exactly the model's FEC packets.
    std::set<std::pair<int, std::int64_t>> emitted;
    for (const Datagram &d : sent) {
      if (!d.fec) continue;
      const auto v = parse_data_packet(d.bytes);
      const auto f = parse_fec_packet(v->header, v->payload);
      ASSERT_TRUE(f);
      EXPECT_EQ(seq_diff(f->seq, kIsn), d.off);
      emitted.insert({f->index, d.off});
    }
    std::set<std::pair<int, std::int64_t>> expected_fec;
    for (const auto &g : model.groups) expected_fec.insert(g.fec_id);
    ASSERT_EQ(emitted, expected_fec) << c.name;

    for (const Loss &l : kLosses) {
      sim::Xoshiro256 rng(sim::derive_seed(seed, 7));
      sim::GilbertElliottChannel channel(l.ge);
      FecReceiver rcv(p, kIsn, kPayload);
      fec_test::Recorder rec;
      rec.isn = kIsn;
      std::set<std::int64_t> have;
      std::set<std::pair<int, std::int64_t>> fec_arrived;
      std::map<std::int64_t, const Datagram *> originals;
      int lost = 0;
      for (const Datagram &d : sent) {
        if (!d.fec) originals[d.off] = &d;
        if (channel.lose(rng)) {
          if (!d.fec) ++lost;
          continue;
        }
        if (d.fec) {
          const auto v = parse_data_packet(d.bytes);
          fec_arrived.insert({static_cast<std::int8_t>(v->payload[0]), d.off});
        } else {
          have.insert(d.off);
        }
        fec_test::receive(rcv, rec, d);
      }
      const auto theory = peel(model, have, fec_arrived);
      std::set<std::int64_t> got;
      for (const auto &[off, bytes] : rec.rebuilt) got.insert(off);
      EXPECT_EQ(got, theory) << c.name << ", " << l.name;

      // Byte for byte: the original with R set, message number 1 and
      // position solo (libsrt's rebuilt header) is what came back.
      for (const auto &[off, bytes] : rec.rebuilt) {
        const Datagram &o = *originals.at(off);
        auto ov = parse_data_packet(o.bytes);
        DataHeader expect = ov->header;
        expect.msgno = 0;
        expect.retransmitted = true;
        expect.in_order = true;
        std::vector<std::uint8_t> want(o.bytes.size());
        (void)write_data_header(expect, want);
        std::copy(o.bytes.begin() + kHeaderSize, o.bytes.end(), want.begin() + kHeaderSize);
        ASSERT_EQ(bytes, want) << c.name << ", " << l.name << ", offset " << off;
      }

      // Unrecoverable: every offset neither here nor rebuilt is reported
      // (except the tail whose groups had not been passed when the stream
      // ended), and nothing that arrived is. The report is a judgement in
      // time: a long chain of rebuilds (rows and columns, heavy loss) can
      // still rebuild a packet reported a matrix earlier; those are counted.
      const std::int64_t judged =
          kPackets - 4 * std::int64_t{c.cols} * (c.rows < 0 ? -c.rows : c.rows) - c.cols;
      int residual = 0;
      int late = 0;
      for (std::int64_t o = 0; o < kPackets; ++o) {
        const bool gone = !have.count(o) && !theory.count(o);
        const bool reported = rec.unrecoverable.count(o) == 1;
        if (gone) ++residual;
        if (reported) {
          EXPECT_FALSE(have.count(o)) << c.name << ", " << l.name << ", offset " << o;
        }
        if (reported && theory.count(o)) ++late;
        if (o < judged && gone) {
          EXPECT_TRUE(reported) << c.name << ", " << l.name << ", offset " << o;
        }
      }
      if (l.ge.loss_good < 0.1) {
        EXPECT_EQ(late, 0) << c.name << ", " << l.name;
      }
      EXPECT_EQ(rcv.stats().rebuilt, theory.size());
      EXPECT_EQ(rcv.stats().malformed, 0u);
      std::printf("%-26s %-16s %6d %9zu %9zu %9d %5d\n", c.name, l.name, lost, got.size(),
                  theory.size(), residual, late);
    }
    ++seed;
  }
}

}  // namespace
}  // namespace srtcore::srt
