// UdpSocket over loopback: batches arrive whole and in order with their
// boundaries, with and without UDP GSO; oversized datagrams are dropped and
// counted; IPv4 peers of a dual-stack socket are seen as IPv4.
#include "io/udp_socket.hpp"

#include <poll.h>

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace srtcore::io {
namespace {

using Family = srt::NetAddress::Family;

srt::NetAddress loopback4() {
  return srt::NetAddress::v4(127, 0, 0, 1, 0);
}

srt::NetAddress loopback6() {
  srt::NetAddress a;
  a.family = Family::kV6;
  a.ip[15] = 1;
  return a;
}

UdpSocket open_or_fail(const srt::NetAddress &local, const UdpSocketOptions &options = {}) {
  std::string error;
  auto s = UdpSocket::open(local, std::nullopt, options, &error);
  EXPECT_TRUE(s.has_value()) << error;
  if (!s) std::abort();
  return std::move(*s);
}

bool wait_readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 10'000) == 1;
}

// Datagram i: `size` bytes, its index in the first four, then a pattern.
void fill(srt::MutableByteSpan out, std::uint32_t index, std::size_t size) {
  srt::put_u32(out.data(), index);
  for (std::size_t k = 4; k < size; ++k) out[k] = static_cast<std::uint8_t>(index * 7 + k);
}

bool matches(srt::ByteSpan got, std::uint32_t index, std::size_t size) {
  if (got.size() != size || srt::get_u32(got.data()) != index) return false;
  for (std::size_t k = 4; k < size; ++k)
    if (got[k] != static_cast<std::uint8_t>(index * 7 + k)) return false;
  return true;
}

// Sends `sizes.size()` datagrams in one batch and receives them all.
void round_trip(bool gso, const std::vector<std::size_t> &sizes) {
  UdpSocketOptions options;
  options.allow_gso = gso;
  UdpSocket rx = open_or_fail(loopback4());
  UdpSocket tx = open_or_fail(loopback4(), options);
  EXPECT_EQ(tx.gso_enabled(), gso && tx.gso_enabled());

  SendBatch batch;
  const SockAddr to = tx.destination(rx.local_address());
  std::size_t next_check = 0;
  RecvBatch in;
  std::uint32_t index = 0;
  for (std::size_t size : sizes) {
    if (batch.full()) {
      ASSERT_TRUE(tx.send(batch));
    }
    fill(batch.next_slot(), index++, size);
    batch.commit(size, to);
  }
  ASSERT_TRUE(tx.send(batch));
  EXPECT_TRUE(batch.empty());
  while (next_check < sizes.size()) {
    ASSERT_TRUE(wait_readable(rx.fd())) << "datagram " << next_check << " never arrived";
    rx.receive(in);
    for (std::size_t i = 0; i < in.size(); ++i, ++next_check) {
      ASSERT_LT(next_check, sizes.size());
      EXPECT_TRUE(
          matches(in.datagram(i), static_cast<std::uint32_t>(next_check), sizes[next_check]))
          << "datagram " << next_check << " size " << in.datagram(i).size();
      EXPECT_EQ(in.from(i), tx.local_address());
    }
  }
  EXPECT_EQ(tx.stats().sent, sizes.size());
  EXPECT_EQ(tx.stats().send_errors, 0u);
  if (gso && tx.gso_enabled() && sizes.size() > 1) {
    EXPECT_GT(tx.stats().gso_sends, 0u);
    EXPECT_LT(tx.stats().send_calls, sizes.size());
  }
}

TEST(UdpSocket, BatchOfEqualDatagramsArrivesInOrderWithGso) {
  round_trip(true, std::vector<std::size_t>(300, 1332));
}

TEST(UdpSocket, BatchOfEqualDatagramsArrivesInOrderWithoutGso) {
  round_trip(false, std::vector<std::size_t>(300, 1332));
}

TEST(UdpSocket, MixedSizesKeepTheirBoundaries) {
  std::vector<std::size_t> sizes;
  for (std::size_t i = 0; i < 200; ++i) sizes.push_back(i % 5 == 4 ? 20 + i : 1332);
  sizes.push_back(16);
  sizes.push_back(1472);
  round_trip(true, sizes);
}

// A GSO train to a GRO socket on the same host arrives in one piece; the
// socket splits it back into the datagrams that were sent.
TEST(UdpSocket, GroTrainsAreSplitBackIntoDatagrams) {
  UdpSocket rx = open_or_fail(loopback4());
  UdpSocket tx = open_or_fail(loopback4());
  if (!rx.gro_enabled() || !tx.gso_enabled()) GTEST_SKIP() << "kernel without UDP GSO/GRO";
  SendBatch batch;
  std::vector<std::size_t> sizes;
  for (std::uint32_t i = 0; i < 100; ++i) sizes.push_back(i == 63 || i == 99 ? 500 : 1332);
  for (std::uint32_t i = 0; i < sizes.size(); ++i) {
    fill(batch.next_slot(), i, sizes[i]);
    batch.commit(sizes[i], tx.destination(rx.local_address()));
  }
  ASSERT_TRUE(tx.send(batch));
  RecvBatch in;
  std::uint32_t next = 0;
  while (next < sizes.size()) {
    ASSERT_TRUE(wait_readable(rx.fd()));
    rx.receive(in);
    for (std::size_t i = 0; i < in.size(); ++i, ++next) {
      ASSERT_LT(next, sizes.size());
      EXPECT_TRUE(matches(in.datagram(i), next, sizes[next])) << "datagram " << next;
      EXPECT_EQ(in.from(i), tx.local_address());
    }
  }
  EXPECT_GT(rx.stats().gro_trains, 0u);
  EXPECT_EQ(rx.stats().received, sizes.size());
}

TEST(UdpSocket, GroupsSplitByDestination) {
  UdpSocket a = open_or_fail(loopback4());
  UdpSocket b = open_or_fail(loopback4());
  UdpSocket tx = open_or_fail(loopback4());
  SendBatch batch;
  for (std::uint32_t i = 0; i < 40; ++i) {
    fill(batch.next_slot(), i, 1000);
    batch.commit(1000, tx.destination(((i / 3) % 2 == 0 ? a : b).local_address()));
  }
  ASSERT_TRUE(tx.send(batch));
  std::size_t got_a = 0, got_b = 0;
  RecvBatch in;
  while (got_a + got_b < 40) {
    for (UdpSocket *s : {&a, &b}) {
      pollfd p[2] = {{a.fd(), POLLIN, 0}, {b.fd(), POLLIN, 0}};
      ASSERT_GT(::poll(p, 2, 10'000), 0);
      s->receive(in);
      for (std::size_t i = 0; i < in.size(); ++i) {
        const std::uint32_t index = srt::get_u32(in.datagram(i).data());
        EXPECT_EQ((index / 3) % 2 == 0, s == &a);
        EXPECT_TRUE(matches(in.datagram(i), index, 1000));
        (s == &a ? got_a : got_b)++;
      }
    }
  }
  EXPECT_EQ(got_a, 21u);
  EXPECT_EQ(got_b, 19u);
}

TEST(UdpSocket, OversizedDatagramIsDroppedAndCounted) {
  UdpSocket rx = open_or_fail(loopback4());
  UdpSocket tx = open_or_fail(loopback4());
  const SockAddr to = tx.destination(rx.local_address());
  std::vector<std::uint8_t> big(kMaxRecvDatagram + 100, 0xAB);
  ASSERT_EQ(::sendto(tx.fd(), big.data(), big.size(), 0, to.get(), to.length),
            static_cast<ssize_t>(big.size()));
  std::uint8_t small[64] = {1, 2, 3};
  ASSERT_EQ(::sendto(tx.fd(), small, sizeof small, 0, to.get(), to.length),
            static_cast<ssize_t>(sizeof small));
  RecvBatch in;
  std::size_t seen = 0;
  while (seen < 2) {
    ASSERT_TRUE(wait_readable(rx.fd()));
    seen += rx.receive(in);
  }
  EXPECT_EQ(rx.stats().received_truncated, 1u);
  ASSERT_EQ(in.size(), 1u);
  EXPECT_EQ(in.datagram(0).size(), sizeof small);
}

TEST(UdpSocket, DualStackSocketSeesIpv4PeersAsIpv4) {
  srt::NetAddress any6;
  any6.family = Family::kV6;
  UdpSocket rx = open_or_fail(any6);
  UdpSocket tx = open_or_fail(loopback4());
  srt::NetAddress to_rx = loopback4();
  to_rx.port = rx.local_address().port;
  SendBatch batch;
  fill(batch.next_slot(), 9, 100);
  batch.commit(100, tx.destination(to_rx));
  ASSERT_TRUE(tx.send(batch));
  ASSERT_TRUE(wait_readable(rx.fd()));
  RecvBatch in;
  ASSERT_EQ(rx.receive(in), 1u);
  ASSERT_TRUE(in.from(0).has_value());
  EXPECT_EQ(in.from(0)->family, Family::kV4);
  EXPECT_EQ(*in.from(0), tx.local_address());

  // And the reply goes back through the IPv6 socket to the IPv4 peer.
  fill(batch.next_slot(), 10, 50);
  batch.commit(50, rx.destination(*in.from(0)));
  ASSERT_TRUE(rx.send(batch));
  ASSERT_TRUE(wait_readable(tx.fd()));
  ASSERT_EQ(tx.receive(in), 1u);
  EXPECT_TRUE(matches(in.datagram(0), 10, 50));
}

TEST(UdpSocket, Ipv6LoopbackWorks) {
  UdpSocket rx = open_or_fail(loopback6());
  UdpSocket tx = open_or_fail(loopback6());
  SendBatch batch;
  for (std::uint32_t i = 0; i < 10; ++i) {
    fill(batch.next_slot(), i, 1200);
    batch.commit(1200, tx.destination(rx.local_address()));
  }
  ASSERT_TRUE(tx.send(batch));
  RecvBatch in;
  std::uint32_t next = 0;
  while (next < 10) {
    ASSERT_TRUE(wait_readable(rx.fd()));
    rx.receive(in);
    for (std::size_t i = 0; i < in.size(); ++i) EXPECT_TRUE(matches(in.datagram(i), next++, 1200));
  }
}

TEST(UdpSocket, BindFailureSaysWhy) {
  UdpSocket first = open_or_fail(loopback4());
  std::string error;
  auto second = UdpSocket::open(first.local_address(), std::nullopt, {}, &error);
  EXPECT_FALSE(second.has_value());
  EXPECT_NE(error.find("cannot bind"), std::string::npos) << error;
}

TEST(UdpSocket, AsksForLargeBuffers) {
  UdpSocket s = open_or_fail(loopback4());
  // The kernel may cap the request (rmem_max without CAP_NET_ADMIN); it must
  // at least not shrink below its default.
  EXPECT_GE(s.receive_buffer_bytes(), 200 * 1024);
}

}  // namespace
}  // namespace srtcore::io
