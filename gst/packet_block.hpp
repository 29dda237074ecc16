// Output packets are carved out of shared blocks: one allocation per block
// instead of one per packet, and no map/unmap per packet. Each packet's
// GstMemory wraps its slice and holds a reference on the block, so a block is
// freed when its last packet is.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <cstddef>
#include <new>

namespace srtrtp {

class PacketBlock {
 public:
  static constexpr gsize kDefaultSize = 64 * 1024;  // the largest block asked for
  static constexpr gsize kMinSize = 2 * 1024;

  static PacketBlock *create(gsize capacity) {
    void *mem = g_malloc(sizeof(PacketBlock) + capacity);
    return new (mem) PacketBlock(capacity);
  }
  static void unref(gpointer block) {
    auto *b = static_cast<PacketBlock *>(block);
    if (b->refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      b->~PacketBlock();
      g_free(b);
    }
  }

  gsize available() const { return capacity_ - used_; }
  gsize capacity() const { return capacity_; }
  // Start of the next packet's bytes.
  guint8 *next() { return data() + used_; }
  // Wraps the next `size` bytes as a memory of their own and moves past them.
  GstMemory *take(gsize size) {
    refs_.fetch_add(1, std::memory_order_relaxed);
    GstMemory *mem = gst_memory_new_wrapped(static_cast<GstMemoryFlags>(0), next(), size, 0, size,
                                            this, &PacketBlock::unref);
    // Keep the next header 8-byte aligned.
    used_ = std::min(capacity_, used_ + ((size + 7) & ~gsize{7}));
    return mem;
  }

 private:
  explicit PacketBlock(gsize capacity) : capacity_(capacity) {}
  guint8 *data() { return reinterpret_cast<guint8 *>(this + 1); }

  std::atomic<gint> refs_{1};
  gsize capacity_;
  gsize used_ = 0;
};

}  // namespace srtrtp
