// Handshake body and extensions: hand-computed layouts, packets captured
// from libsrt 1.5.1 (srt-live-transmit as caller), malformed input.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "srt/handshake.hpp"
#include "srt/reject.hpp"

namespace srtcore::srt {
namespace {

using Bytes = std::vector<std::uint8_t>;

// libsrt 1.5.1 caller's induction request, captured on loopback.
const Bytes kLibsrtInduction = {
    0x80, 0x00, 0x00, 0x00,  // control, type 0 handshake
    0x00, 0x00, 0x00, 0x00,  // type-specific
    0x00, 0x00, 0x00, 0xac,  // timestamp
    0x00, 0x00, 0x00, 0x00,  // destination 0: connection request
    0x00, 0x00, 0x00, 0x04,  // version 4
    0x00, 0x00, 0x00, 0x02,  // encryption 0 | extension 2 (UDT_DGRAM)
    0x26, 0xf4, 0x50, 0x0a,  // ISN
    0x00, 0x00, 0x05, 0xdc,  // MTU 1500
    0x00, 0x00, 0x20, 0x00,  // flow window 8192
    0x00, 0x00, 0x00, 0x01,  // type 1 induction
    0x36, 0x3e, 0xab, 0x01,  // caller's socket id
    0x00, 0x00, 0x00, 0x00,  // cookie 0
    0x01, 0x00, 0x00, 0x7f,  // peer IP 127.0.0.1, bytes reversed in the word
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

// Its conclusion after our induction answer (cookie 0x00C00C1E), with
// streamid=abcde, rcvlatency=300, peerlatency=200, a passphrase, pbkeylen=16.
const Bytes kLibsrtConclusion = {
    0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // handshake
    0x00, 0x00, 0x17, 0xf1, 0x00, 0x00, 0x00, 0x00,  // timestamp, destination 0
    0x00, 0x00, 0x00, 0x05,                          // version 5
    0x00, 0x02, 0x00, 0x07,                          // AES-128 | HSREQ+KMREQ+CONFIG
    0x26, 0xf4, 0x50, 0x0a, 0x00, 0x00, 0x05, 0xdc,  // ISN, MTU
    0x00, 0x00, 0x20, 0x00, 0xff, 0xff, 0xff, 0xff,  // flow window, conclusion (-1)
    0x36, 0x3e, 0xab, 0x01, 0x00, 0xc0, 0x0c, 0x1e,  // socket id, echoed cookie
    0x01, 0x00, 0x00, 0x7f, 0x00, 0x00, 0x00, 0x00,  // peer IP 127.0.0.1
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //
    0x00, 0x01, 0x00, 0x03,                          // ext HSREQ, 3 words
    0x00, 0x01, 0x05, 0x01,                          //   version 1.5.1
    0x00, 0x00, 0x00, 0xbf,                          //   flags
    0x01, 0x2c, 0x00, 0xc8,                          //   recv latency 300 | send 200
    0x00, 0x05, 0x00, 0x02,                          // ext SID, 2 words
    0x64, 0x63, 0x62, 0x61, 0x00, 0x00, 0x00, 0x65,  //   "dcba" "\0\0\0e"
    0x00, 0x03, 0x00, 0x0e,                          // ext KMREQ, 14 words, raw bytes
    0x12, 0x20, 0x29, 0x01, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x02, 0x00, 0x00, 0x00,
    0x04, 0x04, 0xdd, 0xda, 0xa9, 0x09, 0xcc, 0x67, 0x1f, 0x64, 0xe4, 0x2e, 0x86, 0x39,
    0xd7, 0x12, 0xd1, 0xf3, 0xb3, 0x66, 0x8d, 0x6c, 0xc0, 0xd2, 0xd0, 0x20, 0x44, 0x12,
    0x4f, 0x4c, 0xeb, 0xa3, 0x5e, 0xad, 0x6c, 0xb8, 0xae, 0x7e, 0xba, 0x1d, 0x9e, 0xa9,
};

HandshakeView parse_hs(const Bytes &d) {
  auto c = parse_control_packet(d);
  EXPECT_TRUE(c);
  auto h = parse_handshake(*c);
  EXPECT_TRUE(h);
  return h ? *h : HandshakeView{};
}

TEST(Handshake, ParsesLibsrtInduction) {
  auto c = parse_control_packet(kLibsrtInduction);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->header.type, ControlType::kHandshake);
  EXPECT_EQ(c->header.dest_socket, 0u);
  const HandshakeView h = parse_hs(kLibsrtInduction);
  EXPECT_EQ(h.body.version, 4u);
  EXPECT_EQ(h.body.encryption, 0);
  EXPECT_EQ(h.body.extension, kUdtDgram);
  EXPECT_EQ(h.body.isn, 0x26f4500au);
  EXPECT_EQ(h.body.mtu, 1500u);
  EXPECT_EQ(h.body.flow_window, 8192u);
  EXPECT_EQ(h.body.type, hs_type::kInduction);
  EXPECT_EQ(h.body.socket_id, 0x363eab01u);
  EXPECT_EQ(h.body.cookie, 0u);
  EXPECT_EQ(h.body.peer_ip, peer_ip_v4(127, 0, 0, 1));
  EXPECT_TRUE(h.extensions.empty());
}

TEST(Handshake, ParsesLibsrtConclusionWithExtensions) {
  const HandshakeView h = parse_hs(kLibsrtConclusion);
  EXPECT_EQ(h.body.version, 5u);
  EXPECT_EQ(h.body.encryption, kEncryptionAes128);
  EXPECT_EQ(h.body.extension, kExtFlagHsReq | kExtFlagKmReq | kExtFlagConfig);
  EXPECT_EQ(h.body.type, hs_type::kConclusion);
  EXPECT_EQ(h.body.cookie, 0x00C00C1Eu);
  EXPECT_EQ(h.body.peer_ip, peer_ip_v4(127, 0, 0, 1));

  auto exts = parse_extensions(h.extensions);
  ASSERT_TRUE(exts);
  const std::vector<Extension> v = exts->to_vector();
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].type, ExtType::kHsReq);
  EXPECT_EQ(v[1].type, ExtType::kSid);
  EXPECT_EQ(v[2].type, ExtType::kKmReq);

