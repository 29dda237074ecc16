#include "io/udp_socket.hpp"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cstring>
#include <memory>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103  // linux/udp.h, kernel 4.18
#endif
#ifndef UDP_GRO
#define UDP_GRO 104  // linux/udp.h, kernel 5.0
#endif
#ifndef SOL_UDP
#define SOL_UDP 17
#endif

namespace srtcore::io {
namespace {

// The kernel's UDP_MAX_SEGMENTS (64 before 6.2), and a total that stays
// below the 64 KiB IP datagram limit for both families.
constexpr std::size_t kMaxGsoSegments = 64;
constexpr std::size_t kMaxGsoBytes = 63 * 1024;

std::string errno_text(const char *what, int err) {
  return std::string(what) + ": " + std::strerror(err);
}

bool same_address(const SockAddr &a, const SockAddr &b) {
  return a.length == b.length && std::memcmp(&a.storage, &b.storage, a.length) == 0;
}

void set_buffer(int fd, int force_option, int option, int bytes) {
  if (bytes <= 0) return;
  // The forcing variant needs CAP_NET_ADMIN; without it the kernel caps the
  // plain one at rmem_max / wmem_max.
  if (::setsockopt(fd, SOL_SOCKET, force_option, &bytes, sizeof bytes) == 0) return;
  ::setsockopt(fd, SOL_SOCKET, option, &bytes, sizeof bytes);
}

// Scratch message headers for the batched calls, one per socket.
struct MsgScratch {
  std::array<mmsghdr, SendBatch::kSlots> send_msgs{};
  std::array<iovec, SendBatch::kSlots> send_iov{};
  std::array<std::size_t, SendBatch::kSlots> group_end{};
  std::array<bool, SendBatch::kSlots> group_gso{};
  struct alignas(cmsghdr) Control {
    std::uint8_t bytes[CMSG_SPACE(sizeof(std::uint16_t))];
  };
  std::array<Control, SendBatch::kSlots> control{};
  std::array<mmsghdr, RecvBatch::kSlots> recv_msgs{};
  std::array<iovec, RecvBatch::kSlots> recv_iov{};
  struct alignas(cmsghdr) RecvControl {
    std::uint8_t bytes[CMSG_SPACE(sizeof(int))];
  };
  std::array<RecvControl, RecvBatch::kSlots> recv_control{};
};

thread_local std::unique_ptr<MsgScratch> t_scratch;

MsgScratch &scratch() {
  if (!t_scratch) t_scratch = std::make_unique<MsgScratch>();
  return *t_scratch;
}

}  // namespace

std::optional<UdpSocket> UdpSocket::open(const srt::NetAddress &local,
                                         const std::optional<srt::NetAddress> &peer,
                                         const UdpSocketOptions &options, std::string *error) {
  const bool v6 = local.family == srt::NetAddress::Family::kV6;
  UniqueFd fd(
      ::socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP));
  if (!fd) {
    if (error) *error = errno_text("cannot create a UDP socket", errno);
    return std::nullopt;
  }
  const int one = 1;
  if (v6) {
    const int v6only = options.v6_only ? 1 : 0;
    ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
  }
  if (options.reuse_address) ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  set_buffer(fd.get(), SO_RCVBUFFORCE, SO_RCVBUF, options.receive_buffer_bytes);
  set_buffer(fd.get(), SO_SNDBUFFORCE, SO_SNDBUF, options.send_buffer_bytes);

  const SockAddr bind_to = to_sockaddr(local);
  if (::bind(fd.get(), bind_to.get(), bind_to.length) != 0) {
    if (error) *error = errno_text(("cannot bind UDP " + local.to_string()).c_str(), errno);
    return std::nullopt;
  }
  SockAddr bound;
  bound.length = sizeof bound.storage;
  if (::getsockname(fd.get(), bound.get(), &bound.length) != 0) {
    if (error) *error = errno_text("getsockname", errno);
    return std::nullopt;
  }
  const auto local_bound = from_sockaddr(bound.get(), bound.length);
  if (!local_bound) {
    if (error) *error = "bound socket has an unexpected address family";
    return std::nullopt;
  }

