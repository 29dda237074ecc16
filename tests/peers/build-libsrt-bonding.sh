#!/usr/bin/env bash
# Builds a libsrt with socket groups (bonding) enabled, for group interop tests.
#
# Debian's libsrt binary package is configured without bonding, so this builds
# Debian's own source package of srt with ENABLE_BONDING=ON.
#
# Usage: tests/peers/build-libsrt-bonding.sh BUILD_DIR
#   installs into BUILD_DIR/peers/libsrt-bonding (prefix), works in
#   BUILD_DIR/peers/srt-src, logs to BUILD_DIR/peers/libsrt-bonding-build.log.
#   Prints the path of srt-test-live as its last line. Cached: once the peer
#   is installed, a rerun only prints that path.
#
# Needs root (or sudo) the first time, on Debian 12: it may add a deb-src entry
# (/etc/apt/sources.list.d/srtrtp-deb-src.sources) and install build tools.
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi

mkdir -p "$1/peers"
peers="$(cd "$1/peers" && pwd)"
prefix="$peers/libsrt-bonding"
srcdir="$peers/srt-src"
log="$peers/libsrt-bonding-build.log"
peer="$prefix/bin/srt-test-live"

# Cached: nothing to do.
if [ -x "$peer" ]; then
  echo "$peer"
  exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

: >"$log"
step() { echo "libsrt-bonding: $*"; echo "=== $*" >>"$log"; }
fail() {
  echo "libsrt-bonding: FAILED: $*" >&2
  echo "--- last 40 lines of $log:" >&2
  tail -n 40 "$log" >&2 || true
  exit 1
}
run() { "$@" >>"$log" 2>&1; }

# apt may be busy (e.g. the bootstrap's own install in the background): wait
# for its locks rather than fail. DPkg::Lock::Timeout covers dpkg's lock too.
apt_locks=(/var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock)
wait_for_apt() {
  local waited=0
  while $sudo fuser "${apt_locks[@]}" >/dev/null 2>&1; do
    ((waited == 0)) && echo "libsrt-bonding: waiting for apt/dpkg lock..."
    sleep 2
    waited=$((waited + 2))
    ((waited < 1200)) || fail "apt/dpkg lock still held after 20 min"
  done
}
apt_get() {
  wait_for_apt
  run $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=1200 "$@"
}

# --- 1. a deb-src entry beside the deb one (only if there is none) ------------
main_sources=/etc/apt/sources.list.d/debian.sources
our_sources=/etc/apt/sources.list.d/srtrtp-deb-src.sources

have_deb_src() {
  [ -f "$our_sources" ] && return 0
  grep -qsE '^[[:space:]]*deb-src[[:space:]]' /etc/apt/sources.list \
    /etc/apt/sources.list.d/*.list && return 0
  grep -qsiE '^Types:.*\bdeb-src\b' /etc/apt/sources.list.d/*.sources && return 0
  return 1
}

# Prints the deb-src stanza mirroring the first enabled "Types: deb" stanza of
# debian.sources whose Suites contain the plain release (e.g. bookworm).
deb_src_stanza() {
  local codename
  codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")"
  awk -v rel="$codename" '
    function flush() {
      if (!done && types ~ /(^|[ \t])deb([ \t]|$)/ && enabled !~ /^[ \t]*no/ &&
          (" " suites " ") ~ (" " rel " ") && uris != "") {
        print "# Added by srtrtp tests/peers/build-libsrt-bonding.sh (source of srt)"
        print "Types: deb-src"
        print "URIs: " uris
        print "Suites: " suites
        if (comps != "") print "Components: " comps
        if (signed != "") print "Signed-By: " signed
        done = 1
      }
      types = uris = suites = comps = signed = enabled = ""
    }
    /^[ \t]*#/ { next }
    /^[ \t]*$/ { flush(); next }
    {
      key = tolower($0); sub(/:.*/, "", key)
      val = $0; sub(/^[^:]*:[ \t]*/, "", val); gsub(/[ \t]+$/, "", val)
      if (key == "types") types = val
      else if (key == "uris") uris = val
      else if (key == "suites") { suites = val; gsub(/[ \t]+/, " ", suites) }
      else if (key == "components") comps = val
      else if (key == "signed-by") signed = val
      else if (key == "enabled") enabled = tolower(val)
    }
    END { flush(); if (!done) exit 1 }
  ' "$main_sources"
}

