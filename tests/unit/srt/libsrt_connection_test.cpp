// Our Connection / Listener against Debian's libsrt 1.5.1 (srt-live-transmit)
// over real UDP sockets on 127.0.0.1: caller and listener, both directions,
// rendezvous, stream id, rejection. A tiny poll() loop stands in for the
// io/ layer. Each message is checked byte for byte, with its boundaries
// (srt-live-transmit relays one SRT message per UDP datagram and back).
// Skips, saying so, when srt-live-transmit is not installed.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "libsrt_peer.hpp"
#include "srt/connection.hpp"
#include "srt/handshake.hpp"
#include "srt/packet.hpp"
#include "srt/listener.hpp"
#include "srt/random.hpp"

namespace srtcore::srt {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;
using testing::UdpSocket;
using Bytes = std::vector<std::uint8_t>;

constexpr int kMessages = 300;
// Generous: only a broken build or a wedged peer takes this long.
constexpr auto kWait = 15s;

TimePoint real_now() {
  return TimePoint(
      std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now().time_since_epoch()));
}

// Message i: its index in the first 4 bytes, a size that varies from 4 to
// 1316 bytes, and a pattern that depends on both.
Bytes message(std::uint32_t i) {
  Bytes m(4 + (i * 97) % 1313);
  put_u32(m.data(), i);
  for (std::size_t k = 4; k < m.size(); ++k) m[k] = static_cast<std::uint8_t>(i * 7 + k * 3);
  return m;
}

// One SRT endpoint of ours on a UDP socket, driven by poll().
class Ours {
 public:
  Ours() = default;
  void call(const ConnectionConfig &c, Role role, std::uint16_t peer_port,
            Random *random = nullptr) {
    conn_ = std::make_unique<Connection>(c, role, sock_.address(),
                                         NetAddress::v4(127, 0, 0, 1, peer_port),
                                         random ? *random : rnd_, real_now());
  }
  // The first datagram that arrives (blocking up to the test timeout).
  std::optional<std::pair<Bytes, NetAddress>> wait_datagram() {
    pollfd fd{sock_.fd(), POLLIN, 0};
    if (::poll(&fd, 1, static_cast<int>(std::chrono::milliseconds(kWait).count())) != 1) {
      return std::nullopt;
    }
    NetAddress from;
    auto n = sock_.receive(buf_, &from);
    if (!n) return std::nullopt;
    return std::make_pair(Bytes(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(*n)),
                          from);
  }
  void inject(const Bytes &d, const NetAddress &from) {
    dispatch(real_now(), from, d);
    flush(real_now());
  }
  // Whether our rendezvous conclusions carried HSREQ (we initiated) or HSRSP.
  bool sent_hsreq = false;
  bool sent_hsrsp = false;
  void listen(const ConnectionConfig &c, AcceptCallback cb) {
    ListenerConfig lc;
    lc.connection = c;
    listener_ = std::make_unique<Listener>(lc, sock_.address(), rnd_);
    listener_->set_accept_callback(std::move(cb));
  }
  std::uint16_t port() const { return sock_.port(); }
  // Loses this share of the datagrams in each direction (seeded, so a run
  // replays the same decisions; the handshake is spared so that the test
  // is about the data path).
  void set_loss(double loss) { loss_ = loss; }
  std::uint64_t lost = 0;
  Connection *conn() { return conn_.get(); }
  Listener *listener() { return listener_.get(); }

  // Waits for input on our socket or `other` (if >= 0), at most until our
  // next deadline, then handles what is due.
  void step(int other) {
    pollfd fds[2] = {{sock_.fd(), POLLIN, 0}, {other, POLLIN, 0}};
    int timeout = 20;
    std::optional<TimePoint> wake;
    if (conn_) wake = conn_->next_deadline();
    if (!delayed_.empty() && (!wake || delayed_.front().due < *wake)) wake = delayed_.front().due;
    if (wake) {
      // A deadline of TimePoint::min() means "now": no subtraction (overflow).
      const TimePoint t = real_now();
      const auto us = *wake <= t ? 0 : (*wake - t).count();
      timeout = std::clamp<int>(static_cast<int>((us + 999) / 1000), 0, timeout);
    }
    ::poll(fds, other >= 0 ? 2 : 1, timeout);
    TimePoint now = real_now();
    NetAddress from;
    while (auto n = sock_.receive(buf_, &from)) {
      const ByteSpan d = ByteSpan(buf_).first(*n);
      if (delay_.count() > 0) {
        delayed_.push_back({now + delay_, false, Bytes(d.begin(), d.end()), from});
      } else {
        dispatch(now, from, d);
      }
    }
    while (!delayed_.empty() && delayed_.front().due <= now) {
      const Delayed p = std::move(delayed_.front());
      delayed_.pop_front();
      if (p.outgoing) {
        sock_.send_to(p.addr, p.bytes);
      } else {
        dispatch(now, p.addr, p.bytes);
      }
    }
    if (conn_) conn_->handle_timeout(now);
    flush(now);
  }
  // Delays every datagram by `one_way` in each direction (20 ms RTT for
  // 10 ms), as a path would.
  void set_delay(Duration one_way) { delay_ = one_way; }