  auto req = parse_hsreq(v[0].content);
  ASSERT_TRUE(req);
  EXPECT_EQ(req->srt_version, make_srt_version(1, 5, 1));
  EXPECT_EQ(req->flags, kSrtFlagTsbpdSnd | kSrtFlagTsbpdRcv | kSrtFlagCrypt | kSrtFlagTlPktDrop |
                            kSrtFlagPeriodicNak | kSrtFlagRexmitFlag | kSrtFlagPacketFilter);
  EXPECT_EQ(req->recv_latency_ms, 300);
  EXPECT_EQ(req->send_latency_ms, 200);

  auto sid = parse_text_extension(v[1].content);
  ASSERT_TRUE(sid);
  EXPECT_EQ(*sid, "abcde");

  ASSERT_EQ(v[2].content.size(), 56u);  // 16 header + 16 salt + 24 wrapped AES-128 key
  EXPECT_EQ(v[2].content[0], 0x12);     // KM version 1, packet type 2: raw, not swapped
  EXPECT_EQ(v[2].content[1], 0x20);
  EXPECT_EQ(v[2].content[2], 0x29);

  auto km = exts->find(ExtType::kKmReq);
  ASSERT_TRUE(km);
  EXPECT_EQ(km->content.data(), v[2].content.data());
  EXPECT_FALSE(exts->find(ExtType::kGroup));
}

TEST(Handshake, BuilderReproducesLibsrtConclusionByteForByte) {
  HandshakeBody b;
  b.version = kHandshakeVersion5;
  b.encryption = kEncryptionAes128;
  b.extension = 0;  // the builder sets the flags from the blocks it adds
  b.isn = 0x26f4500a;
  b.mtu = 1500;
  b.flow_window = 8192;
  b.type = hs_type::kConclusion;
  b.socket_id = 0x363eab01;
  b.cookie = 0x00C00C1E;
  b.peer_ip = peer_ip_v4(127, 0, 0, 1);
  Bytes out(1500);
  HandshakeBuilder hb(out, b, 0x17f1, 0);
  HsReq req;
  req.srt_version = make_srt_version(1, 5, 1);
  req.flags = 0xbf;
  req.recv_latency_ms = 300;
  req.send_latency_ms = 200;
  EXPECT_TRUE(hb.add_hsreq(ExtType::kHsReq, req));
  EXPECT_TRUE(hb.add_stream_id("abcde"));
  EXPECT_TRUE(hb.add_km(ExtType::kKmReq, ByteSpan(kLibsrtConclusion).subspan(96)));
  ASSERT_TRUE(hb.ok());
  out.resize(hb.size());
  EXPECT_EQ(out, kLibsrtConclusion);
}

