#include "relay_group.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <exception>
#include <optional>
#include <system_error>

#include "relay_batch.hpp"

namespace srtcore::linkemu {

namespace {

[[noreturn]] void throw_errno(const char *what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// epoll data: relay index * 4 + one of these; the group's own wake fd gets
// kWakeTag.
constexpr std::uint64_t kListen = 0, kUpstream = 1, kRelayWake = 2;
constexpr std::uint64_t kWakeTag = ~std::uint64_t{0};

void watch(int epoll_fd, int fd, std::uint64_t tag) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = tag;
  if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) throw_errno("epoll_ctl");
}

}  // namespace

RelayGroup::Shard::Shard()
    : epoll_fd(epoll_create1(EPOLL_CLOEXEC)), wake_fd(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (!epoll_fd) throw_errno("epoll_create1");
  if (!wake_fd) throw_errno("eventfd");
  watch(epoll_fd.get(), wake_fd.get(), kWakeTag);
}

RelayGroup::RelayGroup(std::size_t threads) {
  for (std::size_t i = 0; i < std::max<std::size_t>(threads, 1); ++i)
    shards_.push_back(std::make_unique<Shard>());
}

RelayGroup::~RelayGroup() {
  stop();
}

UdpRelay &RelayGroup::add(const RelayConfig &config) {
  auto relay = std::make_unique<UdpRelay>(config);
  Shard &shard = *shards_[relays_.size() % shards_.size()];
  const std::uint64_t tag = shard.relays.size() * 4;
  watch(shard.epoll_fd.get(), relay->listen_fd_.get(), tag + kListen);
  watch(shard.epoll_fd.get(), relay->upstream_fd_.get(), tag + kUpstream);
  // cut() and restore() wake the relay: its models changed their deadlines.
  watch(shard.epoll_fd.get(), relay->wake_fd_.get(), tag + kRelayWake);
  shard.relays.push_back(relay.get());
  relays_.push_back(std::move(relay));
  return *relays_.back();
}

void RelayGroup::start() {
  stopping_ = false;
  for (auto &shard : shards_) {
    if (shard->thread.joinable()) continue;
    shard->thread = std::thread([this, s = shard.get()] {
      try {
        run(*s);
      } catch (const std::exception &e) {
        std::fprintf(stderr, "srt-linkemu: relay group stopped: %s\n", e.what());
      }
    });
  }
}

void RelayGroup::stop() {
  stopping_ = true;
  const std::uint64_t one = 1;
  for (auto &shard : shards_) {
    [[maybe_unused]] const auto n = ::write(shard->wake_fd.get(), &one, sizeof one);
    if (shard->thread.joinable()) shard->thread.join();
  }
}

void RelayGroup::run(Shard &shard) {
  RelayBatch batch;
  std::array<epoll_event, 64> events{};
  // Per relay: what epoll reported (bit 0 listen socket, bit 1 upstream,
  // bit 2 woken), and its models' next deadline as of its last turn (only a
  // turn, cut() or restore() changes it, and those two wake it).
  const std::vector<UdpRelay *> &relays = shard.relays;
  std::vector<std::uint8_t> ready(relays.size());
  std::vector<std::optional<sim::TimePoint>> due(relays.size());
  const auto turn = [&](std::size_t k) {
    UdpRelay &relay = *relays[k];
    relay.turn(batch, ready[k] & 1, ready[k] & 2);
    ready[k] = 0;
    std::lock_guard lock(relay.mutex_);
    due[k] = sim::earliest(relay.forward_.next_deadline(), relay.backward_.next_deadline());
  };
  for (std::size_t k = 0; k < relays.size(); ++k) turn(k);
  while (!stopping_) {
    std::optional<sim::TimePoint> deadline;
    for (const auto &d : due) deadline = sim::earliest(deadline, d);
    timespec timeout{};
    timespec *timeout_ptr = nullptr;
    if (deadline) {
      const auto wait = std::max(sim::Duration::zero(), *deadline - UdpRelay::now());
      timeout.tv_sec = static_cast<time_t>(wait.count() / 1'000'000'000);
      timeout.tv_nsec = static_cast<long>(wait.count() % 1'000'000'000);
      timeout_ptr = &timeout;
    }
    const int n = epoll_pwait2(shard.epoll_fd.get(), events.data(), static_cast<int>(events.size()),
                               timeout_ptr, nullptr);
    if (n < 0 && errno != EINTR) throw_errno("epoll_pwait2");
    for (int i = 0; i < n; ++i) {
      const std::uint64_t tag = events[static_cast<std::size_t>(i)].data.u64;
      if (tag == kWakeTag) {
        std::uint64_t count = 0;
        [[maybe_unused]] const auto r = ::read(shard.wake_fd.get(), &count, sizeof count);
        continue;
      }
      const std::size_t k = tag / 4;
      if (tag % 4 == kRelayWake) {
        std::uint64_t count = 0;
        [[maybe_unused]] const auto r = ::read(relays[k]->wake_fd_.get(), &count, sizeof count);
      }
      ready[k] |= static_cast<std::uint8_t>(1u << (tag % 4));
    }
    const sim::TimePoint now = UdpRelay::now();
    for (std::size_t k = 0; k < relays.size(); ++k) {
      if (ready[k] || (due[k] && *due[k] <= now)) turn(k);
    }
  }
}

}  // namespace srtcore::linkemu
