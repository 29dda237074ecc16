// Address conversion and resolution: numeric IPv4/IPv6, brackets, names,
// wildcards, and errors that name the host.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <gtest/gtest.h>

#include "io/resolve.hpp"
#include "io/socket_address.hpp"

namespace srtcore::io {
namespace {

using Family = srt::NetAddress::Family;

TEST(SocketAddress, Ipv4RoundTrip) {
  const auto a = srt::NetAddress::v4(192, 0, 2, 7, 4200);
  const SockAddr s = to_sockaddr(a);
  EXPECT_EQ(s.length, sizeof(sockaddr_in));
  const auto *sin = reinterpret_cast<const sockaddr_in *>(&s.storage);
  EXPECT_EQ(ntohs(sin->sin_port), 4200);
  EXPECT_EQ(ntohl(sin->sin_addr.s_addr), 0xC0000207u);
  EXPECT_EQ(from_sockaddr(s.get(), s.length), a);
}

TEST(SocketAddress, Ipv6RoundTrip) {
  srt::NetAddress a;
  a.family = Family::kV6;
  a.ip = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  a.port = 9000;
  const SockAddr s = to_sockaddr(a);
  EXPECT_EQ(s.length, sizeof(sockaddr_in6));
  EXPECT_EQ(from_sockaddr(s.get(), s.length), a);
}

TEST(SocketAddress, V4MappedBecomesIpv4AndBack) {
  const auto a = srt::NetAddress::v4(127, 0, 0, 1, 5000);
  const srt::NetAddress mapped = to_v4_mapped(a);
  EXPECT_EQ(mapped.family, Family::kV6);
  const SockAddr s = to_sockaddr(mapped);
  EXPECT_EQ(from_sockaddr(s.get(), s.length), a);
}

TEST(SocketAddress, ShortOrForeignAddressesAreRefused) {
  const SockAddr s = to_sockaddr(srt::NetAddress::v4(1, 2, 3, 4, 5));
  EXPECT_FALSE(from_sockaddr(s.get(), 4).has_value());
  sockaddr unix_like{};
  unix_like.sa_family = AF_UNIX;
  EXPECT_FALSE(from_sockaddr(&unix_like, sizeof unix_like).has_value());
  EXPECT_FALSE(from_sockaddr(nullptr, 0).has_value());
}

TEST(Resolve, NumericAddresses) {
  std::string error;
  auto v4 = resolve_address("127.0.0.1", 1234, {}, &error);
  ASSERT_TRUE(v4) << error;
  EXPECT_EQ(*v4, srt::NetAddress::v4(127, 0, 0, 1, 1234));
  auto v6 = resolve_address("[::1]", 80, {}, &error);
  ASSERT_TRUE(v6) << error;
  EXPECT_EQ(v6->family, Family::kV6);
  EXPECT_EQ(v6->ip[15], 1);
  EXPECT_EQ(v6->port, 80);
  auto v6b = resolve_address("::1", 81, {}, &error);
  ASSERT_TRUE(v6b) << error;
  EXPECT_EQ(v6b->port, 81);
}

TEST(Resolve, LocalhostPrefersIpv4) {
  std::string error;
  auto a = resolve_address("localhost", 9, {}, &error);
  ASSERT_TRUE(a) << error;
  EXPECT_EQ(a->family, Family::kV4);
  EXPECT_EQ(a->ip[0], 127);
}

TEST(Resolve, EmptyHostIsTheWildcardWhenPassive) {
  std::string error;
  ResolveOptions passive;
  passive.passive = true;
  auto any = resolve_address("", 7000, passive, &error);
  ASSERT_TRUE(any);
  EXPECT_EQ(*any, srt::NetAddress::v4(0, 0, 0, 0, 7000));
  passive.prefer = Family::kV6;
  auto any6 = resolve_address("", 7000, passive, &error);
  ASSERT_TRUE(any6);
  EXPECT_EQ(any6->family, Family::kV6);
  EXPECT_FALSE(resolve_address("", 7000, {}, &error));
  EXPECT_FALSE(error.empty());
}

TEST(Resolve, UnknownHostNamesTheHost) {
  std::string error;
  EXPECT_FALSE(resolve_address("no-such-host.invalid", 1, {}, &error));
  EXPECT_NE(error.find("no-such-host.invalid"), std::string::npos) << error;
}

}  // namespace
}  // namespace srtcore::io
