// One side of a benchmark transfer, run in its own process so that its CPU
// time (getrusage via wait4) and peak RSS are the transport's alone.
#pragma once

#include <cstdint>
#include <string>

namespace srtbench {

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
  double idle_exit_s = 1.5;   // recv: stop after this long without a message
};

// Prints "ready PORT" (recv) and one "result k=v ..." line; returns the exit code.
int run_libsrt_peer(const PeerOptions &o);
int run_ours_peer(const PeerOptions &o);

// Absolute-deadline pacing shared by both senders: how many messages are due
// by `elapsed_s` at `rate_mbps`.
inline std::uint64_t due_messages(double elapsed_s, double rate_mbps, int payload) {
  return static_cast<std::uint64_t>(elapsed_s * rate_mbps * 1e6 / 8.0 / payload);
}

}  // namespace srtbench