have_source_lists() {
  compgen -G '/var/lib/apt/lists/*_Sources*' >/dev/null
}

if ! have_deb_src; then
  [ -f "$main_sources" ] || fail "no deb-src entry and no $main_sources to mirror"
  stanza="$(deb_src_stanza)" || fail "no 'Types: deb' stanza for the release in $main_sources"
  step "adding $our_sources"
  printf '%s\n' "$stanza" | $sudo tee "$our_sources" >/dev/null
  $sudo chmod 644 "$our_sources"
  step "apt-get update"
  apt_get update -qq || fail "apt-get update"
elif ! have_source_lists; then
  step "apt-get update (deb-src entry present, source index missing)"
  apt_get update -qq || fail "apt-get update"
fi

# --- 2. build tools -----------------------------------------------------------
needed=(cmake make g++ pkg-config tcl libssl-dev dpkg-dev xz-utils)
missing=()
for p in "${needed[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  step "installing ${missing[*]}"
  apt_get install -y -qq --no-install-recommends "${missing[@]}" \
    || fail "apt-get install ${missing[*]}"
fi

# --- 3. Debian's source of srt ------------------------------------------------
mkdir -p "$srcdir"
find_src() {
  local d
  for d in "$srcdir"/srt-*/; do
    [ -f "$d/CMakeLists.txt" ] && [ -f "$d/srtcore/group.cpp" ] && { echo "${d%/}"; return 0; }
  done
  return 1
}
if ! src="$(find_src)"; then
  step "apt-get source srt (in $srcdir)"
  # As root, apt's download sandbox user (_apt) cannot write here: download as root.
  (cd "$srcdir" && run apt-get -q -o APT::Sandbox::User=root source srt) \
    || fail "apt-get source srt"
  src="$(find_src)" || fail "no unpacked srt source in $srcdir"
fi
step "source: $src"

# --- 4. configure, build, install ---------------------------------------------
objdir="$srcdir/build-bonding"
rm -rf "$objdir" "$prefix"
mkdir -p "$objdir"
step "cmake"
(cd "$objdir" && run cmake "$src" \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_INSTALL_PREFIX="$prefix" \
  -DCMAKE_INSTALL_LIBDIR=lib \
  -DCMAKE_INSTALL_RPATH="$prefix/lib" \
  -DCMAKE_BUILD_WITH_INSTALL_RPATH=ON \
  -DCMAKE_SKIP_INSTALL_RPATH=OFF \
  -DENABLE_BONDING=ON \
  -DENABLE_TESTING=ON \
  -DENABLE_APPS=ON \
  -DENABLE_SHARED=ON \
  -DENABLE_STATIC=OFF \
  -DENABLE_UNITTESTS=OFF \
  -DENABLE_ENCRYPTION=ON \
  -DUSE_ENCLIB=openssl) || fail "cmake configure"
step "build (-j2)"
run cmake --build "$objdir" -- -j2 || fail "build"
step "install into $prefix"
run cmake --install "$objdir" || fail "install"

built="$objdir/srt-test-live"
[ -x "$built" ] || built="$(find "$objdir" -type f -name srt-test-live -perm -u+x | head -n 1)"
[ -n "$built" ] && [ -x "$built" ] || fail "srt-test-live was not built"
mkdir -p "$prefix/bin"
[ -x "$peer" ] || install -m 755 "$built" "$peer"

# The peer must use this libsrt, not Debian's (which has no bonding).
resolved="$(ldd "$peer" | awk '/libsrt/ { print $3; exit }')"
case "$resolved" in
  "$prefix"/lib/*) ;;
  *) rm -f "$peer"; fail "srt-test-live resolves libsrt to '${resolved:-nothing}', not $prefix/lib" ;;
esac
step "done: srt-test-live uses $resolved"

echo "$peer"
