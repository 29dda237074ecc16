// Peers of the scale benchmark (--only=scale): one listener serving many
// callers on one port, and one process holding all the callers, each
// paced at the same rate. Shared by our peer and the libsrt one so only
// the transport differs.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <span>
#include <thread>
#include <vector>

#include "message_stamp.hpp"
#include "peer.hpp"

namespace srtbench {

// This process's peak resident memory (VmHWM, KiB). Not wait4's ru_maxrss:
// posix_spawn shares the parent's memory until exec, and Linux folds the
// parent's peak into the child's ru_maxrss at exec.
inline long peak_rss_kb() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  return 0;
}

// `o.callers` streams at `o.rate_mbps` each: send(k, msg) hands message
// `msg` to caller k (false = refused, offered again next turn). Returns the
// messages sent, all callers together.
template <typename Send>
SendTally run_paced_senders(const PeerOptions &o, Send &&send) {
  using Clock = std::chrono::steady_clock;
  const auto n = static_cast<std::size_t>(o.callers);
  std::vector<std::uint8_t> msg(static_cast<std::size_t>(o.payload), 0x5a);
  std::vector<std::uint64_t> sent(n, 0);
  SendTally t;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(o.seconds);
  // Callers are independent sources, not phase-locked: caller k runs k/n of
  // a message interval behind caller 0, so their messages interleave instead
  // of leaving as one burst of n every interval.
  const double interval_s = o.payload * 8.0 / (o.rate_mbps * 1e6);
  for (auto now = start; now < end; now = Clock::now()) {
    const double elapsed = std::chrono::duration<double>(now - start).count();
    t.due = 0;
    for (std::size_t k = 0; k < n; ++k) {
      const double behind = interval_s * static_cast<double>(k) / static_cast<double>(n);
      const std::uint64_t due =
          elapsed > behind ? due_messages(elapsed - behind, o.rate_mbps, o.payload) : 0;
      t.due += due;
      while (sent[k] < due) {
        stamp(msg, sent[k]);
        if (!send(k, std::span<const std::uint8_t>(msg))) {
          ++t.refused;
          break;
        }
        ++sent[k];
        ++t.sent;
      }
    }
    std::this_thread::sleep_for(std::chrono::microseconds(250));
  }
  return t;
}

// The callers' "result ..." line.
inline void print_send_result(const SendTally &t, long long retrans, long long drops) {
  std::printf("result sent=%llu refused=%llu due=%llu retrans=%lld snd_drop=%lld hwm_kb=%ld\n",
              static_cast<unsigned long long>(t.sent), static_cast<unsigned long long>(t.refused),
              static_cast<unsigned long long>(t.due), retrans, drops, peak_rss_kb());
  std::fflush(stdout);
}

// What the listener saw, per connection.
class ManyReceiveTally {
 public:
  void on_message(std::uint64_t connection, std::span<const std::uint8_t> msg) {
    Stream &s = streams_[connection];
    const std::uint64_t index = read_stamp(msg);
    s.log.on_message(index, 0);
    if (index != UINT64_MAX && index + 1 > s.end) s.end = index + 1;
  }
  std::size_t connections() const { return streams_.size(); }
  // "result conns=.. unique=.. dup=.. damaged=.. holes=.. hwm_kb=.. rcv_drop=.."
  // (holes: indices missing below the highest one seen, summed over
  // connections; rcv_drop: what the transport says it gave up).
  void print(long long rcv_drop) const {
    std::uint64_t unique = 0, dup = 0, damaged = 0, holes = 0;
    for (const auto &[id, s] : streams_) {
      unique += s.log.unique();
      dup += s.log.duplicates();
      damaged += s.log.damaged();
      holes += s.log.missing(s.end);
    }
    std::printf(
        "result conns=%zu unique=%llu dup=%llu damaged=%llu holes=%llu hwm_kb=%ld rcv_drop=%lld\n",
        streams_.size(), static_cast<unsigned long long>(unique),
        static_cast<unsigned long long>(dup), static_cast<unsigned long long>(damaged),
        static_cast<unsigned long long>(holes), peak_rss_kb(), rcv_drop);
    std::fflush(stdout);
  }

 private:
  struct Stream {
    ArrivalLog log;
    std::uint64_t end = 0;  // highest index seen + 1
  };
  std::map<std::uint64_t, Stream> streams_;
};

// The listener's receiving loop: `receive(tally)` puts whatever arrived
// within its own short wait into `tally` and returns how many messages that
// was, or -1 once the transport ended. Ends `idle_exit_s` after the last
// message, or when none came within a minute (callers connect first).
template <typename Receive>
ManyReceiveTally run_many_receiver(const PeerOptions &o, Receive &&receive) {
  using Clock = std::chrono::steady_clock;
  ManyReceiveTally t;
  auto last = Clock::now();
  bool any = false;
  for (;;) {
    const long n = receive(t);
    if (n < 0) break;
    const auto now = Clock::now();
    if (n > 0) {
      last = now;
      any = true;
      continue;
    }
    const double idle = std::chrono::duration<double>(now - last).count();
    if (idle > (any ? o.idle_exit_s : 60.0)) break;
  }
  return t;
}

}  // namespace srtbench
