#!/usr/bin/env bash
# Builds Asterisk 20 for the tests (tests/test_asterisk.py) from the vendored source, once per
# machine, and prints the install prefix (DIR, with DIR/sbin/asterisk) as its last line.
#
# The source: $IVRAUDIT_ASTERISK_TARBALL if it names a file, else
# shared/vendor/asterisk-20.20.1.tar.xz in the clone's parent folder or any folder above it
# (the dev machines keep /work/shared beside /work/main), else in /work/shared/vendor.
# Without one it exits 3 (the tests then look for an asterisk on the PATH).
# `asterisk.sh --if-vendored` (scripts/test-deps.sh) builds only where the source is found.
# Debian no longer packages Asterisk and nothing may be downloaded at test time.
# The tarball is checked against the .sha256 file beside it before anything is built.
#
# The install is cached outside the clone, keyed by that checksum:
# ${XDG_CACHE_HOME:-~/.cache}/ivraudit/asterisk-<first 16 hex digits>/. A second run finds the
# stamp file written after a complete install and builds nothing. Concurrent runs wait for
# each other (flock). The build log stays in the cache folder (build.log).
#
# Debian build packages: scripts/test-deps.sh. The module set is the smallest the tests'
# dialplans need (tests/pbx/): chan_sip (deprecated upstream, still in 20.x, and needs no
# pjproject), RTP, the dialplan applications they use, WAV prompts and music on hold.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
name="asterisk-20.20.1.tar.xz"
tarball="${IVRAUDIT_ASTERISK_TARBALL:-}"
if [ ! -f "$tarball" ]; then
  tarball=""
  folder="$(dirname "$repo")"
  while :; do
    if [ -f "$folder/shared/vendor/$name" ]; then tarball="$folder/shared/vendor/$name"; break; fi
    [ "$folder" = "/" ] && break
    folder="$(dirname "$folder")"
  done
  [ -n "$tarball" ] || [ ! -f "/work/shared/vendor/$name" ] || tarball="/work/shared/vendor/$name"
fi
if [ -z "$tarball" ]; then
  echo "asterisk.sh: no Asterisk source ($name in shared/vendor above the clone, or" \
       "\$IVRAUDIT_ASTERISK_TARBALL)" >&2
  [ "${1:-}" = "--if-vendored" ] && exit 0
  exit 3
fi
tarball="$(cd "$(dirname "$tarball")" && pwd)/$(basename "$tarball")"
if [ ! -f "$tarball.sha256" ]; then
  echo "asterisk.sh: $tarball.sha256 is missing: cannot verify the source" >&2
  exit 4
fi
expected="$(awk '{print $1; exit}' "$tarball.sha256")"
actual="$(sha256sum "$tarball" | awk '{print $1}')"
if [ "$expected" != "$actual" ]; then
  echo "asterisk.sh: $tarball has sha256 $actual, $tarball.sha256 says $expected" >&2
  exit 4
fi

modules=(
  chan_sip res_rtp_asterisk pbx_config
  app_playback app_read app_queue app_dial app_echo app_verbose
  res_musiconhold format_wav format_pcm codec_ulaw codec_alaw
  func_logic func_channel func_timeout func_strings
  res_timing_timerfd bridge_simple bridge_native_rtp
  res_sorcery_config res_sorcery_memory res_sorcery_astdb
  # The loader refuses a module whose optional dependencies are left out of the build:
  # chan_sip uses res_crypto and res_http_websocket, app_queue res_monitor, which uses
  # func_periodic_hook, which needs app_chanspy func_cut func_groupcount func_uri.
  res_crypto res_http_websocket res_monitor func_periodic_hook
  app_chanspy func_cut func_groupcount func_uri
)
configure_flags=(--without-pjproject-bundled --disable-xmldoc)
recipe="$(printf '%s ' "${configure_flags[@]}" "${modules[@]}" | sha256sum | cut -c1-16)"

cache="${XDG_CACHE_HOME:-$HOME/.cache}/ivraudit"
prefix="$cache/asterisk-${actual:0:16}"
stamp="$prefix/.ivraudit-built"
mkdir -p "$cache"
exec 9>"$cache/asterisk-${actual:0:16}.lock"
flock 9
if [ -f "$stamp" ] && [ -x "$prefix/sbin/asterisk" ] && grep -qx "recipe $recipe" "$stamp"; then
  echo "$prefix"
  exit 0
fi

rm -rf "$prefix"
mkdir -p "$prefix"
log="$prefix/build.log"
work="$(mktemp -d "$cache/asterisk-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
started=$(date +%s)
echo "asterisk.sh: building Asterisk into $prefix (about 2 minutes on 2 cores; log: $log)" >&2
{
  tar -xJf "$tarball" -C "$work" --strip-components=1
  cd "$work"
  ./configure --prefix="$prefix" "${configure_flags[@]}"
  make menuselect.makeopts
  menuselect/menuselect --disable-all menuselect.makeopts
  for module in "${modules[@]}"; do
    menuselect/menuselect --enable "$module" menuselect.makeopts
  done
  make -j"$(nproc)"
  make install
} >"$log" 2>&1 || {
  echo "asterisk.sh: the build failed; the end of $log:" >&2
  tail -n 40 "$log" >&2
  exit 1
}
# make install leaves empty sounds and moh folders; the tests' asterisk.conf points at their
# own folders (linked to Debian's prompts and music), so these are not used.
for module in "${modules[@]}"; do
  [ -f "$prefix/lib/asterisk/modules/$module.so" ] || {
    echo "asterisk.sh: $module.so was not built (see $log)" >&2
    exit 1
  }
done
took=$(( $(date +%s) - started ))
printf 'recipe %s\nbuilt in %s s from %s (%s)\n' "$recipe" "$took" "$(basename "$tarball")" "$actual" >"$stamp"
echo "asterisk.sh: built in $took s" >&2
echo "$prefix"
