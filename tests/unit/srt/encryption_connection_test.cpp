// Encrypted connections between two of our engines in virtual time:
// caller/listener and rendezvous at every key length, key length
// negotiation, the refusals of enforced encryption (wrong passphrase,
// passphrase on one side only) seen from both sides, and data that must
// never reach the application (clear text on an encrypted connection,
// ciphertext without a key).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "engine_pair.hpp"
#include "srt/control.hpp"
#include "srt/handshake.hpp"
#include "srt/packet.hpp"
#include "srt/stream_crypto.hpp"

namespace srtcore::srt {
namespace {

using std::chrono::milliseconds;
using testing::EnginePair;

constexpr const char *kSecret = "correct horse battery";

std::vector<std::uint8_t> message(std::uint32_t i, std::size_t n = 1316) {
  std::vector<std::uint8_t> m(n);
  for (std::size_t k = 0; k < n; ++k) m[k] = static_cast<std::uint8_t>(i * 29 + k * 3);
  return m;
}

ConnectionConfig secret(std::size_t pbkeylen = 0, const char *pass = kSecret) {
  ConnectionConfig c;
  c.passphrase = pass;
  c.pbkeylen = pbkeylen;
  return c;
}

// Sends `count` messages each way; every data datagram on the wire must be
// encrypted (KK set, payload not the message) and every message arrive.
void stream_encrypted(EnginePair &p, int count, int lose_every = 0) {
  int clear_on_wire = 0, plain_on_wire = 0, data = 0, rexmit = 0;
  std::vector<std::vector<std::uint8_t>> sent;
  for (int i = 0; i < count; ++i) sent.push_back(message(static_cast<std::uint32_t>(i)));
  p.set_hook([&](int, std::vector<std::uint8_t> &b) {
    if (is_control_packet(b)) return true;
    const auto d = parse_data_packet(b);
    if (!d) return true;
    ++data;
    if (d->header.key == KeyFlags::kClear) ++clear_on_wire;
    if (d->header.retransmitted) ++rexmit;
    for (const auto &m : sent) {
      if (d->payload.size() == m.size() && std::equal(m.begin(), m.end(), d->payload.begin())) {
        ++plain_on_wire;
      }
    }
    return lose_every == 0 || data % lose_every != 0;
  });
  for (int i = 0; i < count; ++i) {
    ASSERT_TRUE(p.side(0)->send_message(p.now(), sent[static_cast<std::size_t>(i)]));
    ASSERT_TRUE(p.side(1)->send_message(p.now(), sent[static_cast<std::size_t>(i)]));
    p.run_for(milliseconds(5));
  }
  // One more each way: a lost last packet has no successor to reveal it.
  ASSERT_TRUE(p.side(0)->send_message(p.now(), message(9999, 10)));
  ASSERT_TRUE(p.side(1)->send_message(p.now(), message(9999, 10)));
  p.run_for(milliseconds(2000));
  EXPECT_EQ(clear_on_wire, 0);
  EXPECT_EQ(plain_on_wire, 0);
  if (lose_every) {
    EXPECT_GT(rexmit, 0);
  }
  for (int side = 0; side < 2; ++side) {
    SCOPED_TRACE(side);
    ASSERT_GE(p.received[side].size(), static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
      EXPECT_EQ(p.received[side][static_cast<std::size_t>(i)].bytes,
                sent[static_cast<std::size_t>(i)]);
    }
    const Stats st = p.side(side)->stats(p.now());
    EXPECT_EQ(st.pktRcvUndecrypt, 0);
    EXPECT_EQ(st.kmState, static_cast<int>(KmState::kSecured));
  }
}

class EncryptedPair : public ::testing::TestWithParam<std::size_t> {};

TEST_P(EncryptedPair, CallerListenerCarriesDataThroughLossAndRetransmission) {
  const std::size_t len = GetParam();
  EnginePair p(EnginePair::Kind::kCallerListener, secret(len), secret(len));
  p.run_for(milliseconds(1000), [&] { return p.connected(0) && p.connected(1); });
  ASSERT_TRUE(p.connected(0) && p.connected(1));
  EXPECT_EQ(p.events[0].front().negotiated.key_length, len);
  EXPECT_EQ(p.events[1].front().negotiated.key_length, len);
  EXPECT_EQ(p.side(0)->stats(p.now()).pbKeyLen, static_cast<int>(len));
  stream_encrypted(p, 150, 9);
}

TEST_P(EncryptedPair, RendezvousCarriesDataBothWays) {
  const std::size_t len = GetParam();
  EnginePair p(EnginePair::Kind::kRendezvous, secret(len), secret(len));
  p.run_for(milliseconds(3000), [&] { return p.connected(0) && p.connected(1); });
  ASSERT_TRUE(p.connected(0) && p.connected(1));
  EXPECT_EQ(p.side(0)->km_state(), KmState::kSecured);
  EXPECT_EQ(p.side(1)->km_state(), KmState::kSecured);
  stream_encrypted(p, 100, 11);
}

INSTANTIATE_TEST_SUITE_P(KeyLengths, EncryptedPair, ::testing::Values(16u, 24u, 32u));

TEST(EncryptionHandshake, KeyLengthFollowsTheInitiatorOrTheListenersAdvert) {
  struct Case {
    std::size_t caller, listener, expected;
  };
  for (const Case c : {Case{0, 0, 16}, Case{0, 32, 32}, Case{24, 32, 24}, Case{32, 0, 32}}) {
    SCOPED_TRACE(std::to_string(c.caller) + "/" + std::to_string(c.listener));
    EnginePair p(EnginePair::Kind::kCallerListener, secret(c.caller), secret(c.listener));
    p.run_for(milliseconds(1000), [&] { return p.connected(0) && p.connected(1); });
    ASSERT_TRUE(p.connected(0) && p.connected(1));
    EXPECT_EQ(p.events[0].front().negotiated.key_length, c.expected);
    EXPECT_EQ(p.events[1].front().negotiated.key_length, c.expected);
  }
}

struct Refusal {
  ConnectionConfig caller, listener;
  RejectReason reason;
  const char *caller_says;  // part of the caller's event detail
};

TEST(EncryptionHandshake, RefusalsSayWhichAndWhatToSet) {
  const Refusal cases[] = {
      {secret(16, "correct horse battery"), secret(16, "incorrect horse battery"),
       RejectReason::kBadSecret, "the passphrases differ"},
      {secret(), ConnectionConfig{}, RejectReason::kUnsecure, "only this side has a passphrase"},
      {ConnectionConfig{}, secret(), RejectReason::kUnsecure, "the peer requires encryption"},
  };
  for (const Refusal &r : cases) {
    SCOPED_TRACE(r.caller_says);
    EnginePair p(EnginePair::Kind::kCallerListener, r.caller, r.listener);
    p.run_for(milliseconds(1000), [&] { return !p.events[0].empty(); });
    ASSERT_EQ(p.events[0].size(), 1u);
    const ConnectionEvent &e = p.events[0][0];
    EXPECT_EQ(e.kind, ConnectionEvent::Kind::kRejected);
    EXPECT_EQ(e.reject_code, static_cast<std::uint32_t>(r.reason));
    EXPECT_NE(e.detail.find(r.caller_says), std::string::npos) << e.detail;
    EXPECT_EQ(p.side(1), nullptr);  // the listener made no connection
    EXPECT_EQ(p.listener().stats().rejected, 1u);
    EXPECT_EQ(p.listener().stats().accepted, 0u);
    // libsrt's meaning: no secret to match the peer's (either side).
    EXPECT_EQ(p.side(0)->km_state(),
              r.reason == RejectReason::kBadSecret ? KmState::kBadSecret : KmState::kNoSecret);
  }
}

TEST(EncryptionHandshake, RendezvousRefusalsReachBothPeers) {
  const Refusal cases[] = {
      {secret(16, "correct horse battery"), secret(16, "incorrect horse battery"),
       RejectReason::kBadSecret, ""},
      {secret(), ConnectionConfig{}, RejectReason::kUnsecure, ""},
      {ConnectionConfig{}, secret(), RejectReason::kUnsecure, ""},
  };
  for (const Refusal &r : cases) {
    EnginePair p(EnginePair::Kind::kRendezvous, r.caller, r.listener);
    p.run_for(milliseconds(3000), [&] { return !p.events[0].empty() && !p.events[1].empty(); });
    for (int side = 0; side < 2; ++side) {
      SCOPED_TRACE(side);
      ASSERT_FALSE(p.events[side].empty());
      EXPECT_EQ(p.events[side][0].kind, ConnectionEvent::Kind::kRejected);
      EXPECT_EQ(p.events[side][0].reject_code, static_cast<std::uint32_t>(r.reason));
    }
  }
}

TEST(EncryptionHandshake, InvalidPassphraseOrKeyLengthFailsAtOnce) {
  for (const ConnectionConfig &c : {secret(16, "short"), secret(20)}) {
    EnginePair p(EnginePair::Kind::kCallerListener, c, ConnectionConfig{});
    p.run_for(milliseconds(100), [&] { return !p.events[0].empty(); });
    ASSERT_EQ(p.events[0].size(), 1u);
    EXPECT_EQ(p.events[0][0].kind, ConnectionEvent::Kind::kBroken);
    EXPECT_EQ(p.datagrams_sent[0], 0u);
  }
}

// A forged data packet for socket `dest` with payload `m`, as if the peer
// had sent it with key flags `kk`.
std::vector<std::uint8_t> forged_data(std::uint32_t dest, std::uint32_t seq, KeyFlags kk,
                                      const std::vector<std::uint8_t> &m) {
  std::vector<std::uint8_t> b(kHeaderSize + m.size());
  DataHeader h;
  h.seq = seq;
  h.key = kk;
  h.msgno = 1;
  h.dest_socket = dest;
  EXPECT_EQ(write_data_header(h, b), kHeaderSize);
  std::copy(m.begin(), m.end(), b.begin() + kHeaderSize);
  return b;
}

TEST(EncryptionData, ClearTextOnAnEncryptedConnectionIsNeverDelivered) {
  EnginePair p(EnginePair::Kind::kCallerListener, secret(), secret());
  p.run_for(milliseconds(1000), [&] { return p.connected(0) && p.connected(1); });
  ASSERT_TRUE(p.connected(1));
  const std::uint32_t seq = p.events[1].front().negotiated.recv_isn;
  const auto m = message(1);
  for (const KeyFlags kk : {KeyFlags::kClear, KeyFlags::kOdd, KeyFlags::kBoth}) {
    p.inject(1, forged_data(p.side(1)->local_socket_id(), seq, kk, m));
  }
  p.run_for(milliseconds(1000));
  EXPECT_TRUE(p.received[1].empty());
  const Stats st = p.side(1)->stats(p.now());
  EXPECT_EQ(st.pktRcvUndecrypt, 3);
  EXPECT_EQ(st.byteRcvUndecrypt, 3 * m.size());
  EXPECT_EQ(st.pktRecvUnique, 0);
}

TEST(EncryptionData, CiphertextWithoutAKeyIsCountedNotDelivered) {
  EnginePair p(EnginePair::Kind::kCallerListener, ConnectionConfig{}, ConnectionConfig{});
  p.run_for(milliseconds(1000), [&] { return p.connected(0) && p.connected(1); });
  ASSERT_TRUE(p.connected(1));
  const std::uint32_t seq = p.events[1].front().negotiated.recv_isn;
  p.inject(1, forged_data(p.side(1)->local_socket_id(), seq, KeyFlags::kEven, message(2)));
  p.run_for(milliseconds(1000));
  EXPECT_TRUE(p.received[1].empty());
  EXPECT_EQ(p.side(1)->stats(p.now()).pktRcvUndecrypt, 1);
  EXPECT_EQ(p.side(1)->km_state(), KmState::kUnsecured);
}

}  // namespace
}  // namespace srtcore::srt

