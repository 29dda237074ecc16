// Replaced global allocation functions, in their own translation unit so
// that the compiler cannot inline them into callers and mistake malloc/free
// for mismatched new/delete.
#include "alloc_counter.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<bool> g_on{false};
std::atomic<std::uint64_t> g_count{0};
}  // namespace

namespace srtcore::testing {
void count_allocations(bool on) {
  g_on = on;
}
std::uint64_t allocations() {
  return g_count;
}
}  // namespace srtcore::testing

void *operator new(std::size_t n) {
  if (g_on.load(std::memory_order_relaxed)) g_count.fetch_add(1, std::memory_order_relaxed);
  if (void *p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void *p) noexcept {
  std::free(p);
}
void operator delete(void *p, std::size_t) noexcept {
  std::free(p);
}