TEST(Handshake, InductionResponseLayout) {
  HandshakeBody b;
  b.version = 5;
  b.encryption = 0;
  b.extension = kHandshakeMagic;
  b.isn = 0x01234567;
  b.mtu = 1500;
  b.flow_window = 8192;
  b.type = hs_type::kInduction;
  b.socket_id = 0x0A0B0C0D;
  b.cookie = 0xCAFEBABE;
  b.peer_ip = peer_ip_v4(192, 168, 1, 20);
  const Bytes expected = {
      0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // handshake
      0x00, 0x00, 0x00, 0x10, 0x36, 0x3e, 0xab, 0x01,  // timestamp 16, dest = caller
      0x00, 0x00, 0x00, 0x05,                          // version 5
      0x00, 0x00, 0x4A, 0x17,                          // encryption 0 | magic 0x4A17
      0x01, 0x23, 0x45, 0x67,                          // ISN
      0x00, 0x00, 0x05, 0xDC,                          // MTU
      0x00, 0x00, 0x20, 0x00,                          // flow window
      0x00, 0x00, 0x00, 0x01,                          // induction
      0x0A, 0x0B, 0x0C, 0x0D,                          // socket id
      0xCA, 0xFE, 0xBA, 0xBE,                          // cookie
      0x14, 0x01, 0xA8, 0xC0,                          // 192.168.1.20 reversed
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  };
  Bytes out(64);
  ASSERT_EQ(write_handshake(b, 16, 0x363eab01, out), 64u);
  EXPECT_EQ(out, expected);
  EXPECT_EQ(parse_hs(expected).body, b);
}

TEST(Handshake, PeerIpv6WordsReversed) {
  HandshakeBody b;
  // 2001:db8::1 natural bytes.
  b.peer_ip = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
  Bytes out(48);
  ASSERT_EQ(write_handshake_body(b, out), 48u);
  const Bytes wire_ip(out.begin() + 32, out.end());
  EXPECT_EQ(wire_ip, (Bytes{0xb8, 0x0d, 0x01, 0x20,     // word 0: 20 01 0d b8 reversed
                            0x00, 0x00, 0x00, 0x00,     //
                            0x00, 0x00, 0x00, 0x00,     //
                            0x01, 0x00, 0x00, 0x00}));  // word 3: 00 00 00 01 reversed
  auto back = parse_handshake_body(out);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->peer_ip, b.peer_ip);
}

TEST(Handshake, TypeWordValues) {
  struct Case {
    std::uint32_t type;
    Bytes wire;
  };
  const std::vector<Case> cases = {
      {hs_type::kWaveAHand, {0x00, 0x00, 0x00, 0x00}},
      {hs_type::kInduction, {0x00, 0x00, 0x00, 0x01}},
      {hs_type::kConclusion, {0xFF, 0xFF, 0xFF, 0xFF}},
      {hs_type::kAgreement, {0xFF, 0xFF, 0xFF, 0xFE}},
      {rejection_handshake_type(RejectReason::kBadSecret), {0x00, 0x00, 0x03, 0xF2}},  // 1010
      {rejection_handshake_type(RejectReason::kGroup), {0x00, 0x00, 0x03, 0xF7}},      // 1015
      {rejection_handshake_type(1403u), {0x00, 0x00, 0x09, 0x63}},                     // 2403
  };
  for (const Case &c : cases) {
    HandshakeBody b;
    b.type = c.type;
    Bytes out(48);
    ASSERT_EQ(write_handshake_body(b, out), 48u);
    EXPECT_EQ(Bytes(out.begin() + 20, out.begin() + 24), c.wire) << c.type;
  }
}

