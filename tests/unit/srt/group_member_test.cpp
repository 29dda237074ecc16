// Connections as socket-group members: join_group, send_numbered (the
// group's sequence and message numbers, timestamps from the group's
// origin), rebasing on a sequence jump, resend; and two member links
// sharing one receive buffer: a packet is stored once whichever link brings
// it, a member's ACK never goes past what its own link brought, and a hole
// on one link is NAKed only when no link filled it.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "group_pair.hpp"
#include "srt/control.hpp"
#include "srt/packet.hpp"
#include "srt/receive_buffer.hpp"
#include "srt/seq.hpp"

namespace srtcore::srt {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::Bytes;
using testing::GroupPair;

const TimePoint kStart{std::chrono::seconds(9000)};

ConnectionConfig member_config() {
  ConnectionConfig c;
  c.group = GroupExt{0x40000010, GroupType::kBroadcast, 0, 0};
  return c;
}

// A connected member caller and the connection its listener accepted.
std::unique_ptr<GroupPair> connected_pair(std::uint64_t seed) {
  ListenerConfig l;
  l.group_connect = true;
  auto p = std::make_unique<GroupPair>(member_config(), l, kStart, seed);
  p->listener().set_group_callback([](TimePoint, const CallerRequest &) {
    return GroupDecision{GroupExt{0x40000020, GroupType::kBroadcast, 0, 0}};
  });
  p->run();
  EXPECT_TRUE(p->caller_connected());
  EXPECT_TRUE(p->accepted_connected());
  return p;
}

Bytes message(std::uint32_t tag, std::size_t n = 100) {
  Bytes m(n);
  for (std::size_t i = 0; i < n; ++i) m[i] = static_cast<std::uint8_t>(tag * 31 + i);
  return m;
}

struct DataOut {
  DataHeader header;
  Bytes payload;
};

struct Sent {
  std::vector<DataOut> data;
  std::vector<Ack> acks;
  std::vector<std::vector<SeqRange>> naks;
  std::vector<Bytes> raw;  // every datagram
};

// Everything `c` has to send at `now` (timers served first).
Sent collect(Connection &c, TimePoint now) {
  Sent s;
  c.handle_timeout(now);
  Bytes buf(1500);
  while (const std::size_t n = c.poll_transmit(now, buf)) {
    const Bytes d(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
    s.raw.push_back(d);
    if (!is_control_packet(d)) {
      const auto p = parse_data_packet(d);
      EXPECT_TRUE(p);
      if (p) s.data.push_back({p->header, Bytes(p->payload.begin(), p->payload.end())});
      continue;
    }
    const auto c2 = parse_control_packet(d);
    if (!c2) continue;
    if (c2->header.type == ControlType::kAck) {
      if (auto a = parse_ack(*c2)) s.acks.push_back(*a);
    } else if (c2->header.type == ControlType::kNak) {
      if (auto l = parse_nak(*c2)) s.naks.push_back(l->to_vector());
    }
  }
  return s;
}

// Sends of `c` over `ms` milliseconds from `now` (which moves on).
Sent collect_for(Connection &c, TimePoint &now, int ms) {
  Sent all;
  for (int i = 0; i < ms; ++i) {
    Sent s = collect(c, now);
    all.data.insert(all.data.end(), s.data.begin(), s.data.end());
    all.acks.insert(all.acks.end(), s.acks.begin(), s.acks.end());
    all.naks.insert(all.naks.end(), s.naks.begin(), s.naks.end());
    all.raw.insert(all.raw.end(), s.raw.begin(), s.raw.end());
    now += milliseconds(1);
  }
  return all;
}

// ---- 4. Sending as a member ------------------------------------------------------

TEST(GroupMember, JoinNeedsAConnectedConnection) {
  SeededRandom rnd(3);
  Connection c(member_config(), Role::kCaller, NetAddress::v4(10, 0, 0, 1, 1),
               NetAddress::v4(10, 0, 0, 2, 2), rnd, kStart);
  EXPECT_EQ(c.join_group({kStart, kStart, 100, nullptr, 0}), nullptr);
  EXPECT_FALSE(c.member());
  EXPECT_FALSE(c.send_numbered(kStart, message(1), kStart, 100, 1));
}

struct StampCase {
  const char *name;
  Duration origin_from_now;  // origin = now + this
  bool before_group_start;   // origin = group start - 1 s instead
};

class GroupMemberStamps : public ::testing::TestWithParam<StampCase> {};

// Sequence and message numbers are exactly the group's; the timestamp counts
// from GroupJoin::start (here 500 ms before this link started: the group
// is older than the link), clamped to [start, now] like send_message's
// source time. (Not older than the 1 s sender drop threshold: a packet
// whose source time is that old is given up unsent.)
TEST_P(GroupMemberStamps, DataCarriesTheGroupsNumbersAndClock) {
  const StampCase &k = GetParam();
  auto p = connected_pair(21);
  Connection &c = p->caller();
  TimePoint now = p->now() + milliseconds(1);
  collect(c, now);  // whatever the handshake left to send
  const TimePoint gstart = c.start_time() - milliseconds(500);
  const std::uint32_t seq = 0x12345;
  ASSERT_NE(c.join_group({now, gstart, seq, nullptr, 0}), nullptr);
  EXPECT_TRUE(c.member());
  EXPECT_EQ(c.start_time(), gstart);
  EXPECT_EQ(c.send_first_seq(), seq);
  EXPECT_EQ(c.send_end_seq(), seq);
  const TimePoint origin = k.before_group_start ? gstart - seconds(1) : now + k.origin_from_now;
  const TimePoint stamped = std::clamp(origin, gstart, now);
  const Bytes m = message(7);
  ASSERT_TRUE(c.send_numbered(now, m, origin, seq, 0x2ABCDEF));
  const Sent s = collect(c, now);
  ASSERT_EQ(s.data.size(), 1u);
  EXPECT_EQ(s.data[0].header.seq, seq);
  EXPECT_EQ(s.data[0].header.msgno, 0x2ABCDEFu);
  EXPECT_EQ(s.data[0].header.position, PacketPosition::kSolo);
  EXPECT_FALSE(s.data[0].header.retransmitted);
  EXPECT_EQ(s.data[0].header.timestamp, static_cast<std::uint32_t>((stamped - gstart).count()));
  EXPECT_EQ(s.data[0].header.dest_socket, p->accepted()->local_socket_id());
  EXPECT_EQ(s.data[0].payload, m);
}

INSTANTIATE_TEST_SUITE_P(Origin, GroupMemberStamps,
                         ::testing::Values(StampCase{"ThreeMsAgo", -milliseconds(3), false},
                                           StampCase{"Now", Duration(0), false},
                                           StampCase{"InTheFuture", milliseconds(50), false},
                                           StampCase{"BeforeTheGroupStarted", Duration(0), true}),
                         [](const ::testing::TestParamInfo<StampCase> &i) {
                           return std::string(i.param.name);
                         });

// A jump in the group's sequence restarts the link's send buffer there (also
// across the 2^31 wrap); a sequence the link holds already is not queued
// twice; resend() sends held packets again with the R flag.
TEST(GroupMember, SequenceJumpHeldSequencesAndResend) {
  auto p = connected_pair(22);
  Connection &c = p->caller();
  TimePoint now = p->now() + milliseconds(1);
  collect(c, now);
  const std::uint32_t s0 = kSeqMax - 1;
  ASSERT_NE(c.join_group({now, c.start_time(), s0, nullptr, 0}), nullptr);

  // Two in a row: kSeqMax - 1, kSeqMax.
  ASSERT_TRUE(c.send_numbered(now, message(1), now, s0, 10));
  ASSERT_TRUE(c.send_numbered(now, message(2), now, kSeqMax, 11));
  Sent s = collect_for(c, now, 3);
  ASSERT_EQ(s.data.size(), 2u);
  EXPECT_EQ(s.data[0].header.seq, s0);
  EXPECT_EQ(s.data[1].header.seq, kSeqMax);
  EXPECT_EQ(s.data[1].header.msgno, 11u);
  EXPECT_EQ(c.send_first_seq(), s0);
  EXPECT_EQ(c.send_end_seq(), 0u);  // wrapped

  // A jump past the wrap: 0..4 went on another link.
  ASSERT_TRUE(c.send_numbered(now, message(3), now, 5, 17));
  EXPECT_EQ(c.send_first_seq(), 5u);
  EXPECT_EQ(c.send_end_seq(), 6u);
  s = collect_for(c, now, 3);
  ASSERT_EQ(s.data.size(), 1u);
  EXPECT_EQ(s.data[0].header.seq, 5u);
  EXPECT_EQ(s.data[0].header.msgno, 17u);
  EXPECT_EQ(s.data[0].payload, message(3));

  // Held already (5) or before what is held (s0): nothing queued.
  EXPECT_TRUE(c.send_numbered(now, message(4), now, 5, 17));
  EXPECT_TRUE(c.send_numbered(now, message(5), now, s0, 10));
  EXPECT_EQ(c.send_first_seq(), 5u);
  EXPECT_EQ(c.send_end_seq(), 6u);
  s = collect_for(c, now, 3);
  EXPECT_TRUE(s.data.empty());

  // resend: the held, sent packet goes again with R (and its own numbers).
  c.resend(5, 5);
  s = collect_for(c, now, 3);
  ASSERT_FALSE(s.data.empty());
  for (const DataOut &d : s.data) {
    EXPECT_EQ(d.header.seq, 5u);
    EXPECT_EQ(d.header.msgno, 17u);
    EXPECT_TRUE(d.header.retransmitted);
    EXPECT_EQ(d.payload, message(3));
  }
  // A range reaching before and past what is held goes again only where held.
  c.resend(kSeqMax - 5, 40);
  s = collect_for(c, now, 3);
  ASSERT_FALSE(s.data.empty());
  for (const DataOut &d : s.data) {
    EXPECT_EQ(d.header.seq, 5u);
    EXPECT_TRUE(d.header.retransmitted);
  }
  // Queued but never sent: resend does nothing, it goes once as new data.
  ASSERT_TRUE(c.send_numbered(now, message(6), now, 6, 18));
  c.resend(6, 6);
  s = collect_for(c, now, 3);
  ASSERT_EQ(s.data.size(), 1u);
  EXPECT_EQ(s.data[0].header.seq, 6u);
  EXPECT_FALSE(s.data[0].header.retransmitted);
  EXPECT_EQ(c.health().unacknowledged, 2u);
}

// A message number that does not fit the header's 26 bits is refused, or
// what goes out is still a well-formed packet to the peer: never a datagram
// whose header was left unwritten.
TEST(GroupMember, MessageNumberBeyond26BitsNeverYieldsAGarbageDatagram) {
  auto p = connected_pair(24);
  Connection &c = p->caller();
  TimePoint now = p->now() + milliseconds(1);
  collect(c, now);
  const std::uint32_t seq = c.negotiated().send_isn;
  ASSERT_NE(c.join_group({now, c.start_time(), seq, nullptr, 0}), nullptr);
  const bool queued = c.send_numbered(now, message(1), now, seq, kMsgNoMax + 1);
  int data = 0;
  for (int ms = 0; ms < 3; ++ms, now += milliseconds(1)) {
    c.handle_timeout(now);
    Bytes buf(1500, 0xEE);  // what an unwritten header would show
    while (const std::size_t n = c.poll_transmit(now, buf)) {
      ASSERT_GE(n, kHeaderSize);
      EXPECT_EQ(get_u32(buf.data() + 12), p->accepted()->local_socket_id())
          << "datagram of " << n << " bytes starts " << std::hex << get_u32(buf.data());
      if (!is_control_packet(ByteSpan(buf).first(n))) {
        ++data;
        EXPECT_EQ(get_u32(buf.data()), seq);
      }
      std::fill(buf.begin(), buf.end(), 0xEE);
    }
  }
  EXPECT_EQ(data, queued ? 1 : 0) << "send_numbered returned " << queued;
}

// Both ends joined as their group's first member: the listener side stores
// what arrives in the group's buffer and delivers nothing itself; its ACK
// releases the caller's packets, after which resend() has nothing to send.
TEST(GroupMember, FirstMembersOnBothSides) {
  auto p = connected_pair(23);
  Connection &c = p->caller();
  Connection &a = *p->accepted();
  TimePoint now = p->now() + milliseconds(1);
  collect(c, now);
  collect(a, now);
  const std::uint32_t s0 = c.negotiated().send_isn;
  ASSERT_EQ(a.negotiated().recv_isn, s0);
  ASSERT_NE(c.join_group({now, c.start_time(), s0, nullptr, 0}), nullptr);
  const auto rcv = a.join_group({now, a.start_time(), a.negotiated().send_isn, nullptr, 0});
  ASSERT_NE(rcv, nullptr);
  EXPECT_TRUE(a.member());

  const TimePoint t0 = now;
  for (std::uint32_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(
        c.send_numbered(now, message(i), now, seq_add(s0, static_cast<std::int32_t>(i)), 100 + i));
  }
  // Shuttle both ways for 50 ms.
  for (int ms = 0; ms < 50; ++ms) {
    for (const Bytes &d : collect(c, now).raw) a.handle_datagram(now, d);
    for (const Bytes &d : collect(a, now).raw) c.handle_datagram(now, d);
    now += milliseconds(1);
  }
  // Stored in the group's buffer, acknowledged, released.
  EXPECT_EQ(rcv->end_seq(), seq_add(s0, 3));
  EXPECT_EQ(rcv->ack_seq(), seq_add(s0, 3));
  EXPECT_EQ(c.send_first_seq(), seq_add(s0, 3));
  EXPECT_EQ(c.health().unacknowledged, 0u);
  // The member delivers nothing itself, even when due.
  Bytes out(1500);
  const TimePoint late = now + seconds(5);
  EXPECT_FALSE(a.receive_message(late, out));
  EXPECT_FALSE(a.next_delivery_time());
  // The group (here: the test) does, with the numbers the caller chose.
  for (std::uint32_t i = 0; i < 3; ++i) {
    const auto d = rcv->poll(late, out);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->kind, Delivery::Kind::kMessage);
    EXPECT_EQ(d->first_seq, seq_add(s0, static_cast<std::int32_t>(i)));
    EXPECT_EQ(d->msgno, 100 + i);
    EXPECT_EQ(d->timestamp, static_cast<std::uint32_t>((t0 - c.start_time()).count()));
    EXPECT_TRUE(std::equal(out.begin(), out.begin() + 100, message(i).begin()));
  }
  EXPECT_FALSE(rcv->poll(late, out));
  // All acknowledged: nothing left to resend.
  c.resend(s0, seq_add(s0, 2));
  EXPECT_TRUE(collect_for(c, now, 3).data.empty());
}

// ---- 5. Two members sharing one receive buffer -----------------------------------

struct Member {
  Connection *c = nullptr;
  std::uint32_t next = 0;  // one past the newest sequence this link brought
  std::uint64_t brought = 0;
  std::vector<Ack> acks;
  std::vector<std::vector<SeqRange>> naks;
};

struct SharedBuffer : ::testing::TestWithParam<bool> {
  std::unique_ptr<GroupPair> p1, p2;
  Member m[2];
  std::shared_ptr<ReceiveBuffer> buf;
  std::uint32_t r = 0;  // the group's first receive sequence
  TimePoint now;
  TimePoint sender_start;

