// The reactor: tasks run on its thread, on_tick runs by the time asked for
// (from any thread), and a readable socket reaches its client.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "io/clock.hpp"
#include "io/reactor_impl.hpp"
#include "io/udp_socket.hpp"

namespace srtcore::io {
namespace {

constexpr auto kGenerous = std::chrono::seconds(10);

// Records what the reactor did; on_tick asks to run again at `next`.
class Probe final : public ReactorClient {
 public:
  void on_readable(srt::TimePoint) override {
    std::lock_guard lock(mutex_);
    ++readable_;
    if (socket_ != nullptr) {
      socket_->receive(batch_);
      received_ += batch_.size();
    }
    cv_.notify_all();
  }
  void on_writable(srt::TimePoint) override {}
  std::optional<srt::TimePoint> on_tick(srt::TimePoint now) override {
    std::lock_guard lock(mutex_);
    ++ticks_;
    if (due_ && now >= *due_) {
      fired_at_ = now;
      due_.reset();
      cv_.notify_all();
    }
    return due_;
  }

  void set_due(srt::TimePoint t) {
    std::lock_guard lock(mutex_);
    due_ = t;
  }
  template <typename Pred>
  bool wait(Pred pred) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, kGenerous, [&] { return pred(); });
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::optional<srt::TimePoint> due_;
  std::optional<srt::TimePoint> fired_at_;
  std::uint64_t ticks_ = 0;
  std::uint64_t readable_ = 0;
  std::size_t received_ = 0;
  UdpSocket *socket_ = nullptr;
  RecvBatch batch_;
};

TEST(Reactor, PostedTasksRunOnTheReactorThread) {
  Reactor reactor;
  std::mutex m;
  std::condition_variable cv;
  bool ran = false;
  bool on_thread = false;
  reactor.impl().post([&] {
    std::lock_guard lock(m);
    on_thread = reactor.impl().on_reactor_thread();
    ran = true;
    cv.notify_all();
  });
  std::unique_lock lock(m);
  ASSERT_TRUE(cv.wait_for(lock, kGenerous, [&] { return ran; }));
  EXPECT_TRUE(on_thread);
  EXPECT_FALSE(reactor.impl().on_reactor_thread());
}

TEST(Reactor, RunSyncWaitsAndPropagatesExceptions) {
  Reactor reactor;
  int value = 0;
  reactor.impl().run_sync([&] { value = 42; });
  EXPECT_EQ(value, 42);
  EXPECT_THROW(reactor.impl().run_sync([] { throw std::runtime_error("boom"); }),
               std::runtime_error);
  // Nested run_sync on the reactor thread runs inline instead of deadlocking.
  reactor.impl().run_sync([&] { reactor.impl().run_sync([&] { value = 7; }); });
  EXPECT_EQ(value, 7);
}

TEST(Reactor, ClientDeadlineFiresNotBefore) {
  Reactor reactor;
  Probe probe;
  UdpSocket s = *UdpSocket::open(srt::NetAddress::v4(127, 0, 0, 1, 0), std::nullopt, {}, nullptr);
  const srt::TimePoint due = monotonic_now() + std::chrono::milliseconds(30);
  probe.set_due(due);
  reactor.impl().run_sync([&] { reactor.impl().add(&probe, s.fd()); });
  ASSERT_TRUE(probe.wait([&] { return probe.fired_at_.has_value(); }));
  EXPECT_GE(*probe.fired_at_, due);
  reactor.impl().run_sync([&] { reactor.impl().remove(&probe); });
}

TEST(Reactor, WakeAtFromAnotherThreadRunsTicks) {
  Reactor reactor;
  Probe probe;
  UdpSocket s = *UdpSocket::open(srt::NetAddress::v4(127, 0, 0, 1, 0), std::nullopt, {}, nullptr);
  reactor.impl().run_sync([&] { reactor.impl().add(&probe, s.fd()); });
  // The client reports nothing due; an application thread then sets a
  // deadline behind the reactor's back and asks for a wake at that time.
  for (int i = 0; i < 20; ++i) {
    const srt::TimePoint due = monotonic_now() + std::chrono::milliseconds(2);
    probe.set_due(due);
    reactor.impl().wake_at(due);
    ASSERT_TRUE(probe.wait([&] { return probe.fired_at_.has_value(); })) << "round " << i;
    EXPECT_GE(*probe.fired_at_, due);
    std::lock_guard lock(probe.mutex_);
    probe.fired_at_.reset();
  }
  reactor.impl().run_sync([&] { reactor.impl().remove(&probe); });
}

TEST(Reactor, ReadableSocketReachesItsClient) {
  Reactor reactor;
  Probe probe;
  UdpSocket rx = *UdpSocket::open(srt::NetAddress::v4(127, 0, 0, 1, 0), std::nullopt, {}, nullptr);
  UdpSocket tx = *UdpSocket::open(srt::NetAddress::v4(127, 0, 0, 1, 0), std::nullopt, {}, nullptr);
  probe.socket_ = &rx;
  reactor.impl().run_sync([&] { reactor.impl().add(&probe, rx.fd()); });
  SendBatch out;
  for (int i = 0; i < 5; ++i) {
    out.next_slot()[0] = static_cast<std::uint8_t>(i);
    out.commit(100, tx.destination(rx.local_address()));
  }
  ASSERT_TRUE(tx.send(out));
  ASSERT_TRUE(probe.wait([&] { return probe.received_ == 5; }));
  reactor.impl().run_sync([&] { reactor.impl().remove(&probe); });
  EXPECT_GT(reactor.impl().stats().io_wakes, 0u);
}

TEST(Reactor, SharedReactorIsReusedWhileAlive) {
  auto a = Reactor::shared();
  auto b = Reactor::shared();
  EXPECT_EQ(a.get(), b.get());
}

}  // namespace
}  // namespace srtcore::io
