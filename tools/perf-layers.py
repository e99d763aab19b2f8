#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Where a Tern server's cycles go, per layer, from a perf recording of it.

    perf record -F 4999 -p PID -o FILE -- sleep 4
    tools/perf-layers.py FILE [--rate REQ_PER_S] [--label NAME]
                         [--busy FRACTION --idle IDLE_FILE] [FILE ...]

Reads `perf report --sort dso,symbol` of each FILE and sums the samples by
layer: driver (the PMD, mempools, rings, the netdev glue), Ethernet/IP
(lib/net), TCP input, TCP output, timers, the connection table (rte_hash),
the app and its parser, libc copies, and the poll loop itself. A worker
busy-polls, so the samples cover every moment of the recording: with
--rate (the requests per second during it) each layer is also given in ns
per request, idle polls included (they fall in the driver and poll rows).
With --busy (the server's busy share of the run: polls_busy_us over its
length) and --idle (a recording of the same server with its link up and no
traffic), the idle polls' part is taken out of each layer: the idle
recording's share of a layer times the idle time. Then the columns are the
busy time alone, and the "all" row is the busy time per request that
polls_busy_us gives. The rows come within a few points of it, not to it:
the busy share is the whole run's, the recording its middle, and an idle
poll costs a little more or less than in the idle recording. An idle
recording: the same build's server after tern-loadgen's run has ended,
while --linger keeps its link up.
Prints a Markdown table, one column per FILE. DPDK's libraries come without
symbols in Debian, so they are classed by library.
"""
import argparse
import re
import subprocess
import sys

# (layer, symbol regex) in order; the first match wins. Symbols of DPDK's
# shared libraries are classed by library (LIB_LAYERS).
SYMBOL_LAYERS = [
    ("timers", r"^(tern_wheel_|tcp_timer|tcp_rexmt_arm|tcp_persist_arm|tcp_progress|"
               r"worker_timers|tcp_delack|tcp_keepalive)"),
    ("TCP output", r"^(tcp_output|tcp_seg_|tcp_send|tcp_sndq|tcp_opt_build|tcp_opt_write|"
                   r"tcp_rcv_window|tcp_tx_|tcp_payload_room|tcp_retransmit|tern_send|tcp_reap)"),
    # the tables' keyed hash, called back by librte_hash
    ("connection table", r"^(tcp_key_hash|tcp_key6_hash)$"),
    ("TCP input", r"^(tcp_|tern_recved|tern_mbufq)"),
    ("Ethernet/IP", r"^(net_|eth_|ipv4|ipv6|icmp|arp_|nd_|tern_cksum|rte_ipv4_cksum|"
                    r"rte_raw_cksum)"),
    ("driver", r"^(dpdk_|rte_pktmbuf|rte_mbuf|rte_mempool|rte_ring|memif|tern_netdev|"
               r"tern_objpool)"),
    ("poll loop", r"^(tern_worker_poll|tern_clock_us|tern_stack_run|stack_lcore_main|worker_|"
                  r"core_)"),
    ("app and parser", r"^(llhttp|httpd_|http_|on_|fixed|echo|app_|main$)"),
    ("libc copies", r"^__(memmove|memcpy|memset)"),
    ("libc other", r"^__"),
]
LIB_LAYERS = [
    ("driver", r"librte_(net_|mempool|ring|mbuf|ethdev|bus_)"),
    ("connection table", r"librte_hash"),
    ("libc other", r"libc\.so"),
    ("kernel", r"kernel|vdso"),
]
ORDER = ["driver", "Ethernet/IP", "TCP input", "connection table", "timers",
         "app and parser", "TCP output", "libc copies", "libc other", "poll loop", "kernel",
         "other"]


def layer_of(dso, sym):
    for name, rx in LIB_LAYERS:
        if re.search(rx, dso):
            if name == "libc other":
                break
            return name
    for name, rx in SYMBOL_LAYERS:
        if re.search(rx, sym):
            return name
    for name, rx in LIB_LAYERS:
        if re.search(rx, dso):
            return name
    return "other"


def layers(path):
    out = subprocess.run(["perf", "report", "-i", path, "--no-children", "-g", "none",
                          "--sort", "dso,symbol", "--stdio"],
                         capture_output=True, text=True, check=True).stdout
    acc = {}
    for ln in out.splitlines():
        m = re.match(r"\s*([\d.]+)%\s+(\S+)\s+\[[^\]]*\]\s+(\S+)", ln)
        if m:
            name = layer_of(m.group(2), m.group(3))
            acc[name] = acc.get(name, 0.0) + float(m.group(1))
    return acc


def busy_only(loaded, idle, busy):
    """
    @loaded's layer shares (% of all the time) with the idle polls' part
    taken out: @idle's shares spread over the (1 - @busy) of the time the
    worker idled. A layer's remainder is its share of the whole time spent
    on work, so the shares sum to about 100 * @busy (a layer never below 0).
    """
    return {k: max(0.0, loaded.get(k, 0.0) - idle.get(k, 0.0) * (1 - busy))
            for k in set(loaded) | set(idle)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--rate", type=float, action="append",
                    help="requests per second during each FILE's recording (in order)")
    ap.add_argument("--label", action="append", help="column name for each FILE")
    ap.add_argument("--busy", type=float, action="append",
                    help="the server's busy share (0-1) during each FILE's run (in order)")
    ap.add_argument("--idle", action="append",
                    help="a recording of each FILE's server idle, link up (in order)")
    a = ap.parse_intermixed_args()
    cols = [layers(f) for f in a.files]
    if a.busy or a.idle:
        if len(a.busy or []) != len(a.files) or len(a.idle or []) != len(a.files):
            ap.error("--busy and --idle: one of each for every FILE")
        cols = [busy_only(c, layers(i), b) for c, i, b in zip(cols, a.idle, a.busy)]
    labels = a.label or a.files
    rates = a.rate or []
    hdr = "| layer | " + " | ".join(
        "%s: %% | ns/req" % l if i < len(rates) else "%s: %%" % l
        for i, l in enumerate(labels)) + " |"
    print(hdr)
    print("|---" * (1 + len(cols) + len(rates)) + "|")
    for name in ORDER + sorted(set(k for c in cols for k in c) - set(ORDER)):
        if not any(name in c for c in cols):
            continue
        cells = []
        for i, c in enumerate(cols):
            pct = c.get(name, 0.0)
            cells.append("%.1f" % pct)
            if i < len(rates):
                cells.append("%.0f" % (pct / 100 * 1e9 / rates[i]))
        print("| %s | %s |" % (name, " | ".join(cells)))
    if rates:
        share = [100 * b for b in a.busy] if a.busy else [100.0] * len(cols)
        print("| all | %s |" % " | ".join(
            "%.0f | %.0f" % (share[i], share[i] / 100 * 1e9 / r) if i < len(rates)
            else "%.0f" % share[i] for i, r in enumerate(rates)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