namespace srtcore::srt {
namespace {

// Keys refreshed every 40 packets (announced 10 ahead) both ways, with data
// loss and the first copy of every KMREQ lost: the repeats get through,
// every message arrives, nothing is undecryptable, both keys were used.
TEST(EncryptionRefresh, KeysRefreshBothWaysThroughLossOfDataAndAnnouncements) {
  ConnectionConfig c = secret(16);
  c.km_refresh_rate = 40;
  c.km_preannounce = 10;
  EnginePair p(EnginePair::Kind::kCallerListener, c, c);
  p.run_for(milliseconds(1000), [&] { return p.connected(0) && p.connected(1); });
  ASSERT_TRUE(p.connected(0) && p.connected(1));
  int kmreq_seen = 0, kmreq_lost = 0, kmrsp_seen = 0, data = 0;
  int by_key[4] = {0, 0, 0, 0};
  std::vector<std::vector<std::uint8_t>> seen_km;
  p.set_hook([&](int, std::vector<std::uint8_t> &b) {
    if (is_control_packet(b)) {
      const auto pkt = parse_control_packet(b);
      if (!pkt || pkt->header.type != ControlType::kUserDefined) return true;
      if (pkt->header.subtype == 4) ++kmrsp_seen;
      if (pkt->header.subtype != 3) return true;
      ++kmreq_seen;
      std::vector<std::uint8_t> body(pkt->body.begin(), pkt->body.end());
      if (std::find(seen_km.begin(), seen_km.end(), body) != seen_km.end()) return true;
      seen_km.push_back(body);
      ++kmreq_lost;
      return false;  // the first copy of each announcement
    }
    const auto d = parse_data_packet(b);
    if (d) ++by_key[static_cast<int>(d->header.key)];
    return ++data % 9 != 0;
  });
  constexpr int kCount = 400;
  for (int i = 0; i < kCount; ++i) {
    const auto m = message(static_cast<std::uint32_t>(i), 500);
    ASSERT_TRUE(p.side(0)->send_message(p.now(), m));
    ASSERT_TRUE(p.side(1)->send_message(p.now(), m));
    p.run_for(milliseconds(5));
  }
  ASSERT_TRUE(p.side(0)->send_message(p.now(), message(9999, 10)));
  ASSERT_TRUE(p.side(1)->send_message(p.now(), message(9999, 10)));
  p.run_for(milliseconds(2000));
  for (int side = 0; side < 2; ++side) {
    SCOPED_TRACE(side);
    ASSERT_GE(p.received[side].size(), static_cast<std::size_t>(kCount));
    for (int i = 0; i < kCount; ++i) {
      EXPECT_EQ(p.received[side][static_cast<std::size_t>(i)].bytes,
                message(static_cast<std::uint32_t>(i), 500))
          << i;
    }
    EXPECT_EQ(p.side(side)->stats(p.now()).pktRcvUndecrypt, 0);
  }
  EXPECT_EQ(by_key[0], 0);  // never clear text
  EXPECT_GT(by_key[1], 0);
  EXPECT_GT(by_key[2], 0);
  // About 10 refreshes each way, each announced twice (both keys, new alone).
  EXPECT_GE(kmreq_lost, 30);
  EXPECT_GT(kmreq_seen, kmreq_lost);
  EXPECT_GT(kmrsp_seen, 0);
}

TEST(EncryptionRefresh, PreannounceOverHalfTheRefreshRateIsRefused) {
  ConnectionConfig c = secret();
  c.km_refresh_rate = 100;
  c.km_preannounce = 50;
  EnginePair p(EnginePair::Kind::kCallerListener, c, ConnectionConfig{});
  p.run_for(milliseconds(100), [&] { return !p.events[0].empty(); });
  ASSERT_EQ(p.events[0].size(), 1u);
  EXPECT_EQ(p.events[0][0].kind, ConnectionEvent::Kind::kBroken);
  EXPECT_NE(p.events[0][0].detail.find("km-preannounce"), std::string::npos);
}

}  // namespace
}  // namespace srtcore::srt

