// SRT's FEC packet filter against Debian's libsrt 1.5.1 (srt-live-transmit
// with packetfilter=fec,... in its URI), both directions, through the link
// emulator with random and burst loss and arq:never. The relay records the
// fate of every data and FEC datagram of the stream direction; the
// independent matrix model (tests/unit/fec/fec_model.hpp) turns that record
// into what the geometry can rebuild. Our receiver must deliver exactly
// what arrived plus that (residual loss at the theoretical minimum); libsrt
// receiving our FEC packets must rebuild packets (proving the wire format),
// never more than the model allows, and its residual loss is printed next
// to the minimum.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "../io/endpoint_fixture.hpp"
#include "../unit/fec/fec_model.hpp"
#include "srt/fec_packet.hpp"
#include "srt/seq.hpp"
#include "srt_io_process.hpp"
#include "udp_port.hpp"
#include "udp_relay.hpp"

namespace srtcore::io::test {
namespace {

using interop::UdpPort;
using std::chrono::milliseconds;

constexpr std::uint32_t kCount = 3000;
constexpr std::uint32_t kTrail = 200;  // indices >= kCount: trailing messages

struct Geometry {
  const char *name;
  int cols;
  int rows;
  bool staircase;
  std::string filter() const {
    return "fec,cols:" + std::to_string(cols) + ",rows:" + std::to_string(rows) +
           ",layout:" + (staircase ? "staircase" : "even") + ",arq:never";
  }
};

struct LossCase {
  const char *name;
  double loss;
  std::optional<sim::GilbertElliott> burst;
};

// The stream direction as the relay saw it.
struct Trace {
  std::mutex m;
  bool started = false;
  std::uint32_t isn = 0;
  std::set<std::int64_t> arrived, lost;
  std::set<std::pair<int, std::int64_t>> fec_arrived;
  std::map<std::int64_t, std::uint32_t> index_of;  // offset -> message index