  bool send(const Bytes &m) { return conn_ && conn_->send_message(real_now(), m); }
  bool connected() const {
    for (const auto &e : events) {
      if (e.kind == ConnectionEvent::Kind::kConnected) return true;
    }
    return false;
  }

  std::vector<ConnectionEvent> events;
  std::vector<Bytes> messages;
  std::vector<MessageInfo> infos;

 private:
  bool lose(ByteSpan d) {
    if (loss_ <= 0 || !connected()) return false;
    (void)d;
    rng_ = rng_ * 6364136223846793005ULL + 1442695040888963407ULL;
    const bool l = static_cast<double>(rng_ >> 11) / 9007199254740992.0 < loss_;
    lost += l ? 1 : 0;
    return l;
  }
  void note_role(ByteSpan d) {
    auto c = parse_control_packet(d);
    if (!c || c->header.type != ControlType::kHandshake) return;
    auto h = parse_handshake(*c);
    if (!h || h->body.type != hs_type::kConclusion) return;
    auto ext = parse_extensions(h->extensions);
    if (!ext) return;
    sent_hsreq = sent_hsreq || ext->find(ExtType::kHsReq).has_value();
    sent_hsrsp = sent_hsrsp || ext->find(ExtType::kHsRsp).has_value();
  }
  // SRT_TEST_TRACE=1: one line per datagram, for chasing a failure.
  void trace(const char *dir, ByteSpan d, bool lost_it) {
    static const bool on = std::getenv("SRT_TEST_TRACE") != nullptr;
    if (!on || d.size() < 16) return;
    const long long t = (real_now() - t0_).count();
    if (!is_control_packet(d)) {
      std::printf("%8lld %s data %u%s%s\n", t, dir, get_u32(d.data()) & 0x7FFFFFFF,
                  (d[4] & 0x04) ? " R" : "", lost_it ? " LOST" : "");
    } else {
      std::printf("%8lld %s ctrl %04x %u len %zu body %u%s\n", t, dir, get_u16(d.data()),
                  get_u32(d.data() + 4), d.size(), d.size() >= 20 ? get_u32(d.data() + 16) : 0,
                  lost_it ? " LOST" : "");
    }
  }
  void dispatch(TimePoint now, const NetAddress &from, ByteSpan d) {
    const bool lost_it = lose(d);
    trace("in ", d, lost_it);
    if (lost_it) return;
    const std::uint32_t dest = d.size() >= 16 ? get_u32(d.data() + 12) : 0;
    if (listener_ && dest == 0) {
      Bytes reply(1500);
      auto r = listener_->handle_datagram(now, from, d, reply);
      if (r.reply_size > 0) sock_.send_to(from, ByteSpan(reply).first(r.reply_size));
      if (r.accepted && !conn_) conn_ = std::move(r.accepted);
      return;
    }
    if (conn_) conn_->handle_datagram(now, d);
  }
  void flush(TimePoint now) {
    if (!conn_) return;
    Bytes out(1500);
    while (std::size_t n = conn_->poll_transmit(now, out)) {
      note_role(ByteSpan(out).first(n));
      const bool lost_it = lose(ByteSpan(out).first(n));
      trace("out", ByteSpan(out).first(n), lost_it);
      if (lost_it) continue;
      if (delay_.count() > 0) {
        delayed_.push_back({now + delay_, true,
                            Bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n)),
                            conn_->peer()});
      } else {
        sock_.send_to(conn_->peer(), ByteSpan(out).first(n));
      }
    }
    while (auto e = conn_->poll_event()) events.push_back(std::move(*e));
    while (auto m = conn_->receive_message(now, out)) {
      messages.emplace_back(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(m->size));
      infos.push_back(*m);
    }
  }

  UdpSocket sock_;
  SystemRandom rnd_;
  std::unique_ptr<Listener> listener_;
  std::unique_ptr<Connection> conn_;
  Bytes buf_ = Bytes(2048);
  double loss_ = 0;
  struct Delayed {
    TimePoint due;
    bool outgoing;
    Bytes bytes;
    NetAddress addr;
  };
  Duration delay_{};
  std::deque<Delayed> delayed_;
  TimePoint t0_ = real_now();
  std::uint64_t rng_ = 42;
};

