// Our side of the scale benchmark: one listening io::Endpoint serving every
// caller, and one process of caller Endpoints on the shared reactor.
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "io/endpoint.hpp"
#include "many_peers.hpp"
#include "ours_config.hpp"

namespace srtbench {
namespace {

using Clock = std::chrono::steady_clock;
namespace io = srtcore::io;
namespace srt = srtcore::srt;

int receive_many(const PeerOptions &o) {
  io::EndpointConfig c = ours_endpoint_config(o, io::Mode::kListener);
  c.serve_many = true;
  io::EndpointError err{};
  auto ep = io::Endpoint::open(io::Reactor::shared(), c, nullptr, &err);
  if (!ep) {
    std::fprintf(stderr, "ours open: %s\n", err.detail.c_str());
    return 2;
  }
  std::printf("ready %u\n", ep->local_address().port);
  std::fflush(stdout);
  std::vector<std::uint8_t> buf(static_cast<std::size_t>(o.payload));
  // Drops as each message reports them: a connection's stats go with it
  // when its caller leaves, before this loop ends.
  long long reported_drops = 0;
  const ManyReceiveTally t = run_many_receiver(o, [&](ManyReceiveTally &tally) -> long {
    io::WaitStatus status{};
    long n = 0;
    for (auto wait = std::chrono::milliseconds(200);; wait = std::chrono::milliseconds(0)) {
      const auto m = ep->receive(buf, wait, &status);
      if (!m) break;
      tally.on_message(m->socket_id, {buf.data(), m->info.size});
      reported_drops += m->info.dropped_before;
      ++n;
    }
    return n;
  });
  t.print(reported_drops);
  return 0;
}

int send_many(const PeerOptions &o) {
  std::vector<std::unique_ptr<io::Endpoint>> callers;
  for (int k = 0; k < o.callers; ++k) {
    PeerOptions one = o;
    if (!o.ports.empty()) one.port = o.ports[static_cast<std::size_t>(k) % o.ports.size()];
    io::EndpointError err{};
    auto ep = io::Endpoint::open(io::Reactor::shared(),
                                 ours_endpoint_config(one, io::Mode::kCaller), nullptr, &err);
    if (!ep) {
      std::fprintf(stderr, "ours open: %s\n", err.detail.c_str());
      return 2;
    }
    callers.push_back(std::move(ep));
  }
  for (auto &ep : callers) {
    if (ep->wait_connected(std::chrono::seconds(30)) != io::WaitStatus::kReady) {
      auto e = ep->error();
      std::fprintf(stderr, "ours connect: %s\n", e ? e->detail.c_str() : "timeout");
      return 2;
    }
  }
  const SendTally tally = run_paced_senders(o, [&](std::size_t k, std::span<const std::uint8_t> m) {
    const srt::ByteSpan one[] = {m};
    return callers[k]->send(one) > 0;
  });
  // Everything acknowledged (or 5 s), then time for the last to be delivered.
  const auto drain_end = Clock::now() + std::chrono::seconds(5);
  for (std::size_t k = 0; k < callers.size() && Clock::now() < drain_end;) {
    const auto st = callers[k]->stats();
    if (st.empty() || st.front().second.pktSndBuf == 0) {
      ++k;
      continue;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(2 * o.latency_ms));
  long long retrans = 0, drops = 0;
  for (auto &ep : callers) {
    for (const auto &[peer, st] : ep->stats()) {
      retrans += st.pktRetrans;
      drops += st.pktSndDrop;
    }
  }
  print_send_result(tally, retrans, drops);
  return 0;
}

}  // namespace

int run_ours_many_peer(const PeerOptions &o) {
  return o.role == "many-recv" ? receive_many(o) : send_many(o);
}

}  // namespace srtbench
