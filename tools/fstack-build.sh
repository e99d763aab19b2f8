#!/usr/bin/env bash
# Builds F-Stack, a peer to compare Tern with, from a checkout you give it:
#
#   tools/fstack-build.sh SRC [OUT]     (OUT defaults to build-fstack in this tree)
#
# Fetches nothing and never writes into SRC: SRC's files (not its .git) are
# copied to OUT/src, the build fixes below are made to that copy, and all of
# it builds there. What comes out, for tests/bench/bench.py --peer fstack=OUT:
#   OUT/bin/fstack-helloworld   F-Stack's example (a fixed HTTP response to
#                               every read), built at -O2 (its Makefile: -O0)
#   OUT/dpdk/                   the DPDK that F-Stack bundles, in a private prefix
#   OUT/COMMIT                  SRC's commit (and "+local changes" if it had any)
# Tested with F-Stack 5cb586b (2025-11-14, DPDK 23.11.5) on Debian 12. Debian
# packages it needs: gawk libssl-dev libnuma-dev python3-pyelftools
# libsystemd-dev libjansson-dev libfdt-dev libbsd-dev libmd-dev libxdp-dev
# libbpf-dev libelf-dev libpcap-dev libdbus-1-dev (and meson, ninja-build,
# pkg-config, gcc, make). About 10 minutes on 2 busy cores.
#
# The fixes, made to the copy only:
#  - its dpdk/kernel/meson.build builds the igb_uio module whatever
#    -Denable_kmods says, which fails where there are no kernel headers: the
#    copy's honours -Denable_kmods=false;
#  - only the drivers F-Stack links (bonding) and the bench uses (virtio-user,
#    vhost, the buses and mempools) are built, no apps, no tests: it links
#    statically, and the rest only costs build time.
set -euo pipefail
if [ $# -lt 1 ] || [ ! -f "$1/lib/ff_api.h" ] || [ ! -f "$1/dpdk/meson.build" ]; then
	echo "usage: $0 F-STACK-CHECKOUT [OUT]  (a checkout with lib/ff_api.h and dpdk/)" >&2
	exit 2
fi
src=$(cd "$1" && pwd)
out=${2:-$(cd "$(dirname "$0")/.." && pwd)/build-fstack}
mkdir -p "$out"
out=$(cd "$out" && pwd)
case "$out/" in
"$src"/*) echo "$0: OUT must be outside the checkout" >&2; exit 2 ;;
esac
jobs=$(nproc)

# --- the copy
if git -C "$src" rev-parse HEAD >/dev/null 2>&1; then
	commit=$(git -C "$src" rev-parse HEAD)
	[ -n "$(git -C "$src" status --porcelain)" ] && commit="$commit +local changes"
else
	commit="unknown (not a git checkout)"
fi
echo "fstack-build: $src at $commit -> $out"
rm -rf "$out/src"
mkdir -p "$out/src"
tar -C "$src" --exclude=./.git -cf - . | tar -C "$out/src" -xf -
echo "$commit" >"$out/COMMIT"

# --- DPDK: the module fix, then meson into the private prefix
kmeson="$out/src/dpdk/kernel/meson.build"
if ! grep -q enable_kmods "$kmeson"; then
	{ printf "if not get_option('enable_kmods')\n    subdir_done()\nendif\n"; cat "$kmeson"; } \
		>"$kmeson.new"
	mv "$kmeson.new" "$kmeson"
fi
drivers=bus/pci,bus/vdev,mempool/ring,mempool/stack,net/virtio,net/vhost,net/bonding,net/ring
(
	cd "$out/src/dpdk"
	# a second run reuses the build directory (the copy keeps the files' times)
	if [ ! -f "$out/dpdk-build/build.ninja" ]; then
		meson setup "$out/dpdk-build" --prefix="$out/dpdk" --buildtype=release \
			-Denable_kmods=false -Dtests=false -Ddisable_apps='*' -Denable_docs=false \
			-Denable_drivers="$drivers" >"$out/dpdk-meson.log" 2>&1 ||
			{ tail -30 "$out/dpdk-meson.log"; exit 1; }
	fi
	ninja -C "$out/dpdk-build" -j "$jobs" install >"$out/dpdk-build.log" 2>&1 ||
		{ tail -30 "$out/dpdk-build.log"; exit 1; }
)
pc=$(dirname "$(find "$out/dpdk" -name libdpdk.pc | head -1)")
export PKG_CONFIG_PATH="$pc"
echo "fstack-build: DPDK $(pkg-config --modversion libdpdk) in $out/dpdk"

# --- libfstack.a and the example
make -C "$out/src/lib" -j "$jobs" FF_PATH="$out/src" >"$out/lib-build.log" 2>&1 ||
	{ tail -30 "$out/lib-build.log"; exit 1; }
make -C "$out/src/example" FF_PATH="$out/src" \
	CFLAGS="-O2 -g -I../lib $(pkg-config --cflags libdpdk)" >"$out/example-build.log" 2>&1 ||
	{ tail -30 "$out/example-build.log"; exit 1; }
mkdir -p "$out/bin"
cp "$out/src/example/helloworld" "$out/bin/fstack-helloworld"
echo "fstack-build: $out/bin/fstack-helloworld"