// Loops until `done` or the generous timeout; `work` runs every iteration.
bool run(Ours &ours, int other_fd, const std::function<bool()> &done,
         const std::function<void()> &work = {}) {
  const auto limit = std::chrono::steady_clock::now() + kWait;
  while (std::chrono::steady_clock::now() < limit) {
    ours.step(other_fd);
    if (work) work();
    if (done()) return true;
  }
  return false;
}

std::string srt_uri(std::uint16_t port, const std::string &query, bool with_host = true) {
  return std::string("srt://") + (with_host ? "127.0.0.1" : "") + ":" + std::to_string(port) +
         (query.empty() ? "" : "?" + query);
}
std::string udp_uri(std::uint16_t port, bool with_host = true) {
  return std::string("udp://") + (with_host ? "127.0.0.1" : "") + ":" + std::to_string(port);
}

// We send a message every 1 ms; libsrt relays each to `out`; the first
// kMessages are checked.
void send_and_collect(Ours &ours, UdpSocket &out) {
  std::vector<Bytes> got;
  std::uint32_t next = 0;
  auto last = std::chrono::steady_clock::now();
  Bytes buf(2048);
  const bool ok = run(
      ours, out.fd(), [&] { return got.size() >= kMessages; },
      [&] {
        const auto t = std::chrono::steady_clock::now();
        // The stream goes on past kMessages: a lost last packet has no
        // successor to reveal it (live mode has no retransmission timeout).
        if (t - last >= 1ms) {
          ASSERT_TRUE(ours.send(message(next)));
          ++next;
          last = t;
        }
        while (auto n = out.receive(buf, nullptr))
          got.emplace_back(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
      });
  EXPECT_TRUE(ok) << "libsrt relayed " << got.size() << " of " << kMessages << " messages";
  ASSERT_GE(got.size(), static_cast<std::size_t>(kMessages));
  std::uint32_t wrong = 0;
  for (std::uint32_t i = 0; i < kMessages; ++i) {
    if (got[i] == message(i)) continue;
    ++wrong;
    ADD_FAILURE() << "message " << i << ": got index "
                  << (got[i].size() >= 4 ? get_u32(got[i].data()) : 0xFFFFFFFF) << ", "
                  << got[i].size() << " bytes";
    if (wrong > 5) break;
  }
  const Stats s = ours.conn()->stats(real_now());
  EXPECT_GE(s.pktSentUnique, kMessages);
  EXPECT_GT(s.pktRecvACK, 0);
}

// libsrt sends what we feed into its UDP input; feeds until kMessages came
// back. It drops input until its SRT side is connected, so the messages we
// get must be a run of consecutive fed messages.
void feed_and_receive(Ours &ours, UdpSocket &feeder, std::uint16_t input_port) {
  std::uint32_t next = 0;
  auto last = std::chrono::steady_clock::now();
  const bool ok = run(
      ours, -1, [&] { return ours.messages.size() >= kMessages; },
      [&] {
        const auto t = std::chrono::steady_clock::now();
        if (t - last >= 1ms) {
          feeder.send_to(NetAddress::v4(127, 0, 0, 1, input_port), message(next++));
          last = t;
        }
      });
  EXPECT_TRUE(ok) << "received " << ours.messages.size() << " of " << kMessages;
  ASSERT_GE(ours.messages.size(), static_cast<std::size_t>(kMessages));
  ASSERT_GE(ours.messages[0].size(), 4u);
  const std::uint32_t first = get_u32(ours.messages[0].data());
  for (std::uint32_t i = 0; i < kMessages; ++i) {
    EXPECT_EQ(ours.messages[i], message(first + i)) << "message " << i << " after " << first;
    EXPECT_EQ(ours.infos[i].dropped_before, 0u);
  }
}

class LibsrtConnection : public ::testing::Test {
 protected:
  void SetUp() override {
    exe_ = testing::find_in_path("srt-live-transmit");
    if (!exe_) GTEST_SKIP() << "srt-live-transmit not installed (Debian srt-tools): skipped";
  }
  // SRT_TEST_SLT_LOG=<file>: libsrt's debug log of the child goes there.
  std::unique_ptr<ChildProcess> spawn(std::vector<std::string> args) {
    const char *log = std::getenv("SRT_TEST_SLT_LOG");
    if (log) args.insert(args.begin(), "-loglevel:debug");
    auto c = std::make_unique<ChildProcess>(*exe_, args, log ? log : "");
    EXPECT_TRUE(c->running());
    return c;
  }
  std::optional<std::string> exe_;
};

TEST_F(LibsrtConnection, OurCallerSendsToLibsrtListener) {
  UdpSocket out;
  const std::uint16_t srt_port = testing::free_udp_port();
  auto child = spawn({srt_uri(srt_port, "mode=listener", false), udp_uri(out.port())});
  Ours ours;
  ConnectionConfig c;
  c.stream_id = "#!::r=interop/ours,m=publish";
  c.connect_timeout = kWait;
  ours.call(c, Role::kCaller, srt_port);
  ASSERT_TRUE(run(ours, -1, [&] { return ours.connected() || !ours.events.empty(); }));
  ASSERT_TRUE(ours.connected()) << ours.events.front().detail;
  EXPECT_EQ(ours.events[0].negotiated.send_latency, 120ms);
  EXPECT_GE(ours.events[0].negotiated.peer_srt_version, make_srt_version(1, 5, 0));
  send_and_collect(ours, out);
}

// Our NAKs, libsrt's retransmissions (and the other way round) under 5 %
// loss both ways on a 20 ms RTT path: everything still arrives, in order,
// intact, from the very first message.
TEST_F(LibsrtConnection, OurCallerSendsToLibsrtListenerAtFivePercentLoss20MsRtt) {
  UdpSocket out;
  const std::uint16_t srt_port = testing::free_udp_port();
  auto child = spawn({srt_uri(srt_port, "mode=listener", false), udp_uri(out.port())});
  Ours ours;
  ConnectionConfig c;
  c.connect_timeout = kWait;
  ours.call(c, Role::kCaller, srt_port);
  ASSERT_TRUE(run(ours, -1, [&] { return ours.connected() || !ours.events.empty(); }));
  ASSERT_TRUE(ours.connected()) << ours.events.front().detail;
  ours.set_loss(0.05);
  ours.set_delay(10ms);
  send_and_collect(ours, out);
  EXPECT_GT(ours.lost, 0u);
  EXPECT_GT(ours.conn()->stats(real_now()).pktRetrans, 0);
}

TEST_F(LibsrtConnection, LibsrtCallerSendsToOurListenerAtFivePercentLoss20MsRtt) {
  UdpSocket feeder;
  const std::uint16_t input_port = testing::free_udp_port();
  Ours ours;
  ours.listen(ConnectionConfig{}, {});
  ours.set_loss(0.05);
  ours.set_delay(10ms);
  auto child = spawn({udp_uri(input_port, false), srt_uri(ours.port(), "")});
  feed_and_receive(ours, feeder, input_port);
  EXPECT_GT(ours.lost, 0u);
  const Stats s = ours.conn()->stats(real_now());
  EXPECT_GT(s.pktRcvRetrans, 0);
  EXPECT_GT(s.pktSentNAK, 0);
  EXPECT_EQ(s.pktRcvDrop, 0);
}

TEST_F(LibsrtConnection, LibsrtListenerSendsToOurCaller) {
  UdpSocket feeder;
  const std::uint16_t input_port = testing::free_udp_port();
  const std::uint16_t srt_port = testing::free_udp_port();
  auto child =
      spawn({udp_uri(input_port, false), srt_uri(srt_port, "mode=listener&latency=200", false)});
  Ours ours;
  ConnectionConfig c;
  c.connect_timeout = kWait;
  ours.call(c, Role::kCaller, srt_port);
  ASSERT_TRUE(run(ours, -1, [&] { return ours.connected() || !ours.events.empty(); }));
  ASSERT_TRUE(ours.connected()) << ours.events.front().detail;
  // libsrt's latency=200 sets both of its directions: ours follow the larger.
  EXPECT_EQ(ours.events[0].negotiated.recv_latency, 200ms);
  EXPECT_EQ(ours.events[0].negotiated.send_latency, 200ms);
  feed_and_receive(ours, feeder, input_port);
}

TEST_F(LibsrtConnection, LibsrtCallerWithStreamIdSendsToOurListener) {
  UdpSocket feeder;
  const std::uint16_t input_port = testing::free_udp_port();
  Ours ours;
  std::vector<std::string> sids;
  ours.listen(ConnectionConfig{}, [&](const CallerRequest &r) -> std::optional<std::uint32_t> {
    sids.push_back(r.stream_id);
    return std::nullopt;
  });
  const std::string sid = "#!::r=live/cam1,m=publish";
  auto child = spawn({udp_uri(input_port, false), srt_uri(ours.port(), "streamid=" + sid)});
  feed_and_receive(ours, feeder, input_port);
  ASSERT_EQ(sids.size(), 1u);
  EXPECT_EQ(sids[0], sid);
  EXPECT_EQ(ours.events.at(0).negotiated.stream_id, sid);
  EXPECT_EQ(ours.listener()->stats().accepted, 1u);
}

TEST_F(LibsrtConnection, LibsrtCallerReceivesFromOurListener) {
  UdpSocket out;
  Ours ours;
  ours.listen(ConnectionConfig{}, {});
  auto child = spawn({srt_uri(ours.port(), "streamid=reader&latency=150"), udp_uri(out.port())});
  ASSERT_TRUE(run(ours, -1, [&] { return ours.connected(); }));
  EXPECT_EQ(ours.events[0].negotiated.send_latency, 150ms);
  send_and_collect(ours, out);
}

// Plays the values the engine draws (socket id, ISN, rendezvous cookie) in
// order, so that a test can pick the side of the cookie contest.
class ScriptedRandom final : public Random {
 public:
  explicit ScriptedRandom(std::vector<std::uint32_t> words) : words_(std::move(words)) {}
  void fill(MutableByteSpan out) override {
    if (out.size() == 4 && next_ < words_.size()) {
      put_u32(out.data(), words_[next_++]);
      return;
    }
    fallback_.fill(out);
  }

 private:
  std::vector<std::uint32_t> words_;
  std::size_t next_ = 0;
  SystemRandom fallback_;
};

// Both roles of the HSv5 rendezvous against libsrt: we wait for libsrt's
// waveahand, read its cookie and choose ours to win (initiator: we send
// HSREQ) or to lose (responder: we answer with HSRSP).
class LibsrtRendezvousRole : public LibsrtConnection, public ::testing::WithParamInterface<bool> {};

TEST_P(LibsrtRendezvousRole, ConnectsAndCarriesOurStream) {
  const bool initiate = GetParam();
  UdpSocket out;
  Ours ours;
  const std::uint16_t slt_port = testing::free_udp_port();
  auto child = spawn({srt_uri(ours.port(), "mode=rendezvous&port=" + std::to_string(slt_port)),
                      udp_uri(out.port())});
  auto wave = ours.wait_datagram();
  ASSERT_TRUE(wave) << "no waveahand from libsrt";
  auto c = parse_control_packet(wave->first);
  ASSERT_TRUE(c);
  auto h = parse_handshake(*c);
  ASSERT_TRUE(h);
  ASSERT_EQ(h->body.type, hs_type::kWaveAHand);
  const std::uint32_t cookie = initiate ? h->body.cookie + 0x10000000 : h->body.cookie - 0x10000000;
  ScriptedRandom rnd({0x01234567, 0x00ABCDEF, cookie});
  ConnectionConfig cfg;
  cfg.connect_timeout = kWait;
  ours.call(cfg, Role::kRendezvous, slt_port, &rnd);
  ours.inject(wave->first, wave->second);
  ASSERT_TRUE(run(ours, -1, [&] { return ours.connected() || !ours.events.empty(); }));
  ASSERT_TRUE(ours.connected()) << ours.events.front().detail;
  EXPECT_EQ(ours.sent_hsreq, initiate);
  EXPECT_EQ(ours.sent_hsrsp, !initiate);
  EXPECT_EQ(ours.events[0].negotiated.send_isn, 0x00ABCDEFu);
  send_and_collect(ours, out);
}

INSTANTIATE_TEST_SUITE_P(Roles, LibsrtRendezvousRole, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool> &p) {
                           return p.param ? "WeInitiate" : "WeRespond";
                         });

