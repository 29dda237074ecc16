// The bonding settings of srtbondsrc/srtbondsink: the `links` property (one
// srt:// URI per path with its own keys), and how bond-mode, links and the
// uri make the endpoint configuration (a bonded caller, a listener that
// accepts group members and may listen on several ports), with clear
// errors for combinations that cannot work.
#include <gtest/gtest.h>

#include <string>

#include "srt_uri.hpp"

using srtcore::bond::GroupMode;
using srtcore::io::Mode;
using srtrtp::apply_bonding;
using srtrtp::BondMode;
using srtrtp::LinkList;
using srtrtp::parse_links;
using srtrtp::parse_srt_uri;
using srtrtp::SrtMode;
using srtrtp::to_endpoint_config;

namespace {

LinkList links_ok(const std::string &text) {
  std::string err;
  auto l = parse_links(text, &err);
  EXPECT_TRUE(l.has_value()) << text << ": " << err;
  return l ? *l : LinkList{};
}

std::string links_error(const std::string &text) {
  std::string err;
  EXPECT_FALSE(parse_links(text, &err).has_value()) << text;
  return err;
}

struct Made {
  bool ok = false;
  srtcore::io::EndpointConfig config;
  std::string error;
};

Made make(const std::string &uri, BondMode mode, const std::string &links) {
  Made m;
  auto p = parse_srt_uri(uri, &m.error);
  EXPECT_TRUE(p.has_value()) << m.error;
  auto c = to_endpoint_config(*p, &m.error);
  EXPECT_TRUE(c.has_value()) << m.error;
  LinkList l;
  if (!links.empty()) l = links_ok(links);
  m.config = *c;
  m.ok = apply_bonding(*p, mode, l, m.config, &m.error);
  return m;
}

}  // namespace

TEST(SrtLinks, EachLinkKeepsItsOwnKeys) {
  const LinkList l = links_ok(
      "srt://203.0.113.5:7001?weight=10&localaddress=10.0.0.2,"
      " srt://203.0.113.6:7002?weight=1&localaddress=10.0.1.2&localport=9000");
  EXPECT_EQ(l.mode, SrtMode::kCaller);
  ASSERT_EQ(l.links.size(), 2u);
  EXPECT_EQ(l.links[0].host, "203.0.113.5");
  EXPECT_EQ(l.links[0].port, 7001);
  EXPECT_EQ(l.links[0].weight, 10);
  EXPECT_EQ(l.links[0].local_address, "10.0.0.2");
  EXPECT_EQ(l.links[0].local_port, 0);
  EXPECT_EQ(l.links[1].host, "203.0.113.6");
  EXPECT_EQ(l.links[1].weight, 1);
  EXPECT_EQ(l.links[1].local_address, "10.0.1.2");
  EXPECT_EQ(l.links[1].local_port, 9000);
  // The name a link is reported by is the URI as the user wrote it.
  EXPECT_EQ(l.links[0].name, "srt://203.0.113.5:7001?weight=10&localaddress=10.0.0.2");
}

TEST(SrtLinks, ListenerLinksAreAddressesToListenOn) {
  const LinkList l = links_ok("srt://:7002?mode=listener,srt://127.0.0.2:7003?mode=listener");
  EXPECT_EQ(l.mode, SrtMode::kListener);
  ASSERT_EQ(l.links.size(), 2u);
  EXPECT_EQ(l.links[0].host, "");
  EXPECT_EQ(l.links[0].port, 7002);
  EXPECT_EQ(l.links[1].host, "127.0.0.2");
  EXPECT_EQ(l.links[1].port, 7003);
}

TEST(SrtLinks, BadListsSayWhatIsWrong) {
  EXPECT_NE(links_error("srt://a:1,http://b:2").find("not an srt:// URI"), std::string::npos);
  EXPECT_NE(links_error("srt://a:1?weight=40000").find("weight"), std::string::npos);
  EXPECT_NE(links_error("srt://a:1,srt://:2?mode=listener").find("every link"), std::string::npos);
  EXPECT_NE(links_error("srt://a:1?mode=rendezvous").find("rendezvous"), std::string::npos);
  EXPECT_NE(links_error("srt://a?mode=caller").find("needs a host and a port"), std::string::npos);
}

TEST(SrtLinks, BondedCallerUsesTheLinksNotTheUri) {
  const Made m = make("srt://127.0.0.1:7001", BondMode::kBackup,
                      "srt://127.0.0.1:7101?weight=10,srt://127.0.0.1:7102?weight=1");
  ASSERT_TRUE(m.ok) << m.error;
  ASSERT_TRUE(m.config.bond.has_value());
  EXPECT_EQ(m.config.mode, Mode::kCaller);
  EXPECT_EQ(m.config.bond->mode, GroupMode::kBackup);
  ASSERT_EQ(m.config.bond->links.size(), 2u);
  EXPECT_EQ(m.config.bond->links[0].port, 7101);
  EXPECT_EQ(m.config.bond->links[1].weight, 1);
}

