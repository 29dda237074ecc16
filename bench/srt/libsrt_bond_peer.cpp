// bench-srt-libsrt-bond: the libsrt side of the bonding benchmark, a small
// executable of its own linked against libsrt 1.5.1 built with bonding
// (tests/peers/build-libsrt-bonding.sh; Debian's libsrt, which bench-srt and
// the plugin link, has no groups). bench-srt starts it exactly like its own
// `peer` children, so both sides run the same paced sender and arrival log
// and differ only in the transport:
//   recv: a listener with SRTO_GROUPCONNECT=1; srt_accept gives the mirror
//         group, read with srt_recvmsg.
//   send: srt_create_group(broadcast|backup), one srt_prepare_endpoint per
//         --links entry (source address bound, weight set), srt_connect_group,
//         then srt_sendmsg2 on the group.
//   bench-srt-libsrt-bond peer --role=send|recv --bond=broadcast|backup ...
#include <srt/srt.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include "args.hpp"
#include "libsrt_options.hpp"
#include "message_stamp.hpp"
#include "peer.hpp"

namespace srtbench {
namespace {

using Clock = std::chrono::steady_clock;

sockaddr_in address(const std::string &host, int port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, host.c_str(), &sa.sin_addr);
  return sa;
}

int receive(const PeerOptions &o) {
  SRTSOCKET l = srt_create_socket();
  set_options(l, o);
  int yes = 1;
  srt_setsockflag(l, SRTO_GROUPCONNECT, &yes, sizeof yes);
  sockaddr_in sa = address(o.host, o.port);
  if (srt_bind(l, reinterpret_cast<sockaddr *>(&sa), sizeof sa) == SRT_ERROR ||
      srt_listen(l, 4) == SRT_ERROR) {
    std::fprintf(stderr, "libsrt-bond bind/listen: %s\n", srt_getlasterror_str());
    return 2;
  }
  int len = sizeof sa;
  srt_getsockname(l, reinterpret_cast<sockaddr *>(&sa), &len);
  std::printf("ready %d\n", ntohs(sa.sin_port));
  std::fflush(stdout);
  SRTSOCKET g = srt_accept(l, nullptr, nullptr);  // the group (SRTGROUP_MASK set)
  if (g == SRT_INVALID_SOCK) return 2;
  const ReceiveTally t = run_receiver(o, [&](std::span<std::uint8_t> buf) -> long {
    const int n =
        srt_recvmsg(g, reinterpret_cast<char *>(buf.data()), static_cast<int>(buf.size()));
    if (n > 0) return n;
    return srt_getlasterror(nullptr) != SRT_EASYNCRCV ? -1 : 0;
  });
  t.print();
  srt_close(g);
  srt_close(l);
  return 0;
}

// Every member connected (idle or running), so a backup group starts on its
// preferred link.
bool wait_members(SRTSOCKET g, std::size_t want, std::chrono::seconds timeout) {
  const auto end = Clock::now() + timeout;
  std::vector<SRT_SOCKGROUPDATA> data(want + 2);
  while (Clock::now() < end) {
    std::size_t size = data.size();
    if (srt_group_data(g, data.data(), &size) != SRT_ERROR) {
      std::size_t up = 0;
      for (std::size_t k = 0; k < size && k < data.size(); ++k)
        up += data[k].memberstate == SRT_GST_IDLE || data[k].memberstate == SRT_GST_RUNNING;
      if (up >= want) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

int send(const PeerOptions &o) {
  const SRT_GROUP_TYPE type = o.bond == "backup" ? SRT_GTYPE_BACKUP : SRT_GTYPE_BROADCAST;
  SRTSOCKET g = srt_create_group(type);
  if (g == SRT_INVALID_SOCK) {
    std::fprintf(stderr, "libsrt-bond create_group: %s\n", srt_getlasterror_str());
    return 2;
  }
  set_options(g, o);
  std::vector<sockaddr_in> sources, targets;
  sources.reserve(o.links.size());
  targets.reserve(o.links.size());
  std::vector<SRT_SOCKGROUPCONFIG> members;
  for (const LinkSpec &l : o.links) {
    targets.push_back(address(l.host, l.port));
    sources.push_back(address(l.local.empty() ? "0.0.0.0" : l.local, 0));
    SRT_SOCKGROUPCONFIG m = srt_prepare_endpoint(
        l.local.empty() ? nullptr : reinterpret_cast<sockaddr *>(&sources.back()),
        reinterpret_cast<sockaddr *>(&targets.back()), sizeof(sockaddr_in));
    m.weight = static_cast<uint16_t>(l.weight);
    members.push_back(m);
  }
  if (srt_connect_group(g, members.data(), static_cast<int>(members.size())) == SRT_ERROR) {
    std::fprintf(stderr, "libsrt-bond connect_group: %s\n", srt_getlasterror_str());
    return 2;
  }
  if (!wait_members(g, members.size(), std::chrono::seconds(10))) {
    std::fprintf(stderr, "libsrt-bond: not every member connected\n");
    return 2;
  }
  const SendTally tally = run_paced_sender(o, [&](std::span<const std::uint8_t> msg) {
    SRT_MSGCTRL mc = srt_msgctrl_default;
    const int rc = srt_sendmsg2(g, reinterpret_cast<const char *>(msg.data()),
                                static_cast<int>(msg.size()), &mc);
    return rc >= 0;
  });
  // A group's send buffer cannot be queried: wait a fixed time, as our
  // bonded sender does, then give the receiver its latency.
  std::this_thread::sleep_for(std::chrono::milliseconds(300 + 2 * o.latency_ms));
  std::printf(
      "result sent=%llu refused=%llu due=%llu\n", static_cast<unsigned long long>(tally.sent),
      static_cast<unsigned long long>(tally.refused), static_cast<unsigned long long>(tally.due));
  std::fflush(stdout);
  srt_close(g);
  return 0;
}

}  // namespace

int run_libsrt_bond_peer(const PeerOptions &o) {
  srt_startup();
  srt_setloglevel(LOG_CRIT);  // not "ALL LINKS BROKEN" at the end of every run
  int rc = 2;
  if (o.role == "recv")
    rc = receive(o);
  else if (o.role == "send")
    rc = send(o);
  srt_cleanup();
  return rc;
}

}  // namespace srtbench

int main(int argc, char **argv) {
  using namespace srtbench;
  if (argc < 2 || std::strcmp(argv[1], "peer") != 0) {
    std::fprintf(stderr, "usage: %s peer --role=send|recv --bond=broadcast|backup ...\n", argv[0]);
    return 2;
  }
  return run_libsrt_bond_peer(peer_options(parse_args(argc, argv, 2)));
}
