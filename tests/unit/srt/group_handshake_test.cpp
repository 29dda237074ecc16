// Socket groups in the handshake: the GROUP extension (type 8) a member
// caller puts in its conclusion, byte for byte; a Listener's opt-in
// (group_connect + group callback) and its answer; what a caller does with a
// listener's answer that lacks GROUP or names another group type; hostile
// GROUP blocks (id without bit 30, truncated); rendezvous, which cannot
// carry groups (as in libsrt).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine_pair.hpp"
#include "group_pair.hpp"
#include "srt/handshake.hpp"
#include "srt/listener.hpp"
#include "srt/packet.hpp"
#include "srt/reject.hpp"

namespace srtcore::srt {
namespace {

using std::chrono::milliseconds;
using testing::Bytes;
using testing::GroupPair;
using testing::handshake_of;

const TimePoint kStart{std::chrono::seconds(7000)};
constexpr auto kGroupCode = static_cast<std::uint32_t>(RejectReason::kGroup);
constexpr auto kRogueCode = static_cast<std::uint32_t>(RejectReason::kRogue);

// The raw content of the first extension block of `type` in a conclusion,
// found by walking the words ourselves (not with parse_extensions).
std::optional<Bytes> raw_block(const Bytes &datagram, std::uint16_t type) {
  std::size_t off = kHeaderSize + kHandshakeBodySize;
  while (off + 4 <= datagram.size()) {
    const std::uint16_t t = get_u16(datagram.data() + off);
    const std::size_t len = std::size_t{get_u16(datagram.data() + off + 2)} * 4;
    if (off + 4 + len > datagram.size()) return std::nullopt;
    if (t == type) {
      return Bytes(datagram.begin() + static_cast<std::ptrdiff_t>(off + 4),
                   datagram.begin() + static_cast<std::ptrdiff_t>(off + 4 + len));
    }
    off += 4 + len;
  }
  return std::nullopt;
}

// The block header (type, length in words) of the first block of `type`.
std::optional<std::uint32_t> block_header(const Bytes &datagram, std::uint16_t type) {
  std::size_t off = kHeaderSize + kHandshakeBodySize;
  while (off + 4 <= datagram.size()) {
    const std::uint16_t t = get_u16(datagram.data() + off);
    if (t == type) return get_u32(datagram.data() + off);
    off += 4 + std::size_t{get_u16(datagram.data() + off + 2)} * 4;
  }
  return std::nullopt;
}

const Bytes *first_conclusion(const std::vector<Bytes> &v) {
  for (const Bytes &d : v) {
    const auto h = handshake_of(d);
    if (h && h->body.type == hs_type::kConclusion) return &d;
  }
  return nullptr;
}

ConnectionConfig member_config(GroupExt g) {
  ConnectionConfig c;
  c.group = g;
  return c;
}

ListenerConfig group_listener(bool group_connect) {
  ListenerConfig l;
  l.group_connect = group_connect;
  return l;
}

const GroupExt kCallerGroup{0x40000ABC, GroupType::kBroadcast, 0, 0x012C};  // weight 300
const GroupExt kListenerAnswer{0x40000123, GroupType::kBroadcast, 0, 7};

// ---- 1. Wire -------------------------------------------------------------------

TEST(GroupHandshake, MemberCallerConnectsAndBothSidesKnowTheOtherGroup) {
  GroupPair p(member_config(kCallerGroup), group_listener(true), kStart);
  std::vector<CallerRequest> asked;
  p.listener().set_group_callback([&](TimePoint, const CallerRequest &r) {
    asked.push_back(r);
    return GroupDecision{kListenerAnswer};
  });
  p.run();
  ASSERT_TRUE(p.caller_connected());
  ASSERT_NE(p.accepted(), nullptr);
  ASSERT_TRUE(p.accepted_connected());

  // The callback saw the caller's extension as sent.
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].group, kCallerGroup);
  EXPECT_EQ(asked[0].peer_socket_id, p.caller().local_socket_id());