TEST(Handshake, ExtensionLayouts) {
  HandshakeBody b;
  b.type = hs_type::kConclusion;
  Bytes out(512);
  HandshakeBuilder hb(out, b, 0, 0);
  HsReq rsp;
  rsp.srt_version = make_srt_version(1, 5, 1);
  rsp.flags = 0x3F;
  rsp.recv_latency_ms = 120;
  rsp.send_latency_ms = 125;
  ASSERT_TRUE(hb.add_hsreq(ExtType::kHsRsp, rsp));
  ASSERT_TRUE(hb.add_congestion("live"));
  ASSERT_TRUE(hb.add_filter("fec,cols:10"));
  ASSERT_TRUE(hb.add_group(GroupExt{0x40000001, GroupType::kBackup, 0, 10}));
  const Bytes km_error = {0x03, 0x00, 0x00, 0x00};
  ASSERT_TRUE(hb.add_km(ExtType::kKmRsp, km_error));
  ASSERT_TRUE(hb.ok());
  const Bytes expected_ext = {
      0x00, 0x02, 0x00, 0x03,  // HSRSP, 3 words
      0x00, 0x01, 0x05, 0x01,  //   version 1.5.1
      0x00, 0x00, 0x00, 0x3F,  //   TSBPDSND|TSBPDRCV|CRYPT|TLPKTDROP|PERIODICNAK|REXMITFLG
      0x00, 0x78, 0x00, 0x7D,  //   recv 120 ms | send 125 ms
      0x00, 0x06, 0x00, 0x01,  // CONGESTION, 1 word
      0x65, 0x76, 0x69, 0x6C,  //   "live" with the word reversed: "evil"
      0x00, 0x07, 0x00, 0x03,  // FILTER, 3 words: "fec," "cols" ":10\0" reversed
      0x2C, 0x63, 0x65, 0x66, 0x73, 0x6C, 0x6F, 0x63,
      0x00, 0x30, 0x31, 0x3A, 0x00, 0x08, 0x00, 0x02,  // GROUP, 2 words
      0x40, 0x00, 0x00, 0x01,                          //   group id
      0x02, 0x00, 0x00, 0x0A,                          //   type 2 backup | flags 0 | weight 10
      0x00, 0x04, 0x00, 0x01,                          // KMRSP, 1 word
      0x03, 0x00, 0x00, 0x00,  //   KM error NOSECRET (little-endian, as libsrt)
  };
  ASSERT_EQ(hb.size(), 64 + expected_ext.size());
  EXPECT_EQ(Bytes(out.begin() + 64, out.begin() + static_cast<std::ptrdiff_t>(hb.size())),
            expected_ext);
  // Extension field flags: HSREQ (for HSRSP), KMREQ (for KMRSP), CONFIG.
  EXPECT_EQ(get_u16(out.data() + 16 + 6), 0x0007);

  out.resize(hb.size());
  const HandshakeView h = parse_hs(out);
  auto exts = parse_extensions(h.extensions);
  ASSERT_TRUE(exts);
  const auto v = exts->to_vector();
  ASSERT_EQ(v.size(), 5u);
  EXPECT_EQ(*parse_hsreq(v[0].content), rsp);
  EXPECT_EQ(*parse_text_extension(v[1].content), "live");
  EXPECT_EQ(*parse_text_extension(v[2].content), "fec,cols:10");
  EXPECT_EQ(*parse_group(v[3].content), (GroupExt{0x40000001, GroupType::kBackup, 0, 10}));
  EXPECT_EQ(v[4].type, ExtType::kKmRsp);
  EXPECT_EQ(Bytes(v[4].content.begin(), v[4].content.end()), km_error);
}

TEST(Handshake, StreamIdLengths) {
  // Lengths around word boundaries and the 512-byte limit round-trip.
  for (std::size_t len : {1u, 3u, 4u, 5u, 8u, 255u, 511u, 512u}) {
    std::string sid;
    for (std::size_t i = 0; i < len; ++i) sid.push_back(static_cast<char>('!' + i % 90));
    HandshakeBody b;
    Bytes out(1500);
    HandshakeBuilder hb(out, b, 0, 0);
    ASSERT_TRUE(hb.add_stream_id(sid)) << len;
    const std::size_t words = (len + 3) / 4;
    ASSERT_EQ(hb.size(), 64 + 4 + 4 * words) << len;
    EXPECT_EQ(get_u16(out.data() + 66), words);
    // First wire byte is the 4th character (or a pad zero): words are reversed.
    EXPECT_EQ(out[68], len >= 4 ? static_cast<std::uint8_t>(sid[3]) : 0) << len;
    out.resize(hb.size());
    auto exts = parse_extensions(parse_hs(out).extensions);
    ASSERT_TRUE(exts);
    auto e = exts->find(ExtType::kSid);
    ASSERT_TRUE(e);
    auto back = parse_text_extension(e->content);
    ASSERT_TRUE(back) << len;
    EXPECT_EQ(*back, sid);
  }
}

