// Interop of bonded io::Endpoints (SRT socket groups) with libsrt 1.5.1 built
// with bonding (srt-test-live from tests/peers/build-libsrt-bonding.sh), over
// real sockets on loopback, in both directions, broadcast and backup:
//   - our bonded caller -> srt-test-live group listener -> UDP -> the test;
//   - the test -> UDP -> srt-test-live group caller -> our bonded listener;
//   - the same with a UDP relay on each path: one path cut mid-stream and
//     restored, or (broadcast) every path losing 10% at random;
//   - refusals: no groupconnect on the libsrt listener, and a balancing
//     group (type 3, which libsrt 1.5.1 does not have).
// Messages carry their index and a checksum; srt-test-live passes each SRT
// message to or from one UDP datagram, so boundaries are checked too. Every
// counted message must arrive exactly once, intact and in order.
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "udp_port.hpp"
#include "../io/endpoint_fixture.hpp"
#include "io/udp_socket.hpp"
#include "srt/reject.hpp"
#include "srt_io_process.hpp"
#include "udp_relay.hpp"

namespace srtcore::io::test {
namespace {

using namespace std::chrono_literals;

constexpr std::uint32_t kSyncIndex = 0xFFFFFF00u;
constexpr int kLatencyMs = 125;
constexpr std::uint64_t kLossSeed = 7331;
// Messages per second while streaming (the sender paces by the clock).
constexpr std::uint32_t kRate = 1000;

// The srt-test-live built with bonding, named by the test's environment
// (tests/interop/meson.build); nullopt when it is not there.
std::optional<std::string> srt_test_live() {
  const char *path = std::getenv("SRTRTP_SRT_TEST_LIVE");
  if (path == nullptr || *path == '\0') return std::nullopt;
  if (::access(path, X_OK) != 0) return std::nullopt;
  return std::string(path);
}

#define SKIP_WITHOUT_SRT_TEST_LIVE(var)                                                        \
  const auto var = srt_test_live();                                                            \
  if (!var)                                                                                    \
    GTEST_SKIP() << "srt-test-live with bonding not found at '"                                \
                 << (std::getenv("SRTRTP_SRT_TEST_LIVE") ? std::getenv("SRTRTP_SRT_TEST_LIVE") \
                                                         : "(SRTRTP_SRT_TEST_LIVE unset)")     \
                 << "' (build it with tests/peers/build-libsrt-bonding.sh BUILD_DIR)";

// Loopback UDP ports free right now, never handed out twice in this process
// (each test gets its own).
std::vector<std::uint16_t> fresh_udp_ports(std::size_t n) {
  static std::mutex m;
  static std::set<std::uint16_t> used;
  std::lock_guard lock(m);
  std::vector<UdpSocket> held;
  std::vector<std::uint16_t> ports;
  for (int attempts = 0; ports.size() < n && attempts < 1000; ++attempts) {
    auto s = UdpSocket::open(srt::NetAddress::v4(127, 0, 0, 1, 0), std::nullopt, {}, nullptr);
    if (!s) break;
    const std::uint16_t p = s->local_address().port;
    held.push_back(std::move(*s));  // held until all are picked: distinct
    if (used.insert(p).second) ports.push_back(p);
  }
  return ports;
}

using interop::UdpPort;

// srt-test-live as a child, bounded by coreutils timeout (60 s, then
// SIGKILL), which runs it in its own process group. Teardown: SIGTERM to
// the group, and SIGKILL after a short grace (srt-test-live waits 5 s on
// SIGTERM and sometimes hangs).
class SrtTestLive {
 public:
  SrtTestLive(const std::string &program, const std::vector<std::string> &args) {
    auto timeout = find_program("timeout");
    if (!timeout) throw std::runtime_error("coreutils timeout is not on PATH");
    std::vector<std::string> argv{*timeout, "-k", "2", "60", program};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string line;
    for (const auto &a : args) line += " '" + a + "'";
    std::printf("peer: srt-test-live%s\n", line.c_str());
    child_ = std::make_unique<ChildProcess>(argv);
  }
  ~SrtTestLive() { terminate(); }
  SrtTestLive(const SrtTestLive &) = delete;
  SrtTestLive &operator=(const SrtTestLive &) = delete;

  void terminate() {
    if (!child_ || terminated_) return;
    terminated_ = true;
    const pid_t pid = child_->pid();
    ::kill(-pid, SIGTERM);
    if (child_->wait_exit(300ms)) return;
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
    child_->wait_exit(5000ms);
  }

  std::string output() {
    const auto out = child_->wait_stdout(0, 0ms);
    return "peer stdout: " + std::string(out.begin(), out.end()) +
           "\npeer stderr: " + child_->stderr_text();
  }