namespace srtcore::srt {
namespace {

// Forged KMREQs for a live encrypted connection (garbage, or a well-formed
// message with another salt and key): refused with the error KMRSP and
// counted, the keys in use stay and the stream goes on.
TEST(EncryptionRefresh, ForgedKmRequestsChangeNothing) {
  EnginePair p(EnginePair::Kind::kCallerListener, secret(16), secret(16));
  p.run_for(milliseconds(1000), [&] { return p.connected(0) && p.connected(1); });
  ASSERT_TRUE(p.connected(1));
  SystemRandom rnd;
  auto other = StreamCrypto::create(kSecret, 16, rnd);
  ASSERT_NE(other, nullptr);
  std::vector<std::uint8_t> garbage(40, 0x5A);
  int error_answers = 0;
  p.set_hook([&](int to, std::vector<std::uint8_t> &b) {
    if (to != 0 || !is_control_packet(b)) return true;
    const auto pkt = parse_control_packet(b);
    if (pkt && pkt->header.type == ControlType::kUserDefined && pkt->header.subtype == 4 &&
        km_error_state(pkt->body)) {
      ++error_answers;
    }
    return true;
  });
  for (const ByteSpan km : {ByteSpan(garbage), other->km_message()}) {
    std::vector<std::uint8_t> b(kHeaderSize + kKmMaxSize);
    const std::size_t n =
        write_km_message(UserSubtype::kKmReq, km, 0, p.side(1)->local_socket_id(), b);
    ASSERT_GT(n, 0u);
    b.resize(n);
    p.inject(1, b);
  }
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(p.side(0)->send_message(p.now(), message(static_cast<std::uint32_t>(i))));
    p.run_for(milliseconds(5));
  }
  p.run_for(milliseconds(1000));
  ASSERT_EQ(p.received[1].size(), 20u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(p.received[1][static_cast<std::size_t>(i)].bytes,
              message(static_cast<std::uint32_t>(i)));
  }
  EXPECT_EQ(error_answers, 2);
  const Stats st = p.side(1)->stats(p.now());
  EXPECT_EQ(st.pktRcvInvalid, 2);
  EXPECT_EQ(st.kmPeerAnnouncements, 0);
  EXPECT_EQ(st.pktRcvUndecrypt, 0);
}

}  // namespace
}  // namespace srtcore::srt
