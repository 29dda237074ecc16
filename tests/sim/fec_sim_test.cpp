// SRT's FEC packet filter between two of our connections over the
// simulated link: negotiation (merge, conflict refused with SRT_REJ_FILTER),
// and recovery per arq mode, with the expected outcome computed from the
// datagrams the link actually lost (recorded at the sender) by the
// independent matrix model of tests/unit/fec/fec_model.hpp:
//  - arq:never: exactly the packets the matrix can rebuild are rebuilt, no
//    NAK is sent, nothing is retransmitted, and every other lost packet is
//    missing from what is delivered;
//  - arq:onreq: everything is delivered; NAKs name only packets the matrix
//    could not rebuild;
//  - the same with AES-CTR (FEC works on the encrypted payloads).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <set>

#include "../unit/fec/fec_model.hpp"
#include "sim_pair.hpp"
#include "srt/control.hpp"
#include "srt/fec_packet.hpp"
#include "srt/seq.hpp"

namespace srtcore::srt::simtest {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

struct FecRun {
  std::vector<ConnectionEvent> events[2];
  Stats stats[2];
  std::set<std::int64_t> data_arrived;  // first transmissions that got through
  std::set<std::pair<int, std::int64_t>> fec_arrived;
  std::set<std::int64_t> data_lost;
  std::set<std::int64_t> nak_named;
  std::set<std::int64_t> delivered;
  std::uint32_t isn = 0;
  int messages = 0;
};

struct FecScenario {
  std::string caller_filter;
  std::string listener_filter;
  double loss = 0.05;
  std::optional<sim::GilbertElliott> burst;
  int messages = 3000;
  std::string passphrase;
  std::uint64_t seed = 3;
};

FecRun run(const FecScenario &sc) {
  FecRun r;
  PairConfig pc;
  pc.seed = sc.seed;
  pc.a.packet_filter = sc.caller_filter;
  pc.b.packet_filter = sc.listener_filter;
  pc.a.recv_latency = pc.b.recv_latency = milliseconds(400);
  pc.a.passphrase = pc.b.passphrase = sc.passphrase;
  pc.link.delay = std::chrono::duration_cast<sim::Duration>(milliseconds(10));
  pc.isn = seq_add(kSeqMax, -1000);  // crosses the 2^31 wrap
  pc.link.loss = sc.loss;
  pc.link.burst = sc.burst;
  SimPair p(pc);
  p.run_until(p.now() + seconds(5), [&] { return p.connected(0) && p.connected(1); });
  // The handshake gets through the loss by repeating; data is recorded.
  r.events[0] = p.events[0];
  r.events[1] = p.events[1];
  if (!p.connected(0) || !p.connected(1)) return r;
  r.isn = p.events[0].front().negotiated.send_isn;
  r.messages = sc.messages;
  p.on_send = [&](int from, TimePoint, ByteSpan bytes, sim::Fate fate) {
    if (is_control_packet(bytes)) {
      if (from != 1) return;
      const auto c = parse_control_packet(bytes);
      if (!c || c->header.type != ControlType::kNak) return;
      if (const auto nak = parse_nak(*c)) {
        for (const SeqRange rg : *nak) {
          for (std::uint32_t s = rg.first;; s = seq_next(s)) {
            r.nak_named.insert(seq_diff(s, r.isn));
            if (s == rg.last) break;
          }
        }
      }
      return;
    }
    if (from != 0) return;
    const auto d = parse_data_packet(bytes);
    if (!d) return;
    const std::int64_t off = seq_diff(d->header.seq, r.isn);
    const bool arrived = fate == sim::Fate::in_flight;
    if (is_fec_packet(d->header)) {
      if (arrived) r.fec_arrived.insert({static_cast<std::int8_t>(d->payload[0]), off});
      return;
    }
    if (d->header.retransmitted) return;
    (arrived ? r.data_arrived : r.data_lost).insert(off);
  };
  p.on_message = [&](int i, TimePoint, const MessageInfo &m, ByteSpan) {
    if (i == 1) r.delivered.insert(seq_diff(m.first_seq, r.isn));
  };
  std::vector<std::uint8_t> msg(1000);
  int sent = 0;
  TimePoint next = p.now();
  p.app = [&](TimePoint now) {
    while (sent < sc.messages && next <= now) {
      for (std::size_t k = 0; k < msg.size(); ++k) msg[k] = static_cast<std::uint8_t>(sent * 7 + k);
      if (!p.side(0)->send_message(now, msg, next)) ADD_FAILURE() << "send refused";
      ++sent;
      next += milliseconds(1);
    }
  };
  p.app_deadline = [&]() -> std::optional<TimePoint> {
    if (sent < sc.messages) return next;
    return std::nullopt;
  };
  p.run_until(p.now() + seconds(sc.messages / 1000 + 3));
  r.stats[0] = p.side(0)->stats(p.now());
  r.stats[1] = p.side(1)->stats(p.now());
  return r;
}

TEST(FecSim, ListenerTakesTheCallersConfiguration) {
  FecScenario sc;
  sc.caller_filter = "fec,cols:10,rows:5";
  sc.listener_filter = "fec";
  sc.loss = 0;
  sc.messages = 10;
  const FecRun r = run(sc);
  ASSERT_FALSE(r.events[0].empty());
  ASSERT_FALSE(r.events[1].empty());
  ASSERT_EQ(r.events[0].front().kind, ConnectionEvent::Kind::kConnected);
  ASSERT_EQ(r.events[1].front().kind, ConnectionEvent::Kind::kConnected);
  EXPECT_EQ(r.events[0].front().negotiated.packet_filter,
            "fec,cols:10,rows:5,layout:staircase,arq:onreq");
  EXPECT_EQ(r.events[1].front().negotiated.packet_filter,
            "fec,cols:10,rows:5,layout:staircase,arq:onreq");
}

TEST(FecSim, NoFilterOnOneSideRunsNoneOrTheCallers) {
  FecScenario sc;
  sc.loss = 0;
  sc.messages = 10;
  sc.caller_filter = "";
  sc.listener_filter = "fec,cols:4";
  FecRun r = run(sc);
  ASSERT_EQ(r.events[0].front().kind, ConnectionEvent::Kind::kConnected);
  EXPECT_EQ(r.events[0].front().negotiated.packet_filter, "");
  EXPECT_EQ(r.events[1].front().negotiated.packet_filter, "");
  sc.caller_filter = "fec,cols:4";
  sc.listener_filter = "";
  r = run(sc);
  ASSERT_EQ(r.events[1].front().kind, ConnectionEvent::Kind::kConnected);
  EXPECT_EQ(r.events[1].front().negotiated.packet_filter,
            "fec,cols:4,rows:1,layout:staircase,arq:onreq");
}

TEST(FecSim, ConflictIsRefusedWithRejFilter) {
  FecScenario sc;
  sc.caller_filter = "fec,cols:10,rows:10";
  sc.listener_filter = "fec,cols:20,rows:20";
  sc.loss = 0;
  const FecRun r = run(sc);
  ASSERT_FALSE(r.events[0].empty());
  EXPECT_EQ(r.events[0].front().kind, ConnectionEvent::Kind::kRejected);
  EXPECT_EQ(r.events[0].front().reject_code, static_cast<std::uint32_t>(RejectReason::kFilter));
  EXPECT_TRUE(r.events[1].empty());
}

void expect_never_outcome(const FecScenario &sc, int cols, int rows, bool staircase) {
  const FecRun r = run(sc);
  ASSERT_FALSE(r.events[0].empty());
  ASSERT_EQ(r.events[0].front().kind, ConnectionEvent::Kind::kConnected);
  const auto model = fec_test::layout(cols, rows, staircase, r.messages);
  const auto theory = fec_test::peel(model, r.data_arrived, r.fec_arrived);
  ASSERT_GT(r.data_lost.size(), 10u) << "the link lost too little to show anything";
  EXPECT_EQ(r.stats[1].pktRcvFilterSupply, static_cast<std::int64_t>(theory.size()));
  EXPECT_EQ(r.stats[1].pktSentNAK, 0);
  EXPECT_EQ(r.stats[0].pktRetrans, 0);
  EXPECT_EQ(r.stats[0].pktSndFilterExtra, static_cast<std::int64_t>(model.groups.size()));
  // Delivered: what arrived or was rebuilt, and nothing else.
  for (std::int64_t o = 0; o < r.messages; ++o) {
    const bool expect = r.data_arrived.count(o) || theory.count(o);
    EXPECT_EQ(r.delivered.count(o) == 1, expect) << "offset " << o;
  }
  std::printf("never %s: lost %zu rebuilt %zu residual %zu\n", sc.caller_filter.c_str(),
              r.data_lost.size(), theory.size(), r.data_lost.size() - theory.size());
}

TEST(FecSim, ArqNeverRebuildsExactlyWhatTheMatrixAllows) {
  FecScenario sc;
  sc.caller_filter = "fec,cols:10,rows:5,arq:never";
  sc.listener_filter = "fec";
  expect_never_outcome(sc, 10, 5, true);
  sc.caller_filter = "fec,cols:8,rows:4,layout:even,arq:never";
  sc.burst = sim::GilbertElliott{0.01, 0.3, 0.0, 1.0};
  sc.loss = 0;
  expect_never_outcome(sc, 8, 4, false);
  sc.caller_filter = "fec,cols:5,arq:never";
  sc.burst.reset();
  sc.loss = 0.03;
  expect_never_outcome(sc, 5, 1, true);
}

TEST(FecSim, ArqNeverWithAesCtr) {
  FecScenario sc;
  sc.caller_filter = "fec,cols:10,rows:5,arq:never";
  sc.listener_filter = "fec";
  sc.passphrase = "fec under encryption";
  expect_never_outcome(sc, 10, 5, true);
}

TEST(FecSim, ArqOnReqNaksOnlyWhatFecCannotRebuild) {
  FecScenario sc;
  sc.caller_filter = "fec,cols:10,rows:5,arq:onreq";
  sc.listener_filter = "fec";
  sc.loss = 0.08;
  const FecRun r = run(sc);
  ASSERT_EQ(r.events[0].front().kind, ConnectionEvent::Kind::kConnected);
  const auto model = fec_test::layout(10, 5, true, r.messages);
  const auto theory = fec_test::peel(model, r.data_arrived, r.fec_arrived);
  ASSERT_GT(r.data_lost.size(), theory.size());
  EXPECT_GT(r.stats[1].pktSentNAK, 0);
  for (std::int64_t o : r.nak_named) {
    EXPECT_TRUE(r.data_lost.count(o) && !theory.count(o)) << "NAK for offset " << o;
  }
  EXPECT_GE(r.stats[1].pktRcvFilterSupply, static_cast<std::int64_t>(theory.size()));
  EXPECT_EQ(r.delivered.size(), static_cast<std::size_t>(r.messages));
  EXPECT_EQ(r.stats[1].pktRcvDrop, 0);
}

}  // namespace
}  // namespace srtcore::srt::simtest