  void record(std::span<const std::uint8_t> bytes, sim::Fate fate) {
    if (bytes.size() < srt::kHeaderSize || srt::is_control_packet(bytes)) return;
    const auto d = srt::parse_data_packet(bytes);
    if (!d) return;
    std::lock_guard lock(m);
    if (!started) {
      if (srt::is_fec_packet(d->header)) return;
      started = true;  // the first data packet carries the initial sequence
      isn = d->header.seq;
    }
    const std::int64_t off = srt::seq_diff(d->header.seq, isn);
    const bool ok = fate == sim::Fate::in_flight;
    if (srt::is_fec_packet(d->header)) {
      if (ok && !d->payload.empty()) {
        fec_arrived.insert({static_cast<std::int8_t>(d->payload[0]), off});
      }
      return;
    }
    if (d->header.retransmitted) return;
    const auto index = check_message(d->payload);
    if (index >= 0) index_of[off] = static_cast<std::uint32_t>(index);
    (ok ? arrived : lost).insert(off);
  }
};

struct Outcome {
  std::set<std::uint32_t> delivered;  // message indices
  srt::Stats ours{};
  bool ok = false;
};

// Sends kCount messages then trailing ones, one per millisecond (a paced
// live source), until `stop`.
void paced_source(const std::function<void(std::uint32_t)> &send, std::atomic<bool> &stop) {
  auto next = std::chrono::steady_clock::now();
  std::mutex m;
  std::condition_variable never;
  for (std::uint32_t i = 0; !stop && i < kCount + 100 * kTrail; ++i) {
    send(i);
    next += milliseconds(1);
    std::unique_lock lock(m);
    never.wait_until(lock, next, [&] { return stop.load(); });
  }
}

std::vector<std::uint8_t> message(std::uint32_t i) {
  return make_message(i, i < kCount ? message_size(i) : 200);
}

// Receives until a trailing message well after the counted ones arrived:
// delivery is in order, so everything before it was delivered or given up.
void collect(const std::function<std::optional<std::vector<std::uint8_t>>(milliseconds)> &receive,
             Outcome &o) {
  for (;;) {
    auto m = receive(kGenerous);
    if (!m) return;
    const auto index = check_message(*m);
    if (index < 0) continue;
    if (index >= static_cast<std::int64_t>(kCount + kTrail)) {
      o.ok = true;
      return;
    }
    o.delivered.insert(static_cast<std::uint32_t>(index));
  }
}

linkemu::RelayConfig relay_config(std::uint16_t target, const LossCase &l, Trace &trace) {
  linkemu::RelayConfig c;
  c.target = "127.0.0.1:" + std::to_string(target);
  for (auto *dir : {&c.forward, &c.backward}) {
    dir->loss = l.loss;
    dir->burst = l.burst;
    dir->delay = milliseconds(10);
  }
  c.forward.seed = 7001;
  c.backward.seed = 7002;
  c.on_datagram = [&trace](bool forward, std::span<const std::uint8_t> b, sim::Fate f) {
    if (forward) trace.record(b, f);
  };
  return c;
}

// Our caller sends through the relay to srt-live-transmit (listener,
// packetfilter=fec: it takes our configuration), which writes UDP to us.
Outcome our_sender(const std::string &slt, const Geometry &g, const LossCase &l, Trace &trace) {
  Outcome o;
  UdpPort udp;
  const std::uint16_t port = UdpPort().port();  // free right now
  ChildProcess child(
      {slt, "-a:no", "-ll:error",
       "srt://:" + std::to_string(port) + "?mode=listener&latency=500&packetfilter=fec",
       "udp://127.0.0.1:" + std::to_string(udp.port())});
  linkemu::UdpRelay relay(relay_config(port, l, trace));
  relay.start();
  EndpointConfig cc;
  cc.mode = Mode::kCaller;
  cc.host = "127.0.0.1";
  cc.port = relay.listen_address().port();
  cc.connection.recv_latency = milliseconds(500);
  cc.connection.packet_filter = g.filter();
  cc.connection.connect_timeout = milliseconds(10'000);
  auto ours = open_endpoint(cc);
  if (!ours || ours->wait_connected(kGenerous) != WaitStatus::kReady) {
    ADD_FAILURE() << "no connection: " << (ours && ours->error() ? ours->error()->detail : "")
                  << "\npeer: " << child.stderr_text();
    return o;
  }
  std::atomic<bool> stop{false};
  std::thread source([&] {
    paced_source(
        [&](std::uint32_t i) {
          const auto m = message(i);
          const srt::ByteSpan s(m);
          ours->send(std::span<const srt::ByteSpan>(&s, 1));
        },
        stop);
  });
  collect([&](milliseconds t) { return udp.receive(t); }, o);
  stop = true;
  source.join();
  relay.stop();
  for (const auto &[info, st] : ours->stats()) o.ours = st;
  return o;
}

// srt-live-transmit calls our listener through the relay, sending what
// arrives on its UDP input; ours asks for nothing but the filter type.
// `relay_for`: the relay's configuration for our listener's port.
Outcome their_sender(const std::string &slt, const Geometry &g,
                     const std::function<linkemu::RelayConfig(std::uint16_t)> &relay_for) {
  Outcome o;
  EndpointConfig lc = listener_config();
  lc.connection.recv_latency = milliseconds(500);
  lc.connection.packet_filter = "fec";
  auto ours = open_endpoint(lc);
  if (!ours) return o;
  linkemu::UdpRelay relay(relay_for(ours->local_address().port));
  relay.start();
  UdpPort udp;
  const std::uint16_t input = UdpPort().port();
  ChildProcess child({slt, "-a:no", "-ll:error",
                      "udp://:" + std::to_string(input) + "?rcvbuf=4000000",
                      "srt://127.0.0.1:" + std::to_string(relay.listen_address().port()) +
                          "?mode=caller&latency=500&packetfilter=" + g.filter()});
  if (ours->wait_connected(kGenerous) != WaitStatus::kReady) {
    ADD_FAILURE() << "no connection; peer: " << child.stderr_text();
    return o;
  }
  std::atomic<bool> stop{false};
  std::thread source([&] {
    paced_source(
        [&](std::uint32_t i) {
          const auto m = message(i);
          udp.send_to(input, m);
        },
        stop);
  });
  collect(
      [&](milliseconds t) -> std::optional<std::vector<std::uint8_t>> {
        std::vector<std::uint8_t> buf(1500);
        WaitStatus st{};
        auto m = ours->receive(buf, t, &st);
        if (!m) return std::nullopt;
        buf.resize(m->info.size);
        return buf;
      },
      o);
  stop = true;
  source.join();
  relay.stop();
  for (const auto &[info, st] : ours->stats()) o.ours = st;
  return o;
}

struct Judged {
  std::size_t lost = 0, theory = 0, rebuilt = 0, residual_min = 0, residual = 0;
  bool exact = true;   // delivered == arrived + theory
  bool within = true;  // rebuilt subset of theory
};

// Compares what was delivered with the model, over the counted messages
// whose groups all closed before the trailing messages.
// `limit`: judge only offsets below it (two runs compared over the same ones).
Judged judge(Trace &t, const Geometry &g, const Outcome &o,
             std::int64_t limit = std::numeric_limits<std::int64_t>::max()) {
  std::lock_guard lock(t.m);
  Judged j;
  std::int64_t last = -1;
  for (const auto &[off, idx] : t.index_of) {
    if (idx < kCount) last = std::max(last, off);
  }
  const int n = static_cast<int>(std::min(last + 1, limit));
  const auto model = srt::fec_test::layout(g.cols, g.rows, g.staircase, n + 4 * g.cols * g.rows);
  const auto theory = srt::fec_test::peel(model, t.arrived, t.fec_arrived);
  for (std::int64_t off = 0; off < n; ++off) {
    const auto it = t.index_of.find(off);
    if (it == t.index_of.end() || it->second >= kCount) continue;
    const bool arrived = t.arrived.count(off) != 0;
    const bool can = theory.count(off) != 0;
    const bool got = o.delivered.count(it->second) != 0;
    if (!arrived) ++j.lost;
    if (!arrived && can) ++j.theory;
    if (!arrived && got) ++j.rebuilt;
    if (!arrived && !can) ++j.residual_min;
    if (!got) ++j.residual;
    if (got != (arrived || can)) j.exact = false;
    if (!arrived && got && !can) j.within = false;
  }
  return j;
}

class SrtFecInterop : public ::testing::TestWithParam<std::tuple<Geometry, LossCase>> {};

TEST_P(SrtFecInterop, OurReceiverRebuildsTheMinimumAndLibsrtTakesOurFec) {
  const auto slt = find_program("srt-live-transmit");
  if (!slt) GTEST_SKIP() << "srt-live-transmit is not installed (apt install srt-tools)";
  const auto &[g, l] = GetParam();

  Trace to_libsrt;
  const Outcome a = our_sender(*slt, g, l, to_libsrt);
  ASSERT_TRUE(a.ok) << "srt-live-transmit did not deliver the stream's end";
  const Judged ja = judge(to_libsrt, g, a);

  Trace to_us;
  const Outcome b =
      their_sender(*slt, g, [&](std::uint16_t port) { return relay_config(port, l, to_us); });
  ASSERT_TRUE(b.ok) << "we did not deliver the stream's end";
  const Judged jb = judge(to_us, g, b);

  std::printf(
      "%-22s %-14s | libsrt rcv: lost %4zu rebuilt %4zu (model %4zu) residual %4zu (min %4zu)"
      " | ours rcv: lost %4zu rebuilt %4zu (model %4zu) residual %4zu (min %4zu)\n",
      g.name, l.name, ja.lost, ja.rebuilt, ja.theory, ja.residual, ja.residual_min, jb.lost,
      jb.rebuilt, jb.theory, jb.residual, jb.residual_min);

  ASSERT_GT(ja.lost, 0u);
  ASSERT_GT(jb.lost, 0u);
  // libsrt rebuilds from our FEC packets, never beyond what they allow.
  EXPECT_GT(ja.rebuilt, 0u);
  EXPECT_TRUE(ja.within);
  EXPECT_EQ(a.ours.pktRetrans, 0);
  // Ours: exactly the model's minimum, from libsrt's FEC packets, and no NAK.
  EXPECT_TRUE(jb.exact);
  EXPECT_EQ(jb.residual, jb.residual_min);
  EXPECT_EQ(b.ours.pktSentNAK, 0);
  EXPECT_GT(b.ours.pktRcvFilterExtra, 0);
  // No worse than libsrt's receiver: our residual is the minimum the
  // geometry allows on our pattern; libsrt's is at least that on its own.
  EXPECT_GE(ja.residual, ja.residual_min);
}

// The same losses for both receivers: what is lost is decided by a
// datagram's place in the stream (sequence offset from the first data
// packet; for a FEC packet also its row/column index), not by arrival
// order, and the sender is libsrt in both runs, so both receivers miss
// exactly the same data and FEC packets.
struct ScriptedLoss {
  bool started = false;
  std::uint32_t isn = 0;
  std::set<std::int64_t> data;  // offsets of the data packets to lose
  bool operator()(bool forward, std::span<const std::uint8_t> bytes) {
    if (!forward || bytes.size() < srt::kHeaderSize || srt::is_control_packet(bytes)) return false;
    const auto d = srt::parse_data_packet(bytes);
    if (!d || d->header.retransmitted) return false;
    if (!started) {
      if (srt::is_fec_packet(d->header)) return false;
      started = true;
      isn = d->header.seq;
    }
    const std::int64_t off = srt::seq_diff(d->header.seq, isn);
    if (!srt::is_fec_packet(d->header)) return data.count(off) != 0;
    // About 3 % of the FEC packets, by a hash of their place.
    const int index = d->payload.empty() ? 0 : static_cast<std::int8_t>(d->payload[0]);
    const auto h = static_cast<std::uint32_t>(off) * 2654435761u +
                   static_cast<std::uint32_t>(index + 128) * 40503u;
    return (h >> 16) % 100 < 3;
  }
};

ScriptedLoss scripted_loss(std::uint32_t seed) {
  ScriptedLoss l;
  std::mt19937 rng(seed);
  for (std::int64_t off = 0; off < kCount; ++off)
    if (rng() % 100 < 3) l.data.insert(off);
  for (std::int64_t start = 250; start < kCount; start += 700)  // bursts of 6
    for (int i = 0; i < 6; ++i) l.data.insert(start + i);
  return l;
}

linkemu::RelayConfig scripted_relay(std::uint16_t target, ScriptedLoss &loss, Trace &trace) {
  linkemu::RelayConfig c = relay_config(target, LossCase{"scripted", 0.0, std::nullopt}, trace);
  c.drop = [&loss](bool forward, std::span<const std::uint8_t> b) { return loss(forward, b); };
  return c;
}

// srt-live-transmit to srt-live-transmit through the scripted relay.
Outcome libsrt_to_libsrt(const std::string &slt, const Geometry &g, ScriptedLoss &loss,
                         Trace &trace) {
  Outcome o;
  UdpPort out;
  const std::uint16_t srt_port = UdpPort().port();
  ChildProcess receiver(
      {slt, "-a:no", "-ll:error",
       "srt://:" + std::to_string(srt_port) + "?mode=listener&latency=500&packetfilter=fec",
       "udp://127.0.0.1:" + std::to_string(out.port())});
  linkemu::UdpRelay relay(scripted_relay(srt_port, loss, trace));
  relay.start();
  UdpPort in;
  const std::uint16_t input = UdpPort().port();
  ChildProcess sender({slt, "-a:no", "-ll:error",
                       "udp://:" + std::to_string(input) + "?rcvbuf=4000000",
                       "srt://127.0.0.1:" + std::to_string(relay.listen_address().port()) +
                           "?mode=caller&latency=500&packetfilter=" + g.filter()});
  std::atomic<bool> stop{false};
  std::thread source(
      [&] { paced_source([&](std::uint32_t i) { in.send_to(input, message(i)); }, stop); });
  collect([&](milliseconds t) { return out.receive(t); }, o);
  stop = true;
  source.join();
  relay.stop();
  return o;
}

// Our receiver against libsrt's on exactly the same losses (issue: "no
// worse than libsrt's own receiver on the same recorded loss pattern").
class SrtFecSamePattern : public ::testing::TestWithParam<Geometry> {};

TEST_P(SrtFecSamePattern, OurReceiverIsNoWorseThanLibsrtsOnTheSameLosses) {
  const auto slt = find_program("srt-live-transmit");
  if (!slt) GTEST_SKIP() << "srt-live-transmit is not installed (apt install srt-tools)";
  const Geometry &g = GetParam();
  ScriptedLoss loss_a = scripted_loss(3001);
  Trace to_libsrt;
  const Outcome a = libsrt_to_libsrt(*slt, g, loss_a, to_libsrt);
  ASSERT_TRUE(a.ok) << "libsrt's receiver did not deliver the stream's end";
  ScriptedLoss loss_b = scripted_loss(3001);
  Trace to_us;
  const Outcome b = their_sender(
      *slt, g, [&](std::uint16_t port) { return scripted_relay(port, loss_b, to_us); });
  ASSERT_TRUE(b.ok) << "we did not deliver the stream's end";
  // Over the same offsets: a datagram srt-live-transmit missed on its UDP
  // input would shift the later messages' offsets in one run only.
  constexpr std::int64_t kJudged = kCount - 200;
  const Judged ja = judge(to_libsrt, g, a, kJudged);
  const Judged jb = judge(to_us, g, b, kJudged);
  {
    // The same pattern reached both: the same data and FEC packets lost,
    // over the counted messages.
    std::lock_guard la(to_libsrt.m), lb(to_us.m);
    auto counted = [](const std::set<std::int64_t> &s) {
      std::set<std::int64_t> out;
      for (auto off : s)
        if (off < static_cast<std::int64_t>(kCount)) out.insert(off);
      return out;
    };
    EXPECT_EQ(counted(to_libsrt.lost), counted(to_us.lost));
    ASSERT_FALSE(counted(to_us.lost).empty());
  }
  std::printf(
      "%-22s same losses | libsrt rcv: lost %4zu rebuilt %4zu residual %4zu (min %4zu)"
      " | ours rcv: lost %4zu rebuilt %4zu residual %4zu (min %4zu)\n",
      g.name, ja.lost, ja.rebuilt, ja.residual, ja.residual_min, jb.lost, jb.rebuilt, jb.residual,
      jb.residual_min);
  EXPECT_EQ(ja.lost, jb.lost);
  EXPECT_TRUE(jb.exact);
  EXPECT_EQ(jb.residual, jb.residual_min);
  EXPECT_LE(jb.residual, ja.residual) << "our receiver lost more than libsrt's on the same losses";
  EXPECT_EQ(b.ours.pktSentNAK, 0);
}

INSTANTIATE_TEST_SUITE_P(Geometries, SrtFecSamePattern,
                         ::testing::Values(Geometry{"rows10x5_staircase", 10, 5, true},
                                           Geometry{"rows8x4_even", 8, 4, false}),
                         [](const auto &p) { return std::string(p.param.name); });

INSTANTIATE_TEST_SUITE_P(
    Geometries, SrtFecInterop,
    ::testing::Combine(::testing::Values(Geometry{"rows10x5_staircase", 10, 5, true},
                                         Geometry{"rows8x4_even", 8, 4, false},
                                         Geometry{"row_only_5", 5, 1, true}),
                       ::testing::Values(LossCase{"random3pct", 0.03, std::nullopt},
                                         LossCase{"burst", 0.0,
                                                  sim::GilbertElliott{0.005, 0.4, 0.0, 1.0}})),
    [](const auto &p) {
      return std::string(std::get<0>(p.param).name) + "_" + std::get<1>(p.param).name;
    });

}  // namespace
}  // namespace srtcore::io::test