  void SetUp() override {
    p1 = connected_pair(31);
    p2 = connected_pair(32);
    ASSERT_TRUE(p1->accepted() && p2->accepted());
    now = std::max(p1->now(), p2->now()) + milliseconds(1);
    m[0].c = p1->accepted();
    m[1].c = p2->accepted();
    collect(*m[0].c, now);
    collect(*m[1].c, now);
    sender_start = p1->caller().start_time();
    buf =
        m[0].c->join_group({now, m[0].c->start_time(), m[0].c->negotiated().send_isn, nullptr, 0});
    ASSERT_NE(buf, nullptr);
    r = buf->end_seq();
    EXPECT_EQ(r, m[0].c->negotiated().recv_isn);
    const auto b2 =
        m[1].c->join_group({now, m[0].c->start_time(), m[0].c->negotiated().send_isn, buf, r});
    EXPECT_EQ(b2, buf);
    m[0].next = m[1].next = r;
  }

  std::uint32_t seq(int k) const { return seq_add(r, k); }

  // What the member sent since, checked: no ACK past what its link brought.
  void gather(int link) {
    Member &x = m[link];
    const Sent s = collect(*x.c, now);
    for (const Ack &a : s.acks) {
      EXPECT_TRUE(seq_le(a.last_ack_seq, x.next))
          << "link " << link << " acknowledged " << seq_diff(a.last_ack_seq, r)
          << " but brought only up to " << seq_diff(x.next, r);
      x.acks.push_back(a);
    }
    x.naks.insert(x.naks.end(), s.naks.begin(), s.naks.end());
  }

