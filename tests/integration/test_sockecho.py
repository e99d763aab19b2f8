# SPDX-License-Identifier: BSD-3-Clause
"""
tern-sockecho (app/sockecho: an epoll-style event loop on the socket-style
API, tern_sock.h) with Linux clients in the test namespace over net_tap.

Three times: level-triggered with copying read/write (the default), then
edge-triggered with the zero-copy calls (--edge --zero-copy), then the
default on two workers (a net_tap port of two queues: each worker's loop
has its own descriptors and listening socket; both must accept). Each time:
- 20 concurrent connections to 10.77.0.2:7, each sends 2 MiB of its own
  pseudo-random stream while reading the echo, then shutdown(SHUT_WR); every
  byte echoed back is compared, each connection ends with EOF from tern (the
  server closes once its peer closed and everything was echoed) and no
  reset (SO_ERROR 0);
- then 4 connections whose FIN comes before they read anything: the whole
  echo arrives after it (tern keeps sending in CLOSE_WAIT);
- tern's counters: 24 passive opens, 24 normal closes, no RST received, no
  connection reset, aborted or timed out; exit status 0 after SIGTERM.
"""
import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tern_harness as h  # noqa: E402
import tern_tcp as tt  # noqa: E402

CONNS = 20
BYTES = 2 << 20
LATE = 4
LATE_BYTES = 128 << 10


def client(t, conns, nbytes, shutdown, seed):
    rc, res = tt.run_peer(t, "client", "--dst", h.TERN_IP, "--port", 7, "--conns", conns,
                          "--bytes", nbytes, "--seed", seed, "--shutdown", shutdown,
                          timeout=90)
    tt.log_client_result(res)
    h.check(rc == 0 and res["ok"] == conns,
            "%d/%d connections of %d bytes (FIN %s): full echo, EOF, no reset"
            % (res["ok"], conns, nbytes, shutdown))
    h.check(res["bytes_rcvd"] == conns * nbytes, "%d bytes echoed of %d"
            % (res["bytes_rcvd"], conns * nbytes))
    return res


def run(build, src, args, lcores="0"):
    h.log("== tern-sockecho %s on lcores %s" % (" ".join(args), lcores))
    with h.TernNetns(build, src, app="tern-sockecho", tern_args=args, lcores=lcores) as t:
        client(t, CONNS, BYTES, "after-send", seed=31)
        client(t, LATE, LATE_BYTES, "before-read", seed=32)
        # Linux's last ACKs cross the tap queue: time for a FIN resend
        time.sleep(1.5)
        trc, st = tt.stop(t)
        total = CONNS + LATE
        tt.show(st, "tcp_passive_opens", "tcp_conn_closed", "tcp_rx_bytes", "tcp_tx_bytes",
                "tcp_rexmt_segs", "tcp_rst_sent")
        h.check(st["tcp_passive_opens"] == total, "tcp_passive_opens %d == %d"
                % (st["tcp_passive_opens"], total))
        h.check(st["tcp_conn_closed"] == total, "tcp_conn_closed %d == %d"
                % (st["tcp_conn_closed"], total))
        for n in ("tcp_rst_rcvd", "tcp_conn_reset", "tcp_conn_aborted", "tcp_conn_timeout"):
            h.check(st[n] == 0, "%s == 0 (got %d)" % (n, st[n]))
        probs = h.accounting_problems(st)
        h.check(not probs, "every received frame counted once" +
                ("" if not probs else ": " + "; ".join(probs)))
        h.check(trc == 0, "tern-sockecho exit status 0 after SIGTERM (got %s)" % trc)
        ws = h.parse_workers(t.tern.stdout_lines)
        h.log("per worker: %s" % ws)
        lo, _, hi = lcores.partition("-")
        nw = int(hi or lo) - int(lo) + 1
        h.check(len(ws) == nw, "%d worker(s) reported (%d)" % (nw, len(ws)))
        for i, w in enumerate(ws):
            h.check(w["tcp_passive_opens"] > 0, "worker %d accepted %d > 0"
                    % (i, w["tcp_passive_opens"]))


def main(build, src):
    h.require_netns()
    run(build, src, [])
    run(build, src, ["--edge", "--zero-copy"])
    run(build, src, [], lcores=os.environ.get("TERN_TEST_LCORES", "0-1"))


if __name__ == "__main__":
    h.run_test(main)
