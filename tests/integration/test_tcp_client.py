# SPDX-License-Identifier: BSD-3-Clause
"""
tern as the TCP client: a Linux echo server in the test namespace on
10.77.0.1:5001, tern-echo in client mode
  --connect 10.77.0.1:5001 --conns 10 --bytes 1048576.

Ordering: the server starts (IP_FREEBIND) before tern; the harness adds
10.77.0.1 to the tap's kernel side right after tern prints its ready line, and
tern connects right after printing it, so its first ARP request for 10.77.0.1
may go unanswered and the SYNs wait behind ARP resolution. The test pings tern
as soon as the harness returns: the kernel's ARP request lets tern learn
10.77.0.1 at once (RFC 826 merge) rather than at its ARP retry a second later,
when its SYN retransmission timer would also fire.

Checks: tern exits by itself (within 60 s) with status 0 and prints
"tern-echo: client: 10/10 connections ok"; the server saw 10 connections,
echoed 1 MiB on each, none ended in error; tern's counters show 10 active
opens, 10 normal closes, no RST sent or received.
"""
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tern_harness as h  # noqa: E402
import tern_tcp as tt  # noqa: E402

PORT = 5001
CONNS = 10
BYTES = 1048576
RUN_LIMIT_S = 60


def main(build, src):
    h.require_netns()
    h.require_tools("ping")
    server = tt.LinuxServer(PORT, CONNS, timeout=RUN_LIMIT_S + 30)
    args = ["--connect", "%s:%d" % (h.PEER_IP, PORT), "--conns", str(CONNS),
            "--bytes", str(BYTES)]
    with h.TernNetns(build, src, pre_start=server.start, tern_args=args) as t:
        tt.resolve_now(t)
        rc, st, line = tt.run_tern_client(t, RUN_LIMIT_S)
        _srv_rc, done = server.result(t)
        tt.show(st, "tcp_active_opens", "tcp_conn_closed", "tcp_time_wait_entered",
                "tcp_rx_bytes", "tcp_tx_bytes", "arp_tx_request", "arp_learned",
                "tcp_rexmt_timeout", "tcp_rexmt_segs", "arp_drop_pending")
        h.check(line is not None and "client: %d/%d connections ok" % (CONNS, CONNS) in line,
                "tern-echo printed '%d/%d connections ok'" % (CONNS, CONNS))
        h.check(len(done) == CONNS, "the Linux server served %d connections (%d)"
                % (CONNS, len(done)))
        h.check(all(d["error"] is None and d["echoed"] == BYTES for d in done),
                "every server connection echoed %d bytes and closed without error" % BYTES)
        h.check(st["tcp_active_opens"] == CONNS, "tcp_active_opens %d == %d"
                % (st["tcp_active_opens"], CONNS))
        h.check(st["tcp_conn_closed"] == CONNS, "tcp_conn_closed %d == %d"
                % (st["tcp_conn_closed"], CONNS))
        h.check(st["tcp_rx_bytes"] == CONNS * BYTES, "tcp_rx_bytes %d == %d"
                % (st["tcp_rx_bytes"], CONNS * BYTES))
        for n in ("tcp_rst_sent", "tcp_rst_rcvd", "tcp_conn_refused", "tcp_conn_reset",
                  "tcp_conn_timeout", "tcp_conn_aborted"):
            h.check(st[n] == 0, "%s == 0 (got %d)" % (n, st[n]))
        tt.check_exit(rc, "(client mode, all connections done)")


if __name__ == "__main__":
    h.run_test(main)