  void bring(int link, int k) {
    Member &x = m[link];
    DataHeader h;
    h.seq = seq(k);
    h.position = PacketPosition::kSolo;
    h.msgno = static_cast<std::uint32_t>(k + 1);
    h.timestamp = static_cast<std::uint32_t>((now - sender_start).count());
    h.dest_socket = x.c->local_socket_id();
    const Bytes pl = message(static_cast<std::uint32_t>(k), 50);
    Bytes d(kHeaderSize + pl.size());
    ASSERT_EQ(write_data_header(h, d), kHeaderSize);
    std::memcpy(d.data() + kHeaderSize, pl.data(), pl.size());
    x.c->handle_datagram(now, d);
    ++x.brought;
    if (seq_ge(h.seq, x.next)) x.next = seq_next(h.seq);
    gather(link);
    gather(1 - link);
  }

  void run_ms(int ms) {
    for (int i = 0; i < ms; ++i) {
      now += milliseconds(1);
      gather(0);
      gather(1);
    }
  }

  std::vector<SeqRange> all_naks(int link) const {
    std::vector<SeqRange> v;
    for (const auto &n : m[link].naks) v.insert(v.end(), n.begin(), n.end());
    return v;
  }
  void clear_naks() { m[0].naks.clear(), m[1].naks.clear(); }
};

TEST_P(SharedBuffer, StoredOnceAckedPerLinkNakedOnlyWhenNoLinkHasIt) {
  const bool other_link_fills = GetParam();

  // Link 0 brings 0..9, link 1 only 0..2 (copies).
  for (int k = 0; k < 10; ++k) bring(0, k);
  for (int k = 0; k < 3; ++k) bring(1, k);
  EXPECT_EQ(buf->stats().duplicates, 3u);
  EXPECT_EQ(buf->end_seq(), seq(10));
  EXPECT_EQ(buf->ack_seq(), seq(10));
  run_ms(30);
  // Each link acknowledges what it brought, no further.
  ASSERT_FALSE(m[0].acks.empty());
  ASSERT_FALSE(m[1].acks.empty());
  EXPECT_EQ(m[0].acks.back().last_ack_seq, seq(10));
  EXPECT_EQ(m[1].acks.back().last_ack_seq, seq(3));
  const Stats st1 = m[1].c->stats(now);
  EXPECT_EQ(st1.pktRecv, 3);
  EXPECT_EQ(st1.pktRecvUnique, 0);
  EXPECT_EQ(m[0].c->stats(now).pktRecv, 10);

  // Link 1 skips 3..5, which link 0 brought: no loss to report.
  bring(1, 6);
  run_ms(100);
  EXPECT_TRUE(all_naks(1).empty()) << all_naks(1).size();
  EXPECT_TRUE(all_naks(0).empty());

  // 10..11 come on no link: both report them, and only them.
  bring(0, 12);
  ASSERT_EQ(m[0].naks.size(), 1u);
  EXPECT_EQ(m[0].naks[0], (std::vector<SeqRange>{{seq(10), seq(11)}}));
  bring(1, 13);  // link 1's own hole is 7..12; only 10..11 are missing
  ASSERT_EQ(m[1].naks.size(), 1u);
  EXPECT_EQ(m[1].naks[0], (std::vector<SeqRange>{{seq(10), seq(11)}}));
  EXPECT_EQ(m[1].c->stats(now).pktRcvLoss, 2);

  // A copy that arrives on the other link first is stored once too.
  const std::uint64_t dups = buf->stats().duplicates;
  bring(0, 13);
  EXPECT_EQ(buf->stats().duplicates, dups + 1);
  clear_naks();

  if (other_link_fills) {
    // Link 0's sender retransmits 10..11: link 1 stops asking for them.
    bring(0, 10);
    bring(0, 11);
    EXPECT_EQ(buf->ack_seq(), seq(14));
    run_ms(300);
    EXPECT_TRUE(all_naks(1).empty()) << "link 1 still reports " << all_naks(1).size();
    EXPECT_TRUE(all_naks(0).empty());
    EXPECT_EQ(m[1].acks.back().last_ack_seq, seq(14));
    // Every sequence reaches the group once, in order.
    Bytes out(1500);
    const TimePoint late = now + seconds(10);
    for (int k = 0; k < 14; ++k) {
      const auto d = buf->poll(late, out);
      ASSERT_TRUE(d) << k;
      EXPECT_EQ(d->kind, Delivery::Kind::kMessage) << k;
      EXPECT_EQ(d->first_seq, seq(k));
      EXPECT_EQ(d->msgno, static_cast<std::uint32_t>(k + 1));
    }
    EXPECT_FALSE(buf->poll(late, out));
    EXPECT_EQ(buf->stats().delivered_messages, 14u);
    EXPECT_FALSE(m[0].c->receive_message(late, out));
    EXPECT_FALSE(m[1].c->receive_message(late, out));
  } else {
    // Still missing: both links repeat the report, with nothing else in it.
    run_ms(300);
    const auto n1 = all_naks(1);
    ASSERT_FALSE(n1.empty());
    for (const SeqRange &x : n1) EXPECT_EQ(x, (SeqRange{seq(10), seq(11)}));
    const auto n0 = all_naks(0);
    ASSERT_FALSE(n0.empty());
    for (const SeqRange &x : n0) EXPECT_EQ(x, (SeqRange{seq(10), seq(11)}));
    EXPECT_EQ(buf->ack_seq(), seq(10));
  }
}

INSTANTIATE_TEST_SUITE_P(Members, SharedBuffer, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool> &i) {
                           return std::string(i.param ? "OtherLinkFills" : "NobodyFills");
                         });

}  // namespace
}  // namespace srtcore::srt
