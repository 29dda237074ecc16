// bench-srt: our SRT transport against Debian's libsrt 1.5.1, side by side in
// one run, on loopback with 1316-byte messages and 120 ms latency:
//   cpu      CPU per packet on each side at fixed 100 and 500 Mbit/s, and of the
//            sending loop alone (impl null), whose share both senders carry
//   crypto   the same at 300 Mbit/s with AES-128 (pbkeylen 16) on both sides
//   fec      the fec packet filter (10x5 staircase, arq:never) on both sides at
//            20 Mbit/s through srt-linkemu at 0 and 5% loss, with and without
//            the filter: CPU per packet of each side and what is still missing
//   goodput  highest rate of a ladder delivered with nothing missing
//   loss     delivery through srt-linkemu at 0/5/10/20% loss, 20 ms RTT
//   rss      peak resident memory of one connection at 20 Mbit/s, above an idle process
//   bond     socket groups (issue 8), ours against libsrt 1.5.1 built WITH bonding:
//            broadcast over two loopback links (127.0.0.2 and 127.0.0.3 to one
//            listener) at 100 Mbit/s, CPU per message handed to the sender on
//            each side; backup failover at 50000 msg/s through two in-process
//            linkemu::UdpRelays, the active one cut for good: messages lost and
//            the longest gap between deliveries (ours->ours vs libsrt->libsrt);
//            balancing (ours only, libsrt has none) over relays capped at 4, 3
//            and 2.5 Mbit/s: highest loss-free rate over the 9.5 Mbit/s sum.
//            The libsrt side is a second small executable, bench-srt-libsrt-bond
//            (libsrt_bond_peer.cpp: srt_create_group / srt_connect_group /
//            srt_sendmsg2, a SRTO_GROUPCONNECT listener), linked against
//            build/peers/libsrt-bonding (or $SRTRTP_LIBSRT_BONDING at configure
//            time; absent: libsrt rows are skipped with a printed line). It runs
//            the same paced sender and arrival log as our peer, so neither side
//            carries extra I/O (srt-test-live would add a UDP hop to libsrt only).
//            Failover uses 188-byte messages (75 Mbit/s): at 1316 bytes
//            (526 Mbit/s) two relays plus both peers saturate a 2-CPU machine and
//            even uncut runs lose messages.
// Each side runs in its own child process (this binary, `peer` mode), so
// wait4() gives that side's CPU time and peak RSS alone; the two
// implementations alternate and the median of --reps runs is reported.
//   scale    callers on one listener port through lossy relays, 1 and 100 of
//            them: lost messages and memory per additional connection
//            (bench_scale.cpp; --callers, --scale-rate, --scale-seconds,
//            --scale-loss, --relay-threads)
//   soak     one connection at 100 Mbit/s through srt-linkemu with 5% loss each
//            way for 30 minutes: lost messages, RSS over time (bench_soak.cpp;
//            only when named: --only=soak; --soak-seconds, --soak-rate,
//            --soak-loss, --soak-impls)
//   bench-srt [--only=cpu,crypto,fec,goodput,loss,rss,bond,scale,soak] [--reps N] [--seconds S]
//   [--quick] (bond = broadcast, failover and balancing; also --only=failover or balancing alone)
//   bench-srt peer --impl=ours|libsrt --role=send|recv|idle [--port P] ...
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "args.hpp"
#include "bench_scale.hpp"
#include "bench_soak.hpp"
#include "child.hpp"
#include "peer.hpp"
#include "udp_relay.hpp"

