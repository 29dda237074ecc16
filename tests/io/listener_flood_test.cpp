// A listener serving a stream under a flood of 1,000,000 datagrams from 64
// source addresses: random bytes, forged inductions, conclusions with forged
// cookies, and data and control packets that carry the live connection's
// socket id. The stream loses nothing, the listener keeps its one
// connection and no state per attacker, its counters account for what it
// dropped, and resident memory does not grow with the flood.
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <future>
#include <random>
#include <thread>

#include "endpoint_fixture.hpp"
#include "io/udp_socket.hpp"
#include "srt/bytes.hpp"
#include "srt/handshake.hpp"

namespace srtcore::io::test {
namespace {

constexpr std::uint64_t kFlood = 1'000'000;
constexpr int kSources = 64;
constexpr std::uint32_t kStream = 3000;  // messages, one per millisecond

std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

// One forged datagram of kind k % 4 into `slot`; returns its size.
std::size_t forge(std::uint64_t k, std::mt19937 &rng, std::uint32_t live_id,
                  srt::MutableByteSpan slot) {
  switch (k % 4) {
    case 0: {  // random bytes, any length
      const std::size_t size = rng() % 1500;
      for (std::size_t i = 0; i < size; ++i) slot[i] = static_cast<std::uint8_t>(rng());
      return size;
    }
    case 1: {  // an induction, as any caller starts
      srt::HandshakeBody b;
      b.version = 4;
      b.extension = 2;
      b.type = srt::hs_type::kInduction;
      b.socket_id = rng() & 0x3FFFFFFF;
      return srt::write_handshake(b, rng(), 0, slot);
    }
    case 2: {  // a conclusion with a guessed cookie
      srt::HandshakeBody b;
      b.type = srt::hs_type::kConclusion;
      b.extension = 0x4A17;
      b.socket_id = rng() & 0x3FFFFFFF;
      b.cookie = rng();
      return srt::write_handshake(b, rng(), 0, slot);
    }
    default: {  // data or control addressed to the live connection
      const std::size_t size = 16 + rng() % 1316;
      for (std::size_t i = 0; i < size; ++i) slot[i] = static_cast<std::uint8_t>(rng());
      srt::put_u32(slot.data() + 12, live_id);
      return size;
    }
  }
}

TEST(ListenerFlood, StreamLosesNothingAndMemoryStaysFlat) {
  const std::uint32_t seed = 4242;
  SCOPED_TRACE("seed " + std::to_string(seed));
  auto listener = open_endpoint(listener_config());
  auto caller = open_endpoint(caller_config(*listener));
  ASSERT_EQ(caller->wait_connected(kGenerous), WaitStatus::kReady);
  ASSERT_EQ(listener->wait_connected(kGenerous), WaitStatus::kReady);
  const auto peers = listener->peers();
  ASSERT_EQ(peers.size(), 1u);
  const std::uint32_t live_id = peers[0].socket_id;
  const SockAddr to = [&] {
    auto s = UdpSocket::open(srt::NetAddress::v4(127, 0, 0, 1, 0), std::nullopt, {}, nullptr);
    return s->destination(listener->local_address());
  }();
  // The attackers' sockets, from 127.0.1.1 to 127.0.1.64.
  std::vector<UdpSocket> sources;
  for (int i = 1; i <= kSources; ++i) {
    auto s = UdpSocket::open(srt::NetAddress::v4(127, 0, 1, static_cast<std::uint8_t>(i), 0),
                             std::nullopt, {}, nullptr);
    ASSERT_TRUE(s.has_value()) << "127.0.1." << i;
    sources.push_back(std::move(*s));
  }
  const std::size_t rss_before = resident_bytes();

  std::atomic<std::uint64_t> flooded{0};
  std::thread attacker([&] {
    std::mt19937 rng(seed);
    SendBatch batch;
    for (std::uint64_t k = 0; k < kFlood;) {
      UdpSocket &s = sources[(k / 64) % sources.size()];
      for (int n = 0; n < 64 && k < kFlood; ++n, ++k) {
        auto slot = batch.next_slot();
        batch.commit(forge(k, rng, live_id, slot), to);
      }
      s.send(batch);
      batch.clear();
      flooded.store(k);
    }
  });
  std::future<Received> rx =
      std::async(std::launch::async, [&] { return receive_messages(*listener, kStream); });
  const auto start = std::chrono::steady_clock::now();
  for (std::uint32_t i = 0; i < kStream; i += 8) {
    send_messages(*caller, i, 8);
    std::this_thread::sleep_until(start + std::chrono::milliseconds(i + 8));  // pacing
  }
  attacker.join();
  const Received r = rx.get();
  EXPECT_TRUE(all_in_order(r, 0, kStream));
  EXPECT_EQ(r.dropped_reported, 0u);
  const std::size_t rss_after = resident_bytes();

  EXPECT_EQ(listener->peers().size(), 1u);
  const EndpointCounters n = listener->counters();
  EXPECT_EQ(n.listener.accepted, 1u);
  // Every kind was seen and dropped: forged cookies, inductions answered
  // without state, the live id from strange addresses, junk.
  EXPECT_GT(n.listener.bad_cookie + n.listener.malformed, 0u);
  EXPECT_GT(n.listener.inductions, 0u);
  EXPECT_GT(n.wrong_peer, 0u);
  EXPECT_GT(n.too_short + n.listener.malformed + n.unknown_socket, 0u);
  std::printf(
      "flood: %llu datagrams sent, listener got %llu; inductions %llu, bad cookie %llu, malformed "
      "%llu, wrong peer %llu, unknown socket %llu, too short %llu; RSS %+lld KiB\n",
      static_cast<unsigned long long>(flooded.load()),
      static_cast<unsigned long long>(n.datagrams_received),
      static_cast<unsigned long long>(n.listener.inductions),
      static_cast<unsigned long long>(n.listener.bad_cookie),
      static_cast<unsigned long long>(n.listener.malformed),
      static_cast<unsigned long long>(n.wrong_peer),
      static_cast<unsigned long long>(n.unknown_socket),
      static_cast<unsigned long long>(n.too_short),
      (static_cast<long long>(rss_after) - static_cast<long long>(rss_before)) / 1024);
  // No state per attacker: memory does not follow a million datagrams.
  EXPECT_LT(rss_after, rss_before + (16u << 20));
}

}  // namespace
}  // namespace srtcore::io::test
