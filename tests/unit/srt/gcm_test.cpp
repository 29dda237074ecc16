// AES-GCM as libsrt >= 1.5.2 does it: the cipher against published vectors,
// the IV layout, each kind of tampering refused, the KM message with the
// GCM cipher, and StreamCrypto sealing whole data packets (tag after the
// payload, the header authenticated with the R bit cleared).
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "srt/crypto_primitives.hpp"
#include "srt/km_message.hpp"
#include "srt/packet.hpp"
#include "srt/random.hpp"
#include "srt/stream_crypto.hpp"
#include "hex_bytes.hpp"

namespace srtcore::srt {
namespace {

GcmIv iv_of(const std::vector<std::uint8_t> &v) {
  GcmIv iv{};
  std::copy(v.begin(), v.end(), iv.begin());
  return iv;
}

// McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", test cases
// 4, 10 and 16 (the NIST submission; 96-bit IV, 20 bytes of AAD, 60 bytes
// of plaintext). Checked again with Python's cryptography 48 (AESGCM).
struct Vector {
  std::string key, ct, tag;
};
const std::string kP =
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b5"
    "25b16aedf5aa0de657ba637b39";
const std::string kA = "feedfacedeadbeeffeedfacedeadbeefabaddad2";
const std::string kIv = "cafebabefacedbaddecaf888";
const Vector kVectors[] = {
    {"feffe9928665731c6d6a8f9467308308",
     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84"
     "aa051ba30b396a0aac973d58e091",
     "5bc94fbc3221a5db94fae95ae7121a47"},
    {"feffe9928665731c6d6a8f9467308308feffe9928665731c",
     "3980ca0b3c00e841eb06fac4872a2757859e1ceaa6efd984628593b40ca1e19c7d773d00c144c525ac619d18c84a"
     "3f4718e2448b2fe324d9ccda2710",
     "2519498e80f1478f37ba55bd6d27618c"},
    {"feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b105682"
     "8838c5f61e6393ba7a0abcc9f662",
     "76fc6ece0f4e1768cddf8853bb2d551b"},
};

TEST(CryptoGcm, SealsAndOpensThePublishedVectors) {
  for (const Vector &v : kVectors) {
    SCOPED_TRACE(v.key.size() * 4);
    GcmCipher c;
    ASSERT_TRUE(c.set_key(hex(v.key)));
    const auto p = hex(kP), a = hex(kA);
    std::vector<std::uint8_t> out(p.size());
    std::array<std::uint8_t, kGcmTagSize> tag{};
    ASSERT_TRUE(c.seal(iv_of(hex(kIv)), a, p, out.data(), tag.data()));
    EXPECT_EQ(out, hex(v.ct));
    EXPECT_EQ(std::vector<std::uint8_t>(tag.begin(), tag.end()), hex(v.tag));
    std::vector<std::uint8_t> back(p.size());
    ASSERT_TRUE(c.open(iv_of(hex(kIv)), a, out, tag.data(), back.data()));
    EXPECT_EQ(back, p);
    // In place, as the engine does it.
    ASSERT_TRUE(c.seal(iv_of(hex(kIv)), a, back, back.data(), tag.data()));
    EXPECT_EQ(back, hex(v.ct));
  }
}

TEST(CryptoGcm, EveryKindOfTamperingFailsTheTag) {
  const Vector &v = kVectors[0];
  GcmCipher c;
  ASSERT_TRUE(c.set_key(hex(v.key)));
  const auto ct = hex(v.ct), a = hex(kA), t = hex(v.tag);
  const GcmIv iv = iv_of(hex(kIv));
  std::vector<std::uint8_t> out(ct.size());
  ASSERT_TRUE(c.open(iv, a, ct, t.data(), out.data()));
  for (std::size_t i = 0; i < ct.size(); i += 7) {  // ciphertext bits
    auto bad = ct;
    bad[i] ^= 0x01;
    EXPECT_FALSE(c.open(iv, a, bad, t.data(), out.data())) << "ciphertext byte " << i;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {  // associated data
    auto bad = a;
    bad[i] ^= 0x80;
    EXPECT_FALSE(c.open(iv, bad, ct, t.data(), out.data())) << "aad byte " << i;
  }
  for (std::size_t i = 0; i < t.size(); ++i) {  // the tag itself
    auto bad = t;
    bad[i] ^= 0x40;
    EXPECT_FALSE(c.open(iv, a, ct, bad.data(), out.data())) << "tag byte " << i;
  }
  GcmIv other = iv;  // another packet index
  other[11] ^= 1;
  EXPECT_FALSE(c.open(other, a, ct, t.data(), out.data()));
  auto shorter = ct;  // truncated
  shorter.pop_back();
  EXPECT_FALSE(c.open(iv, a, shorter, t.data(), out.data()));
  GcmCipher wrong;  // another key
  ASSERT_TRUE(wrong.set_key(hex(v.key.substr(0, 30) + "00")));
  EXPECT_FALSE(wrong.open(iv, a, ct, t.data(), out.data()));
}

TEST(CryptoGcm, IvIsTheSaltsFirstTwelveBytesXorTheIndexAtEight) {
  std::array<std::uint8_t, kSaltSize> salt{};
  for (std::size_t i = 0; i < salt.size(); ++i) salt[i] = static_cast<std::uint8_t>(0xA0 + i);
  const GcmIv iv = make_gcm_iv(salt, 0x01020304);
  const std::vector<std::uint8_t> want = {0xA0, 0xA1, 0xA2,     0xA3,     0xA4,     0xA5,
                                          0xA6, 0xA7, 0xA8 ^ 1, 0xA9 ^ 2, 0xAA ^ 3, 0xAB ^ 4};
  EXPECT_EQ(std::vector<std::uint8_t>(iv.begin(), iv.end()), want);
}

TEST(KmMessageGcm, RoundTripsWithCipherFourAndAuthOne) {
  SeededRandom rnd(5);
  auto c = StreamCrypto::create("a good passphrase", 32, rnd, true);
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(c->gcm());
  EXPECT_EQ(c->overhead(), kGcmTagSize);
  const ByteSpan km = c->km_message();
  ASSERT_GE(km.size(), kKmHeaderSize);
  EXPECT_EQ(km[8], kKmCipherAesGcm);
  EXPECT_EQ(km[9], kKmAuthAesGcm);
  const auto parsed = parse_key_material(km);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->cipher, kKmCipherAesGcm);
  std::array<std::uint8_t, kKmMaxSize> out{};
  ASSERT_EQ(write_key_material(*parsed, out), km.size());
  EXPECT_TRUE(std::equal(km.begin(), km.end(), out.begin()));
  auto a = StreamCrypto::accept("a good passphrase", km);
  ASSERT_NE(a.crypto, nullptr);
  EXPECT_TRUE(a.crypto->gcm());  // the responder takes the initiator's cipher
  EXPECT_EQ(a.crypto->key_length(), 32u);
  // Mixed cipher and auth values are refused.
  std::vector<std::uint8_t> bad(km.begin(), km.end());
  bad[9] = kKmAuthNone;
  EXPECT_FALSE(parse_key_material(bad));
  bad[8] = kKmCipherAesCtr;
  bad[9] = kKmAuthAesGcm;
  EXPECT_FALSE(parse_key_material(bad));
}

DataHeader header(std::uint32_t seq) {
  DataHeader h;
  h.seq = seq;
  h.msgno = 7;
  h.timestamp = 123456;
  h.dest_socket = 0x11223344;
  return h;
}

struct SealedPair {
  std::unique_ptr<StreamCrypto> tx;
  StreamCrypto::Accepted rx;
};

SealedPair gcm_pair(Random &rnd) {
  SealedPair p;
  p.tx = StreamCrypto::create("a good passphrase", 16, rnd, true);
  p.rx = StreamCrypto::accept("a good passphrase", p.tx->km_message());
  return p;
}

TEST(StreamCryptoGcm, PacketsCarryATagAndAuthenticateTheHeader) {
  SeededRandom rnd(9);
  auto p = gcm_pair(rnd);
  ASSERT_NE(p.rx.crypto, nullptr);
  const std::vector<std::uint8_t> msg(1316, 0x5A);
  std::vector<std::uint8_t> wire(msg.size() + kGcmTagSize);
  std::copy(msg.begin(), msg.end(), wire.begin());
  DataHeader h = header(4242);
  h.key =
      p.tx->encrypt_packet(h, MutableByteSpan(wire.data(), msg.size()), wire.data() + msg.size());
  ASSERT_EQ(h.key, KeyFlags::kEven);
  EXPECT_FALSE(std::equal(msg.begin(), msg.end(), wire.begin()));
  std::vector<std::uint8_t> out(wire.size());
  auto n = p.rx.crypto->decrypt_packet(h, wire, out.data());
  ASSERT_TRUE(n);
  ASSERT_EQ(*n, msg.size());
  EXPECT_TRUE(std::equal(msg.begin(), msg.end(), out.begin()));

  // A retransmission (R set) verifies with the same tag, as libsrt's receiver.
  DataHeader r = h;
  r.retransmitted = true;
  EXPECT_TRUE(p.rx.crypto->decrypt_packet(r, wire, out.data()));

  // Each authenticated header field altered: refused.
  std::vector<DataHeader> altered(6, h);
  altered[0].seq ^= 1;
  altered[1].msgno ^= 1;
  altered[2].timestamp ^= 1;
  altered[3].dest_socket ^= 1;
  altered[4].in_order = !h.in_order;
  altered[5].position = PacketPosition::kFirst;
  for (std::size_t i = 0; i < altered.size(); ++i) {
    EXPECT_FALSE(p.rx.crypto->decrypt_packet(altered[i], wire, out.data())) << i;
  }
  // Payload, tag, truncation.
  for (const std::size_t at : {std::size_t{0}, msg.size() - 1, msg.size(), wire.size() - 1}) {
    auto bad = wire;
    bad[at] ^= 0x10;
    EXPECT_FALSE(p.rx.crypto->decrypt_packet(h, bad, out.data())) << at;
  }
  EXPECT_FALSE(p.rx.crypto->decrypt_packet(h, ByteSpan(wire.data(), kGcmTagSize - 1), out.data()));
  // The odd key is not held.
  DataHeader odd = h;
  odd.key = KeyFlags::kOdd;
  EXPECT_FALSE(p.rx.crypto->decrypt_packet(odd, wire, out.data()));
}

TEST(StreamCryptoGcm, RefreshKeepsTheCipherAndAPeerCannotSwitchIt) {
  SeededRandom rnd(13);
  auto p = gcm_pair(rnd);
  ASSERT_NE(p.rx.crypto, nullptr);
  p.tx->set_refresh(8, 2);
  std::vector<std::uint8_t> wire(100 + kGcmTagSize), out(wire.size());
  bool announced = false, both_keys_used = false;
  KeyFlags first = KeyFlags::kClear;
  for (std::uint32_t seq = 1; seq < 40; ++seq) {
    if (p.tx->on_new_packet(rnd)) {
      announced = true;
      ASSERT_EQ(p.rx.crypto->load_peer_km(p.tx->km_message()), KmState::kSecured);
      EXPECT_EQ(p.tx->km_message()[8], kKmCipherAesGcm);
    }
    DataHeader h = header(seq);
    h.key = p.tx->encrypt_packet(h, MutableByteSpan(wire.data(), 100), wire.data() + 100);
    if (first == KeyFlags::kClear) first = h.key;
    both_keys_used = both_keys_used || h.key != first;
    ASSERT_TRUE(p.rx.crypto->decrypt_packet(h, wire, out.data())) << seq;
  }
  EXPECT_TRUE(announced);
  EXPECT_TRUE(both_keys_used);
  // A CTR KM message after a GCM handshake is refused (no mode switch).
  auto ctr = StreamCrypto::create("a good passphrase", 16, rnd, false);
  EXPECT_EQ(p.rx.crypto->load_peer_km(ctr->km_message()), KmState::kNoSecret);
}

TEST(StreamCryptoGcm, CtrPacketsAreUnchangedInSize) {
  SeededRandom rnd(17);
  auto tx = StreamCrypto::create("a good passphrase", 16, rnd, false);
  auto rx = StreamCrypto::accept("a good passphrase", tx->km_message());
  ASSERT_NE(rx.crypto, nullptr);
  EXPECT_FALSE(rx.crypto->gcm());
  EXPECT_EQ(tx->overhead(), 0u);
  std::vector<std::uint8_t> wire(64, 3), out(64);
  DataHeader h = header(9);
  h.key = tx->encrypt_packet(h, wire, nullptr);
  auto n = rx.crypto->decrypt_packet(h, wire, out.data());
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 64u);
  EXPECT_EQ(out, std::vector<std::uint8_t>(64, 3));
}

}  // namespace
}  // namespace srtcore::srt