namespace srtbench {
namespace {

std::string self_exe() {
  return "/proc/self/exe";
}

int peer_main(const Args &a) {
  const PeerOptions o = peer_options(a);
  if (o.impl == "null") return run_null_peer(o);
  return o.impl == "libsrt" ? run_libsrt_peer(o) : run_ours_peer(o);
}

struct Transfer {
  double rate_mbps = 100;
  double seconds = 5;
  double loss_pct = -1;  // < 0: direct, no relay
  std::int64_t maxbw = -1;
  int buffers = 8192;
  int pbkeylen = 0;    // AES key length, 0 = clear
  int cryptomode = 0;  // SRTO_CRYPTOMODE: 0 auto, 1 AES-CTR, 2 AES-GCM (ours only)
  std::string filter;  // SRTO_PACKETFILTER on both sides ("" = none)
};

struct Outcome {
  bool ok = false;
  std::uint64_t sent = 0, unique = 0, missing = 0, dup = 0;
  std::uint64_t due = 0;  // messages due when the sender stopped (accepted or not)
  int km = -1;            // the sender's SRTO_KMSTATE (2 = secured), -1 unknown
  double first_gap_ms = -1;
  double span_s = 0;  // receiver: first to last message
  double send_cpu_s = 0, recv_cpu_s = 0;
  long send_rss_kb = 0, recv_rss_kb = 0;
  double send_us_per_pkt() const { return sent ? send_cpu_s * 1e6 / double(sent) : 0; }
  double recv_us_per_pkt() const { return unique ? recv_cpu_s * 1e6 / double(unique) : 0; }
};

std::vector<std::string> peer_argv(const std::string &impl, const std::string &role,
                                   const Transfer &t, int port) {
  return {self_exe(),
          "peer",
          "--impl=" + impl,
          "--role=" + role,
          "--port=" + std::to_string(port),
          "--rate=" + std::to_string(t.rate_mbps),
          "--seconds=" + std::to_string(t.seconds),
          "--maxbw=" + std::to_string(t.maxbw),
          "--buffers=" + std::to_string(t.buffers),
          "--pbkeylen=" + std::to_string(t.pbkeylen),
          "--cryptomode=" + std::to_string(t.cryptomode),
          "--filter=" + t.filter};
}

Outcome run_transfer(const std::string &impl, const Transfer &t) {
  Outcome o;
  Child recv(peer_argv(impl, "recv", t, 0));
  const std::string ready = recv.read_line();
  if (ready.rfind("ready ", 0) != 0) return o;
  int port = std::atoi(ready.c_str() + 6);
  std::unique_ptr<Child> relay;
  if (t.loss_pct >= 0) {
    relay = std::make_unique<Child>(
        std::vector<std::string>{SRTBENCH_LINKEMU, "--listen", "127.0.0.1:0", "--target",
                                 "127.0.0.1:" + std::to_string(port), "--loss",
                                 std::to_string(t.loss_pct), "--delay-ms", "10", "--seed", "7"});
    const std::string line = relay->read_line();  // ready listen=127.0.0.1:P target=...
    const auto colon = line.find(':');
    if (colon == std::string::npos) return o;
    port = std::atoi(line.c_str() + colon + 1);
  }
  Child send(peer_argv(impl, "send", t, port));
  const auto sres = parse_result(send.read_line());
  const ChildUsage su = send.wait();
  const auto rres = parse_result(recv.read_line());
  const ChildUsage ru = recv.wait();
  if (relay) {
    relay->write_line("quit");
    relay->wait();
  }
  if (sres.empty() || rres.empty() || su.exit_code != 0 || ru.exit_code != 0) return o;
  o.ok = true;
  o.sent = std::stoull(sres.at("sent"));
  if (sres.count("km")) o.km = std::stoi(sres.at("km"));
  o.unique = std::stoull(rres.at("unique"));
  o.dup = std::stoull(rres.at("dup"));
  o.missing = o.sent > o.unique ? o.sent - o.unique : 0;
  o.first_gap_ms = std::atof(rres.at("first_gap_ms").c_str());
  o.span_s = std::atof(rres.at("span_s").c_str());
  o.send_cpu_s = su.cpu_s;
  o.recv_cpu_s = ru.cpu_s;
  o.send_rss_kb = su.max_rss_kb;
  o.recv_rss_kb = ru.max_rss_kb;
  return o;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

const char *kImpls[] = {"libsrt", "ours"};

// CPU per message of the sending application alone (no transport).
double harness_send_us(const Transfer &t) {
  Child c(peer_argv("null", "send", t, 0));
  const auto res = parse_result(c.read_line());
  const ChildUsage u = c.wait();
  if (res.empty() || u.exit_code != 0) return 0;
  const double sent = std::atof(res.at("sent").c_str());
  return sent > 0 ? u.cpu_s * 1e6 / sent : 0;
}

// CPU per packet of ours and libsrt at each rate (clear, or AES-CTR with
// `pbkeylen`-byte keys on both sides).
void bench_cpu_rows(int reps, double seconds, std::initializer_list<double> rates, int pbkeylen) {
  std::printf("%-9s %-7s %10s %10s %12s %8s\n", "rate", "impl", "send us", "recv us", "delivered",
              "missing");
  for (double rate : rates) {
    std::map<std::string, std::vector<double>> snd, rcv;
    std::map<std::string, Outcome> last;
    std::vector<double> harness;
    for (int r = 0; r < reps; ++r) {
      Transfer t;
      t.rate_mbps = rate;
      t.seconds = seconds;
      t.pbkeylen = pbkeylen;
      harness.push_back(harness_send_us(t));
      for (const char *impl : kImpls) {
        const Outcome o = run_transfer(impl, t);
        // An encrypted row counts only runs whose sender says it was secured.
        if (!o.ok || (pbkeylen > 0 && o.km != 2)) continue;
        snd[impl].push_back(o.send_us_per_pkt());
        rcv[impl].push_back(o.recv_us_per_pkt());
        last[impl] = o;
      }
    }
    const std::string label = std::to_string(int(rate)) + "M";
    std::printf("%-9s %-7s %10.2f %10s   (the sending loop alone, no transport)\n", label.c_str(),
                "harness", median(harness), "-");
    for (const char *impl : kImpls) {
      std::printf("%-9s %-7s %10.2f %10.2f %12llu %8llu%s\n", label.c_str(), impl,
                  median(snd[impl]), median(rcv[impl]),
                  static_cast<unsigned long long>(last[impl].unique),
                  static_cast<unsigned long long>(last[impl].missing),
                  snd[impl].empty() ? "  (failed)" : "");
    }
    const double ls = median(snd["libsrt"]), lr = median(rcv["libsrt"]);
    if (ls > 0 && lr > 0 && !snd["ours"].empty()) {
      const double h = median(harness);
      std::printf("%-9s %-7s %10.2f %10.2f   (ours/libsrt; goal <= 0.33)\n", "", "ratio",
                  median(snd["ours"]) / ls, median(rcv["ours"]) / lr);
      if (ls > h)
        std::printf("%-9s %-7s %10.2f %10s   (send minus harness, ours/libsrt)\n", "", "ratio-h",
                    (median(snd["ours"]) - h) / (ls - h), "-");
    }
  }
}

void bench_cpu(int reps, double seconds) {
  std::printf("\n## CPU per packet (us), loopback, 1316-byte messages, median of %d\n", reps);
  bench_cpu_rows(reps, seconds, {100.0, 500.0}, 0);
}

void bench_crypto(int reps, double seconds) {
  std::printf(
      "\n## CPU per packet (us) encrypted, AES-128 (pbkeylen 16) on both sides, loopback, "
      "1316-byte messages, median of %d\n",
      reps);
  bench_cpu_rows(reps, seconds, {300.0}, 16);
  // libsrt 1.5.1 has no AES-GCM (1.5.2+): ours in both modes, side by side.
  std::printf(
      "\n## AES-GCM against AES-CTR, ours only (libsrt 1.5.1 has no GCM), 300 Mbit/s, "
      "AES-128, median of %d\n",
      reps);
  std::printf("%-9s %10s %10s %12s %8s\n", "mode", "send us", "recv us", "delivered", "missing");
  for (const auto &[name, mode] : {std::pair<const char *, int>{"aes-ctr", 1}, {"aes-gcm", 2}}) {
    std::vector<double> snd, rcv;
    Outcome last;
    for (int r = 0; r < reps; ++r) {
      Transfer t;
      t.rate_mbps = 300;
      t.seconds = seconds;
      t.pbkeylen = 16;
      t.cryptomode = mode;
      const Outcome o = run_transfer("ours", t);
      if (!o.ok || o.km != 2) continue;
      snd.push_back(o.send_us_per_pkt());
      rcv.push_back(o.recv_us_per_pkt());
      last = o;
    }
    std::printf("%-9s %10.2f %10.2f %12llu %8llu%s\n", name, median(snd), median(rcv),
                static_cast<unsigned long long>(last.unique),
                static_cast<unsigned long long>(last.missing), snd.empty() ? "  (failed)" : "");
  }
}

void bench_goodput(double seconds) {
  std::printf("\n## Maximum loss-free goodput (Mbit/s), maxbw raised, 64k-packet buffers\n");
  std::printf("%-7s %12s %s\n", "impl", "goodput", "(first failing step)");
  const double ladder[] = {250, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 5000, 6000};
  for (const char *impl : kImpls) {
    double best = 0;
    std::string failed = "none";
    for (double rate : ladder) {
      Transfer t;
      t.rate_mbps = rate;
      t.seconds = seconds;
      t.maxbw = 2'000'000'000;  // 16 Gbit/s: no pacing cap
      t.buffers = 65536;
      const Outcome o = run_transfer(impl, t);
      // Over the receiver's own span, so data queued faster than it could
      // travel (and delivered late) does not count as throughput.
      const double span = std::max(o.span_s, seconds);
      const double achieved = o.ok ? double(o.unique) * 1316 * 8 / span / 1e6 : 0;
      if (!o.ok || o.missing > 0 || achieved < 0.95 * rate) {
        char why[96];
        std::snprintf(why, sizeof why, "%.0f: %s, missing %llu, achieved %.0f", rate,
                      o.ok ? "ran" : "failed", static_cast<unsigned long long>(o.missing),
                      achieved);
        failed = why;
        break;
      }
      best = achieved;
    }
    std::printf("%-7s %12.0f (%s)\n", impl, best, failed.c_str());
  }
}

void bench_loss(double seconds) {
  std::printf("\n## Delivery through srt-linkemu, 20 Mbit/s, 20 ms RTT, %.0f s\n", seconds);
  std::printf("%-6s %-7s %10s %9s %6s %14s\n", "loss", "impl", "sent", "missing", "dup",
              "first gap ms");
  for (double loss : {0.0, 5.0, 10.0, 20.0}) {
    for (const char *impl : kImpls) {
      Transfer t;
      t.rate_mbps = 20;
      t.seconds = seconds;
      t.loss_pct = loss;
      const Outcome o = run_transfer(impl, t);
      std::printf(
          "%-6s %-7s %10llu %9llu %6llu %14.1f%s\n", (std::to_string(int(loss)) + "%").c_str(),
          impl, static_cast<unsigned long long>(o.sent), static_cast<unsigned long long>(o.missing),
          static_cast<unsigned long long>(o.dup), o.first_gap_ms, o.ok ? "" : "  (failed)");
    }
  }
}

// The fec packet filter on both sides, through srt-linkemu (10 ms each way)
// with random loss, no retransmission: CPU per packet of each side with and
// without the filter, and what is still missing (the same seed for both).
void bench_fec(int reps, double seconds) {
  const char *kFilter = "fec,cols:10,rows:5,layout:staircase,arq:never";
  std::printf("\n## SRT fec filter (%s), 20 Mbit/s through srt-linkemu, %.0f s, median of %d\n",
              kFilter, seconds, reps);
  std::printf("%-6s %-7s %-6s %10s %10s %9s %9s\n", "loss", "impl", "filter", "send us", "recv us",
              "sent", "missing");
  for (double loss : {0.0, 5.0}) {
    for (const bool fec : {false, true}) {
      std::map<std::string, std::vector<double>> snd, rcv;
      std::map<std::string, Outcome> last;
      for (int r = 0; r < reps; ++r) {
        for (const char *impl : kImpls) {
          Transfer t;
          t.rate_mbps = 20;
          t.seconds = seconds;
          t.loss_pct = loss;
          if (fec) t.filter = kFilter;
          const Outcome o = run_transfer(impl, t);
          if (!o.ok) continue;
          snd[impl].push_back(o.send_us_per_pkt());
          rcv[impl].push_back(o.recv_us_per_pkt());
          last[impl] = o;
        }
      }
      for (const char *impl : kImpls) {
        std::printf("%-6s %-7s %-6s %10.2f %10.2f %9llu %9llu%s\n",
                    (std::to_string(int(loss)) + "%").c_str(), impl, fec ? "fec" : "none",
                    median(snd[impl]), median(rcv[impl]),
                    static_cast<unsigned long long>(last[impl].sent),
                    static_cast<unsigned long long>(last[impl].missing),
                    snd[impl].empty() ? "  (failed)" : "");
      }
      const double ls = median(snd["libsrt"]), lr = median(rcv["libsrt"]);
      if (ls > 0 && lr > 0 && !snd["ours"].empty())
        std::printf("%-6s %-7s %-6s %10.2f %10.2f   (ours/libsrt)\n", "", "ratio", "",
                    median(snd["ours"]) / ls, median(rcv["ours"]) / lr);
    }
  }
}

void bench_rss(double seconds) {
  std::printf("\n## Peak RSS of one connection at 20 Mbit/s (KiB above an idle process)\n");
  std::printf("%-7s %10s %10s %10s\n", "impl", "send", "recv", "idle");
  for (const char *impl : kImpls) {
    Transfer t;
    t.rate_mbps = 20;
    t.seconds = seconds;
    Child idle(peer_argv(impl, "idle", t, 0));
    const long idle_kb = idle.wait().max_rss_kb;
    const Outcome o = run_transfer(impl, t);
    std::printf("%-7s %10ld %10ld %10ld%s\n", impl, o.send_rss_kb - idle_kb,
                o.recv_rss_kb - idle_kb, idle_kb, o.ok ? "" : "  (failed)");
  }
}

// ---- Bonding (--only=bond) ----
// Ours: this binary's `peer --impl=ours --bond=MODE` (a bonded io::Endpoint).
// libsrt: bench-srt-libsrt-bond (libsrt 1.5.1 built with bonding, its own
// executable), started with the same arguments; both run the same paced
// sender and arrival log (peer.hpp, message_stamp.hpp), so only the
// transport differs. Relays (linkemu::UdpRelay) run in this process.

namespace linkemu = srtcore::linkemu;

const std::string kLibsrtBondPeer = SRTBENCH_LIBSRT_BOND_PEER;

struct BondTransfer {
  std::string mode;  // broadcast | backup | balancing
  double rate_mbps = 100;
  double seconds = 4;
  int payload = 1316;
  int buffers = 8192;  // packets: send/receive buffers and flow window
};

struct BondOutcome {
  Outcome o;
  double max_gap_ms = 0;
};

std::vector<std::string> bond_argv(const std::string &impl, const std::string &role,
                                   const BondTransfer &t, int port, const std::string &links) {
  return {impl == "libsrt" ? kLibsrtBondPeer : self_exe(),
          "peer",
          "--impl=" + impl,
          "--role=" + role,
          "--bond=" + t.mode,
          "--port=" + std::to_string(port),
          "--rate=" + std::to_string(t.rate_mbps),
          "--seconds=" + std::to_string(t.seconds),
          "--payload=" + std::to_string(t.payload),
          "--buffers=" + std::to_string(t.buffers),
          "--links=" + links};
}

// `links(port)` gives the sender's --links for the receiver's port (making
// relays as needed); `during()` runs while the sender sends.
BondOutcome run_bond(const std::string &impl, const BondTransfer &t,
                     const std::function<std::string(int)> &links,
                     const std::function<void()> &during) {
  BondOutcome r;
  Child recv(bond_argv(impl, "recv", t, 0, ""));
  const std::string ready = recv.read_line();
  if (ready.rfind("ready ", 0) != 0) return r;
  const int port = std::atoi(ready.c_str() + 6);
  Child send(bond_argv(impl, "send", t, 0, links(port)));
  if (during) during();
  const auto sres = parse_result(send.read_line());
  const ChildUsage su = send.wait();
  const auto rres = parse_result(recv.read_line());
  const ChildUsage ru = recv.wait();
  if (sres.empty() || rres.empty() || su.exit_code != 0 || ru.exit_code != 0) return r;
  Outcome &o = r.o;
  o.ok = true;
  o.sent = std::stoull(sres.at("sent"));
  o.due = sres.count("due") ? std::stoull(sres.at("due")) : o.sent;
  o.unique = std::stoull(rres.at("unique"));
  o.dup = std::stoull(rres.at("dup"));
  o.missing = o.sent > o.unique ? o.sent - o.unique : 0;
  o.span_s = std::atof(rres.at("span_s").c_str());
  o.send_cpu_s = su.cpu_s;
  o.recv_cpu_s = ru.cpu_s;
  r.max_gap_ms = std::atof(rres.at("max_gap_ms").c_str());
  return r;
}

std::vector<const char *> bond_impls() {
  if (kLibsrtBondPeer.empty()) {
    std::printf(
        "(no libsrt with bonding at configure time: run tests/peers/build-libsrt-bonding.sh and "
        "reconfigure; ours only)\n");
    return {"ours"};
  }
  return {"libsrt", "ours"};
}

void bench_bond_broadcast(int reps, double seconds) {
  BondTransfer t;
  t.mode = "broadcast";
  t.rate_mbps = 100;
  t.seconds = seconds;
  std::printf(
      "\n## Bonding, broadcast: two loopback links (from 127.0.0.2 and 127.0.0.3 to one listener),"
      " 1316-byte messages, 100 Mbit/s, %.0f s; CPU us per message handed to the sender, median of "
      "%d\n",
      seconds, reps);
  std::printf("%-7s %10s %10s %12s %8s %8s\n", "impl", "send us", "recv us", "delivered", "missing",
              "dup");
  const auto impls = bond_impls();
  std::map<std::string, std::vector<double>> snd, rcv;
  std::map<std::string, Outcome> last;
  const auto links = [](int port) {
    const std::string p = "127.0.0.1:" + std::to_string(port);
    return p + "@127.0.0.2," + p + "@127.0.0.3";
  };
  std::vector<double> harness;
  for (int r = 0; r < reps; ++r) {
    Transfer h;
    h.rate_mbps = t.rate_mbps;
    h.seconds = t.seconds;
    harness.push_back(harness_send_us(h));
    for (const char *impl : impls) {
      const BondOutcome b = run_bond(impl, t, links, nullptr);
      if (!b.o.ok) continue;
      // Both per message handed to the sender: each went out twice.
      snd[impl].push_back(b.o.send_cpu_s * 1e6 / double(b.o.sent));
      rcv[impl].push_back(b.o.recv_cpu_s * 1e6 / double(b.o.sent));
      last[impl] = b.o;
    }
  }
  std::printf("%-7s %10.2f %10s   (the sending loop alone, no transport)\n", "harness",
              median(harness), "-");
  for (const char *impl : impls) {
    std::printf("%-7s %10.2f %10.2f %12llu %8llu %8llu%s\n", impl, median(snd[impl]),
                median(rcv[impl]), static_cast<unsigned long long>(last[impl].unique),
                static_cast<unsigned long long>(last[impl].missing),
                static_cast<unsigned long long>(last[impl].dup),
                snd[impl].empty() ? "  (failed)" : "");
  }
  const double ls = median(snd["libsrt"]), lr = median(rcv["libsrt"]);
  if (ls > 0 && lr > 0 && !snd["ours"].empty()) {
    const double h = median(harness);
    std::printf("%-7s %10.2f %10.2f   (ours/libsrt; goal <= 0.33)\n", "ratio",
                median(snd["ours"]) / ls, median(rcv["ours"]) / lr);
    if (ls > h)
      std::printf("%-7s %10.2f %10s   (send minus harness, ours/libsrt)\n", "ratio-h",
                  (median(snd["ours"]) - h) / (ls - h), "-");
  }
}

linkemu::RelayConfig relay_to(int port) {
  linkemu::RelayConfig c;
  c.target = "127.0.0.1:" + std::to_string(port);
  return c;
}

void bench_bond_backup(int reps, double seconds) {
  constexpr double kMessagesPerSecond = 50'000;
  BondTransfer t;
  t.mode = "backup";
  t.seconds = seconds;
  t.payload = 188;    // one MPEG-TS packet: 75 Mbit/s (see the header)
  t.buffers = 32768;  // 0.65 s at 50000 msg/s: latency plus failover time
  t.rate_mbps = kMessagesPerSecond * t.payload * 8 / 1e6;
  std::printf(
      "\n## Bonding, backup failover: 50000 msg/s (188 bytes), %.0f s, two links (weights 1, 0) "
      "through UdpRelays, the active one cut for good after 1.5 s of stream; 32768-packet buffers; "
      "ours->ours vs libsrt->libsrt; lost = due - delivered: median and worst of %d\n",
      seconds, reps);
  std::printf("%-7s %10s %8s %8s %8s %15s\n", "impl", "accepted", "lost", "worst", "dup",
              "longest gap ms");
  const auto impls = bond_impls();
  std::map<std::string, std::vector<double>> lost, gap;
  std::map<std::string, Outcome> last;
  std::map<std::string, int> cut_weight0;
  for (int r = 0; r < reps; ++r) {
    for (const char *impl : impls) {
      std::unique_ptr<linkemu::UdpRelay> relays[2];
      const auto links = [&](int port) {
        std::string out;
        for (int k = 0; k < 2; ++k) {
          relays[k] = std::make_unique<linkemu::UdpRelay>(relay_to(port));
          relays[k]->start();
          out += (k ? "," : "") + std::string("127.0.0.1:") +
                 std::to_string(relays[k]->listen_address().port()) + "#" +
                 std::to_string(k == 0 ? 1 : 0);
        }
        return out;
      };
      const auto data_in = [](const linkemu::RelayStats &s) { return s.forward.link.in; };
      const auto during = [&] {
        // 1.5 s of stream through either relay, then cut the one carrying it.
        const auto start = std::chrono::steady_clock::now();
        const std::uint64_t want = static_cast<std::uint64_t>(kMessagesPerSecond * 1.5);
        while (data_in(relays[0]->stats()) + data_in(relays[1]->stats()) < want &&
               std::chrono::steady_clock::now() - start < std::chrono::seconds(15))
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        const int k = data_in(relays[0]->stats()) >= data_in(relays[1]->stats()) ? 0 : 1;
        relays[k]->cut();
        cut_weight0[impl] += k != 0;
      };
      const BondOutcome b = run_bond(impl, t, links, during);
      for (auto &rl : relays)
        if (rl) rl->stop();
      if (!b.o.ok) continue;
      // Against every message due while the sender ran, not only those the
      // group accepted (a broken group refuses them).
      lost[impl].push_back(b.o.due > b.o.unique ? double(b.o.due - b.o.unique) : 0);
      gap[impl].push_back(b.max_gap_ms);
      last[impl] = b.o;
    }
  }
  for (const char *impl : impls) {
    std::string note;
    if (cut_weight0[impl] > 0)
      note = "  (weight-0 link was the active one in " + std::to_string(cut_weight0[impl]) +
             " of " + std::to_string(reps) + ")";
    const double worst =
        lost[impl].empty() ? 0 : *std::max_element(lost[impl].begin(), lost[impl].end());
    std::printf("%-7s %10llu %8.0f %8.0f %8llu %15.1f%s%s\n", impl,
                static_cast<unsigned long long>(last[impl].sent), median(lost[impl]), worst,
                static_cast<unsigned long long>(last[impl].dup), median(gap[impl]),
                lost[impl].empty() ? "  (failed)" : "", note.c_str());
  }
}

void bench_bond_balancing(double seconds) {
  const double caps_mbps[] = {4, 3, 2.5};
  const double capacity = 9.5;
  std::printf(
      "\n## Bonding, balancing (ours only; libsrt 1.5.1 has none): three relays capped at 4, 3 and "
      "2.5 Mbit/s (100 ms queues), 1316-byte messages, %.0f s per rate\n",
      seconds);
  std::printf("%-9s %10s %8s %12s %s\n", "rate", "sent", "missing", "queue drops",
              "(per-link datagrams)");
  const double ladder[] = {3, 5, 6, 7, 7.5, 8, 8.5, 8.6, 8.8, 9, 9.5};
  double best = 0;
  for (double rate : ladder) {
    BondTransfer t;
    t.mode = "balancing";
    t.rate_mbps = rate;
    t.seconds = seconds;
    std::unique_ptr<linkemu::UdpRelay> relays[3];
    const auto links = [&](int port) {
      std::string out;
      for (int k = 0; k < 3; ++k) {
        linkemu::RelayConfig c = relay_to(port);
        c.forward.rate_bps = static_cast<std::uint64_t>(caps_mbps[k] * 1e6);
        c.forward.queue_bytes = static_cast<std::size_t>(caps_mbps[k] * 1e6 / 8 * 0.1);
        relays[k] = std::make_unique<linkemu::UdpRelay>(c);
        relays[k]->start();
        out += (k ? "," : "") + std::string("127.0.0.1:") +
               std::to_string(relays[k]->listen_address().port());
      }
      return out;
    };
    const BondOutcome b = run_bond("ours", t, links, nullptr);
    std::uint64_t drops = 0;
    std::string per_link;
    for (auto &rl : relays) {
      if (!rl) continue;
      rl->stop();
      const auto st = rl->stats();
      drops += st.forward.link.dropped_queue;
      per_link += (per_link.empty() ? "" : " ") + std::to_string(st.forward.link.delivered);
    }
    char label[16];
    std::snprintf(label, sizeof label, "%.1fM", rate);
    std::printf(
        "%-9s %10llu %8llu %12llu (%s)%s\n", label, static_cast<unsigned long long>(b.o.sent),
        static_cast<unsigned long long>(b.o.missing), static_cast<unsigned long long>(drops),
        per_link.c_str(), b.o.ok ? "" : "  (failed)");
    if (!b.o.ok || b.o.missing > 0) break;
    best = rate;
  }
  std::printf("%-9s %.1f Mbit/s delivered with nothing missing = %.2f of %.1f Mbit/s (goal 0.9)\n",
              "goodput", best, best / capacity, capacity);
}

void bench_bond(int reps, double seconds) {
  bench_bond_broadcast(reps, seconds);
  bench_bond_backup(reps, seconds);
  bench_bond_balancing(seconds);
}

}  // namespace

int run_null_peer(const PeerOptions &o) {
  std::uint64_t checksum = 0;
  const SendTally t = run_paced_sender(o, [&](std::span<const std::uint8_t> msg) {
    checksum += msg[0];  // keep the loop from being optimised away
    return true;
  });
  std::printf("result sent=%llu refused=0 check=%llu\n", static_cast<unsigned long long>(t.sent),
              static_cast<unsigned long long>(checksum));
  return 0;
}

}  // namespace srtbench

int main(int argc, char **argv) {
  using namespace srtbench;
  if (argc > 1 && std::strcmp(argv[1], "peer") == 0) return peer_main(parse_args(argc, argv, 2));
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // rows appear as they are measured
  const Args a = parse_args(argc, argv, 1);
  const bool quick = a.kv.count("quick") > 0;
  const int reps = static_cast<int>(a.num("reps", quick ? 1 : 3));
  const double seconds = a.num("seconds", quick ? 1 : 5);
  const std::string only = a.get("only", "cpu,crypto,fec,goodput,loss,rss,bond,scale");
  std::printf("# bench-srt: ours vs libsrt %s\n", "1.5.1 (Debian)");
  if (only.find("cpu") != std::string::npos) bench_cpu(reps, seconds);
  if (only.find("crypto") != std::string::npos) bench_crypto(reps, seconds);
  if (only.find("fec") != std::string::npos) bench_fec(reps, seconds);
  if (only.find("goodput") != std::string::npos) bench_goodput(quick ? 1 : 3);
  if (only.find("loss") != std::string::npos) bench_loss(quick ? 2 : 10);
  if (only.find("rss") != std::string::npos) bench_rss(seconds);
  if (only.find("scale") != std::string::npos) bench_scale(a, quick);
  if (only.find("soak") != std::string::npos) bench_soak(a, quick);
  if (only.find("bond") != std::string::npos) {
    bench_bond(reps, quick ? 2 : 4);
  } else {
    if (only.find("failover") != std::string::npos) bench_bond_backup(reps, quick ? 2 : 4);
    if (only.find("balancing") != std::string::npos) bench_bond_balancing(quick ? 2 : 4);
  }
  return 0;
}
