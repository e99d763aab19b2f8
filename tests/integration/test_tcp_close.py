# SPDX-License-Identifier: BSD-3-Clause
"""
TCP connection ends, the Linux kernel in the test namespace as the peer.

tern-echo on port 7 (default config):
- half-close: Linux sends, shutdown(SHUT_WR), and still receives the complete
  echo, then EOF from tern (tern closes once its peer closed and everything
  was echoed), no reset (SO_ERROR 0, socket CLOSED/TIME_WAIT):
    4 connections x 2 MiB, FIN right after the last byte is queued while
      reading goes on (the echo tail always arrives after our FIN);
    4 connections x 256 KiB, FIN before reading anything (all of the echo
      arrives after our FIN: tern keeps sending in CLOSE_WAIT);
    1 byte then FIN; FIN with no data at all;
- refused: 3 connects to 10.77.0.2:9 (nothing listens) all get ECONNREFUSED;
  tern counts tcp_rst_sent >= 3 and tcp_drop_no_conn >= 3;
- counters: every connection closed normally, none reset or aborted.

tern-echo --close-after 100000 (tern performs the active close):
- 5 concurrent connections, then one more, each sends exactly 100000 bytes,
  receives exactly 100000 bytes and then EOF (clean FIN, recv() == b'', no
  ECONNRESET); Linux then closes and its socket reaches CLOSED (tern ACKed our
  FIN) with SO_ERROR 0;
- tern: tcp_time_wait_entered == 6 (>= 1: tern did the active close), no RST
  sent or received, tcp_conn_closed == 6.
"""
import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tern_harness as h  # noqa: E402
import tern_tcp as tt  # noqa: E402

CLOSE_AFTER = 100000
REFUSED_PORT = 9
REFUSED_TRIES = 3


def client(t, conns, nbytes, shutdown, seed, timeout=60):
    rc, res = tt.run_peer(t, "client", "--dst", h.TERN_IP, "--port", 7, "--conns", conns,
                          "--bytes", nbytes, "--seed", seed, "--shutdown", shutdown,
                          timeout=timeout)
    tt.log_client_result(res)
    h.check(rc == 0 and res["ok"] == conns,
            "%d/%d connections of %d bytes (FIN %s): full echo, EOF, no reset"
            % (res["ok"], conns, nbytes, shutdown))
    return res


def half_close_and_refused(build, src):
    with h.TernNetns(build, src) as t:
        h.log("-- half-close: FIN right after the last byte, reading all along")
        res = client(t, 4, 2 << 20, "after-send", seed=21)
        h.check(res["conns_with_tail_after_shut"] == 4,
                "every connection received echo after its FIN (%d bytes in all)"
                % res["rcvd_after_shut"])
        h.log("-- half-close: FIN before reading anything")
        res = client(t, 4, 256 << 10, "before-read", seed=22)
        h.check(res["rcvd_after_shut"] == 4 * (256 << 10),
                "the whole echo (%d bytes) arrived after our FIN" % res["rcvd_after_shut"])
        h.log("-- half-close: 1 byte then FIN")
        client(t, 1, 1, "before-read", seed=23)
        h.log("-- FIN with no data")
        client(t, 1, 0, "after-send", seed=24)
        halfclose_conns = 4 + 4 + 1 + 1

        h.log("-- connect to a closed port")
        _rc, res = tt.run_peer(t, "refused", "--dst", h.TERN_IP, "--port", REFUSED_PORT,
                               "--count", REFUSED_TRIES, timeout=30)
        h.log("connect to %s:%d: %s" % (h.TERN_IP, REFUSED_PORT, res["results"]))
        h.check(res["results"] == ["ECONNREFUSED"] * REFUSED_TRIES,
                "%d connects to port %d: ECONNREFUSED each" % (REFUSED_TRIES, REFUSED_PORT))

        rc, st = tt.stop(t)
        tt.show(st, "tcp_passive_opens", "tcp_conn_closed", "tcp_rst_sent",
                "tcp_drop_no_conn", "tcp_rx_bytes", "tcp_tx_bytes", "tcp_rexmt_segs")
        h.check(st["tcp_passive_opens"] == halfclose_conns, "tcp_passive_opens %d == %d"
                % (st["tcp_passive_opens"], halfclose_conns))
        h.check(st["tcp_conn_closed"] == halfclose_conns, "tcp_conn_closed %d == %d"
                % (st["tcp_conn_closed"], halfclose_conns))
        want = 4 * (2 << 20) + 4 * (256 << 10) + 1
        h.check(st["tcp_rx_bytes"] == want, "tcp_rx_bytes %d == %d" % (st["tcp_rx_bytes"], want))
        h.check(st["tcp_rst_sent"] >= REFUSED_TRIES, "tcp_rst_sent %d >= %d"
                % (st["tcp_rst_sent"], REFUSED_TRIES))
        h.check(st["tcp_drop_no_conn"] >= REFUSED_TRIES, "tcp_drop_no_conn %d >= %d"
                % (st["tcp_drop_no_conn"], REFUSED_TRIES))
        for n in ("tcp_rst_rcvd", "tcp_conn_reset", "tcp_conn_aborted", "tcp_conn_timeout"):
            h.check(st[n] == 0, "%s == 0 (got %d)" % (n, st[n]))
        tt.check_exit(rc)


def active_close(build, src):
    with h.TernNetns(build, src, tern_args=["--close-after", str(CLOSE_AFTER)]) as t:
        h.log("-- tern closes after echoing %d bytes" % CLOSE_AFTER)
        res = client(t, 5, CLOSE_AFTER, "on-eof", seed=31)
        h.check(res["end_states"] == {"CLOSE": 5},
                "5 Linux sockets CLOSED after their FIN was ACKed (%s)" % res["end_states"])
        res = client(t, 1, CLOSE_AFTER, "on-eof", seed=32)
        conns = 6
        # the last ACK from tern reached Linux (CLOSED above); give tern's
        # bookkeeping of it a moment before the counters are read
        time.sleep(0.2)
        rc, st = tt.stop(t)
        tt.show(st, "tcp_passive_opens", "tcp_conn_closed", "tcp_time_wait_entered",
                "tcp_rst_sent", "tcp_rst_rcvd", "tcp_rx_bytes", "tcp_tx_bytes")
        h.check(st["tcp_time_wait_entered"] >= 1,
                "tcp_time_wait_entered %d >= 1: tern did the active close"
                % st["tcp_time_wait_entered"])
        h.check(st["tcp_time_wait_entered"] == conns, "tcp_time_wait_entered %d == %d"
                % (st["tcp_time_wait_entered"], conns))
        h.check(st["tcp_conn_closed"] == conns, "tcp_conn_closed %d == %d"
                % (st["tcp_conn_closed"], conns))
        h.check(st["tcp_rx_bytes"] == conns * CLOSE_AFTER, "tcp_rx_bytes %d == %d"
                % (st["tcp_rx_bytes"], conns * CLOSE_AFTER))
        for n in ("tcp_rst_sent", "tcp_rst_rcvd", "tcp_conn_reset", "tcp_conn_aborted",
                  "tcp_conn_timeout", "tcp_drop_after_close"):
            h.check(st[n] == 0, "%s == 0 (got %d)" % (n, st[n]))
        tt.check_exit(rc)


def main(build, src):
    h.require_netns()
    half_close_and_refused(build, src)
    active_close(build, src)


if __name__ == "__main__":
    h.run_test(main)
