// The metrics suites: one process-wide tracer, started before any pipeline.
#include <gst/gst.h>
#include <gtest/gtest.h>

#include "metrics_fixtures.hpp"

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  if (!mfx::tracer()) {
    fprintf(stderr, "the srtrtp plugin (srtrtp-metrics) is not on GST_PLUGIN_PATH\n");
    return 1;
  }
  return RUN_ALL_TESTS();
}