 private:
  std::unique_ptr<ChildProcess> child_;
  bool terminated_ = false;
};

// Member link states as the observer saw them, per (group, link).
class LinkWatcher : public EndpointObserver {
 public:
  void on_link_state(const LinkReport &link, bond::LinkState from, bond::LinkState to,
                     const std::string &detail) override {
    std::lock_guard lock(mutex_);
    states_[{link.group_id, link.id}] = to;
    weights_[{link.group_id, link.id}] = link.weight;
    groups_.insert(link.group_id);
    std::ostringstream s;
    s << "link " << link.id << " (group " << std::hex << link.group_id << std::dec << ", "
      << (link.name.empty() ? link.peer.to_string() : link.name)
      << "): " << bond::link_state_name(from) << " -> " << bond::link_state_name(to) << " "
      << detail;
    log_.push_back(s.str());
    cv_.notify_all();
  }

  // Waits until `n` links are connected (idle or running).
  bool wait_connected_links(std::size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return connected_locked() >= n; });
  }

  // Backup: the link of weight `preferred` carries the stream and the one
  // of weight `standby` stands by.
  bool settled(std::uint16_t preferred, std::uint16_t standby) {
    std::lock_guard lock(mutex_);
    return settled_locked(preferred, standby);
  }
  // The same, waiting for link-state events up to `timeout`.
  bool wait_settled(std::uint16_t preferred, std::uint16_t standby,
                    std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return settled_locked(preferred, standby); });
  }

  std::size_t groups_seen() {
    std::lock_guard lock(mutex_);
    return groups_.size();
  }

  std::string log() {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto &l : log_) out += "  " + l + "\n";
    return out;
  }

 private:
  bool settled_locked(std::uint16_t preferred, std::uint16_t standby) {
    bool p = false;
    bool s = false;
    for (const auto &[key, state] : states_) {
      const std::uint16_t w = weights_[key];
      if (w == preferred && state == bond::LinkState::kRunning) p = true;
      if (w == standby && state == bond::LinkState::kIdle) s = true;
    }
    return p && s;
  }

  std::size_t connected_locked() const {
    return static_cast<std::size_t>(std::count_if(states_.begin(), states_.end(), [](auto &kv) {
      return kv.second == bond::LinkState::kIdle || kv.second == bond::LinkState::kRunning;
    }));
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::map<std::pair<std::uint32_t, bond::LinkId>, bond::LinkState> states_;
  std::map<std::pair<std::uint32_t, bond::LinkId>, std::uint16_t> weights_;
  std::set<std::uint32_t> groups_;
  std::vector<std::string> log_;
};

// ---- one paced stream --------------------------------------------------------

struct StreamEnds {
  std::function<void(srt::ByteSpan)> send;
  std::function<std::optional<std::vector<std::uint8_t>>(std::chrono::milliseconds)> receive;
  // Called by the sender just before message `index` goes out (cut/restore).
  std::function<void(std::uint32_t)> before_send;
};

struct StreamResult {
  Received received;
  std::uint32_t duplicates = 0;  // counted indices seen again after all arrived
  bool synced = false;
  bool trailing = false;  // a trailing message arrived: delivery went on past the counted ones
};