TEST(Handshake, OversizedOrEmptyStreamIdIsRejected) {
  Bytes out(1500);
  {
    HandshakeBuilder hb(out, HandshakeBody{}, 0, 0);
    EXPECT_FALSE(hb.add_stream_id(std::string(513, 'x')));
    EXPECT_FALSE(hb.ok());
    EXPECT_EQ(hb.size(), 0u);
    EXPECT_FALSE(hb.add_congestion("live"));  // failure is sticky
  }
  {
    HandshakeBuilder hb(out, HandshakeBody{}, 0, 0);
    EXPECT_FALSE(hb.add_stream_id(""));
  }
  // 129 words of content on the wire.
  const Bytes big(516, 'a');
  EXPECT_EQ(parse_text_extension(big).error(), WireError::kOversized);
  EXPECT_TRUE(parse_text_extension(Bytes(512, 'a')));
  EXPECT_EQ(parse_text_extension(Bytes{1, 2, 3}).error(), WireError::kBadLength);
}

TEST(Handshake, ShortBodiesAreRejected) {
  for (std::size_t n = 0; n < 48; ++n) {
    const Bytes body(n, 0);
    auto r = parse_handshake_body(body);
    EXPECT_FALSE(r) << n;
    EXPECT_EQ(r.error(), WireError::kTruncated);
  }
  Bytes pkt(kLibsrtInduction.begin(), kLibsrtInduction.end() - 1);
  auto c = parse_control_packet(pkt);
  ASSERT_TRUE(c);
  EXPECT_FALSE(parse_handshake(*c));
  // A non-handshake control packet is refused.
  Bytes ack = kLibsrtInduction;
  ack[1] = 0x02;
  EXPECT_EQ(parse_handshake(*parse_control_packet(ack)).error(), WireError::kWrongType);
}

TEST(Handshake, ExtensionChainsOverrunningTheBufferAreRejected) {
  struct Case {
    const char *what;
    Bytes bytes;
    bool ok;
  };
  const std::vector<Case> cases = {
      {"empty chain", {}, true},
      {"zero-length block", {0x00, 0x05, 0x00, 0x00}, true},
      {"exact fit", {0x00, 0x01, 0x00, 0x01, 1, 2, 3, 4}, true},
      {"partial block header", {0x00, 0x01}, false},
      {"length one word too long", {0x00, 0x01, 0x00, 0x02, 1, 2, 3, 4}, false},
      {"length 0xFFFF", {0x00, 0x05, 0xFF, 0xFF, 1, 2, 3, 4}, false},
      {"good then truncated header", {0x00, 0x01, 0x00, 0x01, 1, 2, 3, 4, 0x00, 0x05, 0x00}, false},
      {"good then overrun",
       {0x00, 0x01, 0x00, 0x00, 0x00, 0x05, 0x00, 0x03, 1, 2, 3, 4, 5, 6},
       false},
  };
  for (const Case &c : cases) {
    EXPECT_EQ(static_cast<bool>(parse_extensions(c.bytes)), c.ok) << c.what;
  }
  // Truncating the libsrt conclusion anywhere inside its extensions is caught.
  const HandshakeView full = parse_hs(kLibsrtConclusion);
  for (std::size_t cut = 1; cut < full.extensions.size(); ++cut) {
    const ByteSpan part = full.extensions.first(cut);
    const bool boundary = cut == 16 || cut == 28;  // ends exactly after HSREQ / SID
    EXPECT_EQ(static_cast<bool>(parse_extensions(part)), boundary) << cut;
  }
}

