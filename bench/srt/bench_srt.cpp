// bench-srt: our SRT transport against Debian's libsrt 1.5.1, side by side in
// one run, on loopback with 1316-byte messages and 120 ms latency:
//   cpu      CPU per packet on each side at fixed 100 and 500 Mbit/s, and of the
//            sending loop alone (impl null), whose share both senders carry
//   goodput  highest rate of a ladder delivered with nothing missing
//   loss     delivery through srt-linkemu at 0/5/10/20% loss, 20 ms RTT
//   rss      peak resident memory of one connection at 20 Mbit/s, above an idle process
// Each side runs in its own child process (this binary, `peer` mode), so
// wait4() gives that side's CPU time and peak RSS alone; the two
// implementations alternate and the median of --reps runs is reported.
//   bench-srt [--only=cpu,goodput,loss,rss] [--reps N] [--seconds S] [--quick]
//   bench-srt peer --impl=ours|libsrt --role=send|recv|idle [--port P] ...
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "child.hpp"
#include "peer.hpp"

namespace srtbench {
namespace {

std::string self_exe() {
  return "/proc/self/exe";
}

struct Args {
  std::map<std::string, std::string> kv;
  std::string get(const std::string &k, const std::string &def) const {
    auto it = kv.find(k);
    return it == kv.end() ? def : it->second;
  }
  double num(const std::string &k, double def) const {
    auto it = kv.find(k);
    return it == kv.end() ? def : std::atof(it->second.c_str());
  }
};

Args parse_args(int argc, char **argv, int first) {
  Args a;
  for (int i = first; i < argc; ++i) {
    std::string_view s = argv[i];
    if (!s.starts_with("--")) continue;
    s.remove_prefix(2);
    const auto eq = s.find('=');
    if (eq != std::string_view::npos) {
      a.kv[std::string(s.substr(0, eq))] = std::string(s.substr(eq + 1));
    } else if (i + 1 < argc && std::string_view(argv[i + 1]).substr(0, 2) != "--") {
      a.kv[std::string(s)] = argv[++i];
    } else {
      a.kv[std::string(s)] = "1";
    }
  }
  return a;
}

int peer_main(const Args &a) {
  PeerOptions o;
  o.impl = a.get("impl", o.impl);
  o.role = a.get("role", o.role);
  o.host = a.get("host", o.host);
  o.port = static_cast<int>(a.num("port", 0));
  o.rate_mbps = a.num("rate", o.rate_mbps);
  o.seconds = a.num("seconds", o.seconds);
  o.latency_ms = static_cast<int>(a.num("latency", o.latency_ms));
  o.payload = static_cast<int>(a.num("payload", o.payload));
  o.maxbw = static_cast<std::int64_t>(a.num("maxbw", static_cast<double>(o.maxbw)));
  o.buffer_packets = static_cast<int>(a.num("buffers", o.buffer_packets));
  if (o.impl == "null") return run_null_peer(o);
  return o.impl == "libsrt" ? run_libsrt_peer(o) : run_ours_peer(o);
}

struct Transfer {
  double rate_mbps = 100;
  double seconds = 5;
  double loss_pct = -1;  // < 0: direct, no relay
  std::int64_t maxbw = -1;
  int buffers = 8192;
};

struct Outcome {
  bool ok = false;
  std::uint64_t sent = 0, unique = 0, missing = 0, dup = 0;
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
          "--buffers=" + std::to_string(t.buffers)};
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

void bench_cpu(int reps, double seconds) {
  std::printf("\n## CPU per packet (us), loopback, 1316-byte messages, median of %d\n", reps);
  std::printf("%-9s %-7s %10s %10s %12s %8s\n", "rate", "impl", "send us", "recv us", "delivered",
              "missing");
  for (double rate : {100.0, 500.0}) {
    std::map<std::string, std::vector<double>> snd, rcv;
    std::map<std::string, Outcome> last;
    std::vector<double> harness;
    for (int r = 0; r < reps; ++r) {
      Transfer t;
      t.rate_mbps = rate;
      t.seconds = seconds;
      harness.push_back(harness_send_us(t));
      for (const char *impl : kImpls) {
        const Outcome o = run_transfer(impl, t);
        if (!o.ok) continue;
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
  const std::string only = a.get("only", "cpu,goodput,loss,rss");
  std::printf("# bench-srt: ours vs libsrt %s\n", "1.5.1 (Debian)");
  if (only.find("cpu") != std::string::npos) bench_cpu(reps, seconds);
  if (only.find("goodput") != std::string::npos) bench_goodput(quick ? 1 : 3);
  if (only.find("loss") != std::string::npos) bench_loss(quick ? 2 : 10);
  if (only.find("rss") != std::string::npos) bench_rss(seconds);
  return 0;
}
