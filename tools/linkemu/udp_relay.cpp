#include "udp_relay.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <exception>
#include <span>
#include <system_error>
#include <vector>

#include "relay_batch.hpp"
#include "sim/pipe.hpp"

namespace srtcore::linkemu {

namespace {

constexpr int kMaxBatchesPerTurn = 8;  // keeps one busy socket from starving the other
constexpr int kSocketBuffer = 4 << 20;

[[noreturn]] void throw_errno(const char *what) {
  throw std::system_error(errno, std::generic_category(), what);
}

UniqueFd udp_socket(int family) {
  UniqueFd fd(::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) throw_errno("socket");
  // Best effort: the kernel caps these at net.core.[rw]mem_max.
  setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &kSocketBuffer, sizeof kSocketBuffer);
  setsockopt(fd.get(), SOL_SOCKET, SO_SNDBUF, &kSocketBuffer, sizeof kSocketBuffer);
  return fd;
}

}  // namespace

sim::TimePoint UdpRelay::now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return sim::TimePoint(std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec));
}

std::string format_direction(const char *name, const DirectionStats &stats) {
  return std::string(name) + " " + sim::to_string(stats.link) +
         " send_failed=" + std::to_string(stats.send_failed);
}

UdpRelay::UdpRelay(const RelayConfig &config)
    : target_address_(parse_socket_address(config.target)),
      origin_(now()),
      forward_(config.forward, origin_),
      backward_(config.backward, origin_),
      on_datagram_(config.on_datagram),
      drop_(config.drop) {
  const SocketAddress listen = parse_socket_address(config.listen);

  listen_fd_ = udp_socket(listen.family());
  if (::bind(listen_fd_.get(), listen.get(), listen.length) != 0) throw_errno("bind");
  listen_address_ = local_address(listen_fd_.get());

  // Connected, so only the target's replies come back on it.
  upstream_fd_ = udp_socket(target_address_.family());
  if (::connect(upstream_fd_.get(), target_address_.get(), target_address_.length) != 0) {
    throw_errno("connect");
  }

  wake_fd_ = UniqueFd(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!wake_fd_) throw_errno("eventfd");
}

UdpRelay::~UdpRelay() {
  stop();
}

void UdpRelay::start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] {
    try {
      run();
    } catch (const std::exception &e) {
      std::fprintf(stderr, "srt-linkemu: relay stopped: %s\n", e.what());
    }
  });
}

void UdpRelay::stop() {
  stopping_ = true;
  wake();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void UdpRelay::wake() const {
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto n = ::write(wake_fd_.get(), &one, sizeof one);
}

void UdpRelay::run() {
  RelayBatch batch;
  std::array<pollfd, 3> fds{{
      {listen_fd_.get(), POLLIN, 0},
      {upstream_fd_.get(), POLLIN, 0},
      {wake_fd_.get(), POLLIN, 0},
  }};
  while (!stopping_) {
    std::optional<sim::TimePoint> deadline;
    {
      std::lock_guard lock(mutex_);
      deadline = sim::earliest(forward_.next_deadline(), backward_.next_deadline());
    }
    timespec timeout{};
    timespec *timeout_ptr = nullptr;
    if (deadline) {
      const auto wait = std::max(sim::Duration::zero(), *deadline - now());
      timeout.tv_sec = static_cast<time_t>(wait.count() / 1'000'000'000);
      timeout.tv_nsec = static_cast<long>(wait.count() % 1'000'000'000);
      timeout_ptr = &timeout;
    }
    if (ppoll(fds.data(), fds.size(), timeout_ptr, nullptr) < 0 && errno != EINTR) {
      throw_errno("ppoll");
    }
    if (fds[2].revents & POLLIN) {
      std::uint64_t count = 0;
      [[maybe_unused]] const auto n = ::read(wake_fd_.get(), &count, sizeof count);
    }
    turn(batch, fds[0].revents != 0, fds[1].revents != 0);
  }
}

void UdpRelay::turn(RelayBatch &batch, bool listen_ready, bool upstream_ready) {
  {
    std::lock_guard lock(mutex_);
    const sim::TimePoint now = UdpRelay::now();
    if (listen_ready) receive(batch, listen_fd_.get(), forward_, true, now);
    if (upstream_ready) receive(batch, upstream_fd_.get(), backward_, false, now);
    flush(batch, upstream_fd_.get(), forward_stats_, forward_, &target_address_, now);
    flush(batch, listen_fd_.get(), backward_stats_, backward_, client_ ? &*client_ : nullptr, now);
  }
  turned_.notify_all();
}

void UdpRelay::receive(RelayBatch &batch, int fd, sim::LinkModel &link, bool from_client,
                       sim::TimePoint now) {
  for (int round = 0; round < kMaxBatchesPerTurn; ++round) {
    const std::size_t n = batch.receive(fd);
    for (std::size_t i = 0; i < n; ++i) {
      if (from_client) client_ = batch.from(i);
      const sim::Fate fate = drop_ && drop_(from_client, batch.bytes(i))
                                 ? sim::Fate::lost_random
                                 : link.send(now, batch.bytes(i));
      if (on_datagram_) on_datagram_(from_client, batch.bytes(i), fate);
    }
    if (n < kBatch) return;
  }
}

void UdpRelay::flush(RelayBatch &batch, int fd, DirectionStats &stats, sim::LinkModel &link,
                     const SocketAddress *destination, sim::TimePoint now) {
  for (;;) {
    batch.outgoing.clear();
    while (batch.outgoing.size() < kBatch) {
      auto datagram = link.poll(now);
      if (!datagram) break;
      batch.outgoing.push_back(std::move(*datagram));
    }
    if (batch.outgoing.empty()) return;
    if (destination) {
      stats.send_failed += batch.send(fd, batch.outgoing, *destination);
    } else {
      stats.send_failed += batch.outgoing.size();  // a reply before any client spoke
    }
    for (auto &datagram : batch.outgoing) link.recycle(std::move(datagram.bytes));
  }
}

void UdpRelay::set_up(bool up) {
  {
    std::lock_guard lock(mutex_);
    forward_.set_up(up);
    backward_.set_up(up);
  }
  wake();
}

void UdpRelay::cut() {
  set_up(false);
}
void UdpRelay::restore() {
  set_up(true);
}

RelayStats UdpRelay::stats_locked() const {
  RelayStats stats{forward_stats_, backward_stats_};
  stats.forward.link = forward_.stats();
  stats.backward.link = backward_.stats();
  return stats;
}

RelayStats UdpRelay::stats() const {
  std::lock_guard lock(mutex_);
  return stats_locked();
}

bool UdpRelay::wait_for(const std::function<bool(const RelayStats &)> &done,
                        std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return turned_.wait_for(lock, timeout, [&] { return done(stats_locked()); });
}

}  // namespace srtcore::linkemu