TEST(SrtLinks, EncryptedBondedCallerKeysEveryLink) {
  // The uri's passphrase and key length apply to every member link.
  const Made m = make("srt://127.0.0.1:7001?passphrase=0123456789&pbkeylen=24",
                      BondMode::kBroadcast, "srt://127.0.0.1:7101,srt://127.0.0.1:7102");
  ASSERT_TRUE(m.ok) << m.error;
  ASSERT_TRUE(m.config.bond.has_value());
  EXPECT_EQ(m.config.bond->links.size(), 2u);
  EXPECT_EQ(m.config.connection.passphrase, "0123456789");
  EXPECT_EQ(m.config.connection.pbkeylen, 24u);
}

TEST(SrtLinks, PacketFilterOnBroadcastLinksOnly) {
  // The uri's filter applies to every member link of a broadcast group.
  const Made m = make("srt://127.0.0.1:7001?packetfilter=fec,cols:10,rows:5", BondMode::kBroadcast,
                      "srt://127.0.0.1:7101,srt://127.0.0.1:7102");
  ASSERT_TRUE(m.ok) << m.error;
  EXPECT_EQ(m.config.connection.packet_filter, "fec,cols:10,rows:5");
  for (BondMode mode : {BondMode::kBackup, BondMode::kBalancing}) {
    const Made r = make("srt://127.0.0.1:7001?packetfilter=fec,cols:10", mode,
                        "srt://127.0.0.1:7101?weight=1,srt://127.0.0.1:7102?weight=2");
    EXPECT_FALSE(r.ok);
    EXPECT_NE(r.error.find("broadcast groups only"), std::string::npos) << r.error;
  }
}

TEST(SrtLinks, BondModeWithoutLinksBondsOverTheUri) {
  const Made m =
      make("srt://127.0.0.1:7001?weight=5&localaddress=127.0.0.3", BondMode::kBroadcast, "");
  ASSERT_TRUE(m.ok) << m.error;
  ASSERT_TRUE(m.config.bond.has_value());
  ASSERT_EQ(m.config.bond->links.size(), 1u);
  EXPECT_EQ(m.config.bond->links[0].port, 7001);
  EXPECT_EQ(m.config.bond->links[0].weight, 5);
  EXPECT_EQ(m.config.bond->links[0].local_address, "127.0.0.3");
}

TEST(SrtLinks, PlainCallerStaysPlain) {
  const Made m = make("srt://127.0.0.1:7001", BondMode::kNone, "");
  ASSERT_TRUE(m.ok) << m.error;
  EXPECT_FALSE(m.config.bond.has_value());
}

TEST(SrtLinks, ListenerAcceptsGroupsUnlessTold) {
  Made m = make("srt://:7001?mode=listener", BondMode::kNone, "");
  ASSERT_TRUE(m.ok) << m.error;
  EXPECT_TRUE(m.config.bond.has_value());
  EXPECT_TRUE(m.config.bond->links.empty());
  m = make("srt://:7001?mode=listener&groupconnect=0", BondMode::kNone, "");
  ASSERT_TRUE(m.ok) << m.error;
  EXPECT_FALSE(m.config.bond.has_value());
  m = make("srt://:7001?mode=listener", BondMode::kNone, "srt://:7002?mode=listener");
  ASSERT_TRUE(m.ok) << m.error;
  ASSERT_TRUE(m.config.bond.has_value());
  ASSERT_EQ(m.config.bond->links.size(), 1u);
  EXPECT_EQ(m.config.bond->links[0].port, 7002);
}

TEST(SrtLinks, CombinationsThatCannotWorkAreRefused) {
  Made m = make("srt://127.0.0.1:7001", BondMode::kNone, "srt://127.0.0.1:7101");
  EXPECT_FALSE(m.ok);
  EXPECT_NE(m.error.find("bond-mode"), std::string::npos) << m.error;
  m = make("srt://127.0.0.1:7001?mode=rendezvous", BondMode::kBroadcast, "");
  EXPECT_FALSE(m.ok);
  EXPECT_NE(m.error.find("rendezvous"), std::string::npos) << m.error;
  m = make("srt://:7001?mode=listener", BondMode::kNone, "srt://127.0.0.1:7101");
  EXPECT_FALSE(m.ok);
  EXPECT_NE(m.error.find("listener"), std::string::npos) << m.error;
  m = make("srt://127.0.0.1:7001", BondMode::kBackup, "srt://:7101?mode=listener");
  EXPECT_FALSE(m.ok);
  EXPECT_NE(m.error.find("mode=listener"), std::string::npos) << m.error;
}
