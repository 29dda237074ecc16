// SRT encryption building blocks against vectors computed elsewhere:
// PBKDF2 and AES-CTR with the OpenSSL command line, the key wrap with
// RFC 3394's own vectors. Then the KM message codec (round trip and
// hostile input) and StreamCrypto (keys agreed, wrong passphrase,
// unknown key).
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "srt/crypto_primitives.hpp"
#include "srt/km_message.hpp"
#include "srt/random.hpp"
#include "srt/stream_crypto.hpp"
#include "hex_bytes.hpp"

namespace srtcore::srt {
namespace {

std::vector<std::uint8_t> iota_bytes(std::size_t n) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(i);
  return v;
}

// Generated once with OpenSSL 3.0 (the salt's last 8 bytes are 08..0f):
//   openssl kdf -keylen 16|24|32 -kdfopt digest:SHA1
//     -kdfopt pass:'srt passphrase 42' -kdfopt hexsalt:08090a0b0c0d0e0f
//     -kdfopt iter:2048 PBKDF2
TEST(CryptoKek, Pbkdf2UsesTheSaltsLastEightBytesAnd2048Iterations) {
  const auto salt = iota_bytes(16);  // 00..0f
  const std::string full = "E07B0C6913AB4825F4A26D221CC80BE75F174F9818747D0A6F7014447A3362FB";
  for (const std::size_t len : {16u, 24u, 32u}) {
    std::vector<std::uint8_t> kek(len);
    ASSERT_TRUE(derive_kek("srt passphrase 42", salt, kek)) << len;
    EXPECT_EQ(kek, hex(full.substr(0, len * 2))) << len;
  }
  std::vector<std::uint8_t> odd(20);
  EXPECT_FALSE(derive_kek("srt passphrase 42", salt, odd));
}

// RFC 3394 section 4.1, 4.4 and 4.6.
TEST(CryptoKeyWrap, Rfc3394Vectors) {
  struct V {
    std::size_t kek, data;
    std::string wrapped;
  };
  const V vectors[] = {
      {16, 16, "1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5"},
      {24, 24, "031D33264E15D33268F24EC260743EDCE1C6C7DDEE725A936BA814915C6762D2"},
      {32, 32, "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21"},
  };
  const auto key_data = hex("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F");
  for (const V &v : vectors) {
    const auto kek = iota_bytes(v.kek);
    const std::vector<std::uint8_t> plain(key_data.begin(),
                                          key_data.begin() + static_cast<std::ptrdiff_t>(v.data));
    std::vector<std::uint8_t> out(v.data + 8);
    ASSERT_TRUE(wrap_key(kek, plain, out));
    EXPECT_EQ(out, hex(v.wrapped)) << v.kek;
    std::vector<std::uint8_t> back(v.data);
    ASSERT_TRUE(unwrap_key(kek, out, back));
    EXPECT_EQ(back, plain);
    // Another KEK fails the integrity check: that is how BADSECRET shows.
    auto other = kek;
    other[0] ^= 1;
    EXPECT_FALSE(unwrap_key(other, out, back));
  }
}

TEST(CryptoCtr, IvFromSaltAndSequence) {
  const auto salt = iota_bytes(16);
  const CtrIv iv = make_ctr_iv(salt, 0x12345678);
  // bytes 10..13: 0a^12 0b^34 0c^56 0d^78; 14..15: counter, zero.
  EXPECT_EQ(std::vector<std::uint8_t>(iv.begin(), iv.end()),
            hex("00010203040506070809183F5A750000"));
}

// Generated once with OpenSSL 3.0:
//   printf 'The quick brown fox jumps over the lazy dog, 48b.' | head -c 40 |
//     openssl enc -aes-128-ctr -K 2b7e151628aed2a6abf7158809cf4f3c
//       -iv 00010203040506070809183f5a750000 | xxd -p
TEST(CryptoCtr, MatchesOpensslEncAndRoundTrips) {
  const std::string text = "The quick brown fox jumps over the lazy d";
  const std::vector<std::uint8_t> plain(text.begin(), text.begin() + 40);
  CtrCipher c;
  ASSERT_TRUE(c.set_key(hex("2b7e151628aed2a6abf7158809cf4f3c")));
  const CtrIv iv = make_ctr_iv(iota_bytes(16), 0x12345678);
  std::vector<std::uint8_t> buf = plain;
  ASSERT_TRUE(c.apply(iv, buf, buf.data()));  // in place
  EXPECT_EQ(buf, hex("ffb83c444151c7e1df9f798922ef8d3c6eb736a35aa6341ea1b410ca6dfcaee6df31166"
                     "9d6c6ba65"));
  ASSERT_TRUE(c.apply(iv, buf, buf.data()));
  EXPECT_EQ(buf, plain);
  CtrCipher unkeyed;
  EXPECT_FALSE(unkeyed.apply(iv, buf, buf.data()));
  EXPECT_FALSE(unkeyed.set_key(iota_bytes(20)));
}

KeyMaterial sample_km(std::uint8_t flags, std::size_t key_len) {
  KeyMaterial km;
  km.key_flags = flags;
  km.key_len = key_len;
  for (std::size_t i = 0; i < km.salt.size(); ++i) km.salt[i] = static_cast<std::uint8_t>(i + 1);
  for (std::size_t i = 0; i < km.wrapped_len(); ++i) km.wrapped[i] = static_cast<std::uint8_t>(~i);
  return km;
}

TEST(KmMessage, RoundTripEveryKeyLengthAndKeyCount) {
  for (const std::uint8_t flags : {kKmEvenKey, kKmOddKey, std::uint8_t(kKmEvenKey | kKmOddKey)}) {
    for (const std::size_t len : {16u, 24u, 32u}) {
      const KeyMaterial km = sample_km(flags, len);
      std::array<std::uint8_t, kKmMaxSize> buf{};
      const std::size_t n = write_key_material(km, buf);
      ASSERT_EQ(n, 16 + 16 + 8 + len * (flags == 3 ? 2 : 1));
      // The fixed header as libsrt writes it.
      EXPECT_EQ(buf[0], 0x12);
      EXPECT_EQ(buf[1], 0x20);
      EXPECT_EQ(buf[2], 0x29);
      EXPECT_EQ(buf[3], flags);
      EXPECT_EQ(buf[8], 2);  // AES-CTR
      EXPECT_EQ(buf[10], 2);
      EXPECT_EQ(buf[14], 4);
      EXPECT_EQ(buf[15], len / 4);
      const auto back = parse_key_material(ByteSpan(buf.data(), n));
      ASSERT_TRUE(back);
      EXPECT_EQ(back->key_flags, flags);
      EXPECT_EQ(back->key_len, len);
      EXPECT_EQ(back->salt, km.salt);
      EXPECT_EQ(back->wrapped, km.wrapped);
    }
  }
  std::array<std::uint8_t, 20> small{};
  EXPECT_EQ(write_key_material(sample_km(1, 16), small), 0u);
}

TEST(KmMessage, MalformedMessagesAreRefused) {
  std::array<std::uint8_t, kKmMaxSize> good{};
  const std::size_t n = write_key_material(sample_km(kKmEvenKey, 16), good);
  const auto with = [&](std::size_t at, std::uint8_t v) {
    std::vector<std::uint8_t> b(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
    b[at] = v;
    return b;
  };
  for (std::size_t len = 0; len < n; ++len) {
    EXPECT_FALSE(parse_key_material(ByteSpan(good.data(), len))) << "truncated to " << len;
  }
  std::vector<std::uint8_t> longer(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
  longer.insert(longer.end(), 8, 0);
  EXPECT_FALSE(parse_key_material(longer)) << "trailing bytes";
  EXPECT_FALSE(parse_key_material(with(0, 0x22))) << "version 2";
  EXPECT_FALSE(parse_key_material(with(0, 0x11))) << "media packet type";
  EXPECT_FALSE(parse_key_material(with(1, 0x21))) << "bad sign";
  EXPECT_FALSE(parse_key_material(with(3, 0))) << "no key";
  EXPECT_FALSE(parse_key_material(with(3, 3))) << "two keys announced, one present";
  EXPECT_FALSE(parse_key_material(with(8, 4))) << "AES-GCM";
  EXPECT_FALSE(parse_key_material(with(8, 1))) << "AES-ECB";
  EXPECT_FALSE(parse_key_material(with(9, 1))) << "authentication";
  EXPECT_FALSE(parse_key_material(with(10, 1))) << "SE TS/UDP";
  EXPECT_FALSE(parse_key_material(with(14, 2))) << "8-byte salt";
  EXPECT_FALSE(parse_key_material(with(15, 5))) << "20-byte key";
  EXPECT_FALSE(parse_key_material(with(15, 0))) << "no key length";
  EXPECT_FALSE(parse_key_material(with(15, 255))) << "huge key length";
}

TEST(KmMessage, RandomBytesNeverCrash) {
  SeededRandom rnd(7);
  std::array<std::uint8_t, kKmMaxSize + 8> buf{};
  int parsed = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::size_t len = rnd.next_u32() % buf.size();
    rnd.fill(MutableByteSpan(buf.data(), len));
    if (i % 2) {
      buf[0] = 0x12;
      buf[1] = 0x20;
      buf[2] = 0x29;
    }
    if (parse_key_material(ByteSpan(buf.data(), len))) ++parsed;
    auto a = StreamCrypto::accept("0123456789", ByteSpan(buf.data(), len));
    EXPECT_EQ(a.crypto, nullptr);
  }
  EXPECT_EQ(parsed, 0);  // random cipher/SE/length bytes are never all right
}

std::vector<std::uint8_t> sample_payload(std::size_t n) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(i * 7 + 3);
  return v;
}

TEST(StreamCrypto, ResponderTakesTheInitiatorsKeysForBothDirections) {
  for (const std::size_t len : {16u, 24u, 32u}) {
    SeededRandom rnd(len);
    auto init = StreamCrypto::create("a good passphrase", len, rnd);
    ASSERT_NE(init, nullptr);
    EXPECT_EQ(init->key_length(), len);
    const ByteSpan km = init->km_message();
    ASSERT_EQ(km.size(), 16 + 16 + 8 + len);
    EXPECT_EQ(km[3], kKmEvenKey);
    auto resp = StreamCrypto::accept("a good passphrase", km);
    ASSERT_NE(resp.crypto, nullptr);
    EXPECT_EQ(resp.state, KmState::kSecured);
    EXPECT_EQ(resp.crypto->key_length(), len);
    // The responder's KMRSP is the KMREQ echoed.
    EXPECT_TRUE(std::equal(km.begin(), km.end(), resp.crypto->km_message().begin(),
                           resp.crypto->km_message().end()));

    const auto plain = sample_payload(1316);
    for (int dir = 0; dir < 2; ++dir) {
      StreamCrypto &tx = dir == 0 ? *init : *resp.crypto;
      StreamCrypto &rx = dir == 0 ? *resp.crypto : *init;
      auto wire = plain;
      const KeyFlags kk = tx.encrypt(77, wire);
      EXPECT_EQ(kk, KeyFlags::kEven);
      EXPECT_NE(wire, plain);
      std::vector<std::uint8_t> out(wire.size());
      ASSERT_TRUE(rx.decrypt(77, kk, wire, out.data()));
      EXPECT_EQ(out, plain);
      // Another sequence number is another IV: garbage, not the message.
      ASSERT_TRUE(rx.decrypt(78, kk, wire, out.data()));
      EXPECT_NE(out, plain);
      // No odd key was ever announced: undecryptable.
      EXPECT_FALSE(rx.decrypt(77, KeyFlags::kOdd, wire, out.data()));
      EXPECT_FALSE(rx.decrypt(77, KeyFlags::kClear, wire, out.data()));
      EXPECT_FALSE(rx.decrypt(77, KeyFlags::kBoth, wire, out.data()));
    }
  }
}

TEST(StreamCrypto, WrongPassphraseIsBadSecretAndMalformedIsNoSecret) {
  SeededRandom rnd(3);
  auto init = StreamCrypto::create("a good passphrase", 16, rnd);
  ASSERT_NE(init, nullptr);
  auto wrong = StreamCrypto::accept("another passphrase", init->km_message());
  EXPECT_EQ(wrong.crypto, nullptr);
  EXPECT_EQ(wrong.state, KmState::kBadSecret);
  std::vector<std::uint8_t> km(init->km_message().begin(), init->km_message().end());
  km[8] = 4;  // GCM: not ours to decode
  auto bad = StreamCrypto::accept("a good passphrase", km);
  EXPECT_EQ(bad.crypto, nullptr);
  EXPECT_EQ(bad.state, KmState::kNoSecret);
  km[8] = 2;
  km.back() ^= 0x40;  // a flipped wrapped bit fails the integrity check
  EXPECT_EQ(StreamCrypto::accept("a good passphrase", km).state, KmState::kBadSecret);
}

TEST(StreamCrypto, TwoInitiatorsNeverShareSaltOrKey) {
  SystemRandom rnd;
  auto a = StreamCrypto::create("a good passphrase", 16, rnd);
  auto b = StreamCrypto::create("a good passphrase", 16, rnd);
  ASSERT_TRUE(a && b);
  const ByteSpan ka = a->km_message(), kb = b->km_message();
  EXPECT_FALSE(std::equal(ka.begin() + 16, ka.begin() + 32, kb.begin() + 16));
  auto plain = sample_payload(64);
  auto wa = plain, wb = plain;
  (void)a->encrypt(1, wa);
  (void)b->encrypt(1, wb);
  EXPECT_NE(wa, wb);
}

}  // namespace
}  // namespace srtcore::srt

