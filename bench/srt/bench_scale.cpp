// --only=scale: `--callers` callers (default 100) on one listener port, each
// streaming `--scale-rate` Mbit/s (default 2) for `--scale-seconds` through
// its own in-process linkemu::UdpRelay (on `--relay-threads`, default 4) with `--scale-loss` % loss
// each way (default 5) and 10 ms delay each way. Ours and libsrt each run it with 1 caller (at most
// 20 s) and with all of them; the memory one more connection costs is the difference of the two
// peak RSS divided by the callers added, on the listener and on the callers' side. The listener and
// the callers are two child processes: each reports its peak RSS (VmHWM), wait4 its CPU time.
// `--scale-impls` (default "libsrt,ours") picks who runs.
#include "bench_scale.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "child.hpp"
#include "relay_group.hpp"

namespace srtbench {
namespace {

namespace linkemu = srtcore::linkemu;

// This process's CPU time: while a run lasts, that of the relay thread.
double self_cpu_s() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

struct ScaleRun {
  bool ok = false;
  std::uint64_t sent = 0, unique = 0, holes = 0, dup = 0, conns = 0, retrans = 0, rcv_drop = 0,
                snd_drop = 0, damaged = 0;
  long listener_rss_kb = 0, callers_rss_kb = 0;
  double listener_cpu_s = 0, callers_cpu_s = 0, relays_cpu_s = 0;
  // Every message sent and not delivered; `holes` says how many of them
  // were inside a stream rather than at its end.
  std::uint64_t lost() const { return sent > unique ? sent - unique : 0; }
};

struct ScaleSettings {
  int callers = 100;
  double rate_mbps = 2;
  double seconds = 20;
  double loss_pct = 5;
  int relay_threads = 4;
};

std::vector<std::string> many_argv(const std::string &impl, const std::string &role,
                                   const ScaleSettings &s, int callers, const std::string &ports) {
  return {"/proc/self/exe",
          "peer",
          "--impl=" + impl,
          "--role=" + role,
          "--callers=" + std::to_string(callers),
          "--ports=" + ports,
          "--rate=" + std::to_string(s.rate_mbps),
          "--seconds=" + std::to_string(s.seconds)};
}

ScaleRun run_scale(const std::string &impl, const ScaleSettings &s, int callers) {
  ScaleRun r;
  Child listener(many_argv(impl, "many-recv", s, callers, ""));
  const std::string ready = listener.read_line();
  if (ready.rfind("ready ", 0) != 0) return r;
  const int port = std::atoi(ready.c_str() + 6);
  // A few threads serve every relay: the network they stand for costs the
  // host nothing, and a thread each would take the CPU the peers need.
  linkemu::RelayGroup relays(static_cast<std::size_t>(s.relay_threads));
  std::string ports;
  for (int k = 0; k < callers; ++k) {
    linkemu::RelayConfig c;
    c.target = "127.0.0.1:" + std::to_string(port);
    c.forward.loss = c.backward.loss = s.loss_pct / 100.0;
    c.forward.delay = c.backward.delay = std::chrono::milliseconds(10);
    c.forward.seed = 2 * static_cast<std::uint64_t>(k) + 1;
    c.backward.seed = 2 * static_cast<std::uint64_t>(k) + 2;
    ports += (k ? "," : "") + std::to_string(relays.add(c).listen_address().port());
  }
  const double relays_cpu_before = self_cpu_s();
  relays.start();
  Child sender(many_argv(impl, "many-send", s, callers, ports));
  const auto sres = parse_result(sender.read_line());
  const ChildUsage su = sender.wait();
  const auto rres = parse_result(listener.read_line());
  const ChildUsage lu = listener.wait();
  relays.stop();
  r.relays_cpu_s = self_cpu_s() - relays_cpu_before;
  if (sres.empty() || rres.empty() || su.exit_code != 0 || lu.exit_code != 0) return r;
  r.ok = true;
  r.sent = std::stoull(sres.at("sent"));
  r.retrans = std::stoull(sres.at("retrans"));
  r.snd_drop = std::stoull(sres.at("snd_drop"));
  r.damaged = std::stoull(rres.at("damaged"));
  r.unique = std::stoull(rres.at("unique"));
  r.holes = std::stoull(rres.at("holes"));
  r.dup = std::stoull(rres.at("dup"));
  r.conns = std::stoull(rres.at("conns"));
  r.rcv_drop = std::stoull(rres.at("rcv_drop"));
  r.listener_rss_kb = std::stol(rres.at("hwm_kb"));
  r.callers_rss_kb = std::stol(sres.at("hwm_kb"));
  r.listener_cpu_s = lu.cpu_s;
  r.callers_cpu_s = su.cpu_s;
  return r;
}

}  // namespace

void bench_scale(const Args &a, bool quick) {
  ScaleSettings s;
  s.callers = static_cast<int>(a.num("callers", quick ? 20 : 100));
  s.rate_mbps = a.num("scale-rate", s.rate_mbps);
  s.seconds = a.num("scale-seconds", quick ? 5 : s.seconds);
  s.loss_pct = a.num("scale-loss", s.loss_pct);
  s.relay_threads = static_cast<int>(a.num("relay-threads", s.relay_threads));
  std::printf(
      "\n## Scale: callers on one listener port, %.1f Mbit/s each for %.0f s, %.0f%% loss each "
      "way (one relay per caller, on %d threads, 10 ms each way)\n",
      s.rate_mbps, s.seconds, s.loss_pct, s.relay_threads);
  std::printf("%-7s %7s %6s %10s %6s %6s %8s %5s %9s %12s %12s %11s %11s %9s\n", "impl", "callers",
              "conns", "sent", "lost", "holes", "rcv_drop", "dup", "retrans", "listener KiB",
              "callers KiB", "listener us", "callers us", "relays us");
  struct PerImpl {
    ScaleRun one, many;
  };
  std::vector<std::pair<std::string, PerImpl>> results;
  const std::string impls = a.get("scale-impls", "libsrt,ours");
  for (const char *impl : {"libsrt", "ours"}) {
    if (impls.find(impl) == std::string::npos) continue;
    PerImpl p;
    for (int n : {1, s.callers}) {
      // One caller reaches its peak memory in seconds; only the full run is long.
      ScaleSettings run = s;
      if (n == 1) run.seconds = std::min(s.seconds, 20.0);
      const ScaleRun r = run_scale(impl, run, n);
      (n == 1 ? p.one : p.many) = r;
      const double msgs = r.unique ? double(r.unique) : 1;
      std::printf(
          "%-7s %7d %6llu %10llu %6llu %6llu %8llu %5llu %9llu %12ld %12ld %11.2f %11.2f %9.2f%s\n",
          impl, n, static_cast<unsigned long long>(r.conns),
          static_cast<unsigned long long>(r.sent), static_cast<unsigned long long>(r.lost()),
          static_cast<unsigned long long>(r.holes), static_cast<unsigned long long>(r.rcv_drop),
          static_cast<unsigned long long>(r.dup), static_cast<unsigned long long>(r.retrans),
          r.listener_rss_kb, r.callers_rss_kb, r.listener_cpu_s * 1e6 / msgs,
          r.callers_cpu_s * 1e6 / msgs, r.relays_cpu_s * 1e6 / msgs, r.ok ? "" : "  (failed)");
      if (r.snd_drop || r.damaged)
        std::printf("%-7s %7s sender gave up %llu, %llu messages damaged\n", "", "",
                    static_cast<unsigned long long>(r.snd_drop),
                    static_cast<unsigned long long>(r.damaged));
    }
    results.emplace_back(impl, p);
  }
  if (s.callers < 2) return;
  std::printf("%-7s %24s %24s\n", "impl", "KiB/connection listener", "KiB/connection callers");
  double per[2][2] = {};
  for (std::size_t i = 0; i < results.size(); ++i) {
    const PerImpl &p = results[i].second;
    per[i][0] = double(p.many.listener_rss_kb - p.one.listener_rss_kb) / (s.callers - 1);
    per[i][1] = double(p.many.callers_rss_kb - p.one.callers_rss_kb) / (s.callers - 1);
    std::printf("%-7s %24.1f %24.1f\n", results[i].first.c_str(), per[i][0], per[i][1]);
  }
  if (results.size() == 2 && per[0][0] > 0 && per[0][1] > 0)
    std::printf("%-7s %24.2f %24.2f   (ours/libsrt; goal <= 0.5)\n", "ratio", per[1][0] / per[0][0],
                per[1][1] / per[0][1]);
}

}  // namespace srtbench
