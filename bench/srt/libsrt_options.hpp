// The libsrt socket options both libsrt peers of the benchmark set (the
// plain one and the bonding one, where they apply to every group member):
// live mode as ours runs it, buffers of the same size in packets.
#pragma once

#include <srt/srt.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "peer.hpp"

namespace srtbench {

inline void set_options(SRTSOCKET s, const PeerOptions &o) {
  int yes = 1;
  int latency = o.latency_ms;
  int payload = o.payload;
  int64_t maxbw = o.maxbw;
  int fc = o.buffer_packets;
  // libsrt sizes its buffers in bytes of (MSS - 28) per packet.
  int bytes = o.buffer_packets * 1472;
  int udp = 4 * 1024 * 1024;
  int rcvtimeo = 200;
  srt_setsockflag(s, SRTO_TSBPDMODE, &yes, sizeof yes);
  srt_setsockflag(s, SRTO_LATENCY, &latency, sizeof latency);
  srt_setsockflag(s, SRTO_PAYLOADSIZE, &payload, sizeof payload);
  srt_setsockflag(s, SRTO_MAXBW, &maxbw, sizeof maxbw);
  srt_setsockflag(s, SRTO_FC, &fc, sizeof fc);
  srt_setsockflag(s, SRTO_RCVBUF, &bytes, sizeof bytes);
  srt_setsockflag(s, SRTO_SNDBUF, &bytes, sizeof bytes);
  srt_setsockflag(s, SRTO_UDP_RCVBUF, &udp, sizeof udp);
  srt_setsockflag(s, SRTO_UDP_SNDBUF, &udp, sizeof udp);
  srt_setsockflag(s, SRTO_RCVTIMEO, &rcvtimeo, sizeof rcvtimeo);
  if (!o.packet_filter.empty())
    srt_setsockflag(s, SRTO_PACKETFILTER, o.packet_filter.c_str(),
                    static_cast<int>(o.packet_filter.size()));
  if (o.pbkeylen > 0) {
    int keylen = o.pbkeylen;
    srt_setsockflag(s, SRTO_PASSPHRASE, kBenchPassphrase,
                    static_cast<int>(std::char_traits<char>::length(kBenchPassphrase)));
    srt_setsockflag(s, SRTO_PBKEYLEN, &keylen, sizeof keylen);
  }
}

// A listening socket with `o`'s options on 127.0.0.1:o.port (0: any free
// port) that prints "ready PORT"; SRT_INVALID_SOCK (with a message) when
// bind or listen fails.
inline SRTSOCKET open_listener(const PeerOptions &o, int backlog, bool nonblocking = false) {
  SRTSOCKET l = srt_create_socket();
  set_options(l, o);
  if (nonblocking) {
    int no = 0;
    srt_setsockflag(l, SRTO_RCVSYN, &no, sizeof no);  // accepted sockets inherit it
  }
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(o.port));
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  if (srt_bind(l, reinterpret_cast<sockaddr *>(&sa), sizeof sa) == SRT_ERROR ||
      srt_listen(l, backlog) == SRT_ERROR) {
    std::fprintf(stderr, "libsrt bind/listen: %s\n", srt_getlasterror_str());
    srt_close(l);
    return SRT_INVALID_SOCK;
  }
  int len = sizeof sa;
  srt_getsockname(l, reinterpret_cast<sockaddr *>(&sa), &len);
  std::printf("ready %d\n", ntohs(sa.sin_port));
  std::fflush(stdout);
  return l;
}

}  // namespace srtbench
