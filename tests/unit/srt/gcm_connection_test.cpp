// AES-GCM connections between two of our engines in virtual time: data
// both ways through loss and retransmission (every datagram 16 bytes longer
// than its message, with a tag that verifies), the crypto-mode table of
// libsrt (auto on a caller means AES-CTR, auto on a listener takes either,
// explicit modes that collide are refused with SRT_REJ_CRYPTO), rendezvous,
// and altered or forged packets dropped and counted, never delivered.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "engine_pair.hpp"
#include "srt/control.hpp"
#include "srt/crypto_primitives.hpp"
#include "srt/packet.hpp"

namespace srtcore::srt {
namespace {

using std::chrono::milliseconds;
using testing::EnginePair;

std::vector<std::uint8_t> message(std::uint32_t i, std::size_t n = 1316) {
  std::vector<std::uint8_t> m(n);
  for (std::size_t k = 0; k < n; ++k) m[k] = static_cast<std::uint8_t>(i * 31 + k * 7);
  return m;
}

ConnectionConfig gcm(CryptoMode mode = CryptoMode::kAesGcm, std::size_t pbkeylen = 0) {
  ConnectionConfig c;
  c.passphrase = "correct horse battery";
  c.pbkeylen = pbkeylen;
  c.crypto_mode = mode;
  return c;
}

bool connect(EnginePair &p) {
  p.run_for(milliseconds(3000), [&] { return p.connected(0) && p.connected(1); });
  return p.connected(0) && p.connected(1);
}

// Streams `count` messages each way, dropping every `lose_every`th data
// datagram; checks the wire (GCM-sized, never clear) and exact delivery.
void stream_gcm(EnginePair &p, int count, int lose_every) {
  int data = 0, rexmit = 0, wrong_size = 0, clear = 0;
  p.set_hook([&](int, std::vector<std::uint8_t> &b) {
    if (is_control_packet(b)) return true;
    const auto d = parse_data_packet(b);
    if (!d) return true;
    ++data;
    if (d->header.key == KeyFlags::kClear) ++clear;
    if (d->header.retransmitted) ++rexmit;
    if (d->payload.size() != 1316 + kGcmTagSize && d->payload.size() != 10 + kGcmTagSize) {
      ++wrong_size;
    }
    return lose_every == 0 || data % lose_every != 0;
  });
  for (int i = 0; i < count; ++i) {
    const auto m = message(static_cast<std::uint32_t>(i));
    ASSERT_TRUE(p.side(0)->send_message(p.now(), m));
    ASSERT_TRUE(p.side(1)->send_message(p.now(), m));
    p.run_for(milliseconds(5));
  }
  ASSERT_TRUE(p.side(0)->send_message(p.now(), message(9999, 10)));
  ASSERT_TRUE(p.side(1)->send_message(p.now(), message(9999, 10)));
  p.run_for(milliseconds(2000));
  EXPECT_EQ(clear, 0);
  EXPECT_EQ(wrong_size, 0);
  if (lose_every) {
    EXPECT_GT(rexmit, 0);
  }
  for (int side = 0; side < 2; ++side) {
    SCOPED_TRACE(side);
    ASSERT_EQ(p.received[side].size(), static_cast<std::size_t>(count + 1));
    for (int i = 0; i < count; ++i) {
      EXPECT_EQ(p.received[side][static_cast<std::size_t>(i)].bytes,
                message(static_cast<std::uint32_t>(i)));
    }
    const Stats st = p.side(side)->stats(p.now());
    EXPECT_EQ(st.pktRcvUndecrypt, 0);
    EXPECT_EQ(st.kmState, static_cast<int>(KmState::kSecured));
    EXPECT_EQ(st.cryptoMode, 2);
  }
}

class GcmPair : public ::testing::TestWithParam<std::size_t> {};

TEST_P(GcmPair, CallerListenerThroughLossAndRetransmission) {
  EnginePair p(EnginePair::Kind::kCallerListener, gcm(CryptoMode::kAesGcm, GetParam()),
               gcm(CryptoMode::kAesGcm));
  ASSERT_TRUE(connect(p));
  for (int side = 0; side < 2; ++side) {
    EXPECT_EQ(p.events[side].front().negotiated.crypto_mode, CryptoMode::kAesGcm);
    EXPECT_EQ(p.events[side].front().negotiated.key_length, GetParam());
  }
  stream_gcm(p, 150, 9);
}

TEST_P(GcmPair, RendezvousBothWaysWithLoss) {
  EnginePair p(EnginePair::Kind::kRendezvous, gcm(CryptoMode::kAesGcm, GetParam()),
               gcm(CryptoMode::kAesGcm, GetParam()));
  ASSERT_TRUE(connect(p));
  stream_gcm(p, 100, 11);
}

INSTANTIATE_TEST_SUITE_P(KeyLengths, GcmPair, ::testing::Values(16u, 24u, 32u));

TEST(GcmHandshake, CryptoModesNegotiateAsLibsrt) {
  // libsrt PR #2574 / issue #2627's table (caller, listener -> result).
  struct Case {
    CryptoMode caller, listener;
    CryptoMode result;  // kAuto: refused with SRT_REJ_CRYPTO
  };
  const Case cases[] = {
      {CryptoMode::kAuto, CryptoMode::kAuto, CryptoMode::kAesCtr},
      {CryptoMode::kAuto, CryptoMode::kAesCtr, CryptoMode::kAesCtr},
      {CryptoMode::kAuto, CryptoMode::kAesGcm, CryptoMode::kAuto},
      {CryptoMode::kAesCtr, CryptoMode::kAuto, CryptoMode::kAesCtr},
      {CryptoMode::kAesCtr, CryptoMode::kAesGcm, CryptoMode::kAuto},
      {CryptoMode::kAesGcm, CryptoMode::kAuto, CryptoMode::kAesGcm},
      {CryptoMode::kAesGcm, CryptoMode::kAesCtr, CryptoMode::kAuto},
      {CryptoMode::kAesGcm, CryptoMode::kAesGcm, CryptoMode::kAesGcm},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(std::to_string(static_cast<int>(c.caller)) + "->" +
                 std::to_string(static_cast<int>(c.listener)));
    EnginePair p(EnginePair::Kind::kCallerListener, gcm(c.caller), gcm(c.listener));
    if (c.result != CryptoMode::kAuto) {
      ASSERT_TRUE(connect(p));
      EXPECT_EQ(p.events[0].front().negotiated.crypto_mode, c.result);
      EXPECT_EQ(p.events[1].front().negotiated.crypto_mode, c.result);
      continue;
    }
    p.run_for(milliseconds(1000), [&] { return !p.events[0].empty(); });
    ASSERT_EQ(p.events[0].size(), 1u);
    const ConnectionEvent &e = p.events[0][0];
    EXPECT_EQ(e.kind, ConnectionEvent::Kind::kRejected);
    EXPECT_EQ(e.reject_code, static_cast<std::uint32_t>(RejectReason::kCrypto));
    EXPECT_NE(e.detail.find("cryptomode="), std::string::npos) << e.detail;
    EXPECT_EQ(p.side(1), nullptr);
    EXPECT_EQ(p.side(0)->km_state(), KmState::kBadCryptoMode);
  }
}

TEST(GcmHandshake, RendezvousCollisionIsRefusedOnBothSides) {
  EnginePair p(EnginePair::Kind::kRendezvous, gcm(CryptoMode::kAesGcm), gcm(CryptoMode::kAesCtr));
  p.run_for(milliseconds(3000), [&] { return !p.events[0].empty() && !p.events[1].empty(); });
  for (int side = 0; side < 2; ++side) {
    SCOPED_TRACE(side);
    ASSERT_FALSE(p.events[side].empty());
    EXPECT_EQ(p.events[side][0].kind, ConnectionEvent::Kind::kRejected);
    EXPECT_EQ(p.events[side][0].reject_code, static_cast<std::uint32_t>(RejectReason::kCrypto));
  }
}

TEST(GcmHandshake, PayloadTooLargeForTheTagFailsAtOnce) {
  ConnectionConfig c = gcm();
  c.payload_size = 1456;
  EnginePair p(EnginePair::Kind::kCallerListener, c, gcm());
  p.run_for(milliseconds(100), [&] { return !p.events[0].empty(); });
  ASSERT_EQ(p.events[0].size(), 1u);
  EXPECT_EQ(p.events[0][0].kind, ConnectionEvent::Kind::kBroken);
  EXPECT_NE(p.events[0][0].detail.find("1440"), std::string::npos) << p.events[0][0].detail;
}

TEST(GcmHandshake, AutoListenerTakingGcmShortensThePayloadLimit) {
  ConnectionConfig l = gcm(CryptoMode::kAuto);
  l.payload_size = 1456;
  EnginePair p(EnginePair::Kind::kCallerListener, gcm(), l);
  ASSERT_TRUE(connect(p));
  EXPECT_FALSE(p.side(1)->send_message(p.now(), message(1, 1441)));
  EXPECT_TRUE(p.side(1)->send_message(p.now(), message(1, 1440)));
  p.run_for(milliseconds(500));
  ASSERT_EQ(p.received[0].size(), 1u);
  EXPECT_EQ(p.received[0][0].bytes, message(1, 1440));
}

// Every data datagram towards side 1 is altered in one way; none may be
// delivered, every one is counted as undecryptable, and once the
// alteration stops the same messages arrive (retransmitted) intact: the
// receiver treats them as never received (libsrt drops them the same way).
TEST(GcmData, AlteredPacketsAreDroppedCountedAndRecovered) {
  struct Alter {
    const char *what;
    std::size_t offset;  // byte of the datagram; from the end if >= 10000
  };
  const Alter alters[] = {
      {"payload", kHeaderSize + 5}, {"tag", 10000 + 1},     {"timestamp", 8},
      {"message number", 7},        {"sequence number", 3},
  };
  for (const Alter &a : alters) {
    SCOPED_TRACE(a.what);
    EnginePair p(EnginePair::Kind::kCallerListener, gcm(), gcm());
    ASSERT_TRUE(connect(p));
    bool tamper = true;
    int altered = 0;
    p.set_hook([&](int to, std::vector<std::uint8_t> &b) {
      if (!tamper || to != 1 || is_control_packet(b)) return true;
      const std::size_t at = a.offset >= 10000 ? b.size() - (a.offset - 10000) : a.offset;
      b[at] ^= 0x04;
      ++altered;
      return true;
    });
    for (std::uint32_t i = 0; i < 5; ++i) {
      ASSERT_TRUE(p.side(0)->send_message(p.now(), message(i)));
      p.run_for(milliseconds(5));
    }
    p.run_for(milliseconds(50));
    EXPECT_TRUE(p.received[1].empty());
    const Stats st = p.side(1)->stats(p.now());
    EXPECT_GE(st.pktRcvUndecrypt, 5);
    EXPECT_EQ(st.pktRcvUndecrypt, altered);
    // One intact packet reveals the gap; the lost five are asked for again.
    tamper = false;
    ASSERT_TRUE(p.side(0)->send_message(p.now(), message(5)));
    p.run_for(milliseconds(2000));
    ASSERT_EQ(p.received[1].size(), 6u);
    for (std::uint32_t i = 0; i < 6; ++i) EXPECT_EQ(p.received[1][i].bytes, message(i));
  }
}

TEST(GcmData, ForgedPacketsAreNeverDelivered) {
  EnginePair p(EnginePair::Kind::kCallerListener, gcm(), gcm());
  ASSERT_TRUE(connect(p));
  const std::uint32_t seq = p.events[1].front().negotiated.recv_isn;
  for (const KeyFlags kk : {KeyFlags::kClear, KeyFlags::kEven, KeyFlags::kOdd}) {
    DataHeader h;
    h.seq = seq;
    h.key = kk;
    h.msgno = 1;
    h.dest_socket = p.side(1)->local_socket_id();
    std::vector<std::uint8_t> b(kHeaderSize + 100 + kGcmTagSize, 0x33);
    ASSERT_EQ(write_data_header(h, b), kHeaderSize);
    p.inject(1, b);
  }
  p.run_for(milliseconds(1000));
  EXPECT_TRUE(p.received[1].empty());
  EXPECT_EQ(p.side(1)->stats(p.now()).pktRcvUndecrypt, 3);
  EXPECT_EQ(p.side(1)->stats(p.now()).pktRecvUnique, 0);
}

}  // namespace
}  // namespace srtcore::srt