  std::optional<SockAddr> connected;
  if (peer) {
    const SockAddr to = to_sockaddr(v6 ? to_v4_mapped(*peer) : *peer);
    if (::connect(fd.get(), to.get(), to.length) != 0) {
      if (error) *error = errno_text(("cannot reach " + peer->to_string()).c_str(), errno);
      return std::nullopt;
    }
    connected = to;
  }

  // UDP_SEGMENT with size 0 is accepted by kernels that know GSO (4.18+)
  // and means "no default segment size": the per-message cmsg decides.
  bool gso = false;
  if (options.allow_gso) {
    const int zero = 0;
    gso = ::setsockopt(fd.get(), SOL_UDP, UDP_SEGMENT, &zero, sizeof zero) == 0;
  }
  bool gro = false;
  if (options.allow_gro) {
    const int on = 1;
    gro = ::setsockopt(fd.get(), SOL_UDP, UDP_GRO, &on, sizeof on) == 0;
  }
  return UdpSocket(std::move(fd), *local_bound, connected, gso, gro);
}

UdpSocket::UdpSocket(UniqueFd fd, const srt::NetAddress &local, std::optional<SockAddr> connected,
                     bool gso, bool gro)
    : fd_(std::move(fd)), local_(local), connected_(connected), gso_(gso), gro_(gro) {}

int UdpSocket::receive_buffer_bytes() const {
  int value = 0;
  socklen_t len = sizeof value;
  ::getsockopt(fd_.get(), SOL_SOCKET, SO_RCVBUF, &value, &len);
  return value;
}

SockAddr UdpSocket::destination(const srt::NetAddress &peer) const {
  return to_sockaddr(local_.family == srt::NetAddress::Family::kV6 ? to_v4_mapped(peer) : peer);
}

bool UdpSocket::is_connected_peer(const SockAddr &to) const {
  return connected_ && same_address(*connected_, to);
}

namespace {

// The segment size of a GRO train, 0 for a plain datagram.
std::size_t gro_segment_size(const msghdr &h) {
  for (const cmsghdr *c = CMSG_FIRSTHDR(&h); c != nullptr;
       c = CMSG_NXTHDR(const_cast<msghdr *>(&h), const_cast<cmsghdr *>(c))) {
    if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
      int size = 0;
      std::memcpy(&size, CMSG_DATA(c), sizeof size);
      return size > 0 ? static_cast<std::size_t>(size) : 0;
    }
  }
  return 0;
}

}  // namespace

std::size_t UdpSocket::receive(RecvBatch &batch) {
  MsgScratch &s = scratch();
  for (std::size_t i = 0; i < RecvBatch::kSlots; ++i) {
    s.recv_iov[i] = {batch.slot(i), kRecvSlotSize};
    msghdr &h = s.recv_msgs[i].msg_hdr;
    h = {};
    h.msg_name = &batch.from_[i];
    h.msg_namelen = sizeof(sockaddr_storage);
    h.msg_iov = &s.recv_iov[i];
    h.msg_iovlen = 1;
    if (gro_) {
      h.msg_control = s.recv_control[i].bytes;
      h.msg_controllen = sizeof s.recv_control[i].bytes;
    }
  }
  batch.size_ = 0;
  int rc;
  do {
    rc = ::recvmmsg(fd_.get(), s.recv_msgs.data(), RecvBatch::kSlots, MSG_DONTWAIT, nullptr);
  } while (rc < 0 && errno == EINTR);
  // Errors (EAGAIN, or ECONNREFUSED from an ICMP on a connected socket) mean
  // nothing to read now; the engines notice a vanished peer by its silence.
  if (rc <= 0) return 0;
  ++stats_.receive_calls;

  std::size_t n = 0;
  for (std::size_t i = 0; i < static_cast<std::size_t>(rc); ++i) {
    const msghdr &h = s.recv_msgs[i].msg_hdr;
    const std::size_t length = s.recv_msgs[i].msg_len;
    batch.from_lengths_[i] = h.msg_namelen;
    const std::size_t seg = gro_ ? gro_segment_size(h) : 0;
    if ((h.msg_flags & MSG_TRUNC) != 0 || (seg == 0 && length > kMaxRecvDatagram) ||
        seg > kMaxRecvDatagram) {
      ++stats_.received_truncated;
      continue;
    }
    const std::uint8_t *p = batch.slot(i);
    if (seg == 0 || seg >= length) {
      batch.segments_[n++] = {p, length, i};
      continue;
    }
    ++stats_.gro_trains;
    for (std::size_t off = 0; off < length; off += seg) {
      if (n == batch.segments_.size()) batch.segments_.resize(n * 2);  // only for tiny segments
      batch.segments_[n++] = {p + off, std::min(seg, length - off), i};
    }
  }
  batch.size_ = n;
  stats_.received += n;
  return static_cast<std::size_t>(rc);
}

