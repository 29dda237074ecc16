// Our side of the benchmark: srt-core's io::Endpoint over the shared reactor,
// configured like the libsrt side.
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "io/endpoint.hpp"
#include "message_stamp.hpp"
#include "ours_config.hpp"
#include "peer.hpp"

namespace srtbench {

namespace io = srtcore::io;
namespace srt = srtcore::srt;

io::EndpointConfig ours_endpoint_config(const PeerOptions &o, io::Mode mode) {
  io::EndpointConfig c;
  c.mode = mode;
  c.host = o.host;
  c.port = static_cast<std::uint16_t>(o.port);
  c.connection.recv_latency = std::chrono::milliseconds(o.latency_ms);
  c.connection.payload_size = static_cast<std::size_t>(o.payload);
  c.connection.maxbw = o.maxbw;
  c.connection.flow_window = static_cast<std::uint32_t>(o.buffer_packets);
  c.connection.send_buffer_packets = static_cast<std::size_t>(o.buffer_packets);
  c.connection.recv_buffer_packets = static_cast<std::size_t>(o.buffer_packets);
  if (o.pbkeylen > 0) {
    c.connection.passphrase = kBenchPassphrase;
    c.connection.pbkeylen = static_cast<std::size_t>(o.pbkeylen);
    c.connection.crypto_mode = static_cast<srt::CryptoMode>(o.cryptomode);
  }
  c.connection.packet_filter = o.packet_filter;
  if (!o.bond.empty()) {
    io::BondConfig b;
    b.mode = o.bond == "backup"      ? srtcore::bond::GroupMode::kBackup
             : o.bond == "balancing" ? srtcore::bond::GroupMode::kBalancing
                                     : srtcore::bond::GroupMode::kBroadcast;
    for (std::size_t k = 0; mode == io::Mode::kCaller && k < o.links.size(); ++k) {
      const LinkSpec &l = o.links[k];
      b.links.push_back(io::LinkConfig{l.host, static_cast<std::uint16_t>(l.port), l.local, 0,
                                       static_cast<std::uint16_t>(l.weight),
                                       "link" + std::to_string(k)});
    }
    c.bond = b;
  }
  return c;
}

namespace {

using Clock = std::chrono::steady_clock;

// Bonded caller: every member link connected (idle or running), so a
// backup group starts on its preferred link.
bool wait_links(const io::Endpoint &ep, std::size_t want, std::chrono::seconds timeout) {
  const auto end = Clock::now() + timeout;
  while (Clock::now() < end) {
    std::size_t up = 0;
    for (const auto &l : ep.links())
      up += l.state == srtcore::bond::LinkState::kIdle ||
            l.state == srtcore::bond::LinkState::kRunning;
    if (up >= want) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

std::unique_ptr<io::Endpoint> open(const PeerOptions &o, io::Mode mode) {
  io::EndpointError err{};
  auto ep = io::Endpoint::open(io::Reactor::shared(), ours_endpoint_config(o, mode), nullptr, &err);
  if (!ep) std::fprintf(stderr, "ours open: %s\n", err.detail.c_str());
  return ep;
}

int receive(const PeerOptions &o) {
  auto ep = open(o, io::Mode::kListener);
  if (!ep) return 2;
  std::printf("ready %u\n", ep->local_address().port);
  std::fflush(stdout);
  if (ep->wait_connected(std::chrono::seconds(30)) != io::WaitStatus::kReady) return 2;
  // The endpoint lists a connection only while it is up, and the sender
  // closes before this side stops: the counters are read while receiving
  // (every 4096 messages and on every wait) and the last reading is kept.
  long long drops = 0, losses = 0;
  auto read_counters = [&] {
    const auto stats = ep->stats();
    if (stats.empty()) return;
    drops = losses = 0;
    for (const auto &[peer, st] : stats) {
      drops += st.pktRcvDrop;
      losses += st.pktRcvLoss;
    }
  };
  std::uint64_t received = 0;
  const ReceiveTally t = run_receiver(o, [&](std::span<std::uint8_t> buf) -> long {
    io::WaitStatus status{};
    const auto m = ep->receive(buf, std::chrono::milliseconds(200), &status);
    if (m) {
      if (++received % 4096 == 0) read_counters();
      return static_cast<long>(m->info.size);
    }
    read_counters();
    return status == io::WaitStatus::kFailed ? -1 : 0;
  });
  read_counters();
  t.print(" rcv_drop=" + std::to_string(drops) + " rcv_loss=" + std::to_string(losses));
  return 0;
}

int send(const PeerOptions &o) {
  auto ep = open(o, io::Mode::kCaller);
  if (!ep) return 2;
  if (ep->wait_connected(std::chrono::seconds(10)) != io::WaitStatus::kReady) {
    auto e = ep->error();
    std::fprintf(stderr, "ours connect: %s\n", e ? e->detail.c_str() : "timeout");
    return 2;
  }
  if (!o.bond.empty() && !wait_links(*ep, o.links.size(), std::chrono::seconds(10))) {
    std::fprintf(stderr, "ours: not every link connected\n");
    return 2;
  }
  const SendTally tally = run_paced_sender(o, [&](std::span<const std::uint8_t> msg) {
    const srt::ByteSpan one[] = {msg};
    return ep->send(one) > 0;
  });
  // Let everything be acknowledged and delivered before closing. A bonded
  // sender waits a fixed time, like the libsrt group (whose send buffer
  // cannot be queried), since a cut link never empties its buffer.
  const auto drain_end = Clock::now() + std::chrono::seconds(3);
  if (!o.bond.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (; o.bond.empty();) {
    auto st = ep->stats();
    if (st.empty() || st.front().second.pktSndBuf == 0 || Clock::now() > drain_end) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(2 * o.latency_ms));
  long long retrans = 0, drops = 0;
  int km = 0;  // SRTO_KMSTATE of a plain connection (2 = secured)
  for (const auto &[peer, st] : ep->stats()) {
    retrans += st.pktRetrans;
    drops += st.pktSndDrop;
    km = st.kmState;
  }
  std::printf("result sent=%llu refused=%llu due=%llu retrans=%lld snd_drop=%lld km=%d\n",
              static_cast<unsigned long long>(tally.sent),
              static_cast<unsigned long long>(tally.refused),
              static_cast<unsigned long long>(tally.due), retrans, drops, km);
  std::fflush(stdout);
  return 0;
}

}  // namespace

int run_ours_peer(const PeerOptions &o) {
  if (o.role.starts_with("many-")) return run_ours_many_peer(o);
  if (o.role == "recv") return receive(o);
  if (o.role == "send") return send(o);
  auto reactor = io::Reactor::shared();  // idle: what merely starting costs
  return 0;
}

}  // namespace srtbench