  // Caller: ours is what we asked with, the peer's is the listener's answer.
  EXPECT_EQ(p.caller().negotiated().group, kCallerGroup);
  EXPECT_EQ(p.caller().negotiated().peer_group, kListenerAnswer);
  EXPECT_EQ(p.caller_events.front().negotiated.peer_group, kListenerAnswer);
  // Listener side: ours is the callback's answer, the peer's the caller's.
  EXPECT_EQ(p.accepted()->negotiated().group, kListenerAnswer);
  ASSERT_TRUE(p.accepted()->negotiated().peer_group);
  EXPECT_EQ(p.accepted()->negotiated().peer_group->group_id, kCallerGroup.group_id);
  EXPECT_EQ(p.accepted()->negotiated().peer_group->type, GroupType::kBroadcast);
  EXPECT_EQ(p.accepted()->negotiated().peer_group->weight, 300);
  EXPECT_EQ(p.accepted_events.front().negotiated.peer_group, kCallerGroup);
  EXPECT_EQ(p.listener().stats().accepted, 1u);
}

TEST(GroupHandshake, CallerConclusionCarriesTheGroupBlockByteForByte) {
  const GroupExt g{0x4000A1B2, GroupType::kBackup, 0, 0x7F01};
  GroupPair p(member_config(g), group_listener(true), kStart);
  p.listener().set_group_callback([](TimePoint, const CallerRequest &) {
    return GroupDecision{GroupExt{0x40000123, GroupType::kBackup, 0, 7}};
  });
  p.run();
  ASSERT_TRUE(p.caller_connected());

  const Bytes *con = first_conclusion(p.caller_sent);
  ASSERT_NE(con, nullptr);
  const auto h = handshake_of(*con);
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->body.extension & kExtFlagConfig);  // GROUP goes under CONFIG
  EXPECT_TRUE(h->body.extension & kExtFlagHsReq);
  // Block header: type 8, 2 words.
  EXPECT_EQ(block_header(*con, 8), 0x00080002u);
  const auto raw = raw_block(*con, 8);
  ASSERT_TRUE(raw);
  const Bytes want{0x40, 0x00, 0xA1, 0xB2,  // id, big-endian, bit 30 set
                   0x02,                    // type: backup
                   0x00,                    // flags
                   0x7F, 0x01};             // weight, big-endian
  EXPECT_EQ(*raw, want);

  // Only the conclusion carries it (the induction has no extensions at all).
  for (const Bytes &d : p.caller_sent) {
    const auto hs = handshake_of(d);
    if (hs && hs->body.type == hs_type::kInduction) {
      EXPECT_FALSE(raw_block(d, 8));
    }
  }

  // The listener's conclusion response carries its answer the same way.
  const Bytes *rsp = first_conclusion(p.listener_replies);
  ASSERT_NE(rsp, nullptr);
  EXPECT_EQ(block_header(*rsp, 8), 0x00080002u);
  const Bytes want_rsp{0x40, 0x00, 0x01, 0x23, 0x02, 0x00, 0x00, 0x07};
  EXPECT_EQ(raw_block(*rsp, 8), want_rsp);
}

TEST(GroupHandshake, PlainCallerGetsNoGroupBlockAndNoGroupFields) {
  GroupPair p(ConnectionConfig{}, group_listener(true), kStart);
  int called = 0;
  p.listener().set_group_callback([&](TimePoint, const CallerRequest &) {
    ++called;
    return GroupDecision{kListenerAnswer};
  });
  p.run();
  ASSERT_TRUE(p.caller_connected());
  ASSERT_TRUE(p.accepted_connected());
  EXPECT_EQ(called, 0);
  const Bytes *con = first_conclusion(p.caller_sent);
  ASSERT_NE(con, nullptr);
  EXPECT_FALSE(raw_block(*con, 8));
  const Bytes *rsp = first_conclusion(p.listener_replies);
  ASSERT_NE(rsp, nullptr);
  EXPECT_FALSE(raw_block(*rsp, 8));
  EXPECT_FALSE(p.caller().negotiated().peer_group);
  EXPECT_FALSE(p.accepted()->negotiated().group);
  EXPECT_FALSE(p.accepted()->negotiated().peer_group);
}

