// srt:// URI parsing and its mapping to io::EndpointConfig: srtsrc's rules
// (no host = listener, mode override, listener binds the URI's address),
// every socket-option key, and clear errors for values that cannot work.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "srt_uri.hpp"

using srtcore::io::Mode;
using srtrtp::parse_srt_uri;
using srtrtp::SrtMode;
using srtrtp::SrtParams;
using srtrtp::to_endpoint_config;
using std::chrono::milliseconds;

namespace {

SrtParams parse_ok(const std::string &uri) {
  std::string err;
  auto p = parse_srt_uri(uri, &err);
  EXPECT_TRUE(p.has_value()) << uri << ": " << err;
  return p ? *p : SrtParams{};
}

srtcore::io::EndpointConfig config_ok(const std::string &uri) {
  std::string err;
  auto c = to_endpoint_config(parse_ok(uri), &err);
  EXPECT_TRUE(c.has_value()) << uri << ": " << err;
  return c ? *c : srtcore::io::EndpointConfig{};
}

std::string parse_error(const std::string &uri) {
  std::string err;
  EXPECT_FALSE(parse_srt_uri(uri, &err).has_value()) << uri;
  return err;
}

std::string config_error(const std::string &uri) {
  std::string err;
  EXPECT_FALSE(to_endpoint_config(parse_ok(uri), &err).has_value()) << uri;
  return err;
}

}  // namespace

TEST(SrtUri, DefaultUriIsCallerTo127001Port7001) {
  const auto c = config_ok(srtrtp::kSrtDefaultUri);
  EXPECT_EQ(c.mode, Mode::kCaller);
  EXPECT_EQ(c.host, "127.0.0.1");
  EXPECT_EQ(c.port, 7001);
  EXPECT_EQ(c.local_port, 0);
  // srtsrc/srtsink default to 125 ms in both directions.
  EXPECT_EQ(c.connection.recv_latency, milliseconds(125));
  EXPECT_EQ(c.connection.peer_latency, milliseconds(125));
  EXPECT_EQ(c.connection.payload_size, 1316u);
}

TEST(SrtUri, NoHostMeansListenerOnAnyAddress) {
  const auto p = parse_ok("srt://:7002");
  EXPECT_EQ(p.mode, SrtMode::kListener);
  const auto c = config_ok("srt://:7002");
  EXPECT_EQ(c.mode, Mode::kListener);
  EXPECT_EQ(c.host, "");
  EXPECT_EQ(c.port, 7002);
  // Even mode=caller cannot call nobody: srtsrc listens then too.
  EXPECT_EQ(config_ok("srt://:7003?mode=caller").mode, Mode::kListener);
}

TEST(SrtUri, ModeKeyOverridesAndListenerBindsUriAddress) {
  const auto c = config_ok("srt://127.0.0.1:5000?mode=listener");
  EXPECT_EQ(c.mode, Mode::kListener);
  EXPECT_EQ(c.host, "127.0.0.1");
  EXPECT_EQ(c.port, 5000);
  const auto l = config_ok("srt://127.0.0.1:5000?mode=listener&localaddress=::&localport=6000");
  EXPECT_EQ(l.host, "::");
  EXPECT_EQ(l.port, 6000);
  EXPECT_EQ(config_ok("srt://h:1?mode=server").mode, Mode::kListener);
  EXPECT_EQ(config_ok("srt://h:1?mode=client").mode, Mode::kCaller);
}

TEST(SrtUri, RendezvousBindsThePortItCalls) {
  const auto c = config_ok("srt://192.0.2.1:4200?mode=rendezvous");
  EXPECT_EQ(c.mode, Mode::kRendezvous);
  EXPECT_EQ(c.host, "192.0.2.1");
  EXPECT_EQ(c.port, 4200);
  EXPECT_EQ(c.local_port, 4200);
  EXPECT_EQ(config_ok("srt://192.0.2.1:4200?mode=rendezvous&localport=4300").local_port, 4300);
}

TEST(SrtUri, CallerLocalBinding) {
  const auto c = config_ok("srt://192.0.2.1:4200?localaddress=127.0.0.1&localport=5555");
  EXPECT_EQ(c.local_address, "127.0.0.1");
  EXPECT_EQ(c.local_port, 5555);
}

TEST(SrtUri, Ipv6Host) {
  const auto c = config_ok("srt://[::1]:4200");
  EXPECT_EQ(c.mode, Mode::kCaller);
  EXPECT_EQ(c.host, "::1");
  EXPECT_EQ(c.port, 4200);
}

