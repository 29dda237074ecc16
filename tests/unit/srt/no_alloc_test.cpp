// The per-packet path of a connection (send_message, poll_transmit,
// handle_datagram, receive_message, timers) allocates nothing once warm,
// loss and retransmission included, with AES-CTR encryption too. Counted with a replaced global
// operator new (alloc_counter.cpp), armed only around the measured loop.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "alloc_counter.hpp"
#include "srt/connection.hpp"
#include "srt/listener.hpp"
#include "srt/random.hpp"

namespace srtcore::srt {
namespace {

void steady_stream_allocates_nothing(const ConnectionConfig &config) {
  SeededRandom ra(1), rb(2);
  const NetAddress a_addr = NetAddress::v4(10, 0, 0, 1, 1000);
  const NetAddress b_addr = NetAddress::v4(10, 0, 0, 2, 2000);
  ListenerConfig lc;
  lc.connection = config;
  Listener listener(lc, b_addr, rb);
  TimePoint now{std::chrono::seconds(100)};
  auto a = std::make_unique<Connection>(config, Role::kCaller, a_addr, b_addr, ra, now);
  std::unique_ptr<Connection> b;
  std::vector<std::uint8_t> buf(1500), reply(1500), out(1500), msg(1316, 0x5A);
  std::uint64_t datagrams = 0, delivered = 0;

  // Every datagram either way, at once (no delay); every 10th data packet lost.
  auto exchange = [&] {
    for (int round = 0; round < 3; ++round) {
      while (std::size_t n = a->poll_transmit(now, buf)) {
        const ByteSpan d(buf.data(), n);
        if (get_u32(buf.data() + 12) == 0) {
          auto r = listener.handle_datagram(now, a_addr, d, reply);
          if (r.accepted) b = std::move(r.accepted);
          if (r.reply_size > 0) a->handle_datagram(now, ByteSpan(reply.data(), r.reply_size));
        } else if (b && (buf[0] & 0x80 || ++datagrams % 10 != 0)) {
          b->handle_datagram(now, d);
        }
      }
      if (!b) continue;
      while (std::size_t n = b->poll_transmit(now, buf))
        a->handle_datagram(now, ByteSpan(buf.data(), n));
      while (b->receive_message(now, out)) ++delivered;
      while (a->poll_event()) {
      }
      while (b->poll_event()) {
      }
      if (auto d = a->next_deadline(); d && *d <= now) a->handle_timeout(now);
      if (auto d = b->next_deadline(); d && *d <= now) b->handle_timeout(now);
    }
  };
  auto stream = [&](int packets) {
    for (int i = 0; i < packets; ++i) {
      now += std::chrono::microseconds(500);
      ASSERT_TRUE(a->send_message(now, msg));
      exchange();
    }
  };
  for (int i = 0; i < 100 && !(b && a->state() == ConnectionState::kConnected); ++i) {
    now += std::chrono::milliseconds(1);
    exchange();
  }
  ASSERT_TRUE(b);
  stream(20000);  // warm-up: buffers, payload blocks, loss lists reach their size
  // The counter counts (the replacement is in effect).
  const std::uint64_t probe_before = testing::allocations();
  testing::count_allocations(true);
  auto probe = std::make_unique<std::vector<int>>(3);
  testing::count_allocations(false);
  ASSERT_EQ(testing::allocations() - probe_before, 2u);
  probe.reset();

  const std::uint64_t before = delivered;
  const std::uint64_t allocs_before = testing::allocations();
  testing::count_allocations(true);
  stream(20000);
  testing::count_allocations(false);
  EXPECT_EQ(testing::allocations() - allocs_before, 0u);
  EXPECT_GT(delivered - before, 19000u);
  EXPECT_GT(a->stats(now).pktRetrans, 1000);
  EXPECT_EQ(b->stats(now).pbKeyLen, static_cast<int>(config.pbkeylen));
  EXPECT_EQ(b->stats(now).pktRcvUndecrypt, 0);
}

TEST(NoAllocation, SteadyStreamWithLossAllocatesNothing) {
  steady_stream_allocates_nothing(ConnectionConfig{});
}

TEST(NoAllocation, EncryptedStreamWithLossAllocatesNothing) {
  ConnectionConfig c;
  c.passphrase = "no allocation per packet";
  c.pbkeylen = 32;
  steady_stream_allocates_nothing(c);
}

// AES-GCM: the tag check and the AAD per packet allocate nothing either.
TEST(NoAllocation, GcmStreamWithLossAllocatesNothing) {
  ConnectionConfig c;
  c.passphrase = "no allocation per packet";
  c.pbkeylen = 32;
  c.crypto_mode = CryptoMode::kAesGcm;
  steady_stream_allocates_nothing(c);
}

}  // namespace
}  // namespace srtcore::srt
