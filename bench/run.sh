#!/bin/sh
# Builds (if needed) and runs every benchmark, printing their tables:
# bench-rtp (our RTP elements against gst-plugins-good's, CPU per packet) and
# bench-rtp-memory (the same pairs, memory per stream), and bench-srt (our
# SRT transport against Debian's libsrt, and bonding against libsrt built
# with bonding).
#   bench/run.sh                       # both, default settings (a few minutes)
#   bench/run.sh rtp --reps 15         # one of them, arguments passed on
#   bench/run.sh rtp --only=g722 --layouts=shared,two-mem --list-size=0 --no-chains
#                                      # depayloader input layouts: bench/bench_rtp.cpp
#   bench/run.sh srt --only=cpu,loss   # see the header of bench/srt/bench_srt.cpp
#   BUILDDIR=build-rel bench/run.sh --quick
#   bench/run.sh rtp --tracer-cost --no-chains  # srtrtp-metrics timing on / off, same process
#   bench/run.sh metrics --only=g722,h264  # the same through GST_TRACERS, process against process (bench/metrics_cost.py)
#   bench/run.sh metrics-srt --rounds 5    # the same for srtbondsink/srtbondsrc (metrics_cost_srt.py)
#   bench/run.sh fec --packets 50000 --reps 7  # RTP FEC elements (RED) against gst-plugins-good's
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
builddir=${BUILDDIR:-$root/build}
case $builddir in /*) ;; *) builddir=$(pwd)/$builddir ;; esac

which=all
case ${1:-} in rtp | srt | fec | metrics | metrics-srt) which=$1 && shift ;; esac

if [ ! -f "$builddir/build.ninja" ]; then
  meson setup "$builddir" "$root"
fi
# The libsrt side of bench-srt --only=bond exists only when the build found
# libsrt with bonding (tests/peers/build-libsrt-bonding.sh) at configure time.
bond_peer=
if grep -q '^build bench/srt/bench-srt-libsrt-bond:' "$builddir/build.ninja"; then
  bond_peer=bench/srt/bench-srt-libsrt-bond
fi
ninja -C "$builddir" bench/bench-rtp bench/bench-rtp-memory bench/bench-rtp-fec bench/srt/bench-srt $bond_peer gst/libgstsrtrtp.so tools/linkemu/srt-linkemu

# The plugin from this build tree, with a private registry.
GST_PLUGIN_PATH="$builddir/gst"
GST_REGISTRY="$builddir/registry.bin"
export GST_PLUGIN_PATH GST_REGISTRY
if [ "$which" = metrics-srt ]; then
  exec python3 "$root/bench/metrics_cost_srt.py" "$@"
fi
if [ "$which" = metrics ]; then
  exec python3 "$root/bench/metrics_cost.py" "$builddir/bench/bench-rtp" "$@"
fi
if [ "$which" = fec ]; then
  exec "$builddir/bench/bench-rtp-fec" "$@"
fi
if [ "$which" != srt ]; then
  "$builddir/bench/bench-rtp" "$@"
  "$builddir/bench/bench-rtp-memory"
fi
if [ "$which" = all ]; then "$builddir/bench/bench-rtp-fec"; fi
if [ "$which" != rtp ]; then "$builddir/bench/srt/bench-srt" "$@"; fi