// A marker is repeated until one arrives (a peer's UDP input or output may
// not be ready yet); then messages 0..count-1 go out at kRate per second,
// then trailing messages (not counted: a live receiver only sees a loss at
// the end when later packets come) until the receiver is done. The receiver
// takes `count` counted messages, then waits for the first trailing one and
// counts any counted index seen again as a duplicate. A trailing message
// before all counted ones came ends the wait too: delivery is in order, so
// the missing ones will not come (the sender would otherwise go on until
// srt-test-live's 60 s timeout).
StreamResult run_stream(const StreamEnds &ends, std::uint32_t count) {
  std::mutex m;
  std::condition_variable cv;
  bool synced = false;
  bool done = false;

  std::thread sender([&] {
    const auto sync = make_message(kSyncIndex, 200);
    std::unique_lock lock(m);
    while (!synced && !done) {
      lock.unlock();
      ends.send(sync);
      lock.lock();
      cv.wait_for(lock, 20ms, [&] { return synced || done; });
    }
    const auto period = std::chrono::nanoseconds(1'000'000'000 / kRate);
    const auto t0 = std::chrono::steady_clock::now();
    for (std::uint32_t i = 0; !done; ++i) {
      // Pacing by the clock (not a wait for an event).
      cv.wait_until(lock, t0 + i * period, [&] { return done; });
      if (done) break;
      lock.unlock();
      if (i < count) {
        if (ends.before_send) ends.before_send(i);
        ends.send(make_message(i, message_size(i)));
      } else {
        ends.send(make_message(i, 100));
      }
      lock.lock();
    }
  });

  StreamResult r;
  while (r.received.indices.size() + r.received.corrupt < count) {
    auto msg = ends.receive(kGenerous);
    if (!msg) break;
    const auto index = check_message(*msg);
    if (index == kSyncIndex) {
      std::lock_guard lock(m);
      synced = true;
      cv.notify_all();
    } else if (index < 0) {
      ++r.received.corrupt;
    } else if (static_cast<std::uint32_t>(index) < count) {
      r.received.indices.push_back(static_cast<std::uint32_t>(index));
    } else {
      r.trailing = true;  // the counted messages that did not come are lost
      break;
    }
  }
  // Exactly once: nothing counted may come again before the trailing ones.
  if (r.received.indices.size() == count) {
    while (auto msg = ends.receive(kGenerous)) {
      const auto index = check_message(*msg);
      if (index < 0) {
        ++r.received.corrupt;
      } else if (index == kSyncIndex) {
      } else if (static_cast<std::uint32_t>(index) < count) {
        ++r.duplicates;
      } else {
        r.trailing = true;
        break;
      }
    }
  }
  {
    std::lock_guard lock(m);
    r.synced = synced;
    done = true;
    cv.notify_all();
  }
  sender.join();
  return r;
}

// First missing / misplaced messages, for failure messages.
std::string describe(const Received &r, std::uint32_t count) {
  std::ostringstream s;
  std::vector<bool> seen(count, false);
  for (auto i : r.indices)
    if (i < count) seen[i] = true;
  int shown = 0;
  s << "missing:";
  for (std::uint32_t i = 0; i < count && shown < 20; ++i)
    if (!seen[i]) {
      s << ' ' << i;
      ++shown;
    }
  return s.str();
}

// Datagrams the kernel dropped on the UDP socket bound to `port` (its
// receive buffer was full), from /proc/net/udp; nullopt when not found.
std::optional<std::uint64_t> udp_socket_drops(std::uint16_t port) {
  std::FILE *f = std::fopen("/proc/net/udp", "r");
  if (f == nullptr) return std::nullopt;
  std::optional<std::uint64_t> drops;
  char line[512];
  bool header = true;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (header) {
      header = false;
      continue;
    }
    // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
    std::istringstream in(line);
    std::string sl, local, field;
    in >> sl >> local;
    const auto colon = local.find(':');
    if (colon == std::string::npos ||
        std::stoul(local.substr(colon + 1), nullptr, 16) != static_cast<unsigned long>(port)) {
      continue;
    }
    for (int k = 0; k < 10; ++k) in >> field;
    std::uint64_t d = 0;
    if (in >> d) drops = drops.value_or(0) + d;
  }
  std::fclose(f);
  return drops;
}

// What our receiving endpoint delivered, in libsrt's own numbering: message
// numbers must follow each other and nothing may be reported dropped, or a
// message libsrt sent was lost on its way to our application.
struct PeerNumbering {
  std::optional<std::uint32_t> last_msgno;
  std::uint64_t skipped = 0;  // message numbers that never came
  std::uint64_t dropped = 0;  // MessageInfo::dropped_before sums
  void on_message(const srt::MessageInfo &info) {
    dropped += info.dropped_before;
    if (last_msgno) skipped += (info.msg_no - *last_msgno - 1) & ((1u << 26) - 1);
    last_msgno = info.msg_no;
  }
};

// Counted indices that are strictly increasing (none twice, none out of order).
bool strictly_increasing(const Received &r) {
  return std::adjacent_find(r.indices.begin(), r.indices.end(),
                            [](std::uint32_t a, std::uint32_t b) { return b <= a; }) ==
         r.indices.end();
}

// ---- scenarios ---------------------------------------------------------------

enum class Direction : std::uint8_t {
  kOursToLibsrt,  // our bonded caller -> srt-test-live group listener -> UDP
  kLibsrtToOurs,  // UDP -> srt-test-live group caller -> our bonded listener
};
enum class Impairment : std::uint8_t { kNone, kCutAndRestore, kLossy };

struct Case {
  const char *name;
  Direction direction;
  bond::GroupMode mode;
  Impairment impairment;
  std::uint32_t count;
  // Both ends with this passphrase (AES-256): each member link keyed on its
  // own, as libsrt keys each member socket.
  const char *passphrase = nullptr;
  // The sender's packet filter (the receiver sets just "fec" and takes it):
  // each member link runs one, on both sides.
  const char *filter = nullptr;
};

std::string case_name(const ::testing::TestParamInfo<Case> &info) {
  return info.param.name;
}
void PrintTo(const Case &c, std::ostream *os) {
  *os << c.name;
}

const char *mode_uri(bond::GroupMode m) {
  return m == bond::GroupMode::kBackup ? "backup" : "broadcast";
}

// Path weights: the first is preferred in backup.
constexpr std::uint16_t kWeights[2] = {10, 1};

// A relay per path (cut/restore and random loss); nullptr when direct.
std::unique_ptr<linkemu::UdpRelay> make_relay(Impairment imp, std::uint16_t target, int path) {
  if (imp == Impairment::kNone) return nullptr;
  linkemu::RelayConfig c;
  c.target = "127.0.0.1:" + std::to_string(target);
  c.forward.seed = kLossSeed + 2 * static_cast<std::uint64_t>(path);
  c.backward.seed = kLossSeed + 2 * static_cast<std::uint64_t>(path) + 1;
  if (imp == Impairment::kLossy) {
    c.forward.loss = 0.10;
    c.backward.loss = 0.10;
  }
  auto r = std::make_unique<linkemu::UdpRelay>(c);
  r->start();
  return r;
}

