// Helpers for tests against Debian's libsrt tools on loopback: find a
// program, run it as a child (killed when the test ends), and plain UDP
// sockets on 127.0.0.1.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "srt/address.hpp"
#include "srt/bytes.hpp"

extern char **environ;

namespace srtcore::srt::testing {

inline std::optional<std::string> find_in_path(const std::string &name) {
  const char *path = std::getenv("PATH");
  std::stringstream ss(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    const std::string p = dir + "/" + name;
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  return std::nullopt;
}

// A child process with stdio on /dev/null; killed when the object dies.
class ChildProcess {
 public:
  // `output`: a file for its stdout and stderr ("" discards them).
  ChildProcess(const std::string &exe, const std::vector<std::string> &args,
               const std::string &output = "") {
    const char *out = output.empty() ? "/dev/null" : output.c_str();
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    std::vector<std::string> argv_s = {exe};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char *> argv;
    for (auto &s : argv_s) argv.push_back(s.data());
    argv.push_back(nullptr);
    if (::posix_spawn(&pid_, exe.c_str(), &fa, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
  }
  ~ChildProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  ChildProcess(const ChildProcess &) = delete;
  ChildProcess &operator=(const ChildProcess &) = delete;
  bool running() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
};

// A nonblocking UDP socket bound to 127.0.0.1 (port 0: any free one).
class UdpSocket {
 public:
  explicit UdpSocket(std::uint16_t port = 0) : fd_(::socket(AF_INET, SOCK_DGRAM, 0)) {
    if (fd_ < 0) return;
    const int big = 4 << 20;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    if (::bind(fd_, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0) return;
    socklen_t len = sizeof a;
    if (::getsockname(fd_, reinterpret_cast<sockaddr *>(&a), &len) != 0) return;
    port_ = ntohs(a.sin_port);
    ::fcntl(fd_, F_SETFL, O_NONBLOCK);
  }
  ~UdpSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  UdpSocket(const UdpSocket &) = delete;
  UdpSocket &operator=(const UdpSocket &) = delete;

  int fd() const { return fd_; }
  std::uint16_t port() const { return port_; }
  NetAddress address() const { return NetAddress::v4(127, 0, 0, 1, port_); }

  // One datagram if any is waiting (nonblocking).
  std::optional<std::size_t> receive(MutableByteSpan buf, NetAddress *from) {
    sockaddr_in a{};
    socklen_t len = sizeof a;
    const ssize_t n =
        ::recvfrom(fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr *>(&a), &len);
    if (n < 0) return std::nullopt;
    if (from) {
      const std::uint32_t ip = ntohl(a.sin_addr.s_addr);
      *from = NetAddress::v4(
          static_cast<std::uint8_t>(ip >> 24), static_cast<std::uint8_t>(ip >> 16),
          static_cast<std::uint8_t>(ip >> 8), static_cast<std::uint8_t>(ip), ntohs(a.sin_port));
    }
    return static_cast<std::size_t>(n);
  }
  bool send_to(const NetAddress &to, ByteSpan d) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    std::uint32_t ip = 0;
    for (int i = 0; i < 4; ++i) ip = (ip << 8) | to.ip[static_cast<std::size_t>(i)];
    a.sin_addr.s_addr = htonl(ip);
    a.sin_port = htons(to.port);
    return ::sendto(fd_, d.data(), d.size(), 0, reinterpret_cast<const sockaddr *>(&a), sizeof a) ==
           static_cast<ssize_t>(d.size());
  }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

// A port that was free a moment ago (for a child's listening side).
inline std::uint16_t free_udp_port() {
  UdpSocket probe;
  return probe.port();
}

}  // namespace srtcore::srt::testing