// A lost conclusion response is answered again from the listener's memory,
// GROUP included, without asking the application a second time.
TEST(GroupHandshake, RepeatedConclusionIsAnsweredWithTheSameGroup) {
  GroupPair p(member_config(kCallerGroup), group_listener(true), kStart);
  int called = 0;
  p.listener().set_group_callback([&](TimePoint, const CallerRequest &) {
    ++called;
    return GroupDecision{kListenerAnswer};
  });
  int lost = 0;
  p.set_hook([&](std::uint32_t to, Bytes &d) {
    const auto h = handshake_of(d);
    if (to == testing::kCallerSide && h && h->body.type == hs_type::kConclusion && lost < 1) {
      ++lost;
      return false;
    }
    return true;
  });
  p.run();
  ASSERT_TRUE(p.caller_connected());
  EXPECT_EQ(lost, 1);
  EXPECT_EQ(called, 1);
  EXPECT_EQ(p.listener().stats().accepted, 1u);
  EXPECT_EQ(p.listener().stats().repeated, 1u);
  EXPECT_EQ(p.caller().negotiated().peer_group, kListenerAnswer);
  // The repeated conclusion carried GROUP as well.
  int conclusions = 0;
  for (const Bytes &d : p.caller_sent) {
    const auto h = handshake_of(d);
    if (!h || h->body.type != hs_type::kConclusion) continue;
    ++conclusions;
    EXPECT_EQ(raw_block(d, 8), (Bytes{0x40, 0x00, 0x0A, 0xBC, 0x01, 0x00, 0x01, 0x2C}));
  }
  EXPECT_EQ(conclusions, 2);
}

// ---- 2. Refusals -----------------------------------------------------------------

struct RefusalCase {
  const char *name;
  bool group_connect;
  bool with_callback;
  std::optional<std::uint32_t> accept_code;  // the accept callback's verdict
  GroupDecision decision;
  std::uint32_t want_code;
  bool group_callback_runs;
};

class GroupRefusal : public ::testing::TestWithParam<RefusalCase> {};

TEST_P(GroupRefusal, ReachesTheCallerAsRejection) {
  const RefusalCase &c = GetParam();
  GroupPair p(member_config(kCallerGroup), group_listener(c.group_connect), kStart);
  int called = 0;
  if (c.with_callback) {
    p.listener().set_group_callback([&](TimePoint, const CallerRequest &r) {
      ++called;
      EXPECT_EQ(r.group, kCallerGroup);
      return c.decision;
    });
  }
  p.listener().set_accept_callback([&](const CallerRequest &r) {
    EXPECT_EQ(r.group, kCallerGroup);
    return c.accept_code;
  });
  p.run();
  ASSERT_EQ(p.caller_events.size(), 1u);
  EXPECT_EQ(p.caller_events[0].kind, ConnectionEvent::Kind::kRejected);
  EXPECT_EQ(p.caller_events[0].reject_code, c.want_code);
  EXPECT_EQ(p.caller().state(), ConnectionState::kClosed);
  EXPECT_EQ(p.accepted(), nullptr);
  EXPECT_EQ(called, c.group_callback_runs ? 1 : 0);
  EXPECT_EQ(p.listener().stats().rejected, 1u);
  EXPECT_EQ(p.listener().stats().accepted, 0u);
  // On the wire: handshake type 1000 + code.
  const Bytes *last = nullptr;
  for (const Bytes &d : p.listener_replies) {
    const auto h = handshake_of(d);
    if (h && h->body.type != hs_type::kInduction) last = &d;
  }
  ASSERT_NE(last, nullptr);
  EXPECT_EQ(handshake_of(*last)->body.type, rejection_handshake_type(c.want_code));
}