void print_links(const char *who, const Endpoint &e) {
  for (const LinkReport &l : e.links())
    std::printf(
        "%s link %u %s weight %u state %s: sent %lld recv %lld lost %lld retrans %lld "
        "dropped %lld\n",
        who, l.id, (l.name.empty() ? l.peer.to_string() : l.name).c_str(), l.weight,
        bond::link_state_name(l.state), static_cast<long long>(l.stats.pktSent),
        static_cast<long long>(l.stats.pktRecv), static_cast<long long>(l.stats.pktRcvLoss),
        static_cast<long long>(l.stats.pktRetrans), static_cast<long long>(l.stats.pktRcvDrop));
  for (const auto &[id, g] : e.group_stats())
    std::printf(
        "%s group %08x: sent %lld recv %lld unique %lld redundant %lld dropped %lld delivered "
        "%lld group-rexmit %lld activations %lld reconnects %lld\n",
        who, id, static_cast<long long>(g.pktSent), static_cast<long long>(g.pktRecv),
        static_cast<long long>(g.pktRecvUnique), static_cast<long long>(g.pktRcvRedundant),
        static_cast<long long>(g.pktRcvDrop), static_cast<long long>(g.pktDelivered),
        static_cast<long long>(g.pktSndGroupRexmit), static_cast<long long>(g.linkActivations),
        static_cast<long long>(g.linkReconnects));
}

class SrtBondInterop : public ::testing::TestWithParam<Case> {};