TEST_F(LibsrtConnection, LibsrtRendezvousSendsToUs) {
  UdpSocket feeder;
  const std::uint16_t input_port = testing::free_udp_port();
  const std::uint16_t slt_port = testing::free_udp_port();
  Ours ours;
  auto child = spawn({udp_uri(input_port, false),
                      srt_uri(ours.port(), "mode=rendezvous&port=" + std::to_string(slt_port))});
  ConnectionConfig c;
  c.connect_timeout = kWait;
  ours.call(c, Role::kRendezvous, slt_port);
  feed_and_receive(ours, feeder, input_port);
}

// Our listener refuses libsrt's stream id with an application code; libsrt
// reports the rejection (its log names the reason) and never connects.
TEST_F(LibsrtConnection, OurListenerRejectsLibsrtCaller) {
  Ours ours;
  int asked = 0;
  ours.listen(ConnectionConfig{}, [&](const CallerRequest &r) -> std::optional<std::uint32_t> {
    ++asked;
    EXPECT_EQ(r.stream_id, "#!::r=secret");
    return 1403;  // SRT_REJX_FORBIDDEN
  });
  const std::string log = ::testing::TempDir() + "slt_reject.log";
  auto child = std::make_unique<ChildProcess>(
      *exe_,
      std::vector<std::string>{"-a:no", srt_uri(ours.port(), "streamid=#!::r=secret"),
                               udp_uri(testing::free_udp_port())},
      log);
  ASSERT_TRUE(run(ours, -1, [&] { return asked > 0 && ours.listener()->stats().rejected > 0; }));
  EXPECT_EQ(ours.conn(), nullptr);
  // libsrt gives up and says why; wait for its log line without sleeping.
  std::string text;
  run(ours, -1, [&] {
    std::ifstream f(log);
    text.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    return text.find("reject") != std::string::npos || text.find("REJ") != std::string::npos;
  });
  EXPECT_TRUE(text.find("reject") != std::string::npos || text.find("REJ") != std::string::npos)
      << text;
}

