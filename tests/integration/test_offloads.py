# SPDX-License-Identifier: BSD-3-Clause
"""
Segmentation offloads over net_tap against Linux, bytes compared.

net_tap offers TSO (it cuts a frame in software with DPDK's GSO library and
fills each segment's checksums, so [port] tso = auto leaves it off there): with
tso = on and gro = 1 tern-echo sends frames of many segments for the tap to
cut, and coalesces what Linux sends in one burst (rte_gro) before TCP input.
Linux's TCP checks every segment it gets.

Two runs of tern-echo, offloads on and then off (tso = off, gro = 0):
- 4 connections from Linux in the test namespace, each sends 16 MiB of its own
  pseudo-random stream and compares every byte echoed back; each ends with EOF
  from tern and no reset;
- on: tcp_tx_tso_frames > 0 and rx_gro_merged > 0; off: both 0;
- both: tern's payload counters match the bytes, no checksum drops, no reset,
  every received frame counted once; the throughput of each run is printed
  (a 2-core VM's figure, not asserted).
"""
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tern_harness as h  # noqa: E402
import tern_tcp as tt  # noqa: E402

CONNS = 4
BYTES = 16 * 1024 * 1024
TRANSFER_LIMIT_S = 120


def run(build, src, on):
    what = "offloads on" if on else "offloads off"
    cfg = "\n[port]\ntso = %s\ngro = %d\n" % ("on" if on else "off", on) + tt.config(
        stack={"mbufs": 65535}, tcp={"sndbuf": 262144, "rcvbuf": 262144})
    with h.TernNetns(build, src, config_extra=cfg) as t:
        rc, res = tt.run_peer(t, "client", "--dst", h.TERN_IP, "--port", 7,
                              "--conns", CONNS, "--bytes", BYTES, "--seed", 21,
                              "--shutdown", "after-send", timeout=TRANSFER_LIMIT_S)
        tt.log_client_result(res)
        total = CONNS * BYTES
        mbps = 8.0 * 2 * total / res["elapsed"] / 1e6 if res["elapsed"] else 0
        h.log("%s: %d x %d MiB each way in %.2fs (%.0f Mbit/s both directions)"
              % (what, CONNS, BYTES >> 20, res["elapsed"], mbps))
        trc, st = tt.stop(t)
        tt.show(st, "tcp_tx_tso_frames", "tcp_tx_data_segs", "rx_gro_merged",
                "tcp_rx_data_segs", "tcp_rexmt_segs", "tx_drop_full", "tcp_drop_cksum")
        h.check(res["ok"] == CONNS, "%s: %d/%d connections echoed all %d bytes and closed "
                "cleanly" % (what, res["ok"], CONNS, BYTES))
        h.check(res["bytes_rcvd"] == total and res["bytes_sent"] == total,
                "%s: %d bytes sent and %d received, %d each" % (what, res["bytes_sent"],
                                                               res["bytes_rcvd"], total))
        h.check(rc == 0, "%s: client exit status 0 (got %d)" % (what, rc))
        if on:
            h.check(st["tcp_tx_tso_frames"] > 0, "%s: tcp_tx_tso_frames %d > 0"
                    % (what, st["tcp_tx_tso_frames"]))
            h.check(st["rx_gro_merged"] > 0, "%s: rx_gro_merged %d > 0"
                    % (what, st["rx_gro_merged"]))
        else:
            h.check(st["tcp_tx_tso_frames"] == 0 and st["rx_gro_merged"] == 0,
                    "%s: tcp_tx_tso_frames %d and rx_gro_merged %d are 0"
                    % (what, st["tcp_tx_tso_frames"], st["rx_gro_merged"]))
        h.check(st["tcp_rx_bytes"] == total, "%s: tcp_rx_bytes %d == %d"
                % (what, st["tcp_rx_bytes"], total))
        h.check(st["tcp_tx_bytes"] >= total, "%s: tcp_tx_bytes %d >= %d"
                % (what, st["tcp_tx_bytes"], total))
        for n in ("tcp_drop_cksum", "tcp_conn_reset", "tcp_conn_aborted", "tcp_conn_timeout",
                  "tcp_rst_rcvd"):
            h.check(st[n] == 0, "%s: %s == 0 (got %d)" % (what, n, st[n]))
        probs = h.accounting_problems(st)
        h.check(not probs, "%s: every received frame counted once" % what +
                ("" if not probs else ": " + "; ".join(probs)))
        tt.check_exit(trc)


def main(build, src):
    h.require_netns()
    run(build, src, True)
    run(build, src, False)


if __name__ == "__main__":
    h.run_test(main)