TEST_P(SrtBondInterop, EveryMessageArrivesOnceIntactAndInOrder) {
  SKIP_WITHOUT_SRT_TEST_LIVE(program);
  const Case c = GetParam();
  std::string latency = std::to_string(kLatencyMs);
  // Appended to every srt-test-live URI after latency=.
  if (c.passphrase) latency += std::string("&passphrase=") + c.passphrase + "&pbkeylen=32";
  if (c.filter) {
    latency += "&packetfilter=";
    latency += c.direction == Direction::kLibsrtToOurs ? c.filter : "fec";
  }
  if (c.impairment == Impairment::kLossy)
    std::printf("relays: 10%% random loss each way on both paths, seeds %llu..%llu\n",
                static_cast<unsigned long long>(kLossSeed),
                static_cast<unsigned long long>(kLossSeed + 3));
  SCOPED_TRACE("relay seeds from " + std::to_string(kLossSeed));

  UdpPort udp;  // srt-test-live's UDP output, or where we feed its input
  LinkWatcher watcher;
  std::unique_ptr<Endpoint> ours;
  std::unique_ptr<linkemu::UdpRelay> relays[2];
  std::unique_ptr<SrtTestLive> peer;
  StreamEnds ends;
  PeerNumbering numbering;       // libsrt -> ours: what our endpoint delivered
  std::uint16_t peer_input = 0;  // libsrt -> ours: srt-test-live's UDP input port

  const auto ports = fresh_udp_ports(1);
  ASSERT_EQ(ports.size(), 1u);

  if (c.direction == Direction::kOursToLibsrt) {
    const std::uint16_t listen_port = ports[0];
    peer = std::make_unique<SrtTestLive>(
        *program, std::vector<std::string>{"srt://:" + std::to_string(listen_port) +
                                               "?groupconnect=1&latency=" + latency,
                                           "udp://127.0.0.1:" + std::to_string(udp.port()), "-sf"});
    EndpointConfig cc;
    cc.mode = Mode::kCaller;
    cc.connection.recv_latency = std::chrono::milliseconds(kLatencyMs);
    cc.connection.connect_timeout = 10'000ms;
    if (c.passphrase) {
      cc.connection.passphrase = c.passphrase;
      cc.connection.pbkeylen = 32;
    }
    if (c.filter) cc.connection.packet_filter = c.filter;
    BondConfig bond;
    bond.mode = c.mode;
    for (int k = 0; k < 2; ++k) {
      relays[k] = make_relay(c.impairment, listen_port, k);
      const std::uint16_t port = relays[k] ? relays[k]->listen_address().port() : listen_port;
      bond.links.push_back(
          LinkConfig{"127.0.0.1", port, "", 0, kWeights[k], "path" + std::to_string(k)});
    }
    cc.bond = bond;
    ours = open_endpoint(cc, &watcher);
    ASSERT_NE(ours, nullptr);
    ASSERT_EQ(ours->wait_connected(kGenerous), WaitStatus::kReady)
        << (ours->error() ? ours->error()->detail : "") << "\n"
        << peer->output();
    ASSERT_TRUE(watcher.wait_connected_links(2, kGenerous)) << watcher.log() << peer->output();
    ends.send = [&](srt::ByteSpan m) { ours->send(std::span<const srt::ByteSpan>(&m, 1)); };
    ends.receive = [&](std::chrono::milliseconds t) { return udp.receive(t); };
  } else {
    EndpointConfig lc = listener_config();
    lc.connection.recv_latency = std::chrono::milliseconds(kLatencyMs);
    if (c.passphrase) lc.connection.passphrase = c.passphrase;
    if (c.filter) lc.connection.packet_filter = "fec";
    lc.bond = BondConfig{c.mode, {}};
    ours = open_endpoint(lc, &watcher);
    ASSERT_NE(ours, nullptr);
    const std::uint16_t listen_port = ours->local_address().port;
    const std::uint16_t input_port = ports[0];
    peer_input = input_port;
    std::vector<std::string> args{
        "udp://:" + std::to_string(input_port), "-g",
        std::string("srt://*?type=") + mode_uri(c.mode) + "&latency=" + latency};
    for (int k = 0; k < 2; ++k) {
      relays[k] = make_relay(c.impairment, listen_port, k);
      const std::uint16_t port = relays[k] ? relays[k]->listen_address().port() : listen_port;
      std::string member = "127.0.0.1:" + std::to_string(port);
      if (c.mode == bond::GroupMode::kBackup) member += "?weight=" + std::to_string(kWeights[k]);
      args.push_back(member);
    }
    args.push_back("-sf");
    peer = std::make_unique<SrtTestLive>(*program, args);
    ASSERT_EQ(ours->wait_connected(kGenerous), WaitStatus::kReady) << peer->output();
    ASSERT_TRUE(watcher.wait_connected_links(2, kGenerous)) << watcher.log() << peer->output();
    ends.send = [&udp, input_port](srt::ByteSpan m) { udp.send_to(input_port, m); };
    ends.receive = [&](std::chrono::milliseconds t) -> std::optional<std::vector<std::uint8_t>> {
      std::vector<std::uint8_t> buf(1500);
      WaitStatus st{};
      auto m = ours->receive(buf, t, &st);
      if (!m) return std::nullopt;
      numbering.on_message(m->info);
      buf.resize(m->info.size);
      return buf;
    };
  }

  // The preferred path (0) goes down after 1 s of streaming and comes back
  // 1.5 s later: longer than a sender keeps packets for retransmission
  // (libsrt drops them after max(latency, 1 s) + 20 ms), so what was sent
  // meanwhile can only arrive over the other path. Backup: only once the
  // group has settled (path0 running, path1 standing by), so the cut makes
  // the standby take over, and early enough that path0 takes the stream back
  // before the end.
  const bool backup = c.mode == bond::GroupMode::kBackup;
  if (backup && c.impairment == Impairment::kCutAndRestore &&
      c.direction == Direction::kOursToLibsrt) {
    // Our sender settles before any data: when path1's handshake finished
    // first it leads until path0 has been stable for takeback_hold (2 s),
    // which on a loaded machine could leave no room for the cut.
    ASSERT_TRUE(watcher.wait_settled(kWeights[0], kWeights[1], kGenerous)) << watcher.log();
  }
  const std::uint32_t cut_length = kRate * 3 / 2;
  std::atomic<std::uint32_t> cut_at{0};
  std::atomic<bool> settled_after_restore{false};
  std::int64_t activations_at_cut = 0;
  std::int64_t standby_recv_at_cut = 0;
  auto standby_recv = [&] {
    for (const LinkReport &l : ours->links())
      if (l.weight == kWeights[1]) return l.stats.pktRecv;
    return std::int64_t{0};
  };
  auto activations = [&] {
    std::int64_t n = 0;
    for (const auto &[id, g] : ours->group_stats()) n += g.linkActivations;
    return n;
  };
  auto group_rexmit = [&] {
    std::int64_t n = 0;
    for (const auto &[id, g] : ours->group_stats()) n += g.pktSndGroupRexmit;
    return n;
  };
  std::int64_t group_rexmit_at_cut = 0;
  if (c.impairment == Impairment::kCutAndRestore) {
    ends.before_send = [&](std::uint32_t i) {
      const std::uint32_t at = cut_at.load();
      if (at == 0) {
        if (i >= kRate && (!backup || watcher.settled(kWeights[0], kWeights[1])) &&
            i + cut_length + (backup ? 3 : 1) * kRate < c.count) {
          std::printf("cutting path0 before message %u\n", i);
          print_links("at the cut: ours", *ours);
          activations_at_cut = activations();
          group_rexmit_at_cut = group_rexmit();
          standby_recv_at_cut = standby_recv();
          relays[0]->cut();
          cut_at = i;
        }
      } else if (i == at + cut_length) {
        std::printf("restoring path0 before message %u\n", i);
        print_links("at the restore: ours", *ours);
        relays[0]->restore();
      } else if (backup && i == c.count - 1) {
        settled_after_restore = watcher.settled(kWeights[0], kWeights[1]);
      }
    };
  }

  const StreamResult r = run_stream(ends, c.count);
  if (backup && c.impairment == Impairment::kCutAndRestore && !settled_after_restore.load()) {
    // Not yet by the last message: on a loaded machine the peer can miss the
    // CPU for longer than a link's silence limit (60-125 ms) after the
    // restore, the group fails over once more, and path0 must then carry
    // stably for takeback_hold (2 s) again. It must still take the stream
    // back, with the stream idle now.
    settled_after_restore = watcher.wait_settled(kWeights[0], kWeights[1], 8000ms);
    std::printf("path0 took the stream back only after the last message: %s\n",
                settled_after_restore.load() ? "yes" : "no, not within 8 s");
  }
  EXPECT_TRUE(r.synced) << "no marker message came through"
                        << "\n"
                        << peer->output();
  // libsrt -> ours: srt-test-live reads its UDP input with the kernel's
  // default receive buffer (208 KB, about 90 of these messages: its
  // testing/testmedia.cpp ignores a rcvbuf option), so when it does not get
  // the CPU for 0.1 s on a loaded machine, the kernel drops test messages
  // before libsrt ever sees them. libsrt numbers the messages it takes, so
  // such a gap is excused only when our endpoint delivered every number
  // without a gap or a drop, in order, and the kernel counted at least that
  // many drops on srt-test-live's input socket (read while it still runs).
  bool input_loss_only = false;
  if (c.direction == Direction::kLibsrtToOurs && !all_in_order(r.received, 0, c.count)) {
    const std::size_t missing = c.count - r.received.indices.size();
    const auto drops = udp_socket_drops(peer_input);
    std::printf(
        "libsrt -> ours: %zu counted messages missing; our endpoint skipped %llu of libsrt's "
        "message numbers and reported %llu dropped; the kernel dropped %s datagrams at "
        "srt-test-live's UDP input\n",
        missing, static_cast<unsigned long long>(numbering.skipped),
        static_cast<unsigned long long>(numbering.dropped),
        drops ? std::to_string(*drops).c_str() : "(unknown)");
    input_loss_only = numbering.skipped == 0 && numbering.dropped == 0 && r.received.corrupt == 0 &&
                      strictly_increasing(r.received) && r.trailing && drops && *drops >= missing;
  }
  // Ours -> libsrt: the same at the other end, where srt-test-live writes
  // what it delivers to this test's UDP socket: when the test does not get
  // the CPU, the kernel drops there what libsrt delivered.
  bool output_loss_only = false;
  if (c.direction == Direction::kOursToLibsrt && !all_in_order(r.received, 0, c.count)) {
    const std::size_t missing = c.count - r.received.indices.size();
    const auto drops = udp_socket_drops(udp.port());
    std::printf(
        "ours -> libsrt: %zu messages missing; the kernel dropped %s datagrams at this "
        "test's UDP socket\n",
        missing, drops ? std::to_string(*drops).c_str() : "(unknown)");
    output_loss_only =
        r.received.corrupt == 0 && strictly_increasing(r.received) && drops && *drops >= missing;
  }
  if (input_loss_only) {
    std::printf("the missing messages never reached libsrt (%s): not a transport loss\n",
                describe(r.received, c.count).c_str());
  } else if (output_loss_only) {
    std::printf(
        "libsrt delivered the missing messages; the kernel dropped them at this test's "
        "socket (%s): not a transport loss\n",
        describe(r.received, c.count).c_str());
  } else {
    EXPECT_TRUE(all_in_order(r.received, 0, c.count)) << describe(r.received, c.count) << "\n"
                                                      << watcher.log() << peer->output();
  }
  EXPECT_EQ(r.duplicates, 0u);
  std::printf("%s: %zu of %u messages in order, %zu corrupt, %u duplicates\n", c.name,
              r.received.indices.size(), c.count, r.received.corrupt, r.duplicates);

  // Both members are one group: one peer, one group, two links in it.
  const auto links = ours->links();
  EXPECT_EQ(links.size(), 2u) << watcher.log();
  EXPECT_EQ(ours->group_stats().size(), 1u);
  EXPECT_EQ(watcher.groups_seen(), 1u) << watcher.log();
  if (c.direction == Direction::kLibsrtToOurs) {
    EXPECT_EQ(ours->peers().size(), 1u);
    if (links.size() == 2) {
      EXPECT_EQ(links[0].group_id, links[1].group_id);
    }
  }
  if (c.mode == bond::GroupMode::kBroadcast) {
    // Broadcast: both paths carried the stream.
    for (const LinkReport &l : links) {
      if (c.direction == Direction::kOursToLibsrt)
        EXPECT_GT(l.stats.pktSent, static_cast<std::int64_t>(c.count) / 2) << "link " << l.id;
      else
        EXPECT_GT(l.stats.pktRecv, static_cast<std::int64_t>(c.count) / 2) << "link " << l.id;
    }
  }
  if (c.impairment == Impairment::kCutAndRestore) {
    const auto s = relays[0]->stats();
    EXPECT_GT(s.forward.link.dropped_cut, 0u) << "the cut dropped nothing";
    std::printf("%s\n%s\n", linkemu::format_direction("path0 forward", s.forward).c_str(),
                linkemu::format_direction("path0 backward", s.backward).c_str());
    ASSERT_NE(cut_at.load(), 0u) << "path0 was never cut (backup: the group never settled with "
                                    "path0 running and path1 standing by)\n"
                                 << watcher.log();
    if (backup && c.direction == Direction::kOursToLibsrt) {
      // The standby took over while the preferred path was cut.
      EXPECT_GT(activations(), activations_at_cut) << watcher.log();
      // What the standby gets again on activation is what the peer had not
      // acknowledged: the packets of the moments before the switch (libsrt:
      // since the last ACK), not the last second of the stream.
      const std::int64_t resent = group_rexmit() - group_rexmit_at_cut;
      std::printf("group retransmission on activation: %lld packets\n",
                  static_cast<long long>(resent));
      EXPECT_LE(resent, static_cast<std::int64_t>(kRate / 2))
          << "the activated standby got " << resent
          << " packets again: half a second of stream or more, far beyond the latency";
    }
    if (backup && c.direction == Direction::kLibsrtToOurs) {
      // libsrt's backup sender moved the stream to the standby path: it
      // brought at least what was sent during most of the cut.
      EXPECT_GE(standby_recv() - standby_recv_at_cut, static_cast<std::int64_t>(cut_length) * 4 / 5)
          << watcher.log();
    }
    if (backup) {
      // ... and path0 took the stream back before the end.
      EXPECT_TRUE(settled_after_restore.load()) << watcher.log();
    }
  }
  if (c.impairment == Impairment::kLossy) {
    for (int k = 0; k < 2; ++k) {
      const auto s = relays[k]->stats();
      EXPECT_GT(s.forward.link.lost_random, 0u);
      std::printf(
          "%s\n%s\n",
          linkemu::format_direction(k == 0 ? "path0 forward" : "path1 forward", s.forward).c_str(),
          linkemu::format_direction(k == 0 ? "path0 backward" : "path1 backward", s.backward)
              .c_str());
    }
  }
  if (c.passphrase) {
    // Every member link was encrypted (secured, 32-byte keys), and nothing
    // failed to decrypt.
    for (const LinkReport &l : ours->links()) {
      EXPECT_EQ(l.stats.kmState, 2) << l.name;
      EXPECT_EQ(l.stats.pbKeyLen, 32) << l.name;
      EXPECT_EQ(l.stats.pktRcvUndecrypt, 0) << l.name;
    }
  }
  if (c.filter && c.direction == Direction::kLibsrtToOurs) {
    // Every member link took libsrt's FEC packets (the second member's
    // rows start where libsrt's group put its sequence: ours realigns on
    // its first row FEC packets) and, together, rebuilt packets from them.
    std::int64_t rebuilt = 0;
    for (const LinkReport &l : ours->links()) {
      EXPECT_GT(l.stats.pktRcvFilterExtra, static_cast<std::int64_t>(c.count) / 10)
          << l.name << " (FEC packets refused: " << l.stats.pktRcvFilterBad << ")";
      EXPECT_LT(l.stats.pktRcvFilterBad, 10) << l.name;
      rebuilt += l.stats.pktRcvFilterSupply;
    }
    EXPECT_GT(rebuilt, 0) << "no packet that both paths lost was rebuilt";
  }
  if (c.filter && c.direction == Direction::kOursToLibsrt) {
    for (const LinkReport &l : ours->links())
      EXPECT_GT(l.stats.pktSndFilterExtra, static_cast<std::int64_t>(c.count) / 10) << l.name;
  }
  print_links("ours", *ours);
  std::printf("link states:\n%s", watcher.log().c_str());
  // The peer first: our endpoint's close must not wait for it.
  peer->terminate();
}

