// PayloadStore: memory follows what is held, not the ring's capacity.
#include <gtest/gtest.h>

#include <cstdint>

#include "srt/payload_store.hpp"

namespace srtcore::srt {
namespace {

TEST(PayloadStore, RingWalkKeepsOnlyTheBlocksInUse) {
  PayloadStore s(8192, 1456);
  // A window of 200 packets sliding once round a ring of 8192 slots.
  std::size_t most = 0;
  for (std::size_t i = 0; i < 8192 + 200; ++i) {
    if (i < 8192) {
      auto slot = s.claim(i);
      slot[0] = static_cast<std::uint8_t>(i);
    }
    if (i >= 200) {
      EXPECT_EQ(s.slot(i - 200)[0], static_cast<std::uint8_t>(i - 200));
      s.release(i - 200);
    }
    most = std::max(most, s.blocks_in_use());
  }
  EXPECT_EQ(s.blocks_in_use(), 0u);
  EXPECT_LE(most, 200 / PayloadStore::kSlotsPerBlock + 2);
}

}  // namespace
}  // namespace srtcore::srt
