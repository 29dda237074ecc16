// Interop of the I/O layer (io::Endpoint over real sockets) with Debian's
// libsrt 1.5: srt-live-transmit and gst-plugins-bad srtsrc/srtsink as
// listener and as caller, with stream ids, in clear text, directly and
// through the link emulator (5% loss each way, 20 ms RTT), and encrypted
// (passphrase, pbkeylen 16/24/32) with the refusals of a wrong or a missing
// passphrase in both directions. Messages carry
// their index and a checksum; the peers pass each SRT message to or from
// one UDP datagram, so message boundaries are checked too, and the file
// case compares srt-live-transmit's output byte for byte.
#include <poll.h>

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "udp_port.hpp"
#include "../io/endpoint_fixture.hpp"
#include "io/udp_socket.hpp"
#include "srt/hs_encryption.hpp"
#include "srt_io_process.hpp"
#include "udp_relay.hpp"

namespace srtcore::io::test {
namespace {

constexpr std::uint32_t kSyncIndex = 0xFFFFFF00u;
constexpr std::uint64_t kLinkSeed = 5150;

// Ports free right now (bound, read back and released together, so they
// differ); for peers that must know a port before anything binds it.
std::vector<std::uint16_t> free_udp_ports(std::size_t n) {
  std::vector<UdpSocket> held;
  std::vector<std::uint16_t> ports;
  for (std::size_t i = 0; i < n; ++i) {
    auto s = UdpSocket::open(srt::NetAddress::v4(127, 0, 0, 1, 0), std::nullopt, {}, nullptr);
    if (!s) return {};
    ports.push_back(s->local_address().port);
    held.push_back(std::move(*s));
  }
  return ports;
}

std::uint16_t free_udp_port() {
  const auto p = free_udp_ports(1);
  return p.empty() ? 0 : p[0];
}

using interop::UdpPort;

// Drives one stream: a sender thread keeps at most `window` messages in
// flight (sent, not yet received), which paces UDP inputs of the peers
// without timing; with `sync_first`, a marker message is repeated until one
// arrives, because a peer's UDP input may not be bound or connected yet.
struct StreamEnds {
  std::function<void(srt::ByteSpan)> send;
  std::function<std::optional<std::vector<std::uint8_t>>(std::chrono::milliseconds)> receive;
  bool sync_first = false;
};

Received run_stream(const StreamEnds &ends, std::uint32_t count, std::uint32_t window) {
  std::mutex m;
  std::condition_variable cv;
  std::uint32_t received = 0;
  bool synced = !ends.sync_first;
  bool done = false;

  std::thread sender([&] {
    const auto sync = make_message(kSyncIndex, 200);
    {
      std::unique_lock lock(m);
      while (!synced && !done) {
        lock.unlock();
        ends.send(sync);
        lock.lock();
        cv.wait_for(lock, std::chrono::milliseconds(20), [&] { return synced || done; });
      }
    }
    for (std::uint32_t i = 0; i < count; ++i) {
      {
        std::unique_lock lock(m);
        if (!cv.wait_for(lock, kGenerous, [&] { return done || i < received + window; })) return;
        if (done) return;
      }
      ends.send(make_message(i, message_size(i)));
    }
    // A live stream goes on: without later packets a receiver cannot see
    // that the last ones were lost (libsrt, with periodic NAK, does not
    // retransmit blindly either). Trailing messages until the end.
    std::unique_lock lock(m);
    for (std::uint32_t i = count; !done; ++i) {
      lock.unlock();
      ends.send(make_message(i, 100));
      lock.lock();
      cv.wait_for(lock, std::chrono::milliseconds(20), [&] { return done; });
    }
  });

  Received r;
  // Trailing messages keep coming: give up when none of the counted ones
  // arrived for kGenerous.
  auto progress = std::chrono::steady_clock::now();
  while (r.indices.size() + r.corrupt < count &&
         std::chrono::steady_clock::now() - progress < kGenerous) {
    auto msg = ends.receive(kGenerous);
    if (!msg) break;
    const auto index = check_message(*msg);
    std::lock_guard lock(m);
    if (index == kSyncIndex) {
      synced = true;
    } else if (index >= count) {
      // trailing messages
    } else if (index < 0) {
      ++r.corrupt;
      ++received;
    } else {
      r.indices.push_back(static_cast<std::uint32_t>(index));
      ++received;
      progress = std::chrono::steady_clock::now();
    }
    cv.notify_all();
  }
  {
    std::lock_guard lock(m);
    done = true;
    cv.notify_all();
  }
  sender.join();
  return r;
}

// ---- the scenarios -----------------------------------------------------------

enum class Peer : std::uint8_t {
  kSltListener,     // our caller -> srt-live-transmit listener -> UDP
  kSltCaller,       // UDP -> srt-live-transmit caller -> our listener
  kSrtsrcListener,  // our caller -> gst srtsrc listener -> udpsink
  kSrtsinkCaller,   // udpsrc -> gst srtsink caller -> our listener
  kOurs,            // our caller -> our listener
  kSltRendezvous,   // our rendezvous -> srt-live-transmit rendezvous -> UDP
};

struct Case {
  const char *name;
  Peer peer;
  bool lossy;
  int pbkeylen = -1;     // >= 0: encrypted with kPassphrase and this pbkeylen
  bool refresh = false;  // keys refreshed every kRefreshRate packets, both sides
};

constexpr int kRefreshRate = 500;
constexpr int kPreannounce = 100;

constexpr const char *kPassphrase = "interop passphrase 1.5.1";

std::string case_name(const ::testing::TestParamInfo<Case> &info) {
  std::string n = std::string(info.param.name) + (info.param.lossy ? "ThroughLossyLink" : "Direct");
  if (info.param.pbkeylen >= 0) n += "Aes" + std::to_string(info.param.pbkeylen);
  if (info.param.refresh) n += "KeyRefresh";
  return n;
}

// The URI keys libsrt's apps and srtsrc/srtsink take.
std::string encryption_query(const Case &c) {
  if (c.pbkeylen < 0) return "";
  std::string q =
      std::string("&passphrase=") + kPassphrase + "&pbkeylen=" + std::to_string(c.pbkeylen);
  if (c.refresh) {
    q += "&kmrefreshrate=" + std::to_string(kRefreshRate) +
         "&kmpreannounce=" + std::to_string(kPreannounce);
  }
  return q;
}

void set_encryption(const Case &c, srt::ConnectionConfig &cc) {
  if (c.pbkeylen < 0) return;
  cc.passphrase = kPassphrase;
  cc.pbkeylen = static_cast<std::size_t>(c.pbkeylen);
  if (c.refresh) {
    cc.km_refresh_rate = kRefreshRate;
    cc.km_preannounce = kPreannounce;
  }
}

const char *program_for(Peer p) {
  switch (p) {
    case Peer::kSltListener:
    case Peer::kSltCaller:
    case Peer::kSltRendezvous:
      return "srt-live-transmit";
    case Peer::kSrtsrcListener:
    case Peer::kSrtsinkCaller:
      return "gst-launch-1.0";
    case Peer::kOurs:
      return nullptr;
  }
  return nullptr;
}

bool gst_has(const std::string &element) {
  auto inspect = find_program("gst-inspect-1.0");
  if (!inspect) return false;
  ChildProcess p({*inspect, "--exists", element});
  return p.wait_exit(kGenerous) == 0;
}

linkemu::RelayConfig lossy_link(std::uint16_t target_port) {
  linkemu::RelayConfig c;
  c.target = "127.0.0.1:" + std::to_string(target_port);
  for (auto *dir : {&c.forward, &c.backward}) {
    dir->loss = 0.05;
    dir->delay = std::chrono::milliseconds(10);
  }
  c.forward.seed = kLinkSeed;
  c.backward.seed = kLinkSeed + 1;
  return c;
}

class SrtInterop : public ::testing::TestWithParam<Case> {};

TEST_P(SrtInterop, EveryMessageArrivesIntactAndInOrder) {
  const Case c = GetParam();
  std::optional<std::string> program;
  if (const char *name = program_for(c.peer)) {
    program = find_program(name);
    if (!program)
      GTEST_SKIP() << name << " is not installed (apt install srt-tools / "
                   << "gstreamer1.0-plugins-bad)";
    if (c.peer == Peer::kSrtsrcListener && !gst_has("srtsrc"))
      GTEST_SKIP() << "GStreamer has no srtsrc (gstreamer1.0-plugins-bad)";
    if (c.peer == Peer::kSrtsinkCaller && !gst_has("srtsink"))
      GTEST_SKIP() << "GStreamer has no srtsink (gstreamer1.0-plugins-bad)";
  }
  if (c.lossy)
    std::printf("link emulator: 5%% loss each way, 10 ms each way, seeds %llu/%llu\n",
                static_cast<unsigned long long>(kLinkSeed),
                static_cast<unsigned long long>(kLinkSeed + 1));
  SCOPED_TRACE(std::string("link seed ") + std::to_string(kLinkSeed));

  // srtsrc/srtsink's default latency, on the lossy link too: our receiver
  // repairs losses from the first packet (see srt-core/srt/README.md).
  const int latency_ms = 125;
  const std::string latency = std::to_string(latency_ms) + encryption_query(c);
  const std::uint32_t count = c.lossy ? 1500 : 3000;
  const std::uint32_t window = 100;
  const std::string stream_id = "interop/" + std::string(c.name);

  UdpPort udp;  // the peer's UDP side: its output, or where we feed its input
  std::unique_ptr<ChildProcess> child;
  std::unique_ptr<linkemu::UdpRelay> relay;
  std::unique_ptr<Endpoint> ours;
  std::unique_ptr<Endpoint> ours_listener;  // kOurs only
  RecordingObserver observer;
  StreamEnds ends;

  const bool peer_listens = c.peer == Peer::kSltListener || c.peer == Peer::kSrtsrcListener ||
                            c.peer == Peer::kOurs || c.peer == Peer::kSltRendezvous;
  // Rendezvous: both sides bind their own port and call the other's.
  // A port for the peer program to bind, known before it starts.
  const auto ports = free_udp_ports(1);
  ASSERT_EQ(ports.size(), 1u);
  if (peer_listens) {
    std::uint16_t listen_port = 0;
    if (c.peer == Peer::kOurs) {
      EndpointConfig lc = listener_config();
      lc.connection.recv_latency = std::chrono::milliseconds(latency_ms);
      set_encryption(c, lc.connection);
      ours_listener = open_endpoint(lc, &observer);
      ASSERT_NE(ours_listener, nullptr);
      listen_port = ours_listener->local_address().port;
    } else {
      listen_port = ports[0];
      const std::string uri =
          "srt://:" + std::to_string(listen_port) + "?mode=listener&latency=" + latency;
      if (c.peer == Peer::kSltRendezvous) {
        // srt-live-transmit binds the remote port number for rendezvous
        // (no localport), so the two sides meet on one port number at two
        // loopback addresses.
        child = std::make_unique<ChildProcess>(
            std::vector<std::string>{*program, "-a:no", "-ll:error",
                                     "srt://127.0.0.1:" + std::to_string(listen_port) +
                                         "?mode=rendezvous&adapter=127.0.0.2&latency=" + latency,
                                     "udp://127.0.0.1:" + std::to_string(udp.port())});
      } else if (c.peer == Peer::kSltListener) {
        child = std::make_unique<ChildProcess>(std::vector<std::string>{
            *program, "-a:no", "-ll:error", uri, "udp://127.0.0.1:" + std::to_string(udp.port())});
      } else {
        child = std::make_unique<ChildProcess>(std::vector<std::string>{
            *program, "-q", "srtsrc", "uri=" + uri, "!", "udpsink", "host=127.0.0.1",
            "port=" + std::to_string(udp.port()), "sync=false", "async=false"});
      }
    }
    std::uint16_t connect_port = listen_port;
    if (c.lossy) {
      relay = std::make_unique<linkemu::UdpRelay>(lossy_link(listen_port));
      relay->start();
      connect_port = relay->listen_address().port();
    }
    EndpointConfig cc;
    cc.mode = Mode::kCaller;
    cc.host = "127.0.0.1";
    cc.port = connect_port;
    if (c.peer == Peer::kSltRendezvous) {
      cc.mode = Mode::kRendezvous;
      cc.host = "127.0.0.2";
      cc.local_address = "127.0.0.1";
      cc.local_port = connect_port;
    }
    cc.connection.recv_latency = std::chrono::milliseconds(latency_ms);
    cc.connection.stream_id = stream_id;
    cc.connection.connect_timeout = std::chrono::milliseconds(10'000);
    set_encryption(c, cc.connection);
    ours = open_endpoint(cc);
    ASSERT_NE(ours, nullptr);
    ASSERT_EQ(ours->wait_connected(kGenerous), WaitStatus::kReady)
        << (ours->error() ? ours->error()->detail : "")
        << (child ? "\npeer stderr: " + child->stderr_text() : "");
    ends.send = [&](srt::ByteSpan m) { ours->send(std::span<const srt::ByteSpan>(&m, 1)); };
    if (c.peer == Peer::kOurs) {
      ends.receive = [&](std::chrono::milliseconds t) -> std::optional<std::vector<std::uint8_t>> {
        std::vector<std::uint8_t> buf(1500);
        WaitStatus st{};
        auto m = ours_listener->receive(buf, t, &st);
        if (!m) return std::nullopt;
        buf.resize(m->info.size);
        return buf;
      };
    } else {
      ends.receive = [&](std::chrono::milliseconds t) { return udp.receive(t); };
    }
  } else {
    EndpointConfig lc = listener_config();
    lc.connection.recv_latency = std::chrono::milliseconds(latency_ms);
    set_encryption(c, lc.connection);
    ours = open_endpoint(lc, &observer);
    ASSERT_NE(ours, nullptr);
    std::uint16_t connect_port = ours->local_address().port;
    if (c.lossy) {
      relay = std::make_unique<linkemu::UdpRelay>(lossy_link(connect_port));
      relay->start();
      connect_port = relay->listen_address().port();
    }
    const std::uint16_t input_port = ports[0];
    const std::string uri = "srt://127.0.0.1:" + std::to_string(connect_port) +
                            "?mode=caller&latency=" + latency + "&streamid=" + stream_id;
    if (c.peer == Peer::kSltCaller) {
      child = std::make_unique<ChildProcess>(std::vector<std::string>{
          *program, "-a:no", "-ll:error",
          "udp://:" + std::to_string(input_port) + "?rcvbuf=4000000", uri});
    } else {
      child = std::make_unique<ChildProcess>(std::vector<std::string>{
          *program, "-q", "udpsrc", "port=" + std::to_string(input_port), "buffer-size=4000000",
          "!", "srtsink", "uri=" + uri, "sync=false"});
    }
    ASSERT_EQ(ours->wait_connected(kGenerous), WaitStatus::kReady)
        << "peer stderr: " << child->stderr_text();
    ends.sync_first = true;
    ends.send = [&udp, input_port](srt::ByteSpan m) { udp.send_to(input_port, m); };
    ends.receive = [&](std::chrono::milliseconds t) -> std::optional<std::vector<std::uint8_t>> {
      std::vector<std::uint8_t> buf(1500);
      WaitStatus st{};
      auto m = ours->receive(buf, t, &st);
      if (!m) return std::nullopt;
      buf.resize(m->info.size);
      return buf;
    };
  }

  const Received r = run_stream(ends, count, window);
  EXPECT_TRUE(all_in_order(r, 0, count)) << (child ? "peer stderr: " + child->stderr_text() : "");

  // The listener saw the caller's stream id.
  if (!peer_listens || c.peer == Peer::kOurs) {
    std::lock_guard lock(observer.mutex);
    ASSERT_FALSE(observer.connected.empty());
    EXPECT_EQ(observer.connected.back().stream_id, stream_id);
  }
  if (relay) {
    const auto s = relay->stats();
    std::printf("relay forward: %s\nrelay backward: %s\n",
                linkemu::format_direction("forward", s.forward).c_str(),
                linkemu::format_direction("backward", s.backward).c_str());
    EXPECT_GT(s.forward.link.lost_random + s.backward.link.lost_random, 0u)
        << "the link emulator lost nothing: the test proved no recovery";
  }
  for (const auto &[info, st] : (ours_listener ? ours_listener : ours)->stats()) {
    std::printf("our side %s: sent %lld recv %lld lost %lld retrans %lld dropped %lld\n",
                info.address.to_string().c_str(), static_cast<long long>(st.pktSent),
                static_cast<long long>(st.pktRecv), static_cast<long long>(st.pktRcvLoss),
                static_cast<long long>(st.pktRetrans), static_cast<long long>(st.pktRcvDrop));
    // The key length the initiator chose (libsrt's default 16 for 0).
    const int want_key = c.pbkeylen < 0 ? 0 : (c.pbkeylen == 0 ? 16 : c.pbkeylen);
    EXPECT_EQ(st.pbKeyLen, want_key);
    EXPECT_EQ(st.kmState,
              static_cast<int>(c.pbkeylen < 0 ? srt::KmState::kUnsecured : srt::KmState::kSecured));
    EXPECT_EQ(st.pktRcvUndecrypt, 0);
    if (c.refresh) {
      // One side sends (the other only acknowledges): its keys changed
      // about count / kRefreshRate times, and the receiver took them.
      std::printf("key refresh: %lld switches sent, %lld announcements taken\n",
                  static_cast<long long>(st.kmSendKeySwitches),
                  static_cast<long long>(st.kmPeerAnnouncements));
      EXPECT_GE(st.kmSendKeySwitches + st.kmPeerAnnouncements,
                static_cast<std::int64_t>(count / kRefreshRate) - 1);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Peers, SrtInterop,
    ::testing::Values(Case{"OurCallerToSrtLiveTransmit", Peer::kSltListener, false},
                      Case{"OurCallerToSrtLiveTransmit", Peer::kSltListener, true},
                      Case{"SrtLiveTransmitCallerToUs", Peer::kSltCaller, false},
                      Case{"SrtLiveTransmitCallerToUs", Peer::kSltCaller, true},
                      Case{"OurCallerToSrtsrc", Peer::kSrtsrcListener, false},
                      Case{"OurCallerToSrtsrc", Peer::kSrtsrcListener, true},
                      Case{"SrtsinkCallerToUs", Peer::kSrtsinkCaller, false},
                      Case{"SrtsinkCallerToUs", Peer::kSrtsinkCaller, true},
                      Case{"OursToOurs", Peer::kOurs, true},
                      Case{"RendezvousWithSrtLiveTransmit", Peer::kSltRendezvous, false},
                      // Encrypted: every key length both ways with libsrt's app.
                      Case{"OurCallerToSrtLiveTransmit", Peer::kSltListener, false, 0},
                      Case{"OurCallerToSrtLiveTransmit", Peer::kSltListener, false, 16},
                      Case{"OurCallerToSrtLiveTransmit", Peer::kSltListener, false, 24},
                      Case{"OurCallerToSrtLiveTransmit", Peer::kSltListener, true, 32},
                      Case{"SrtLiveTransmitCallerToUs", Peer::kSltCaller, false, 16},
                      Case{"SrtLiveTransmitCallerToUs", Peer::kSltCaller, false, 24},
                      Case{"SrtLiveTransmitCallerToUs", Peer::kSltCaller, false, 32},
                      Case{"SrtLiveTransmitCallerToUs", Peer::kSltCaller, true, 16},
                      Case{"RendezvousWithSrtLiveTransmit", Peer::kSltRendezvous, false, 24},
                      Case{"OurCallerToSrtsrc", Peer::kSrtsrcListener, false, 32},
                      Case{"SrtsinkCallerToUs", Peer::kSrtsinkCaller, true, 24},
                      Case{"OursToOurs", Peer::kOurs, true, 16},
                      // Keys refreshed every 500 packets by both sides.
                      Case{"OurCallerToSrtLiveTransmit", Peer::kSltListener, false, 16, true},
                      Case{"OurCallerToSrtLiveTransmit", Peer::kSltListener, true, 32, true},
                      Case{"SrtLiveTransmitCallerToUs", Peer::kSltCaller, false, 24, true},
                      Case{"SrtLiveTransmitCallerToUs", Peer::kSltCaller, true, 16, true},
                      Case{"SrtsinkCallerToUs", Peer::kSrtsinkCaller, false, 16, true}),
    case_name);

// Enforced encryption against libsrt, both roles: a wrong passphrase is
// refused with BADSECRET, a passphrase on one side only with UNSECURE, and
// both sides say so.
struct Refusal {
  const char *name;
  const char *ours;    // our passphrase ("" none)
  const char *theirs;  // srt-live-transmit's
  srt::RejectReason reason;
  const char *slt_says;  // libsrt's text for the reason
};

class SrtInteropRefusal : public ::testing::TestWithParam<Refusal> {};

std::string slt_query(const char *pass) {
  return *pass ? std::string("&passphrase=") + pass : std::string();
}

TEST_P(SrtInteropRefusal, OurCallerIsRefusedBySrtLiveTransmit) {
  const Refusal r = GetParam();
  const auto program = find_program("srt-live-transmit");
  if (!program) GTEST_SKIP() << "srt-live-transmit is not installed (apt install srt-tools)";
  UdpPort udp;
  const std::uint16_t port = free_udp_port();
  ChildProcess child({*program, "-a:no", "-ll:warning",
                      "srt://:" + std::to_string(port) + "?mode=listener" + slt_query(r.theirs),
                      "udp://127.0.0.1:" + std::to_string(udp.port())});
  EndpointConfig cc;
  cc.mode = Mode::kCaller;
  cc.host = "127.0.0.1";
  cc.port = port;
  cc.connection.passphrase = r.ours;
  cc.connection.connect_timeout = std::chrono::milliseconds(10'000);
  auto ours = open_endpoint(cc);
  ASSERT_NE(ours, nullptr);
  // The listener may still be starting: the caller repeats until it answers.
  EXPECT_EQ(ours->wait_connected(kGenerous), WaitStatus::kFailed);
  const auto e = ours->error();
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->kind, EndpointError::Kind::kRejected) << e->detail;
  EXPECT_EQ(e->reject_code, static_cast<std::uint32_t>(r.reason)) << e->detail;
  EXPECT_TRUE(child.wait_output(r.slt_says, kGenerous)) << child.stderr_text();
}

TEST_P(SrtInteropRefusal, SrtLiveTransmitCallerIsRefusedByUs) {
  const Refusal r = GetParam();
  const auto program = find_program("srt-live-transmit");
  if (!program) GTEST_SKIP() << "srt-live-transmit is not installed (apt install srt-tools)";
  RecordingObserver observer;
  EndpointConfig lc = listener_config();
  lc.connection.passphrase = r.ours;
  auto ours = open_endpoint(lc, &observer);
  ASSERT_NE(ours, nullptr);
  const std::uint16_t input = free_udp_port();
  ChildProcess child({*program, "-a:no", "-ll:warning", "udp://:" + std::to_string(input),
                      "srt://127.0.0.1:" + std::to_string(ours->local_address().port) +
                          "?mode=caller" + slt_query(r.theirs)});
  ASSERT_TRUE(observer.wait([&] { return !observer.rejected.empty(); }));
  {
    std::lock_guard lock(observer.mutex);
    EXPECT_EQ(observer.rejected.front().second, static_cast<std::uint32_t>(r.reason));
    EXPECT_TRUE(observer.connected.empty());
  }
  EXPECT_TRUE(child.wait_output(r.slt_says, kGenerous)) << child.stderr_text();
}

INSTANTIATE_TEST_SUITE_P(
    Passphrases, SrtInteropRefusal,
    ::testing::Values(Refusal{"Wrong", "interop passphrase A", "interop passphrase B",
                              srt::RejectReason::kBadSecret, "Incorrect passphrase"},
                      Refusal{"OnlyOurs", "interop passphrase A", "", srt::RejectReason::kUnsecure,
                              "Password required or unexpected"},
                      Refusal{"OnlyTheirs", "", "interop passphrase B",
                              srt::RejectReason::kUnsecure, "Password required or unexpected"}),
    [](const ::testing::TestParamInfo<Refusal> &p) { return std::string(p.param.name); });

// AES-GCM against libsrt 1.5.1, which has only AES-CTR: asking for GCM must
// fail cleanly in both roles, with a reason that says the peer lacks it and
// what to set. (cryptomode=0, our default, is what every encrypted case
// above runs: it falls back to AES-CTR and works.)
TEST(SrtInteropGcm, OurGcmCallerIsRefusedBySrtLiveTransmitWithAHint) {
  const auto program = find_program("srt-live-transmit");
  if (!program) GTEST_SKIP() << "srt-live-transmit is not installed (apt install srt-tools)";
  UdpPort udp;
  const std::uint16_t port = free_udp_port();
  ChildProcess child({*program, "-a:no", "-ll:warning",
                      "srt://:" + std::to_string(port) + "?mode=listener" + slt_query(kPassphrase),
                      "udp://127.0.0.1:" + std::to_string(udp.port())});
  EndpointConfig cc;
  cc.mode = Mode::kCaller;
  cc.host = "127.0.0.1";
  cc.port = port;
  cc.connection.passphrase = kPassphrase;
  cc.connection.crypto_mode = srt::CryptoMode::kAesGcm;
  cc.connection.connect_timeout = std::chrono::milliseconds(10'000);
  auto ours = open_endpoint(cc);
  ASSERT_NE(ours, nullptr);
  EXPECT_EQ(ours->wait_connected(kGenerous), WaitStatus::kFailed);
  const auto e = ours->error();
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->kind, EndpointError::Kind::kRejected) << e->detail;
  // libsrt 1.5.1 cannot read the GCM KMREQ (NOSECRET) and rejects with
  // UNSECURE, every time: our error names the missing AES-GCM and the fix.
  EXPECT_EQ(e->reject_code, static_cast<std::uint32_t>(srt::RejectReason::kUnsecure)) << e->detail;
  EXPECT_NE(e->detail.find("lacks if it is libsrt before 1.5.2"), std::string::npos) << e->detail;
  EXPECT_NE(e->detail.find("set cryptomode=1 or 0 here"), std::string::npos) << e->detail;
  EXPECT_TRUE(child.wait_output("Password required or unexpected", kGenerous))
      << child.stderr_text();
}

// cryptomode=0 (auto), set explicitly, against libsrt 1.5.1: AES-CTR, and
// the data arrives.
TEST(SrtInteropGcm, AutoModeFallsBackToAesCtrWithSrtLiveTransmit) {
  const auto program = find_program("srt-live-transmit");
  if (!program) GTEST_SKIP() << "srt-live-transmit is not installed (apt install srt-tools)";
  UdpPort udp;
  const std::uint16_t port = free_udp_port();
  ChildProcess child({*program, "-a:no", "-ll:warning",
                      "srt://:" + std::to_string(port) + "?mode=listener" + slt_query(kPassphrase),
                      "udp://127.0.0.1:" + std::to_string(udp.port())});
  EndpointConfig cc;
  cc.mode = Mode::kCaller;
  cc.host = "127.0.0.1";
  cc.port = port;
  cc.connection.passphrase = kPassphrase;
  cc.connection.crypto_mode = srt::CryptoMode::kAuto;
  cc.connection.connect_timeout = std::chrono::milliseconds(10'000);
  auto ours = open_endpoint(cc);
  ASSERT_NE(ours, nullptr);
  ASSERT_EQ(ours->wait_connected(kGenerous), WaitStatus::kReady) << child.stderr_text();
  // Repeated until one arrives: srt-live-transmit may still be opening its output.
  const std::vector<std::uint8_t> m(1316, 0x42);
  std::optional<std::vector<std::uint8_t>> got;
  for (int i = 0; i < 50 && !got; ++i) {
    const srt::ByteSpan one[] = {srt::ByteSpan(m)};
    ASSERT_EQ(ours->send(one), 1u);
    got = udp.receive(std::chrono::milliseconds(200));
  }
  ASSERT_TRUE(got.has_value()) << child.stderr_text();
  EXPECT_EQ(*got, m);
  const auto stats = ours->stats();
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].second.kmState, static_cast<int>(srt::KmState::kSecured));
}

TEST(SrtInteropGcm, SrtLiveTransmitCallerIsRefusedByOurGcmListener) {
  const auto program = find_program("srt-live-transmit");
  if (!program) GTEST_SKIP() << "srt-live-transmit is not installed (apt install srt-tools)";
  RecordingObserver observer;
  EndpointConfig lc = listener_config();
  lc.connection.passphrase = kPassphrase;
  lc.connection.crypto_mode = srt::CryptoMode::kAesGcm;
  auto ours = open_endpoint(lc, &observer);
  ASSERT_NE(ours, nullptr);
  const std::uint16_t input = free_udp_port();
  ChildProcess child({*program, "-a:no", "-ll:warning", "udp://:" + std::to_string(input),
                      "srt://127.0.0.1:" + std::to_string(ours->local_address().port) +
                          "?mode=caller" + slt_query(kPassphrase)});
  ASSERT_TRUE(observer.wait([&] { return !observer.rejected.empty(); }));
  {
    std::lock_guard lock(observer.mutex);
    EXPECT_EQ(observer.rejected.front().second,
              static_cast<std::uint32_t>(srt::RejectReason::kCrypto));
    EXPECT_TRUE(observer.connected.empty());
  }
  const std::string hint = srt::encryption_hint(
      static_cast<std::uint32_t>(srt::RejectReason::kCrypto), true, srt::CryptoMode::kAesGcm);
  EXPECT_NE(hint.find("set cryptomode=1 or 0 here"), std::string::npos) << hint;
  // libsrt 1.5.1 has no text for reason 17.
  EXPECT_TRUE(
      child.wait_output("REJECT reported from HS processing: Unknown or erroneous", kGenerous))
      << child.stderr_text();
}

// srt-live-transmit writing what it receives to stdout: the bytes must be
// exactly the concatenation of what our caller sent.
TEST(SrtInteropFile, SrtLiveTransmitOutputIsByteIdentical) {
  auto program = find_program("srt-live-transmit");
  if (!program) GTEST_SKIP() << "srt-live-transmit is not installed (apt install srt-tools)";
  // Its stdout is a pipe, so stdio would hold the last partial block back.
  auto stdbuf = find_program("stdbuf");
  if (!stdbuf) GTEST_SKIP() << "stdbuf (coreutils) is not installed";
  const std::uint16_t port = free_udp_port();
  ChildProcess child({*stdbuf, "-o0", *program, "-a:no", "-ll:error", "-q",
                      "srt://:" + std::to_string(port) + "?mode=listener", "file://con"});
  EndpointConfig cc;
  cc.mode = Mode::kCaller;
  cc.host = "127.0.0.1";
  cc.port = port;
  cc.connection.connect_timeout = std::chrono::milliseconds(10'000);
  auto ours = open_endpoint(cc);
  ASSERT_NE(ours, nullptr);
  ASSERT_EQ(ours->wait_connected(kGenerous), WaitStatus::kReady) << child.stderr_text();
  std::vector<std::uint8_t> expected;
  const std::uint32_t count = 2000;
  for (std::uint32_t i = 0; i < count; ++i) {
    const auto m = make_message(i, message_size(i));
    expected.insert(expected.end(), m.begin(), m.end());
    const srt::ByteSpan span(m);
    ours->send(std::span<const srt::ByteSpan>(&span, 1));
  }
  const auto got = child.wait_stdout(expected.size(), kGenerous);
  EXPECT_EQ(ours->wait_sent(kGenerous), WaitStatus::kReady);
  ASSERT_EQ(got.size(), expected.size()) << child.stderr_text();
  EXPECT_TRUE(got == expected) << "srt-live-transmit wrote different bytes";
}

}  // namespace
}  // namespace srtcore::io::test