INSTANTIATE_TEST_SUITE_P(
    Bond, SrtBondInterop,
    ::testing::Values(Case{"OurCallerToLibsrtBroadcast", Direction::kOursToLibsrt,
                           bond::GroupMode::kBroadcast, Impairment::kNone, 1000},
                      Case{"OurCallerToLibsrtBackup", Direction::kOursToLibsrt,
                           bond::GroupMode::kBackup, Impairment::kNone, 1000},
                      Case{"LibsrtCallerToUsBroadcast", Direction::kLibsrtToOurs,
                           bond::GroupMode::kBroadcast, Impairment::kNone, 1000},
                      Case{"LibsrtCallerToUsBackup", Direction::kLibsrtToOurs,
                           bond::GroupMode::kBackup, Impairment::kNone, 1000},
                      Case{"OurCallerToLibsrtBroadcastCutAndRestore", Direction::kOursToLibsrt,
                           bond::GroupMode::kBroadcast, Impairment::kCutAndRestore, 4000},
                      Case{"OurCallerToLibsrtBackupCutAndRestore", Direction::kOursToLibsrt,
                           bond::GroupMode::kBackup, Impairment::kCutAndRestore, 7500},
                      Case{"LibsrtCallerToUsBroadcastCutAndRestore", Direction::kLibsrtToOurs,
                           bond::GroupMode::kBroadcast, Impairment::kCutAndRestore, 4000},
                      Case{"LibsrtCallerToUsBackupCutAndRestore", Direction::kLibsrtToOurs,
                           bond::GroupMode::kBackup, Impairment::kCutAndRestore, 7500},
                      Case{"OurCallerToLibsrtBroadcastLossy", Direction::kOursToLibsrt,
                           bond::GroupMode::kBroadcast, Impairment::kLossy, 2000},
                      Case{"LibsrtCallerToUsBroadcastLossy", Direction::kLibsrtToOurs,
                           bond::GroupMode::kBroadcast, Impairment::kLossy, 2000},
                      Case{"OurCallerToLibsrtBroadcastEncryptedCutAndRestore",
                           Direction::kOursToLibsrt, bond::GroupMode::kBroadcast,
                           Impairment::kCutAndRestore, 4000, "bonded-secret-0123"},
                      Case{"LibsrtCallerToUsBackupEncryptedCutAndRestore", Direction::kLibsrtToOurs,
                           bond::GroupMode::kBackup, Impairment::kCutAndRestore, 7500,
                           "bonded-secret-0123"},
                      // arq:always this way: libsrt 1.5.1's group receiver with arq:onreq
                      // lost a few of the first messages in 2 of 3 runs (docs/fec.md).
                      Case{"OurCallerToLibsrtBroadcastLossyFec", Direction::kOursToLibsrt,
                           bond::GroupMode::kBroadcast, Impairment::kLossy, 3000, nullptr,
                           "fec,cols:10,rows:5,arq:always"},
                      Case{"LibsrtCallerToUsBroadcastLossyFec", Direction::kLibsrtToOurs,
                           bond::GroupMode::kBroadcast, Impairment::kLossy, 3000, nullptr,
                           "fec,cols:10,rows:5,arq:onreq"}),
    case_name);