// A libsrt caller with a passphrase meets our clear-text listener: refused
// with SRT_REJ_UNSECURE, as a libsrt listener without passphrase would.
TEST_F(LibsrtConnection, OurListenerRejectsAnEncryptedLibsrtCaller) {
  Ours ours;
  ours.listen(ConnectionConfig{}, {});
  const std::string log = ::testing::TempDir() + "slt_unsecure.log";
  auto child = std::make_unique<ChildProcess>(
      *exe_,
      std::vector<std::string>{"-a:no", srt_uri(ours.port(), "passphrase=0123456789abc"),
                               udp_uri(testing::free_udp_port())},
      log);
  ASSERT_TRUE(run(ours, -1, [&] { return ours.listener()->stats().rejected > 0; }));
  EXPECT_EQ(ours.conn(), nullptr);
  EXPECT_EQ(ours.listener()->stats().accepted, 0u);
}

TEST_F(LibsrtConnection, LibsrtListenerWithPassphraseRejectsUs) {
  const std::uint16_t srt_port = testing::free_udp_port();
  UdpSocket out;
  auto child = spawn(
      {srt_uri(srt_port, "mode=listener&passphrase=0123456789abc", false), udp_uri(out.port())});
  Ours ours;
  ConnectionConfig c;
  c.connect_timeout = kWait;
  ours.call(c, Role::kCaller, srt_port);
  ASSERT_TRUE(run(ours, -1, [&] { return !ours.events.empty(); }));
  ASSERT_EQ(ours.events[0].kind, ConnectionEvent::Kind::kRejected) << ours.events[0].detail;
  EXPECT_EQ(ours.events[0].reject_code, static_cast<std::uint32_t>(RejectReason::kUnsecure));
}

}  // namespace
}  // namespace srtcore::srt
