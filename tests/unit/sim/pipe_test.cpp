// Two-way Pipe and a small virtual-time simulation built on it.
#include "sim/pipe.hpp"

#include <gtest/gtest.h>

#include <optional>

#include "sim_test_util.hpp"

namespace srtcore::sim {
namespace {

using namespace test;

TEST(Earliest, PicksTheEarlierAndIgnoresNone) {
  EXPECT_FALSE(earliest(std::nullopt, std::nullopt));
  EXPECT_EQ(earliest(kT0 + 1ms, std::nullopt), kT0 + 1ms);
  EXPECT_EQ(earliest(std::nullopt, kT0 + 2ms), kT0 + 2ms);
  EXPECT_EQ(earliest(kT0 + 3ms, kT0 + 2ms), kT0 + 2ms);
}

TEST(Pipe, SymmetricDirectionsHaveTheirOwnSeeds) {
  LinkConfig config;
  config.seed = 5;
  config.loss = 0.3;
  Pipe pipe = Pipe::symmetric(config);
  EXPECT_NE(pipe.a_to_b().config().seed, pipe.b_to_a().config().seed);
  const Trace forward = drive(pipe.a_to_b(), 2000, 1ms);
  const Trace backward = drive(pipe.b_to_a(), 2000, 1ms);
  EXPECT_NE(forward.fates, backward.fates);

  Pipe again = Pipe::symmetric(config);
  EXPECT_EQ(drive(again.a_to_b(), 2000, 1ms).fates, forward.fates);
}

TEST(Pipe, CutAndRestoreBothDirections) {
  Pipe pipe = Pipe::symmetric(LinkConfig{});
  pipe.set_up(false);
  EXPECT_EQ(pipe.a_to_b().send(kT0, payload(1)), Fate::dropped_cut);
  EXPECT_EQ(pipe.b_to_a().send(kT0, payload(2)), Fate::dropped_cut);
  pipe.set_up(true);
  EXPECT_EQ(pipe.a_to_b().send(kT0, payload(3)), Fate::in_flight);
  EXPECT_EQ(pipe.b_to_a().send(kT0, payload(4)), Fate::in_flight);
}

TEST(Pipe, NextDeadlineIsTheEarlierDirection) {
  LinkConfig slow;
  slow.delay = 30ms;
  LinkConfig fast;
  fast.delay = 10ms;
  Pipe pipe(slow, fast);
  EXPECT_FALSE(pipe.next_deadline());
  pipe.a_to_b().send(kT0, payload(0));
  EXPECT_EQ(pipe.next_deadline(), kT0 + 30ms);
  pipe.b_to_a().send(kT0, payload(1));
  EXPECT_EQ(pipe.next_deadline(), kT0 + 10ms);
}

// A sends numbered pings every 5 ms; B echoes each one at once. The event loop
// only ever jumps to the next deadline, as an engine simulation does.
TEST(PipeSimulation, PingPongOverAVirtualClock) {
  LinkConfig a_to_b;
  a_to_b.delay = 12ms;
  a_to_b.loss = 0.1;
  LinkConfig b_to_a;
  b_to_a.delay = 8ms;
  b_to_a.seed = 2;
  Pipe pipe(a_to_b, b_to_a);

  constexpr std::uint32_t kPings = 1000;
  std::uint32_t next_ping = 0;
  TimePoint next_send = kT0;
  std::vector<std::optional<TimePoint>> sent(kPings), returned(kPings);

  TimePoint now = kT0;
  for (;;) {
    if (next_ping < kPings && now >= next_send) {
      sent[next_ping] = now;
      pipe.a_to_b().send(now, payload(next_ping++));
      next_send = now + 5ms;
    }
    while (auto d = pipe.a_to_b().poll(now)) pipe.b_to_a().send(now, d->bytes);
    while (auto d = pipe.b_to_a().poll(now)) returned[payload_id(d->bytes)] = now;

    const auto wake = earliest(pipe.next_deadline(),
                               next_ping < kPings ? std::optional(next_send) : std::nullopt);
    if (!wake) break;
    ASSERT_GE(*wake, now);
    now = *wake;
  }

  std::uint32_t answered = 0;
  for (std::uint32_t i = 0; i < kPings; ++i) {
    if (!returned[i]) continue;
    ++answered;
    EXPECT_EQ(*returned[i] - *sent[i], 20ms) << i;
  }
  EXPECT_EQ(answered, kPings - pipe.a_to_b().stats().lost_random);
  EXPECT_EQ(pipe.b_to_a().stats().delivered, answered);
  EXPECT_GT(answered, kPings * 8 / 10);
  EXPECT_FALSE(pipe.next_deadline());
}

}  // namespace
}  // namespace srtcore::sim