// ---- refusals ----------------------------------------------------------------

// Our bonded caller against a libsrt listener: wait_connected must fail with
// the endpoint's error filled in.
EndpointError refused(const std::string &program, const std::string &listener_query,
                      bond::GroupMode mode, std::string *peer_output) {
  const auto ports = fresh_udp_ports(1);
  EXPECT_EQ(ports.size(), 1u);
  if (ports.empty()) return {};
  UdpPort udp;
  SrtTestLive peer(program, {"srt://:" + std::to_string(ports[0]) + "?" + listener_query,
                             "udp://127.0.0.1:" + std::to_string(udp.port()), "-sf"});
  EndpointConfig cc;
  cc.mode = Mode::kCaller;
  cc.connection.recv_latency = std::chrono::milliseconds(kLatencyMs);
  cc.connection.connect_timeout = 10'000ms;
  BondConfig bond;
  bond.mode = mode;
  for (int k = 0; k < 2; ++k)
    bond.links.push_back(
        LinkConfig{"127.0.0.1", ports[0], "", 0, kWeights[k], "path" + std::to_string(k)});
  cc.bond = bond;
  auto ours = open_endpoint(cc);
  if (!ours) return {};
  const WaitStatus st = ours->wait_connected(kGenerous);
  EXPECT_EQ(st, WaitStatus::kFailed);
  auto error = ours->error();
  EXPECT_TRUE(error.has_value()) << "no endpoint error";
  peer.terminate();
  *peer_output = peer.output();
  if (!error) return {};
  std::printf("our error: kind %d reject_code %u detail: %s\n", static_cast<int>(error->kind),
              error->reject_code, error->detail.c_str());
  return *error;
}

