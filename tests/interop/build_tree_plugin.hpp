// Run by hand, an interop test finds our plugin in the build tree with a
// private registry (meson test sets GST_PLUGIN_PATH itself). Needs the
// SRTRTP_PLUGIN_DIR and SRTRTP_REGISTRY defines of tests/interop/meson.build.
#pragma once

#include <glib.h>

inline void use_build_tree_plugin() {
  if (*SRTRTP_PLUGIN_DIR && !g_getenv("GST_PLUGIN_PATH")) {
    g_setenv("GST_PLUGIN_PATH", SRTRTP_PLUGIN_DIR, TRUE);
    if (*SRTRTP_REGISTRY) g_setenv("GST_REGISTRY", SRTRTP_REGISTRY, TRUE);
  }
}