INSTANTIATE_TEST_SUITE_P(
    Listener, GroupRefusal,
    ::testing::Values(
        RefusalCase{
            "NoGroupConnect", false, true, std::nullopt, {kListenerAnswer}, kGroupCode, false},
        RefusalCase{
            "GroupConnectWithoutCallback", true, false, std::nullopt, {}, kGroupCode, false},
        RefusalCase{"CallbackSaysGroup", true, true, std::nullopt, {}, kGroupCode, true},
        RefusalCase{"CallbackSays1403", true, true, std::nullopt, {std::nullopt, 1403}, 1403, true},
        RefusalCase{
            "CallbackSaysUserCode", true, true, std::nullopt, {std::nullopt, 2042}, 2042, true},
        RefusalCase{
            "AcceptCallbackRefusesFirst", true, true, 1401u, {kListenerAnswer}, 1401, false}),
    [](const ::testing::TestParamInfo<RefusalCase> &i) { return std::string(i.param.name); });

// A caller brought to its conclusion phase by a real Listener's induction
// answer; the test then plays the listener's conclusion response itself.
struct ForgedResponse : ::testing::Test {
  SeededRandom rnd_caller{11}, rnd_listener{12};
  NetAddress caller_addr = NetAddress::v4(10, 0, 0, 1, 5000);
  NetAddress listener_addr = NetAddress::v4(10, 0, 0, 2, 6000);
  Listener listener{ListenerConfig{}, listener_addr, rnd_listener};
  TimePoint now = kStart;
  std::unique_ptr<Connection> caller;
  HandshakeBody conclusion;  // the caller's

  void start(const ConnectionConfig &cfg) {
    caller = std::make_unique<Connection>(cfg, Role::kCaller, caller_addr, listener_addr,
                                          rnd_caller, now);
    Bytes buf(1500), reply(1500);
    std::size_t n = caller->poll_transmit(now, buf);
    ASSERT_GT(n, 0u);
    auto r = listener.handle_datagram(now, caller_addr, ByteSpan(buf).first(n), reply);
    ASSERT_GT(r.reply_size, 0u);
    caller->handle_datagram(now, ByteSpan(reply).first(r.reply_size));
    n = caller->poll_transmit(now, buf);
    ASSERT_GT(n, 0u);
    const auto h = handshake_of(Bytes(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n)));
    ASSERT_TRUE(h);
    ASSERT_EQ(h->body.type, hs_type::kConclusion);
    conclusion = h->body;
  }

  // A HSRSP conclusion response from socket 0x2222, plus `extra` blocks.
  Bytes response(const std::function<void(HandshakeBuilder &)> &extra) const {
    HandshakeBody b = conclusion;
    b.extension = 0;
    b.socket_id = 0x2222;
    b.type = hs_type::kConclusion;
    Bytes out(512);
    HandshakeBuilder hb(out, b, 5000, conclusion.socket_id);
    HsReq rsp;
    rsp.flags = kSrtFlagTsbpdSnd | kSrtFlagTsbpdRcv | kSrtFlagCrypt | kSrtFlagTlPktDrop |
                kSrtFlagRexmitFlag | kSrtFlagPeriodicNak;
    rsp.recv_latency_ms = 120;
    rsp.send_latency_ms = 120;
    hb.add_hsreq(ExtType::kHsRsp, rsp);
    if (extra) extra(hb);
    out.resize(hb.size());
    return out;
  }
};

struct AnswerCase {
  const char *name;
  std::function<void(HandshakeBuilder &)> extra;
  ConnectionEvent::Kind want_kind;
  std::uint32_t want_code;
};

class ForgedGroupAnswer : public ForgedResponse,
                          public ::testing::WithParamInterface<AnswerCase> {};

TEST_P(ForgedGroupAnswer, CallerJudgesTheListenersAnswer) {
  const AnswerCase &c = GetParam();
  start(member_config(GroupExt{0x40000777, GroupType::kBackup, 0, 5}));
  const Bytes rsp = response(c.extra);
  ASSERT_FALSE(rsp.empty());
  caller->handle_datagram(now, rsp);
  const auto e = caller->poll_event();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, c.want_kind);
  EXPECT_EQ(e->reject_code, c.want_code);
  if (c.want_kind == ConnectionEvent::Kind::kConnected) {
    EXPECT_EQ(caller->state(), ConnectionState::kConnected);
    return;
  }
  EXPECT_EQ(caller->state(), ConnectionState::kClosed);
  EXPECT_FALSE(e->detail.empty());
  if (c.want_code == kGroupCode) {
    EXPECT_NE(e->detail.find("group"), std::string::npos) << e->detail;
  }
  // The listener made a connection for us: it is told we will not use it.
  Bytes buf(1500);
  bool shutdown = false;
  while (const std::size_t n = caller->poll_transmit(now, buf)) {
    const auto pkt = parse_control_packet(ByteSpan(buf).first(n));
    if (pkt && pkt->header.type == ControlType::kShutdown) {
      shutdown = true;
      EXPECT_EQ(pkt->header.dest_socket, 0x2222u);
    }
  }
  EXPECT_TRUE(shutdown);
}

