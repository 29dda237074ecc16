// Counts global operator new calls while armed (test binaries that link
// alloc_counter.cpp replace the global allocation functions).
#pragma once

#include <cstdint>

namespace srtcore::testing {

void count_allocations(bool on);
std::uint64_t allocations();

}  // namespace srtcore::testing
