// Element tests run with only the build tree's plugin plus the system's.
//
// A GLib CRITICAL fails the test that is running, from whatever thread it is
// logged: in GStreamer it is a g_return_if_fail that caught misuse (an object
// freed while mapped or locked, a bad argument) and then went on, usually
// leaking or skipping work, so a test passing through one proves nothing.
// Criticals outside any test fail the run.
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace {

std::atomic<unsigned> g_criticals{0};

std::string_view field(const GLogField *fields, gsize n, const char *key) {
  for (gsize i = 0; i < n; ++i) {
    if (std::strcmp(fields[i].key, key) != 0 || !fields[i].value) continue;
    const auto *text = static_cast<const char *>(fields[i].value);
    return fields[i].length < 0
               ? std::string_view(text)
               : std::string_view(text, static_cast<std::size_t>(fields[i].length));
  }
  return {};
}

// Every g_log() reaches the structured writer through GLib's default handler.
GLogWriterOutput fail_on_critical(GLogLevelFlags level, const GLogField *fields, gsize n,
                                  gpointer) {
  if (level & G_LOG_LEVEL_CRITICAL) {
    ++g_criticals;
    ADD_FAILURE() << "CRITICAL from " << field(fields, n, "GLIB_DOMAIN") << ": "
                  << field(fields, n, "MESSAGE");
  }
  return g_log_writer_default(level, fields, n, nullptr);
}

}  // namespace

int main(int argc, char **argv) {
  g_log_set_writer_func(fail_on_critical, nullptr, nullptr);
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  const int failed = RUN_ALL_TESTS();
  if (g_criticals > 0) {
    std::fprintf(stderr, "%u GLib CRITICAL message(s) were logged: failing the run\n",
                 g_criticals.load());
    return 1;
  }
  return failed;
}
