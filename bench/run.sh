#!/bin/sh
# Builds (if needed) and runs every benchmark, printing one table.
#   bench/run.sh                 # default run (about a minute)
#   bench/run.sh --quick         # smoke test
#   BUILDDIR=build-rel bench/run.sh --reps 15
# Arguments go to bench-rtp (see bench-rtp --help).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
builddir=${BUILDDIR:-$root/build}
case $builddir in /*) ;; *) builddir=$(pwd)/$builddir ;; esac

if [ ! -f "$builddir/build.ninja" ]; then
  meson setup "$builddir" "$root"
fi
ninja -C "$builddir" bench/bench-rtp gst/libgstsrtrtp.so

# The plugin from this build tree, with a private registry.
GST_PLUGIN_PATH="$builddir/gst"
GST_REGISTRY="$builddir/registry.bin"
export GST_PLUGIN_PATH GST_REGISTRY
exec "$builddir/bench/bench-rtp" "$@"
