// Hostile input at a Listener and at running connections: random datagrams,
// truncated packets, bad cookies, wrong versions, handshake floods from many
// addresses, malformed control packets. All of it is dropped and counted;
// nothing crashes, the listener keeps no state for it, and a running stream
// delivers every message as if nothing had happened.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <random>
#include <vector>

#include "engine_pair.hpp"
#include "srt/handshake.hpp"
#include "srt/listener.hpp"
#include "srt/packet.hpp"

namespace srtcore::srt {
namespace {

using std::chrono::milliseconds;
using Bytes = std::vector<std::uint8_t>;

const TimePoint kNow{std::chrono::minutes(5000)};

Bytes handshake(std::uint32_t version, std::uint32_t type, std::uint32_t cookie,
                std::uint32_t socket_id = 0x1234, bool hsreq = false) {
  HandshakeBody b;
  b.version = version;
  b.extension = version == 4 ? kUdtDgram : 0;
  b.isn = 1000;
  b.type = type;
  b.socket_id = socket_id;
  b.cookie = cookie;
  Bytes out(256);
  HandshakeBuilder hb(out, b, 0, 0);
  if (hsreq) {
    HsReq r;
    r.flags = kSrtFlagTsbpdSnd | kSrtFlagTsbpdRcv | kSrtFlagCrypt | kSrtFlagTlPktDrop |
              kSrtFlagRexmitFlag;
    hb.add_hsreq(ExtType::kHsReq, r);
  }
  out.resize(hb.size());
  return out;
}

struct ListenerFixture : ::testing::Test {
  SeededRandom rnd{99};
  NetAddress local = NetAddress::v4(10, 0, 0, 2, 6000);
  // A small connection bound, so floods reach it.
  Listener listener{ListenerConfig{.max_connections = 50}, local, rnd};
  Bytes reply = Bytes(1500);