INSTANTIATE_TEST_SUITE_P(
    Caller, ForgedGroupAnswer,
    ::testing::Values(AnswerCase{"SameTypeConnects",
                                 [](HandshakeBuilder &hb) {
                                   hb.add_group(GroupExt{0x40000123, GroupType::kBackup, 0, 1});
                                 },
                                 ConnectionEvent::Kind::kConnected, 0},
                      AnswerCase{"NoGroupBlock", nullptr, ConnectionEvent::Kind::kRejected,
                                 kGroupCode},
                      AnswerCase{"BroadcastForBackup",
                                 [](HandshakeBuilder &hb) {
                                   hb.add_group(GroupExt{0x40000123, GroupType::kBroadcast, 0, 1});
                                 },
                                 ConnectionEvent::Kind::kRejected, kGroupCode},
                      AnswerCase{"BalancingForBackup",
                                 [](HandshakeBuilder &hb) {
                                   hb.add_group(GroupExt{0x40000123, GroupType::kBalancing, 0, 1});
                                 },
                                 ConnectionEvent::Kind::kRejected, kGroupCode},
                      AnswerCase{"UndefinedType",
                                 [](HandshakeBuilder &hb) {
                                   hb.add_group(GroupExt{0x40000123, GroupType::kUndefined, 0, 1});
                                 },
                                 ConnectionEvent::Kind::kRejected, kGroupCode},
                      AnswerCase{"IdWithoutBit30",
                                 [](HandshakeBuilder &hb) {
                                   hb.add_group(GroupExt{0x00000123, GroupType::kBackup, 0, 1});
                                 },
                                 ConnectionEvent::Kind::kRejected, kRogueCode},
                      AnswerCase{"TruncatedGroupBlock",
                                 [](HandshakeBuilder &hb) {
                                   const std::uint8_t one_word[] = {0x40, 0x00, 0x01, 0x23};
                                   hb.add_raw(8, one_word);
                                 },
                                 ConnectionEvent::Kind::kRejected, kRogueCode}),
    [](const ::testing::TestParamInfo<AnswerCase> &i) { return std::string(i.param.name); });

// A caller that did not ask for a group ignores a GROUP block in the answer.
TEST_F(ForgedResponse, PlainCallerIgnoresAnUnaskedGroupAnswer) {
  start(ConnectionConfig{});
  caller->handle_datagram(now, response([](HandshakeBuilder &hb) {
                            hb.add_group(GroupExt{0x40000123, GroupType::kBackup, 0, 1});
                          }));
  const auto e = caller->poll_event();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, ConnectionEvent::Kind::kConnected);
  EXPECT_FALSE(caller->negotiated().group);
}

// ---- 3. Hostile GROUP blocks at a group_connect listener -------------------------

Bytes handshake(std::uint32_t version, std::uint32_t type, std::uint32_t cookie,
                const std::function<void(HandshakeBuilder &)> &extra = nullptr) {
  HandshakeBody b;
  b.version = version;
  b.extension = version == 4 ? kUdtDgram : 0;
  b.isn = 1000;
  b.type = type;
  b.socket_id = 0x1234;
  b.cookie = cookie;
  Bytes out(512);
  HandshakeBuilder hb(out, b, 0, 0);
  if (type == hs_type::kConclusion) {
    HsReq r;
    r.flags = kSrtFlagTsbpdSnd | kSrtFlagTsbpdRcv | kSrtFlagCrypt | kSrtFlagTlPktDrop |
              kSrtFlagRexmitFlag;
    hb.add_hsreq(ExtType::kHsReq, r);
  }
  if (extra) extra(hb);
  out.resize(hb.size());
  return out;
}

