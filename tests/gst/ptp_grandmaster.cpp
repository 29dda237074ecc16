// Message layouts from IEEE 1588-2008 clause 13: a 34-byte common header
// (13.3), then Announce (13.5), Sync / Delay_Req (13.6), Follow_Up (13.7),
// Delay_Resp (13.8). Timestamps are 48-bit seconds + 32-bit nanoseconds.
#include "ptp_grandmaster.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace fixtures {

namespace {

constexpr const char *kGroup = "224.0.1.129";
constexpr int kEventPort = 319, kGeneralPort = 320;
constexpr std::uint16_t kPortNumber = 1;

enum MessageType : std::uint8_t {
  kSync = 0x0,
  kDelayReq = 0x1,
  kFollowUp = 0x8,
  kDelayResp = 0x9,
  kAnnounce = 0xB,
};
// controlField (13.3.2.10), kept for version 1 hardware.
enum Control : std::uint8_t {
  kCtlSync = 0,
  kCtlDelayReq = 1,
  kCtlFollowUp = 2,
  kCtlDelayResp = 3,
  kCtlOther = 5
};
// flagField bits as one big-endian 16-bit word (13.3.2.6).
constexpr std::uint16_t kTwoStepFlag = 0x0200, kPtpTimescaleFlag = 0x0008;
constexpr std::size_t kHeaderSize = 34, kAnnounceSize = 64, kSyncSize = 44, kDelayRespSize = 54;

// Big-endian writer over a fixed array.
template <std::size_t N>
struct Writer {
  std::array<std::uint8_t, N> b{};
  std::size_t pos = 0;
  void u8(std::uint64_t v) { b[pos++] = static_cast<std::uint8_t>(v); }
  void be(std::uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) u8(v >> (8 * i));
  }
  void timestamp(std::uint64_t ns) {
    be(ns / 1'000'000'000u, 6);
    be(ns % 1'000'000'000u, 4);
  }
};

std::uint64_t be_read(const std::uint8_t *p, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
  return v;
}

std::int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::int64_t interval_ns(std::int8_t log2_seconds) {
  return log2_seconds >= 0 ? (std::int64_t{1'000'000'000} << log2_seconds)
                           : (std::int64_t{1'000'000'000} >> -log2_seconds);
}

std::string errno_text(const char *what) {
  return std::string(what) + ": " + std::strerror(errno);
}

}  // namespace

PtpGrandmaster::PtpGrandmaster(const Config &config) : config_(config) {
  const unsigned lo = if_nametoindex("lo");
  if (lo == 0) {
    error_ = errno_text("if_nametoindex lo");
    return;
  }
  auto open_port = [&](int port) -> int {
    const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      error_ = errno_text("socket");
      return -1;
    }
    // GStreamer's ptp helper binds the same ports in the same namespace.
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    sockaddr_in any{};
    any.sin_family = AF_INET;
    any.sin_port = htons(static_cast<std::uint16_t>(port));
    any.sin_addr.s_addr = htonl(INADDR_ANY);
    ip_mreqn mreq{};
    inet_pton(AF_INET, kGroup, &mreq.imr_multiaddr);
    mreq.imr_ifindex = static_cast<int>(lo);
    const unsigned char ttl = 1;
    if (bind(fd, reinterpret_cast<sockaddr *>(&any), sizeof any) != 0) {
      error_ = errno_text("bind");
    } else if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof mreq) != 0) {
      error_ = errno_text("IP_ADD_MEMBERSHIP on lo");
    } else if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq, sizeof mreq) != 0) {
      error_ = errno_text("IP_MULTICAST_IF lo");
    } else if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl) != 0) {
      error_ = errno_text("IP_MULTICAST_TTL");
    } else {
      return fd;
    }
    close(fd);
    return -1;
  };
  event_fd_ = open_port(kEventPort);
  if (event_fd_ >= 0) general_fd_ = open_port(kGeneralPort);
  if (general_fd_ >= 0) {
    stop_fd_ = eventfd(0, EFD_CLOEXEC);
    if (stop_fd_ < 0) error_ = errno_text("eventfd");
  }
  if (error_.empty()) thread_ = std::thread([this] { run(); });
}

PtpGrandmaster::~PtpGrandmaster() {
  if (thread_.joinable()) {
    const std::uint64_t one = 1;
    (void)!write(stop_fd_, &one, sizeof one);
    thread_.join();
  }
  for (int fd : {event_fd_, general_fd_, stop_fd_})
    if (fd >= 0) close(fd);
}

std::uint64_t PtpGrandmaster::now() const {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  const std::int64_t real = static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
  return static_cast<std::uint64_t>(real + config_.offset_ns);
}

bool PtpGrandmaster::send(int fd, int port, const std::uint8_t *data, std::size_t size) {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET, kGroup, &to.sin_addr);
  return sendto(fd, data, size, 0, reinterpret_cast<sockaddr *>(&to), sizeof to) ==
         static_cast<ssize_t>(size);
}