TEST(Handshake, ShortExtensionContentsAreRejected) {
  for (std::size_t n = 0; n < kHsReqSize; ++n) {
    EXPECT_EQ(parse_hsreq(Bytes(n, 0)).error(), WireError::kTruncated) << n;
  }
  for (std::size_t n = 0; n < kGroupExtSize; ++n) {
    EXPECT_EQ(parse_group(Bytes(n, 0)).error(), WireError::kTruncated) << n;
  }
}

TEST(Handshake, BuilderRunsOutOfRoom) {
  Bytes tiny(63);
  EXPECT_EQ(write_handshake(HandshakeBody{}, 0, 0, tiny), 0u);
  HandshakeBuilder none(tiny, HandshakeBody{}, 0, 0);
  EXPECT_FALSE(none.ok());
  EXPECT_FALSE(none.add_stream_id("x"));

  Bytes room(64 + 15);  // HSREQ needs 16
  HandshakeBuilder hb(room, HandshakeBody{}, 0, 0);
  ASSERT_TRUE(hb.ok());
  EXPECT_EQ(hb.size(), 64u);
  EXPECT_FALSE(hb.add_hsreq(ExtType::kHsReq, HsReq{}));
  EXPECT_EQ(hb.size(), 0u);

  Bytes big(256);
  HandshakeBuilder wrong(big, HandshakeBody{}, 0, 0);
  EXPECT_FALSE(wrong.add_hsreq(ExtType::kSid, HsReq{}));
  HandshakeBuilder wrong_km(big, HandshakeBody{}, 0, 0);
  EXPECT_FALSE(wrong_km.add_km(ExtType::kKmReq, Bytes{1, 2, 3}));  // not word-aligned
}

// ---- Rejection reasons ------------------------------------------------------

TEST(Reject, HandshakeTypeMapping) {
  EXPECT_EQ(rejection_handshake_type(RejectReason::kBadSecret), 1010u);
  EXPECT_EQ(rejection_handshake_type(RejectReason::kGroup), 1015u);
  EXPECT_EQ(rejection_reason_code(1010), 10u);
  EXPECT_EQ(rejection_reason_code(1000), 0u);
  EXPECT_EQ(rejection_reason_code(2403), 1403u);
  EXPECT_FALSE(rejection_reason_code(hs_type::kConclusion));
  EXPECT_FALSE(rejection_reason_code(hs_type::kAgreement));
  EXPECT_FALSE(rejection_reason_code(hs_type::kInduction));
  EXPECT_FALSE(rejection_reason_code(999));
}

TEST(Reject, LibsrtNumbering) {
  // SRT_REJ_* values from libsrt's srt.h.
  EXPECT_EQ(static_cast<std::uint32_t>(RejectReason::kUnknown), 0u);
  EXPECT_EQ(static_cast<std::uint32_t>(RejectReason::kRogue), 4u);
  EXPECT_EQ(static_cast<std::uint32_t>(RejectReason::kVersion), 8u);
  EXPECT_EQ(static_cast<std::uint32_t>(RejectReason::kBadSecret), 10u);
  EXPECT_EQ(static_cast<std::uint32_t>(RejectReason::kUnsecure), 11u);
  EXPECT_EQ(static_cast<std::uint32_t>(RejectReason::kGroup), 15u);
  EXPECT_EQ(static_cast<std::uint32_t>(RejectReason::kTimeout), 16u);
  EXPECT_EQ(kRejectReasonCount, 18u);
}

TEST(Reject, EveryCodeHasADistinctText) {
  std::set<std::string> texts;
  for (std::uint32_t c = 0; c < kRejectReasonCount; ++c) {
    const std::string t = reject_reason_text(c);
    EXPECT_FALSE(t.empty());
    EXPECT_TRUE(texts.insert(t).second) << "duplicate text for " << c << ": " << t;
  }
  EXPECT_EQ(std::string(reject_reason_text(RejectReason::kBadSecret)), "incorrect passphrase");
  EXPECT_EQ(std::string(reject_reason_text(1403)), "forbidden");
  EXPECT_EQ(std::string(reject_reason_text(1999)), "application-defined rejection reason");
  EXPECT_EQ(std::string(reject_reason_text(2005)), "user-defined rejection reason");
  EXPECT_EQ(std::string(reject_reason_text(18)), "unknown rejection reason");
}

}  // namespace
}  // namespace srtcore::srt