TEST(SrtUri, LatencyKeysAsLibsrtAppliesThem) {
  auto c = config_ok("srt://h:1?latency=300");
  EXPECT_EQ(c.connection.recv_latency, milliseconds(300));
  EXPECT_EQ(c.connection.peer_latency, milliseconds(300));
  c = config_ok("srt://h:1?latency=300&rcvlatency=80&peerlatency=90");
  EXPECT_EQ(c.connection.recv_latency, milliseconds(80));
  EXPECT_EQ(c.connection.peer_latency, milliseconds(90));
}

TEST(SrtUri, EverySocketOptionKeyReachesTheConfig) {
  const auto c = config_ok(
      "srt://h:1?streamid=%23!::r=live/cam1,m=publish&maxbw=1000000&inputbw=500000&oheadbw=50"
      "&payloadsize=1000&mss=1400&fc=1000&sndbuf=1372000&rcvbuf=2744000&conntimeo=1500"
      "&peeridletimeo=2500&tlpktdrop=0&nakreport=no&tsbpdmode=1&messageapi=true"
      "&transtype=live&congestion=live");
  const auto &cc = c.connection;
  EXPECT_EQ(cc.stream_id, "#!::r=live/cam1,m=publish");
  EXPECT_EQ(cc.maxbw, 1000000);
  EXPECT_EQ(cc.inputbw, 500000);
  EXPECT_EQ(cc.oheadbw, 50);
  EXPECT_EQ(cc.payload_size, 1000u);
  EXPECT_EQ(cc.mss, 1400u);
  EXPECT_EQ(cc.flow_window, 1000u);
  EXPECT_EQ(cc.send_buffer_packets, 1000u);  // bytes / (mss - 28)
  EXPECT_EQ(cc.recv_buffer_packets, 2000u);
  EXPECT_EQ(cc.connect_timeout, milliseconds(1500));
  EXPECT_EQ(cc.peer_idle_timeout, milliseconds(2500));
  EXPECT_FALSE(cc.tlpktdrop);
  EXPECT_FALSE(cc.nakreport);
}

TEST(SrtUri, LibsrtKeysWithoutEffectAreAcceptedAndListed) {
  const auto p = parse_ok("srt://h:1?ipttl=64&iptos=0&drifttracer=1&lossmaxttl=0&snddropdelay=0");
  EXPECT_EQ(p.ignored_keys.size(), 5u);
  EXPECT_TRUE(p.unknown_keys.empty());
  const auto q = parse_ok("srt://h:1?frobnicate=1");
  ASSERT_EQ(q.unknown_keys.size(), 1u);
  EXPECT_EQ(q.unknown_keys[0], "frobnicate");
}

TEST(SrtUri, PollTimeoutAndPassphraseKeys) {
  const auto p = parse_ok("srt://h:1?poll-timeout=250&pbkeylen=16");
  EXPECT_EQ(p.poll_timeout_ms, 250);
  EXPECT_EQ(p.pbkeylen, 16);
}

TEST(SrtUri, StreamIdOnlyForCallers) {
  EXPECT_EQ(config_ok("srt://:7001?streamid=abc").connection.stream_id, "");
  EXPECT_EQ(config_ok("srt://h:7001?streamid=abc").connection.stream_id, "abc");
}

TEST(SrtUri, NormalisedUriIsKept) {
  EXPECT_EQ(parse_ok("srt://127.0.0.1:7001?latency=300").uri, "srt://127.0.0.1:7001?latency=300");
}

TEST(SrtUri, BadUrisSayWhatIsWrong) {
  EXPECT_NE(parse_error("udp://127.0.0.1:5000").find("not an srt:// URI"), std::string::npos);
  EXPECT_NE(parse_error("").find("not an srt:// URI"), std::string::npos);
  EXPECT_NE(parse_error("srt://h:1?latency=abc").find("latency=abc"), std::string::npos);
  EXPECT_NE(parse_error("srt://h:1?latency=-5").find("latency"), std::string::npos);
  EXPECT_NE(parse_error("srt://h:1?mode=sideways").find("caller, listener or rendezvous"),
            std::string::npos);
  EXPECT_NE(parse_error("srt://h:1?localport=70000").find("localport"), std::string::npos);
  EXPECT_NE(parse_error("srt://h:1?oheadbw=1").find("5 to 100"), std::string::npos);
  EXPECT_NE(parse_error("srt://h:1?tlpktdrop=maybe").find("tlpktdrop"), std::string::npos);
  EXPECT_NE(parse_error("srt://h:1?pbkeylen=15").find("0, 16, 24 or 32"), std::string::npos);
  EXPECT_NE(parse_error("srt://h:1?maxbw=-2").find("maxbw"), std::string::npos);
}

