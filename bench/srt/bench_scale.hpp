// bench-srt --only=scale: one listener port serving many callers through
// lossy relays, ours against libsrt (bench_scale.cpp).
#pragma once

#include "args.hpp"

namespace srtbench {

void bench_scale(const Args &a, bool quick);

}  // namespace srtbench