bool UdpSocket::send(SendBatch &batch) {
  while (batch.sent_ < batch.size_) {
    if (!send_some(batch)) return false;
  }
  batch.clear();
  return true;
}

bool UdpSocket::send_some(SendBatch &batch) {
  MsgScratch &s = scratch();
  std::size_t msgs = 0;
  std::size_t i = batch.sent_;
  while (i < batch.size_ && msgs < SendBatch::kSlots) {
    const std::size_t start = i;
    const std::size_t seg = batch.lengths_[start];
    std::size_t total = seg;
    std::size_t end = start + 1;
    if (gso_) {
      // Equal sizes to one destination; a shorter datagram may end a group.
      while (end < batch.size_ && end - start < kMaxGsoSegments &&
             total + batch.lengths_[end] <= kMaxGsoBytes && batch.lengths_[end] <= seg &&
             same_address(batch.to_[end], batch.to_[start])) {
        total += batch.lengths_[end];
        ++end;
        if (batch.lengths_[end - 1] < seg) break;
      }
    }
    for (std::size_t k = start; k < end; ++k)
      s.send_iov[k] = {batch.data_[k].bytes.data(), batch.lengths_[k]};

    msghdr &h = s.send_msgs[msgs].msg_hdr;
    h = {};
    if (!is_connected_peer(batch.to_[start])) {
      h.msg_name = &batch.to_[start].storage;
      h.msg_namelen = batch.to_[start].length;
    }
    h.msg_iov = &s.send_iov[start];
    h.msg_iovlen = end - start;
    s.group_gso[msgs] = end - start > 1;
    if (end - start > 1) {
      h.msg_control = s.control[msgs].bytes;
      h.msg_controllen = sizeof s.control[msgs].bytes;
      cmsghdr *c = CMSG_FIRSTHDR(&h);
      c->cmsg_level = SOL_UDP;
      c->cmsg_type = UDP_SEGMENT;
      c->cmsg_len = CMSG_LEN(sizeof(std::uint16_t));
      const auto size16 = static_cast<std::uint16_t>(seg);
      std::memcpy(CMSG_DATA(c), &size16, sizeof size16);
    }
    s.group_end[msgs] = end;
    ++msgs;
    i = end;
  }

  int rc;
  do {
    rc = ::sendmmsg(fd_.get(), s.send_msgs.data(), static_cast<unsigned>(msgs), 0);
  } while (rc < 0 && errno == EINTR);
  ++stats_.send_calls;
  if (rc > 0) {
    const std::size_t done = s.group_end[static_cast<std::size_t>(rc) - 1];
    stats_.sent += done - batch.sent_;
    for (int m = 0; m < rc; ++m) stats_.gso_sends += s.group_gso[m] ? 1 : 0;
    batch.sent_ = done;
    return true;
  }
  const int err = errno;
  if (err == EAGAIN || err == EWOULDBLOCK) {
    ++stats_.would_block;
    return false;
  }
  if (s.group_gso[0] && (err == EIO || err == EINVAL || err == EOPNOTSUPP)) {
    // The device or path refused segmentation: send plainly from now on.
    gso_ = false;
    return true;
  }
  // This message cannot go (unreachable, too large...): drop it like the
  // network would, so the engines' loss recovery takes over.
  stats_.send_errors += s.group_end[0] - batch.sent_;
  batch.sent_ = s.group_end[0];
  return true;
}

}  // namespace srtcore::io
