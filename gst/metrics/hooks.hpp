// The tracer's hooks: which srtrtp element a buffer is in, and for how long.
#pragma once

#include <gst/gst.h>

namespace srtrtp::metrics {

// Registers the hooks once per process, on the first tracer instance.
void register_hooks(GstTracer *tracer);

}  // namespace srtrtp::metrics
