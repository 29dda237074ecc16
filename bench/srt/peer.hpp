// One side of a benchmark transfer, run in its own process so that its CPU
// time (getrusage via wait4) and peak RSS are the transport's alone.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "message_stamp.hpp"

namespace srtbench {

// One member link of a bonded peer: sender "HOST:PORT[@LOCAL][#WEIGHT]",
// comma-separated in --links.
struct LinkSpec {
  std::string host;
  int port = 0;
  std::string local;  // source address to bind ("" = any)
  int weight = 0;     // backup: higher is preferred
};

inline std::vector<LinkSpec> parse_links(const std::string &text) {
  std::vector<LinkSpec> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find(',', pos);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(pos, end - pos);
    pos = end + 1;
    LinkSpec l;
    if (const auto h = item.find('#'); h != std::string::npos) {
      l.weight = std::atoi(item.c_str() + h + 1);
      item.resize(h);
    }
    if (const auto at = item.find('@'); at != std::string::npos) {
      l.local = item.substr(at + 1);
      item.resize(at);
    }
    const auto colon = item.rfind(':');
    if (colon == std::string::npos) continue;
    l.host = item.substr(0, colon);
    l.port = std::atoi(item.c_str() + colon + 1);
    out.push_back(l);
  }
  return out;
}

struct PeerOptions {
  std::string impl = "ours";  // ours | libsrt
  std::string role = "recv";  // send | recv | idle
  std::string host = "127.0.0.1";
  int port = 0;            // recv: 0 = any free port (printed as "ready PORT")
  double rate_mbps = 100;  // send: payload rate; 0 = as fast as send() takes them
  double seconds = 5;      // send: duration
  int latency_ms = 120;
  int payload = 1316;
  std::int64_t maxbw = -1;    // bytes/s, SRTO_MAXBW semantics
  int buffer_packets = 8192;  // send and receive buffers, flow window
  int pbkeylen = 0;           // 0: clear; 16, 24, 32: AES-CTR with kBenchPassphrase
  int cryptomode = 0;         // ours: SRTO_CRYPTOMODE (2 = AES-GCM); libsrt 1.5.1: CTR only
  std::string packet_filter;  // SRTO_PACKETFILTER ("" = none), e.g. fec,cols:10,rows:5
  double idle_exit_s = 1.5;   // recv: stop after this long without a message
  // Bonding: "" (a plain connection), broadcast, backup or balancing. The
  // receiver accepts groups on host:port; the sender connects `links`.
  std::string bond;
  std::vector<LinkSpec> links;
  // Scale (roles many-recv / many-send): callers on one listener; the
  // sender's caller k connects to ports[k % ports.size()] (relays), or to
  // `port` when there are none.
  int callers = 1;
  std::vector<int> ports;
};

inline constexpr const char *kBenchPassphrase = "benchmark passphrase";

// Prints "ready PORT" (recv) and one "result k=v ..." line; returns the exit code.
int run_libsrt_peer(const PeerOptions &o);
int run_ours_peer(const PeerOptions &o);
// Roles many-recv and many-send (many_peers.hpp).
int run_libsrt_many_peer(const PeerOptions &o);
int run_ours_many_peer(const PeerOptions &o);
// libsrt 1.5.1 built with bonding (bench-srt-libsrt-bond, a separate
// executable: the plugin and bench-srt link Debian's libsrt, which has none).
int run_libsrt_bond_peer(const PeerOptions &o);
// The sending application alone, with no transport: its CPU per packet is
// the harness's share of every sender's figure.
int run_null_peer(const PeerOptions &o);

// Absolute-deadline pacing shared by both senders: how many messages are due
// by `elapsed_s` at `rate_mbps`.
inline std::uint64_t due_messages(double elapsed_s, double rate_mbps, int payload) {
  return static_cast<std::uint64_t>(elapsed_s * rate_mbps * 1e6 / 8.0 / payload);
}

struct SendTally {
  std::uint64_t sent = 0;
  std::uint64_t refused = 0;  // refusals (a refused message is offered again)
  std::uint64_t due = 0;      // messages due by the time the sender stopped
};

// The sending application every implementation gets: stamps each message
// and hands it to `send` (false = refused) at the configured rate, waking
// every 250 us, or as fast as `send` takes them when the rate is 0.
template <typename Send>
SendTally run_paced_sender(const PeerOptions &o, Send &&send) {
  using Clock = std::chrono::steady_clock;
  std::vector<std::uint8_t> msg(static_cast<std::size_t>(o.payload), 0x5a);
  SendTally t;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(o.seconds);
  for (auto now = start; now < end; now = Clock::now()) {
    const double elapsed = std::chrono::duration<double>(now - start).count();
    const std::uint64_t due =
        o.rate_mbps > 0 ? due_messages(elapsed, o.rate_mbps, o.payload) : t.sent + 64;
    t.due = due;
    while (t.sent < due) {
      stamp(msg, t.sent);
      if (!send(std::span<const std::uint8_t>(msg))) {
        ++t.refused;
        break;
      }
      ++t.sent;
    }
    if (o.rate_mbps > 0) std::this_thread::sleep_for(std::chrono::microseconds(250));
  }
  return t;
}

// What a receiving peer measured.
struct ReceiveTally {
  ArrivalLog log;
  std::uint64_t bytes = 0;
  double span_s = 0;  // first to last message

  // The "result ..." line every receiving peer prints, with `extra`
  // (" k=v ...") appended.
  void print(const std::string &extra = {}) const {
    std::printf(
        "result unique=%llu dup=%llu reordered=%llu damaged=%llu bytes=%llu "
        "first_gap_ms=%.1f max_gap_ms=%.1f span_s=%.3f%s\n",
        static_cast<unsigned long long>(log.unique()),
        static_cast<unsigned long long>(log.duplicates()),
        static_cast<unsigned long long>(log.reordered()),
        static_cast<unsigned long long>(log.damaged()), static_cast<unsigned long long>(bytes),
        log.first_gap_ms(), log.max_gap_ms(), span_s, extra.c_str());
    std::fflush(stdout);
  }
};

// The receiving application every implementation gets: `receive(buf)`
// returns a message's size, 0 when none came within its own wait, or -1
// when the transport ended; stops after idle_exit_s without a message.
template <typename Receive>
ReceiveTally run_receiver(const PeerOptions &o, Receive &&receive) {
  using Clock = std::chrono::steady_clock;
  ReceiveTally t;
  std::vector<std::uint8_t> buf(static_cast<std::size_t>(o.payload));
  const auto start = Clock::now();
  auto last = start;
  auto first = start;
  bool got_any = false;
  for (;;) {
    const long n = receive(std::span<std::uint8_t>(buf));
    const auto now = Clock::now();
    if (n > 0) {
      last = now;
      if (!got_any) first = now;
      got_any = true;
      t.bytes += static_cast<std::uint64_t>(n);
      t.log.on_message(read_stamp({buf.data(), static_cast<std::size_t>(n)}),
                       std::chrono::duration<double, std::milli>(now - start).count());
      continue;
    }
    if (n < 0) break;
    if (std::chrono::duration<double>(now - last).count() > o.idle_exit_s) break;
  }
  t.span_s = std::chrono::duration<double>(last - first).count();
  return t;
}

}  // namespace srtbench