// The common header (13.3); the body follows at offset 34.
template <std::size_t N>
static void put_header(Writer<N> &w, std::uint8_t type, std::uint8_t domain, std::uint16_t flags,
                       std::int64_t correction, std::uint64_t identity, std::uint16_t seq,
                       std::uint8_t control, std::int8_t log_interval) {
  w.u8(type);  // transportSpecific 0
  w.u8(2);     // versionPTP
  w.be(N, 2);  // messageLength
  w.u8(domain);
  w.u8(0);
  w.be(flags, 2);
  w.be(static_cast<std::uint64_t>(correction), 8);
  w.be(0, 4);
  w.be(identity, 8);
  w.be(kPortNumber, 2);
  w.be(seq, 2);
  w.u8(control);
  w.u8(static_cast<std::uint8_t>(log_interval));
}

void PtpGrandmaster::send_announce() {
  Writer<kAnnounceSize> w;
  put_header(w, kAnnounce, config_.domain, kPtpTimescaleFlag, 0, config_.clock_identity,
             announce_seq_++, kCtlOther, config_.log_announce_interval);
  w.timestamp(now());  // originTimestamp
  w.be(37, 2);         // currentUtcOffset
  w.u8(0);
  w.u8(128);                        // grandmasterPriority1
  w.u8(248);                        // clockClass: default
  w.u8(0xFE);                       // clockAccuracy: unknown
  w.be(0xFFFF, 2);                  // offsetScaledLogVariance: not computed
  w.u8(128);                        // grandmasterPriority2
  w.be(config_.clock_identity, 8);  // grandmasterIdentity: we are it
  w.be(0, 2);                       // stepsRemoved
  w.u8(0xA0);                       // timeSource: INTERNAL_OSCILLATOR
  send(general_fd_, kGeneralPort, w.b.data(), w.b.size());
}

void PtpGrandmaster::send_sync_and_follow_up() {
  const std::uint16_t seq = sync_seq_++;
  Writer<kSyncSize> sync;
  put_header(sync, kSync, config_.domain, kTwoStepFlag | kPtpTimescaleFlag, 0,
             config_.clock_identity, seq, kCtlSync, config_.log_sync_interval);
  const std::uint64_t t1 = now();  // just before it leaves: the Follow_Up carries it
  sync.timestamp(t1);
  if (!send(event_fd_, kEventPort, sync.b.data(), sync.b.size())) return;
  Writer<kSyncSize> follow_up;
  put_header(follow_up, kFollowUp, config_.domain, kPtpTimescaleFlag, 0, config_.clock_identity,
             seq, kCtlFollowUp, config_.log_sync_interval);
  follow_up.timestamp(t1);  // preciseOriginTimestamp
  if (send(general_fd_, kGeneralPort, follow_up.b.data(), follow_up.b.size())) ++syncs_;
}

void PtpGrandmaster::answer(const std::uint8_t *msg, long size, std::uint64_t receive_time) {
  if (size < static_cast<long>(kSyncSize) || (msg[0] & 0x0f) != kDelayReq || (msg[1] & 0x0f) != 2 ||
      msg[4] != config_.domain)
    return;
  const std::uint64_t identity = be_read(msg + 20, 8);
  if (identity == config_.clock_identity) return;  // our own, looped back
  Writer<kDelayRespSize> w;
  // Delay_Resp echoes the request's sequenceId and correctionField (11.3).
  put_header(w, kDelayResp, config_.domain, kPtpTimescaleFlag,
             static_cast<std::int64_t>(be_read(msg + 8, 8)), config_.clock_identity,
             static_cast<std::uint16_t>(be_read(msg + 30, 2)), kCtlDelayResp,
             config_.log_min_delay_req_interval);
  w.timestamp(receive_time);  // receiveTimestamp
  w.be(identity, 8);          // requestingPortIdentity
  w.be(be_read(msg + 28, 2), 2);
  if (send(general_fd_, kGeneralPort, w.b.data(), w.b.size())) ++delay_responses_;
}

void PtpGrandmaster::run() {
  const std::int64_t announce_every = interval_ns(config_.log_announce_interval);
  const std::int64_t sync_every = interval_ns(config_.log_sync_interval);
  std::int64_t next_announce = monotonic_ns(), next_sync = next_announce;
  std::array<std::uint8_t, 1500> buf{};
  for (;;) {
    const std::int64_t t = monotonic_ns();
    if (t >= next_announce) {
      send_announce();
      next_announce += announce_every;
    }
    if (t >= next_sync) {
      send_sync_and_follow_up();
      next_sync += sync_every;
    }
    const std::int64_t wait_ns = std::min(next_announce, next_sync) - monotonic_ns();
    pollfd fds[3] = {{event_fd_, POLLIN, 0}, {general_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    const int ms = wait_ns > 0 ? static_cast<int>((wait_ns + 999'999) / 1'000'000) : 0;
    if (poll(fds, 3, ms) < 0 && errno != EINTR) return;
    if (fds[2].revents) return;
    if (fds[0].revents & POLLIN) {
      const long n = recv(event_fd_, buf.data(), buf.size(), MSG_DONTWAIT);
      const std::uint64_t t4 = now();  // as soon as it is ours
      if (n > 0) answer(buf.data(), n, t4);
    }
    if (fds[1].revents & POLLIN) (void)recv(general_fd_, buf.data(), buf.size(), MSG_DONTWAIT);
  }
}

}  // namespace fixtures