namespace srtcore::srt {
namespace {

// haicrypt's schedule with refresh 20, pre-announce 5: even for packets
// 1..20, odd for 21..40, even again from 41; both keys announced at 16 and
// 36, the old key retired (new one alone) at 26 and 46.
TEST(StreamCryptoRefresh, AnnouncesSwitchesAndRetiresOnSchedule) {
  SeededRandom rnd(11);
  auto tx = StreamCrypto::create("a good passphrase", 24, rnd);
  ASSERT_NE(tx, nullptr);
  auto rx = StreamCrypto::accept("a good passphrase", tx->km_message());
  ASSERT_NE(rx.crypto, nullptr);
  tx->set_refresh(20, 5);
  std::vector<std::pair<int, std::uint8_t>> announced;  // packet, KK of the KM message
  std::string keys;
  const auto plain = sample_payload(188);
  for (int i = 1; i <= 60; ++i) {
    if (tx->on_new_packet(rnd)) {
      const ByteSpan km = tx->km_message();
      announced.emplace_back(i, km[3]);
      ASSERT_EQ(rx.crypto->load_peer_km(km), KmState::kSecured) << i;
    }
    auto wire = plain;
    const KeyFlags kk = tx->encrypt(static_cast<std::uint32_t>(i), wire);
    keys += kk == KeyFlags::kEven ? 'e' : kk == KeyFlags::kOdd ? 'o' : '?';
    std::vector<std::uint8_t> out(wire.size());
    ASSERT_TRUE(rx.crypto->decrypt(static_cast<std::uint32_t>(i), kk, wire, out.data())) << i;
    EXPECT_EQ(out, plain) << i;
  }
  EXPECT_EQ(keys, std::string(20, 'e') + std::string(20, 'o') + std::string(20, 'e'));
  const std::vector<std::pair<int, std::uint8_t>> want = {
      {16, 3}, {26, 2}, {36, 3}, {46, 1}, {56, 3}};
  EXPECT_EQ(announced, want);
  EXPECT_EQ(tx->key_switches(), 2u);
  // The salt (and so the KEK) stays; the key itself is new.
  EXPECT_TRUE(std::equal(tx->km_message().begin() + 16, tx->km_message().begin() + 32,
                         rx.crypto->km_message().begin() + 16));
}

// A post-handshake KM message with another salt would cost a PBKDF2 run
// per packet (2048 HMAC-SHA1): refused outright, the keys in use stay.
TEST(StreamCryptoRefresh, PeerKmWithAnotherSaltIsRefusedAndKeysStay) {
  SeededRandom rnd(13);
  auto tx = StreamCrypto::create("a good passphrase", 16, rnd);
  auto rx = StreamCrypto::accept("a good passphrase", tx->km_message());
  ASSERT_TRUE(tx && rx.crypto);
  auto other = StreamCrypto::create("a good passphrase", 16, rnd);  // new salt and key
  EXPECT_EQ(rx.crypto->load_peer_km(other->km_message()), KmState::kNoSecret);
  const auto plain = sample_payload(64);
  auto wire = plain;
  const KeyFlags kk = tx->encrypt(5, wire);
  std::vector<std::uint8_t> out(wire.size());
  ASSERT_TRUE(rx.crypto->decrypt(5, kk, wire, out.data()));
  EXPECT_EQ(out, plain);
}

TEST(StreamCryptoRefresh, AReceiverThatMissedTheAnnouncementCannotDecryptTheNewKey) {
  SeededRandom rnd(12);
  auto tx = StreamCrypto::create("a good passphrase", 16, rnd);
  auto rx = StreamCrypto::accept("a good passphrase", tx->km_message());
  ASSERT_TRUE(tx && rx.crypto);
  tx->set_refresh(10, 2);
  auto wire = sample_payload(100);
  std::vector<std::uint8_t> out(wire.size());
  for (int i = 1; i <= 11; ++i) (void)tx->on_new_packet(rnd);  // announcement ignored
  const KeyFlags kk = tx->encrypt(11, wire);
  EXPECT_EQ(kk, KeyFlags::kOdd);
  EXPECT_FALSE(rx.crypto->decrypt(11, kk, wire, out.data()));  // counted, not garbage
}

}  // namespace
}  // namespace srtcore::srt
