#!/usr/bin/env bash
# The main job: installs what is missing, builds, and runs tern-httpd on a
# net_tap port whose kernel side lives in the network namespace tern-demo
# (10.77.0.1), with Tern at 10.77.0.2. Fetches / once with curl from inside the
# namespace, then serves until Ctrl-C; the namespace is removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh
tools/build.sh build
ns=tern-demo
if [ "$(id -u)" != 0 ]; then
	echo "tern: the demo creates a network namespace: run it as root" >&2
	exit 1
fi
ip netns del $ns 2>/dev/null || true
ip netns add $ns
tern_pid= tail_pid= log=
cleanup() {
	trap - EXIT INT TERM
	if [ -n "$tern_pid" ] && kill -0 "$tern_pid" 2>/dev/null; then
		kill -TERM "$tern_pid" 2>/dev/null || true
		wait "$tern_pid" 2>/dev/null || true
	fi
	[ -z "$tail_pid" ] || kill "$tail_pid" 2>/dev/null || true
	# whatever still runs in the namespace goes first, then the namespace;
	# say so if it stays
	for pid in $(ip netns pids $ns 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
	for _ in 1 2 3 4 5; do
		ip netns del $ns 2>/dev/null && break
		sleep 0.2
	done
	if ip netns list | grep -qw "^$ns"; then
		echo "tern: could not remove network namespace $ns (ip netns del $ns)" >&2
	fi
	[ -z "$log" ] || rm -f "$log"
	# hugepage files a killed tern-httpd left (a clean exit removes its own)
	rm -f /dev/hugepages/${ns}map_* 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 0' INT TERM
log=$(mktemp /tmp/tern-demo.XXXXXX)
# tern runs inside the namespace, so the tap's kernel side is created there
# --shared: hugepage files kept while it runs, so dpdk-dumpcap can attach
ip netns exec $ns build/app/tern-httpd -l 0 $(tools/eal-mem tern-demo --shared) --no-pci \
	--log-level='*:warning' -- --config config/tap.conf --port 80 >"$log" 2>&1 &
tern_pid=$!
for _ in $(seq 100); do
	grep -q ': ready:' "$log" 2>/dev/null && break
	kill -0 $tern_pid 2>/dev/null || { cat "$log"; exit 1; }
	sleep 0.1
done
grep ': ready:' "$log" || { cat "$log"; exit 1; }
ip -n $ns link set lo up
ip -n $ns addr add 10.77.0.1/24 dev tern0
ip -n $ns link set tern0 up
echo "\$ ip netns exec $ns curl -si http://10.77.0.2/"
ip netns exec $ns curl -si --max-time 5 http://10.77.0.2/ || { echo "curl failed"; exit 1; }
cat <<MSG

tern-httpd is serving http://10.77.0.2/ on tap tern0 in namespace $ns. Reach it with:
    ip netns exec $ns curl http://10.77.0.2/
    ip netns exec $ns curl -o /dev/null http://10.77.0.2/bytes/10485760
    ip netns exec $ns ping 10.77.0.2
See inside it from another terminal:
    tools/tern-ss -f tern-demo            connections (like ss -tin); -l listeners, --watch
    tools/tern-stat -f tern-demo          counters per second; --nstat for nstat's names
    dpdk-dumpcap --file-prefix tern-demo -i 0 -w /tmp/tern.pcapng    then tcpdump -r
Ctrl-C stops it (the counters are printed, the namespace removed).
MSG
tail -n +1 -f "$log" --pid=$tern_pid | grep --line-buffered -v ': ready:' &
tail_pid=$!
wait $tern_pid || true
tern_pid=
