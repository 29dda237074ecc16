// The libsrt side of the scale benchmark: one listening socket accepting
// every caller (srt_epoll over all of them), and one process of caller
// sockets, configured like the other libsrt peer (libsrt_options.hpp).
#include <srt/srt.h>

#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "libsrt_options.hpp"
#include "many_peers.hpp"

namespace srtbench {
namespace {

using Clock = std::chrono::steady_clock;

int receive_many(const PeerOptions &o) {
  SRTSOCKET l = open_listener(o, o.callers, true);
  if (l == SRT_INVALID_SOCK) return 2;
  const int eid = srt_epoll_create();
  int in = SRT_EPOLL_IN | SRT_EPOLL_ERR;
  srt_epoll_add_usock(eid, l, &in);
  std::vector<SRTSOCKET> accepted;
  std::vector<std::uint8_t> buf(static_cast<std::size_t>(o.payload));
  std::vector<SRT_EPOLL_EVENT> events(256);
  const ManyReceiveTally t = run_many_receiver(o, [&](ManyReceiveTally &tally) -> long {
    const int ready = srt_epoll_uwait(eid, events.data(), static_cast<int>(events.size()), 200);
    long n = 0;
    for (int i = 0; i < ready; ++i) {
      const SRTSOCKET s = events[static_cast<std::size_t>(i)].fd;
      if (s == l) {
        for (SRTSOCKET a; (a = srt_accept(l, nullptr, nullptr)) != SRT_INVALID_SOCK;) {
          srt_epoll_add_usock(eid, a, &in);
          accepted.push_back(a);
        }
        continue;
      }
      for (int got; (got = srt_recvmsg(s, reinterpret_cast<char *>(buf.data()),
                                       static_cast<int>(buf.size()))) > 0;) {
        tally.on_message(static_cast<std::uint64_t>(s),
                         {buf.data(), static_cast<std::size_t>(got)});
        ++n;
      }
      if (srt_getsockstate(s) > SRTS_CONNECTED) srt_epoll_remove_usock(eid, s);
    }
    return n;
  });
  long long drops = 0;
  for (SRTSOCKET s : accepted) {
    SRT_TRACEBSTATS st{};
    srt_bstats(s, &st, 0);
    drops += st.pktRcvDropTotal;
  }
  t.print(drops);
  srt_epoll_release(eid);
  for (SRTSOCKET s : accepted) srt_close(s);
  srt_close(l);
  return 0;
}

int send_many(const PeerOptions &o) {
  std::vector<SRTSOCKET> callers;
  for (int k = 0; k < o.callers; ++k) {
    const int port =
        o.ports.empty() ? o.port : o.ports[static_cast<std::size_t>(k) % o.ports.size()];
    SRTSOCKET s = srt_create_socket();
    set_options(s, o);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, o.host.c_str(), &sa.sin_addr);
    if (srt_connect(s, reinterpret_cast<sockaddr *>(&sa), sizeof sa) == SRT_ERROR) {
      std::fprintf(stderr, "libsrt connect: %s\n", srt_getlasterror_str());
      return 2;
    }
    callers.push_back(s);
  }
  const SendTally tally = run_paced_senders(o, [&](std::size_t k, std::span<const std::uint8_t> m) {
    return srt_sendmsg(callers[k], reinterpret_cast<const char *>(m.data()),
                       static_cast<int>(m.size()), -1, 0) >= 0;
  });
  // Everything acknowledged (or 5 s), then time for the last to be delivered.
  const auto drain_end = Clock::now() + std::chrono::seconds(5);
  for (std::size_t k = 0; k < callers.size() && Clock::now() < drain_end;) {
    size_t unacked_bytes = 0;
    if (srt_getsndbuffer(callers[k], nullptr, &unacked_bytes) != 0 || unacked_bytes == 0) {
      ++k;
      continue;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(2 * o.latency_ms));
  long long retrans = 0, drops = 0;
  for (SRTSOCKET s : callers) {
    SRT_TRACEBSTATS st{};
    srt_bstats(s, &st, 0);
    retrans += st.pktRetransTotal;
    drops += st.pktSndDropTotal;
  }
  print_send_result(tally, retrans, drops);
  for (SRTSOCKET s : callers) srt_close(s);
  return 0;
}

}  // namespace

int run_libsrt_many_peer(const PeerOptions &o) {
  srt_setloglevel(LOG_CRIT);  // a nonblocking accept with none pending logs an error
  return o.role == "many-recv" ? receive_many(o) : send_many(o);
}

}  // namespace srtbench