TEST(SrtUri, SettingsThatCannotWorkAreRefused) {
  EXPECT_NE(config_error("srt://h:1?payloadsize=1457").find("payloadsize 1457"), std::string::npos);
  EXPECT_NE(config_error("srt://h:1?mss=1000&payloadsize=1000").find("at most 956"),
            std::string::npos);
  EXPECT_NE(config_error("srt://h:1?transtype=file").find("live mode"), std::string::npos);
  EXPECT_NE(config_error("srt://h:1?messageapi=0").find("live mode"), std::string::npos);
  EXPECT_NE(config_error("srt://h:1?passphrase=012345678").find("10 to 79"), std::string::npos);
  EXPECT_NE(config_error("srt://h:1?passphrase=" + std::string(80, 'p')).find("10 to 79"),
            std::string::npos);
  EXPECT_NE(config_error("srt://h:1?packetfilter=fec,cols:1").find("'cols' must be"),
            std::string::npos);
  EXPECT_NE(config_error("srt://h:1?packetfilter=rs,k:4").find("unknown packet filter"),
            std::string::npos);
  EXPECT_NE(config_error("srt://h:1?packetfilter=fec,cols:4&passphrase=0123456789&cryptomode=2")
                .find("AES-GCM"),
            std::string::npos);
  EXPECT_NE(config_error("srt://h:1?streamid=" + std::string(513, 'x')).find("512"),
            std::string::npos);
}

TEST(SrtUri, PacketFilterKeyReachesTheConnection) {
  EXPECT_EQ(
      config_ok("srt://h:1?packetfilter=fec,cols:10,rows:5,arq:never").connection.packet_filter,
      "fec,cols:10,rows:5,arq:never");
  EXPECT_EQ(config_ok("srt://h:1?packetfilter=fec").connection.packet_filter, "fec");
  EXPECT_EQ(config_ok("srt://h:1").connection.packet_filter, "");
}

TEST(SrtUri, CryptoModeTakesLibsrtsNumbers) {
  using srtcore::srt::CryptoMode;
  EXPECT_EQ(config_ok("srt://h:1?passphrase=0123456789").connection.crypto_mode, CryptoMode::kAuto);
  EXPECT_EQ(config_ok("srt://h:1?passphrase=0123456789&cryptomode=1").connection.crypto_mode,
            CryptoMode::kAesCtr);
  EXPECT_EQ(config_ok("srt://h:1?passphrase=0123456789&cryptomode=2").connection.crypto_mode,
            CryptoMode::kAesGcm);
  EXPECT_NE(parse_error("srt://h:1?cryptomode=3").find("2 (AES-GCM)"), std::string::npos);
  EXPECT_NE(parse_error("srt://h:1?cryptomode=gcm").find("cryptomode"), std::string::npos);
  // The tag must fit: libsrt shortens the payload limit by 16 bytes with GCM.
  EXPECT_NE(config_error("srt://h:1?passphrase=0123456789&cryptomode=2&payloadsize=1456")
                .find("at most 1440"),
            std::string::npos);
  EXPECT_TRUE(config_ok("srt://h:1?passphrase=0123456789&cryptomode=2&payloadsize=1440")
                  .connection.payload_size == 1440u);
}

TEST(SrtUri, PassphraseAndKeyLengthReachTheConnection) {
  const auto c = config_ok("srt://h:1?passphrase=0123456789&pbkeylen=24");
  EXPECT_EQ(c.connection.passphrase, "0123456789");
  EXPECT_EQ(c.connection.pbkeylen, 24u);
  const auto longest = config_ok("srt://h:1?passphrase=" + std::string(79, 'p'));
  EXPECT_EQ(longest.connection.passphrase.size(), 79u);
  EXPECT_EQ(longest.connection.pbkeylen, 0u);
  const auto refresh =
      config_ok("srt://h:1?passphrase=0123456789&kmrefreshrate=1000&kmpreannounce=499");
  EXPECT_EQ(refresh.connection.km_refresh_rate, 1000u);
  EXPECT_EQ(refresh.connection.km_preannounce, 499u);
  EXPECT_NE(config_error("srt://h:1?passphrase=0123456789&kmrefreshrate=1000&kmpreannounce=500")
                .find("km-preannounce"),
            std::string::npos);
}

TEST(SrtUri, SmallMssShrinksTheDefaultPayload) {
  EXPECT_EQ(config_ok("srt://h:1?mss=1000").connection.payload_size, 956u);
}