struct HostileCase {
  const char *name;
  bool group_connect;
  Bytes group_content;                       // raw content of the GROUP block
  std::optional<std::uint32_t> want_reject;  // nullopt: accepted
  bool malformed;                            // counted as malformed
  bool callback_runs;
};

class HostileGroupBlock : public ::testing::TestWithParam<HostileCase> {};

TEST_P(HostileGroupBlock, AtAGroupListener) {
  const HostileCase &c = GetParam();
  SeededRandom rnd(99);
  const NetAddress from = NetAddress::v4(192, 0, 2, 7, 4000);
  Listener listener(group_listener(c.group_connect), NetAddress::v4(10, 0, 0, 2, 6000), rnd);
  int called = 0;
  listener.set_group_callback([&](TimePoint, const CallerRequest &) {
    ++called;
    return GroupDecision{kListenerAnswer};
  });
  Bytes reply(1500);
  auto r = listener.handle_datagram(kStart, from, handshake(4, hs_type::kInduction, 0), reply);
  ASSERT_GT(r.reply_size, 0u);
  const std::uint32_t cookie =
      handshake_of(Bytes(reply.begin(), reply.begin() + static_cast<std::ptrdiff_t>(r.reply_size)))
          ->body.cookie;
  const ListenerStats before = listener.stats();
  const Bytes con = handshake(5, hs_type::kConclusion, cookie,
                              [&](HandshakeBuilder &hb) { hb.add_raw(8, c.group_content); });
  ASSERT_FALSE(con.empty());
  r = listener.handle_datagram(kStart, from, con, reply);
  ASSERT_GT(r.reply_size, 0u);
  const auto h =
      handshake_of(Bytes(reply.begin(), reply.begin() + static_cast<std::ptrdiff_t>(r.reply_size)));
  ASSERT_TRUE(h);
  EXPECT_EQ(called, c.callback_runs ? 1 : 0);
  const ListenerStats &after = listener.stats();
  EXPECT_EQ(after.malformed - before.malformed, c.malformed ? 1u : 0u);
  if (c.want_reject) {
    EXPECT_EQ(h->body.type, rejection_handshake_type(*c.want_reject));
    EXPECT_EQ(r.accepted, nullptr);
    EXPECT_EQ(after.rejected - before.rejected, 1u);
    EXPECT_EQ(listener.remembered(), 0u);
  } else {
    EXPECT_EQ(h->body.type, hs_type::kConclusion);
    ASSERT_NE(r.accepted, nullptr);
    EXPECT_EQ(after.accepted - before.accepted, 1u);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Listener, HostileGroupBlock,
    ::testing::Values(
        HostileCase{
            "WellFormed", true, {0x40, 0, 0x01, 0x23, 1, 0, 0, 0}, std::nullopt, false, true},
        HostileCase{
            "IdWithoutBit30", true, {0x00, 0, 0x01, 0x23, 1, 0, 0, 0}, kRogueCode, true, false},
        HostileCase{
            "IdWithBit31Only", true, {0x80, 0, 0x01, 0x23, 1, 0, 0, 0}, kRogueCode, true, false},
        HostileCase{"ZeroId", true, {0, 0, 0, 0, 1, 0, 0, 0}, kRogueCode, true, false},
        HostileCase{"OneWord", true, {0x40, 0, 0x01, 0x23}, kRogueCode, true, false},
        HostileCase{"Empty", true, {}, kRogueCode, true, false},
        // The block is judged before the policy: ROGUE even where groups
        // are not welcome.
        HostileCase{"IdWithoutBit30NoGroupConnect",
                    false,
                    {0x00, 0, 0x01, 0x23, 1, 0, 0, 0},
                    kRogueCode,
                    true,
                    false},
        HostileCase{"WellFormedNoGroupConnect",
                    false,
                    {0x40, 0, 0x01, 0x23, 1, 0, 0, 0},
                    kGroupCode,
                    false,
                    false}),
    [](const ::testing::TestParamInfo<HostileCase> &i) { return std::string(i.param.name); });

// ---- Rendezvous -----------------------------------------------------------------

TEST(GroupRendezvous, GroupConfigFailsAtOnce) {
  SeededRandom rnd(5);
  ConnectionConfig c = member_config(kCallerGroup);
  Connection conn(c, Role::kRendezvous, NetAddress::v4(10, 0, 0, 1, 5000),
                  NetAddress::v4(10, 0, 0, 2, 5000), rnd, kStart);
  const auto e = conn.poll_event();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, ConnectionEvent::Kind::kBroken);
  EXPECT_EQ(e->reject_code, kGroupCode);
  EXPECT_NE(e->detail.find("rendezvous"), std::string::npos) << e->detail;
  EXPECT_EQ(conn.state(), ConnectionState::kClosed);
  Bytes buf(1500);
  EXPECT_EQ(conn.poll_transmit(kStart, buf), 0u);  // not even a waveahand
  conn.handle_timeout(kStart + milliseconds(300));
  EXPECT_EQ(conn.poll_transmit(kStart + milliseconds(300), buf), 0u);
  EXPECT_FALSE(conn.poll_event());
}