TEST(SrtBondRefusal, LibsrtListenerWithoutGroupconnect) {
  SKIP_WITHOUT_SRT_TEST_LIVE(program);
  std::string out;
  const EndpointError e =
      refused(*program, "latency=" + std::to_string(kLatencyMs), bond::GroupMode::kBroadcast, &out);
  EXPECT_EQ(e.kind, EndpointError::Kind::kRejected) << out;
  EXPECT_EQ(e.reject_code, static_cast<std::uint32_t>(srt::RejectReason::kGroup)) << out;
  EXPECT_NE(e.detail.find("groupconnect"), std::string::npos) << e.detail;
}

TEST(SrtBondRefusal, BalancingGroupAgainstLibsrt) {
  SKIP_WITHOUT_SRT_TEST_LIVE(program);
  std::string out;
  const EndpointError e = refused(*program, "groupconnect=1&latency=" + std::to_string(kLatencyMs),
                                  bond::GroupMode::kBalancing, &out);
  EXPECT_EQ(e.kind, EndpointError::Kind::kRejected) << out;
  EXPECT_EQ(e.reject_code, static_cast<std::uint32_t>(srt::RejectReason::kGroup)) << out;
  // Says what to do about it.
  EXPECT_NE(e.detail.find("bond-mode=broadcast or backup"), std::string::npos) << e.detail;
}

}  // namespace
}  // namespace srtcore::io::test
