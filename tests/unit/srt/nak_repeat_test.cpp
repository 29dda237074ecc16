// The receiver repeats a loss report at least every quarter of the latency,
// whatever its RTT estimate says: one late ACKACK (a starved machine) makes
// a first RTT sample of 300 ms on a 20 ms path, and libsrt's interval
// ((SRTT + 4 RTTVar) / 2 = 450 ms) would repeat a lost NAK long after the
// 120 ms latency ran out.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <vector>

#include "engine_pair.hpp"
#include "srt/control.hpp"
#include "srt/packet.hpp"

namespace srtcore::srt {
namespace {

using std::chrono::milliseconds;
using testing::EnginePair;

std::vector<std::uint8_t> message(std::uint32_t i) {
  std::vector<std::uint8_t> m(1000, static_cast<std::uint8_t>(i));
  m[0] = static_cast<std::uint8_t>(i >> 8);
  return m;
}

bool is_control(const std::vector<std::uint8_t> &b, ControlType type) {
  const auto c = parse_control_packet(b);
  return c && c->header.type == type;
}

TEST(NakRepeat, LostNakIsRepeatedWithinTheLatencyAfterAStarvedRttSample) {
  EnginePair p(EnginePair::Kind::kCallerListener, ConnectionConfig{}, ConnectionConfig{});
  p.run_for(milliseconds(1000), [&] { return p.connected(0) && p.connected(1); });
  ASSERT_TRUE(p.connected(0) && p.connected(1));
  std::vector<std::vector<std::uint8_t>> held;  // ACKACKs to the receiver
  bool released = false, data_dropped = false, nak_dropped = false;
  std::uint32_t data_seen = 0;
  p.set_hook([&](int to, std::vector<std::uint8_t> &b) {
    if (to == 1 && !released && is_control(b, ControlType::kAckAck)) {
      held.push_back(b);
      return false;
    }
    if (!released) return true;
    // After the late sample: lose one data packet and the NAK that reports it.
    if (to == 1 && !is_control_packet(b) && ++data_seen == 5 && !data_dropped) {
      data_dropped = true;
      return false;
    }
    if (to == 0 && data_dropped && !nak_dropped && is_control(b, ControlType::kNak)) {
      nak_dropped = true;
      return false;
    }
    return true;
  });
  std::uint32_t sent = 0;
  auto send_for = [&](milliseconds d) {
    const auto until = p.now() + d;
    while (p.now() < until) {
      ASSERT_TRUE(p.side(0)->send_message(p.now(), message(sent++)));
      p.run_for(milliseconds(5));
    }
  };
  send_for(milliseconds(300));
  ASSERT_FALSE(held.empty());
  released = true;
  p.inject(1, held.front());  // the first sample: about 300 ms
  p.run_for(milliseconds(1));
  ASSERT_GT(p.side(1)->stats(p.now()).msRTT, 200.0) << "the late sample did not reach the estimate";
  send_for(milliseconds(300));
  p.run_for(milliseconds(1000));

  ASSERT_TRUE(data_dropped && nak_dropped);
  const Stats rcv = p.side(1)->stats(p.now());
  EXPECT_EQ(rcv.pktRcvDrop, 0);
  ASSERT_EQ(p.received[1].size(), sent);
  for (std::uint32_t i = 0; i < sent; ++i) EXPECT_EQ(p.received[1][i].bytes, message(i)) << i;
}

}  // namespace
}  // namespace srtcore::srt
