// The libsrt side of the benchmark: Debian's libsrt 1.5.1 through its C API,
// configured like our side (live mode, same latency, payload and buffers).
#include <srt/srt.h>

#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "libsrt_options.hpp"
#include "message_stamp.hpp"
#include "peer.hpp"

namespace srtbench {
namespace {

using Clock = std::chrono::steady_clock;

int receive(const PeerOptions &o) {
  SRTSOCKET l = open_listener(o, 1);
  if (l == SRT_INVALID_SOCK) return 2;
  SRTSOCKET s = srt_accept(l, nullptr, nullptr);
  if (s == SRT_INVALID_SOCK) return 2;
  const ReceiveTally t = run_receiver(o, [&](std::span<std::uint8_t> buf) -> long {
    const int n =
        srt_recvmsg(s, reinterpret_cast<char *>(buf.data()), static_cast<int>(buf.size()));
    if (n > 0) return n;
    return srt_getsockstate(s) != SRTS_CONNECTED ? -1 : 0;
  });
  SRT_TRACEBSTATS st{};
  srt_bstats(s, &st, 0);
  t.print(" rcv_drop=" + std::to_string(st.pktRcvDropTotal) +
          " rcv_loss=" + std::to_string(st.pktRcvLossTotal));
  srt_close(s);
  srt_close(l);
  return 0;
}

int send(const PeerOptions &o) {
  SRTSOCKET s = srt_create_socket();
  set_options(s, o);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(o.port));
  inet_pton(AF_INET, o.host.c_str(), &sa.sin_addr);
  if (srt_connect(s, reinterpret_cast<sockaddr *>(&sa), sizeof sa) == SRT_ERROR) {
    std::fprintf(stderr, "libsrt connect: %s\n", srt_getlasterror_str());
    return 2;
  }
  const SendTally tally = run_paced_sender(o, [&](std::span<const std::uint8_t> msg) {
    return srt_sendmsg(s, reinterpret_cast<const char *>(msg.data()), static_cast<int>(msg.size()),
                       -1, 0) >= 0;
  });
  // Let everything be acknowledged and delivered before closing.
  const auto drain_end = Clock::now() + std::chrono::seconds(3);
  size_t unacked_bytes = 0;
  while (Clock::now() < drain_end && srt_getsndbuffer(s, nullptr, &unacked_bytes) == 0 &&
         unacked_bytes > 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(2 * o.latency_ms));
  SRT_TRACEBSTATS st{};
  srt_bstats(s, &st, 0);
  int km = 0;
  int km_len = sizeof km;
  srt_getsockflag(s, SRTO_KMSTATE, &km, &km_len);
  std::printf("result sent=%llu refused=%llu retrans=%d snd_drop=%lld km=%d\n",
              static_cast<unsigned long long>(tally.sent),
              static_cast<unsigned long long>(tally.refused), st.pktRetransTotal,
              static_cast<long long>(st.pktSndDropTotal), km);
  std::fflush(stdout);
  srt_close(s);
  return 0;
}

}  // namespace

int run_libsrt_peer(const PeerOptions &o) {
  srt_startup();
  srt_setloglevel(LOG_ERR);
  int rc = 0;
  if (o.role.starts_with("many-"))
    rc = run_libsrt_many_peer(o);
  else if (o.role == "recv")
    rc = receive(o);
  else if (o.role == "send")
    rc = send(o);
  srt_cleanup();
  return rc;
}

}  // namespace srtbench
