#!/usr/bin/env bash
# Installs what Tern needs from Debian 12's archive, only if something is missing.
set -euo pipefail
pkgs=(dpdk dpdk-dev libdpdk-dev pkg-config meson ninja-build gcc check
      python3-scapy iproute2 iputils-ping iputils-arping tcpdump curl node-llhttp
      wrk apache2-utils nginx iperf3 codespell cppcheck clang libclang-rt-14-dev)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "tern: missing packages (${missing[*]}); run as root to install them" >&2
	exit 1
fi
echo "tern: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