// A rendezvous peer's conclusion that carries GROUP (ours never does: the
// hook adds it) is refused with SRT_REJ_GROUP, whichever side initiates.
TEST(GroupRendezvous, PeerConclusionWithGroupIsRejected) {
  bool saw_hsreq = false, saw_hsrsp = false;
  for (int tampered_to : {-1, 0, 1}) {
    SCOPED_TRACE(tampered_to);
    testing::EnginePair p(testing::EnginePair::Kind::kRendezvous, ConnectionConfig{},
                          ConnectionConfig{});
    p.set_hook([&](int to, Bytes &d) {
      if (to != tampered_to) return true;
      const auto h = handshake_of(d);
      if (!h || h->body.type != hs_type::kConclusion) return true;
      if (!(h->body.extension & kExtFlagHsReq)) return true;
      if (raw_block(d, static_cast<std::uint16_t>(ExtType::kHsReq))) saw_hsreq = true;
      if (raw_block(d, static_cast<std::uint16_t>(ExtType::kHsRsp))) saw_hsrsp = true;
      const std::uint8_t block[] = {0x00, 0x08, 0x00, 0x02, 0x40, 0x00,
                                    0x00, 0x99, 0x01, 0x00, 0x00, 0x00};
      d.insert(d.end(), std::begin(block), std::end(block));
      put_u16(d.data() + kHeaderSize + 6,
              static_cast<std::uint16_t>(get_u16(d.data() + kHeaderSize + 6) | kExtFlagConfig));
      return true;
    });
    p.run_for(milliseconds(2000), [&] {
      return (p.connected(0) && p.connected(1)) || (!p.events[0].empty() && !p.events[1].empty());
    });
    if (tampered_to < 0) {  // untouched: they connect
      EXPECT_TRUE(p.connected(0));
      EXPECT_TRUE(p.connected(1));
      continue;
    }
    const int victim = tampered_to, other = 1 - tampered_to;
    ASSERT_FALSE(p.events[victim].empty());
    EXPECT_EQ(p.events[victim][0].kind, ConnectionEvent::Kind::kRejected);
    EXPECT_EQ(p.events[victim][0].reject_code, kGroupCode);
    // The rejection reaches the peer that sent the GROUP block.
    ASSERT_FALSE(p.events[other].empty());
    EXPECT_FALSE(p.connected(other));
    bool rejected = false;
    for (const auto &e : p.events[other]) {
      if (e.kind == ConnectionEvent::Kind::kRejected && e.reject_code == kGroupCode)
        rejected = true;
    }
    EXPECT_TRUE(rejected);
  }
  // Both the responder's check (HSREQ) and the initiator's (HSRSP) ran.
  EXPECT_TRUE(saw_hsreq);
  EXPECT_TRUE(saw_hsrsp);
}

}  // namespace
}  // namespace srtcore::srt
