# SPDX-License-Identifier: BSD-3-Clause
"""
TCP echo at scale: Linux clients in the test namespace against tern-echo.

- 100 concurrent connections to 10.77.0.2:7, each sends 10 MiB of its own
  pseudo-random stream while reading the echo (non-blocking sockets, one
  selector), then shutdown(SHUT_WR); every byte echoed back is compared, and
  each connection ends with EOF from tern (tern closes after its peer closed
  and everything was echoed) and no reset (SO_ERROR 0, TIME_WAIT/CLOSED);
- the whole transfer within 120 s;
- tern's counters: 100 passive opens, 100 normal closes, no RST sent or
  received, no connection reset/aborted/timed out, rx/tx payload bytes >= the
  2 x 1000 MiB; retransmission counters printed (the link is a tap queue that
  may drop under 100 windows in flight, so they are reported, not asserted).
"""
import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tern_harness as h  # noqa: E402
import tern_tcp as tt  # noqa: E402

CONNS = 100
BYTES = 10 * 1024 * 1024
TRANSFER_LIMIT_S = 120

CONFIG = tt.config(stack={"mbufs": 65535},
                   tcp={"sndbuf": 131072, "rcvbuf": 131072})


def main(build, src):
    h.require_netns()
    with h.TernNetns(build, src, config_extra=CONFIG) as t:
        rc, res = tt.run_peer(t, "client", "--dst", h.TERN_IP, "--port", 7,
                              "--conns", CONNS, "--bytes", BYTES, "--seed", 100,
                              "--shutdown", "after-send", timeout=TRANSFER_LIMIT_S)
        tt.log_client_result(res)
        total = CONNS * BYTES
        mbps = 8.0 * 2 * total / res["elapsed"] / 1e6 if res["elapsed"] else 0
        h.log("transfer: %d x %d MiB each way in %.2fs (%.0f Mbit/s both directions)"
              % (CONNS, BYTES >> 20, res["elapsed"], mbps))
        kern = tt.kernel_tcp_counters(t)
        h.log("kernel Tcp counters: RetransSegs %d OutRsts %d EstabResets %d AttemptFails %d"
              % (kern["RetransSegs"], kern["OutRsts"], kern["EstabResets"],
                 kern["AttemptFails"]))
        # Linux's last ACKs (of tern's FINs) cross a lossy tap queue: leave tern
        # time for one FIN retransmission before its counters are read
        time.sleep(1.5)
        trc, st = tt.stop(t)

        h.check(res["ok"] == CONNS, "%d/%d connections echoed all %d bytes and closed cleanly"
                % (res["ok"], CONNS, BYTES))
        h.check(res["bytes_rcvd"] == total and res["bytes_sent"] == total,
                "%d bytes sent and %d received, %d each" % (res["bytes_sent"],
                                                              res["bytes_rcvd"], total))
        h.check(res["elapsed"] < TRANSFER_LIMIT_S, "transfer within %ds (%.2fs)"
                % (TRANSFER_LIMIT_S, res["elapsed"]))
        h.check(rc == 0, "client exit status 0 (got %d)" % rc)
        h.check(kern["EstabResets"] == 0 and kern["AttemptFails"] == 0,
                "kernel saw no resets and no failed connects")
        tt.show(st, "tcp_passive_opens", "tcp_conn_closed", "tcp_rx_bytes", "tcp_tx_bytes",
                "tcp_rx_data_segs", "tcp_tx_data_segs", "tcp_tx_ack_only",
                "tcp_rexmt_segs", "tcp_rexmt_timeout", "tcp_fast_rexmt",
                "tcp_rx_dup_segs", "tcp_rx_ooo_segs", "tcp_nombuf", "tx_drop_full")
        h.check(st["tcp_passive_opens"] == CONNS, "tcp_passive_opens %d == %d"
                % (st["tcp_passive_opens"], CONNS))
        h.check(st["tcp_conn_closed"] == CONNS, "tcp_conn_closed %d == %d"
                % (st["tcp_conn_closed"], CONNS))
        h.check(st["tcp_rx_bytes"] == total, "tcp_rx_bytes %d == %d"
                % (st["tcp_rx_bytes"], total))
        h.check(st["tcp_tx_bytes"] >= total, "tcp_tx_bytes %d >= %d"
                % (st["tcp_tx_bytes"], total))
        for n in ("tcp_rst_rcvd", "tcp_conn_reset", "tcp_conn_aborted",
                  "tcp_conn_timeout", "tcp_drop_cksum", "tcp_drop_bad_ack"):
            h.check(st[n] == 0, "%s == 0 (got %d)" % (n, st[n]))
        # no connection reset by tern: a RST may only answer a segment for a
        # connection already closed (a FIN resent by a loss probe while the
        # peer's ACK was late draws a second ACK after the first closed it;
        # the kernel's EstabResets above stays 0)
        h.check(st["tcp_rst_sent"] == st["tcp_drop_no_conn"], "every RST sent answered a "
                "segment for no connection (%d == %d)" % (st["tcp_rst_sent"],
                                                         st["tcp_drop_no_conn"]))
        probs = h.accounting_problems(st)
        h.check(not probs, "every received frame counted once" +
                ("" if not probs else ": " + "; ".join(probs)))
        tt.check_exit(trc)


if __name__ == "__main__":
    h.run_test(main)