  Listener::Result feed(const NetAddress &from, const Bytes &d) {
    return listener.handle_datagram(kNow, from, d, reply);
  }
  // The cookie the listener hands `from` in its induction answer.
  std::uint32_t cookie_for(const NetAddress &from) {
    auto r = feed(from, handshake(4, hs_type::kInduction, 0));
    EXPECT_GT(r.reply_size, 0u);
    auto h = parse_handshake(*parse_control_packet(ByteSpan(reply).first(r.reply_size)));
    return h->body.cookie;
  }
};

TEST_F(ListenerFixture, RandomDatagramsAreCountedAndIgnored) {
  std::mt19937 gen(7);
  const NetAddress from = NetAddress::v4(192, 0, 2, 1, 4000);
  constexpr int kCount = 50000;
  for (int i = 0; i < kCount; ++i) {
    Bytes d(gen() % 200);
    for (auto &b : d) b = static_cast<std::uint8_t>(gen());
    if (i % 2 == 0 && d.size() >= 16) {
      d[0] = 0x80;  // make half of them control handshakes to get deeper
      d[1] = 0x00;
      put_u32(d.data() + 12, 0);
    }
    auto r = feed(from, d);
    EXPECT_EQ(r.accepted, nullptr);
  }
  const ListenerStats &s = listener.stats();
  EXPECT_EQ(s.accepted, 0u);
  EXPECT_EQ(listener.remembered(), 0u);
  // Every datagram landed in exactly one counter (a random one may even be
  // a well-formed induction, which is answered statelessly).
  EXPECT_EQ(s.inductions + s.malformed + s.bad_cookie + s.bad_version + s.ignored + s.rejected,
            static_cast<std::uint64_t>(kCount));
  EXPECT_GT(s.malformed, 0u);
  EXPECT_GT(s.ignored, 0u);
}

TEST_F(ListenerFixture, TruncatedHandshakesNeverGetAnAnswer) {
  const NetAddress from = NetAddress::v4(192, 0, 2, 2, 4000);
  const Bytes ind = handshake(4, hs_type::kInduction, 0);
  const Bytes con = handshake(5, hs_type::kConclusion, cookie_for(from), 0x1234, true);
  for (const Bytes *full : {&ind, &con}) {
    for (std::size_t n = 0; n < full->size(); ++n) {
      const Bytes cut(full->begin(), full->begin() + static_cast<std::ptrdiff_t>(n));
      auto r = feed(from, cut);
      // A whole body without (or with a cut) HSREQ is a rogue conclusion: refused.
      const bool answered_reject = full == &con && n >= 64;
      if (!answered_reject) {
        EXPECT_EQ(r.reply_size, 0u) << n;
      }
      EXPECT_EQ(r.accepted, nullptr) << n;
    }
  }
  EXPECT_EQ(listener.stats().accepted, 0u);
  EXPECT_GT(listener.stats().malformed, 60u);
}

TEST_F(ListenerFixture, BadCookiesAndWrongVersionsKeepNoState) {
  const NetAddress from = NetAddress::v4(192, 0, 2, 3, 4000);
  const std::uint32_t good = cookie_for(from);
  for (std::uint32_t c : {0u, 1u, good ^ 1u, good + 1u, 0xFFFFFFFFu}) {
    auto r = feed(from, handshake(5, hs_type::kConclusion, c, 0x1234, true));
    EXPECT_EQ(r.reply_size, 0u);
    EXPECT_EQ(r.accepted, nullptr);
  }
  EXPECT_EQ(listener.stats().bad_cookie, 5u);
  // The right cookie from another port is a bad cookie too.
  NetAddress other = from;
  other.port = 4001;
  EXPECT_EQ(feed(other, handshake(5, hs_type::kConclusion, good, 0x1234, true)).reply_size, 0u);
  EXPECT_EQ(listener.stats().bad_cookie, 6u);
  // Versions nobody speaks get no answer to their induction.
  for (std::uint32_t v : {0u, 3u, 6u, 0xFFFFFFFFu}) {
    EXPECT_EQ(feed(from, handshake(v, hs_type::kInduction, 0)).reply_size, 0u);
  }
  EXPECT_EQ(listener.stats().bad_version, 4u);
  // An HSv4 conclusion with a valid cookie is refused with SRT_REJ_VERSION.
  auto r = feed(from, handshake(4, hs_type::kConclusion, good));
  ASSERT_GT(r.reply_size, 0u);
  auto h = parse_handshake(*parse_control_packet(ByteSpan(reply).first(r.reply_size)));
  EXPECT_EQ(h->body.type, rejection_handshake_type(RejectReason::kVersion));
  // A conclusion without HSREQ is rogue.
  r = feed(from, handshake(5, hs_type::kConclusion, good));
  h = parse_handshake(*parse_control_packet(ByteSpan(reply).first(r.reply_size)));
  EXPECT_EQ(h->body.type, rejection_handshake_type(RejectReason::kRogue));
  EXPECT_EQ(listener.stats().accepted, 0u);
  EXPECT_EQ(listener.remembered(), 0u);
}

TEST_F(ListenerFixture, FloodsFromManyAddressesStayBounded) {
  // Inductions from 20000 addresses: each answered, none remembered.
  for (std::uint32_t i = 0; i < 20000; ++i) {
    const NetAddress from = NetAddress::v4(198, 51, static_cast<std::uint8_t>(i >> 8),
                                           static_cast<std::uint8_t>(i), 1000);
    auto r = feed(from, handshake(4, hs_type::kInduction, 0, i + 1));
    EXPECT_EQ(r.reply_size, 64u);  // no amplification: the answer is as long as the request
  }
  EXPECT_EQ(listener.remembered(), 0u);
  EXPECT_EQ(listener.stats().inductions, 20000u);
  // Valid conclusions from 100 addresses: the first max_connections (50
  // here) are accepted and remembered, the rest refused with SRT_REJ_BACKLOG.
  std::vector<std::uint32_t> ids;
  for (std::uint32_t i = 0; i < 100; ++i) {
    const NetAddress from = NetAddress::v4(203, 0, 113, static_cast<std::uint8_t>(i), 2000);
    auto r = feed(from, handshake(5, hs_type::kConclusion, cookie_for(from), i + 1, true));
    EXPECT_EQ(r.accepted != nullptr, i < 50) << i;
    if (r.accepted) ids.push_back(r.accepted->local_socket_id());
    if (i >= 50) {
      auto h = parse_handshake(*parse_control_packet(ByteSpan(reply).first(r.reply_size)));
      ASSERT_TRUE(h);
      EXPECT_EQ(h->body.type, rejection_handshake_type(RejectReason::kBacklog));
    }
  }
  EXPECT_EQ(listener.remembered(), 50u);
  EXPECT_EQ(listener.stats().accepted, 50u);
  EXPECT_EQ(listener.stats().full, 50u);
  // One leaves: the next caller takes its place.
  listener.forget(ids[7]);
  EXPECT_EQ(listener.remembered(), 49u);
  const NetAddress late = NetAddress::v4(203, 0, 113, 200, 2000);
  EXPECT_NE(feed(late, handshake(5, hs_type::kConclusion, cookie_for(late), 500, true)).accepted,
            nullptr);
  EXPECT_EQ(listener.remembered(), 50u);
}

TEST_F(ListenerFixture, RepeatedConclusionsOfManyCallersGetTheirOwnAnswerAgain) {
  // Our answers to 200 callers were all lost: each repeats its conclusion
  // and gets the same answer, not a second connection (the listener used to
  // remember only the last 16 callers).
  std::vector<Bytes> first_answers;
  for (std::uint32_t i = 0; i < 200; ++i) {
    const NetAddress from = NetAddress::v4(198, 18, static_cast<std::uint8_t>(i >> 8),
                                           static_cast<std::uint8_t>(i), 3000);
    auto r = feed(from, handshake(5, hs_type::kConclusion, cookie_for(from), i + 1, true));
    if (i < 50) {
      ASSERT_NE(r.accepted, nullptr);
      first_answers.emplace_back(reply.begin(), reply.begin() + static_cast<long>(r.reply_size));
    }
  }
  for (std::uint32_t i = 0; i < 50; ++i) {
    const NetAddress from = NetAddress::v4(198, 18, static_cast<std::uint8_t>(i >> 8),
                                           static_cast<std::uint8_t>(i), 3000);
    auto r = feed(from, handshake(5, hs_type::kConclusion, cookie_for(from), i + 1, true));
    EXPECT_EQ(r.accepted, nullptr) << i;
    EXPECT_EQ(Bytes(reply.begin(), reply.begin() + static_cast<long>(r.reply_size)),
              first_answers[i])
        << i;
  }
  EXPECT_EQ(listener.stats().repeated, 50u);
}

// A stream runs while garbage is thrown at both connections and at the
// listener: every message still arrives, and the garbage is counted.
TEST(HostileInput, RunningStreamIsUnaffected) {
  testing::EnginePair p(testing::EnginePair::Kind::kCallerListener, ConnectionConfig{},
                        ConnectionConfig{});
  p.run_for(milliseconds(500), [&] { return p.connected(0) && p.connected(1); });
  ASSERT_TRUE(p.connected(0) && p.connected(1));
  std::mt19937 gen(3);
  const std::uint32_t ids[2] = {p.side(0)->local_socket_id(), p.side(1)->local_socket_id()};
  auto garbage = [&](int to) {
    Bytes d(gen() % 120);
    for (auto &b : d) b = static_cast<std::uint8_t>(gen());
    switch (gen() % 5) {
      case 0:  // truncated
        d.resize(gen() % 16);
        break;
      case 1:  // someone else's socket
        if (d.size() >= 16) put_u32(d.data() + 12, ids[to] ^ 0x5A5A);
        break;
      case 2:  // our socket, control of a type we do not know or a bad body size
        if (d.size() >= 16) {
          const std::uint16_t types[] = {0x8002, 0x8003, 0x8006, 0x8009, 0x8100, 0xFFFF};
          put_u16(d.data(), types[gen() % 6]);
          put_u32(d.data() + 12, ids[to]);
          if (d.size() % 4 == 0) d.push_back(0);  // never a whole number of words
        }
        break;
      case 3:  // a handshake of any kind
        d = handshake(gen() % 7, gen(), gen(), gen());
        put_u32(d.data() + 12, gen() % 2 ? 0 : ids[to]);
        break;
      default:  // a NAK with an invalid range
        d.assign(24, 0);
        put_u16(d.data(), 0x8003);
        put_u32(d.data() + 12, ids[to]);
        put_u32(d.data() + 16, 0x80000010);
        put_u32(d.data() + 20, 0x00000001);
        break;
    }
    return d;
  };
  constexpr int kMessages = 300;
  std::vector<std::uint8_t> m(1000);
  for (int i = 0; i < kMessages + 10; ++i) {
    put_u32(m.data(), static_cast<std::uint32_t>(i));
    ASSERT_TRUE(p.side(0)->send_message(p.now(), m));
    for (int k = 0; k < 20; ++k) p.inject(k % 2, garbage(k % 2));
    p.run_for(milliseconds(2));
  }
  p.run_for(milliseconds(1000));
  ASSERT_GE(p.received[1].size(), static_cast<std::size_t>(kMessages));
  for (int i = 0; i < kMessages; ++i) {
    EXPECT_EQ(get_u32(p.received[1][static_cast<std::size_t>(i)].bytes.data()),
              static_cast<std::uint32_t>(i));
  }
  EXPECT_EQ(p.side(0)->state(), ConnectionState::kConnected);
  EXPECT_EQ(p.side(1)->state(), ConnectionState::kConnected);
  EXPECT_GT(p.side(0)->stats(p.now()).pktRcvInvalid, 100);
  EXPECT_GT(p.side(1)->stats(p.now()).pktRcvInvalid, 100);
  EXPECT_EQ(p.side(1)->stats(p.now()).pktRcvDrop, 0);
  EXPECT_EQ(p.listener().stats().accepted, 1u);
}

}  // namespace
}  // namespace srtcore::srt
