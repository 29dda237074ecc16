// --only=soak: one connection at `--soak-rate` Mbit/s (default 100) for
// `--soak-seconds` (default 1800) through srt-linkemu with `--soak-loss` %
// loss each way (default 5) and 10 ms delay each way; `--soak-impls`
// (default "ours", or "ours,libsrt"). Reports messages lost and each side's
// resident memory sampled every 10 s from /proc: at one minute, at the end,
// and the highest after the first minute, whose growth over the one-minute
// value says whether memory stays flat.
#include "bench_soak.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "child.hpp"

namespace srtbench {
namespace {

long rss_kb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  return 0;
}

struct Sample {
  double t_s;
  long send_kb, recv_kb;
};

// Samples both peers every 10 s until stopped.
class RssSampler {
 public:
  RssSampler(pid_t send, pid_t recv) : thread_([this, send, recv] { run(send, recv); }) {}
  ~RssSampler() { stop(); }
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  std::vector<Sample> samples() const {
    std::lock_guard lock(mutex_);
    return samples_;
  }

 private:
  void run(pid_t send, pid_t recv) {
    const auto start = std::chrono::steady_clock::now();
    std::unique_lock lock(mutex_);
    while (!cv_.wait_for(lock, std::chrono::seconds(10), [this] { return stop_; })) {
      const double t =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      samples_.push_back({t, rss_kb(send), rss_kb(recv)});
    }
  }

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::vector<Sample> samples_;
  std::thread thread_;
};

std::vector<std::string> soak_peer(const std::string &impl, const std::string &role, double rate,
                                   double seconds, int port) {
  return {"/proc/self/exe",
          "peer",
          "--impl=" + impl,
          "--role=" + role,
          "--port=" + std::to_string(port),
          "--rate=" + std::to_string(rate),
          "--seconds=" + std::to_string(seconds),
          "--maxbw=-1",
          "--buffers=8192",
          "--pbkeylen=0"};
}

void soak_one(const std::string &impl, double rate, double seconds, double loss) {
  Child recv(soak_peer(impl, "recv", rate, seconds, 0));
  const std::string ready = recv.read_line();
  if (ready.rfind("ready ", 0) != 0) {
    std::printf("%-7s (receiver failed to start)\n", impl.c_str());
    return;
  }
  Child relay({SRTBENCH_LINKEMU, "--listen", "127.0.0.1:0", "--target",
               "127.0.0.1:" + ready.substr(6), "--loss", std::to_string(loss), "--delay-ms", "10",
               "--seed", "11"});
  const std::string line = relay.read_line();  // ready listen=127.0.0.1:P target=...
  const auto colon = line.find(':');
  if (colon == std::string::npos) return;
  Child send(soak_peer(impl, "send", rate, seconds, std::atoi(line.c_str() + colon + 1)));
  RssSampler sampler(send.pid(), recv.pid());
  const auto sres = parse_result(send.read_line());
  sampler.stop();
  const ChildUsage su = send.wait();
  const auto rres = parse_result(recv.read_line());
  const ChildUsage ru = recv.wait();
  relay.write_line("quit");
  relay.wait();
  if (sres.empty() || rres.empty() || su.exit_code != 0 || ru.exit_code != 0) {
    std::printf("%-7s (failed)\n", impl.c_str());
    return;
  }
  const unsigned long long sent = std::stoull(sres.at("sent"));
  const unsigned long long unique = std::stoull(rres.at("unique"));
  const auto samples = sampler.samples();
  Sample at_minute{0, 0, 0}, last{0, 0, 0}, peak{0, 0, 0};
  for (const Sample &s : samples) {
    if (s.t_s <= 61) at_minute = s;
    if (s.t_s > 61) {
      peak.send_kb = std::max(peak.send_kb, s.send_kb);
      peak.recv_kb = std::max(peak.recv_kb, s.recv_kb);
    }
    last = s;
  }
  // rcv_drop / snd_drop: what each side gave up (too late); 1st gap: when
  // (ms) the receiver first saw an index missing (-1: never, so anything
  // lost is at the end); max gap: the longest time without a new message.
  const auto field = [](const std::map<std::string, std::string> &m, const char *k) {
    const auto it = m.find(k);
    return it == m.end() ? std::string("-") : it->second;
  };
  std::printf("%-7s %11llu %8llu %8s %8s %8s %9s %9s %9s %10ld %10ld %10ld %10ld %10ld %10ld\n",
              impl.c_str(), sent, sent > unique ? sent - unique : 0ULL,
              field(rres, "rcv_drop").c_str(), field(sres, "snd_drop").c_str(),
              field(rres, "dup").c_str(), field(sres, "retrans").c_str(),
              field(rres, "first_gap_ms").c_str(), field(rres, "max_gap_ms").c_str(),
              at_minute.send_kb, last.send_kb, peak.send_kb ? peak.send_kb - at_minute.send_kb : 0,
              at_minute.recv_kb, last.recv_kb, peak.recv_kb ? peak.recv_kb - at_minute.recv_kb : 0);
  // The whole series, so a step (a burst held more) tells itself apart from a
  // slope (a leak).
  std::printf("# %s RSS KiB every 10 s, send/recv:", impl.c_str());
  for (const Sample &s : samples) std::printf(" %ld/%ld", s.send_kb, s.recv_kb);
  std::printf("\n");
}

}  // namespace

void bench_soak(const Args &a, bool quick) {
  const double rate = a.num("soak-rate", 100);
  const double seconds = a.num("soak-seconds", quick ? 90 : 1800);
  const double loss = a.num("soak-loss", 5);
  const std::string impls = a.get("soak-impls", "ours");
  std::printf(
      "\n## Soak: one connection at %.0f Mbit/s for %.0f s through srt-linkemu, %.0f%% loss each "
      "way, 10 ms each way; RSS in KiB sampled every 10 s (growth = highest after the first "
      "minute minus the value at one minute)\n",
      rate, seconds, loss);
  std::printf("%-7s %11s %8s %8s %8s %8s %9s %9s %9s %10s %10s %10s %10s %10s %10s\n", "impl",
              "sent", "lost", "rcv_drop", "snd_drop", "dup", "retrans", "1st gap", "max gap",
              "send@1min", "send@end", "send grow", "recv@1min", "recv@end", "recv grow");
  for (const char *impl : {"ours", "libsrt"})
    if (impls.find(impl) != std::string::npos) soak_one(impl, rate, seconds, loss);
}

}  // namespace srtbench
