// SlotStore: memory follows what is held, not the ring's capacity, and each
// claimed slot starts with fresh metadata.
#include <gtest/gtest.h>

#include <cstdint>

#include "srt/slot_store.hpp"

namespace srtcore::srt {
namespace {

struct Meta {
  std::uint32_t value = 7;
};

TEST(SlotStore, RingWalkKeepsOnlyTheBlocksInUse) {
  SlotStore<Meta> s(8192, 1456);
  // A window of 200 packets sliding once round a ring of 8192 slots.
  std::size_t most = 0;
  for (std::size_t i = 0; i < 8192 + 200; ++i) {
    if (i < 8192) {
      auto slot = s.claim(i);
      slot[0] = static_cast<std::uint8_t>(i);
      s.meta(i).value = static_cast<std::uint32_t>(i);
    }
    if (i >= 200) {
      EXPECT_EQ(s.slot(i - 200)[0], static_cast<std::uint8_t>(i - 200));
      EXPECT_EQ(s.meta(i - 200).value, i - 200);
      s.release(i - 200);
    }
    most = std::max(most, s.blocks_in_use());
  }
  EXPECT_EQ(s.blocks_in_use(), 0u);
  EXPECT_LE(most, 200 / SlotStore<Meta>::kSlotsPerBlock + 2);
}

TEST(SlotStore, ReclaimedSlotHasFreshMetadata) {
  SlotStore<Meta> s(128, 16);
  s.claim(3);
  s.claim(4);
  s.meta(3).value = 99;
  s.release(3);  // block still in use through slot 4
  s.claim(3);
  EXPECT_EQ(s.meta(3).value, 7u);
  s.release(3);
  s.release(4);  // block now spare, then reused
  s.claim(70);
  s.meta(70).value = 5;
  s.claim(3);
  EXPECT_EQ(s.meta(3).value, 7u);
  EXPECT_EQ(s.meta(70).value, 5u);
}

}  // namespace
}  // namespace srtcore::srt
