# SPDX-License-Identifier: BSD-3-Clause
"""
tern-httpd --idle-timeout 1: idle connections are closed by the server.

From the test namespace, at the same time (one thread each):
- keep-alive after a response: GET /, read it, then wait: EOF (recv returns
  b'') after about 1 s (between 0.7 s and 3 s);
- a connection that never sends a byte: EOF after about 1 s;
- a request left unfinished (part of the headers): EOF after about 1 s, with
  no response;
- an active connection, one request every 0.4 s for 2.4 s: every request
  answered, no EOF meanwhile; then idle: EOF within 3 s of the last response.
At exit: every accepted connection closed normally (idle closes are graceful:
tcp_conn_closed == tcp_passive_opens == 4), nothing aborted, reset or timed out
at the TCP level.
"""
import json
import os
import socket
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tern_harness as h  # noqa: E402
import test_httpd_proto as hp  # noqa: E402   (Conn, pattern, get)

IDLE_S = 1.0
LOW, HIGH = 0.7, 3.0


def wait_eof(c, start):
    """Seconds from start until EOF, or a string saying what came instead."""
    c.s.settimeout(HIGH + 2)
    try:
        d = c.s.recv(65536)
    except socket.timeout:
        return "no EOF within %.0fs" % (HIGH + 2)
    except OSError as e:
        return repr(e)
    if d:
        return "data instead of EOF: %r" % d[:60]
    return time.monotonic() - start


def after_response(res):
    c = hp.Conn()
    c.send(hp.get("/"))
    st, _r, _hd, _b = c.response()
    res["after_response"] = (st, wait_eof(c, time.monotonic()))
    c.close()


def silent(res):
    c = hp.Conn()
    res["silent"] = wait_eof(c, time.monotonic())
    c.close()


def partial(res):
    c = hp.Conn()
    c.send(b"GET /bytes/5 HTTP/1.1\r\nHost: " + hp.IP.encode())
    res["partial"] = wait_eof(c, time.monotonic())
    c.close()


def active(res):
    c = hp.Conn()
    answered = 0
    for i in range(7):
        c.send(hp.get("/bytes/%d" % (i + 1)))
        st, _r, _hd, body = c.response()
        answered += st == 200 and body == hp.pattern(i + 1)
        if i < 6:
            time.sleep(0.4)
    res["active"] = (answered, wait_eof(c, time.monotonic()))
    c.close()


def guarded(f, res):
    try:
        f(res)
    except Exception as e:   # recorded, the test side reports it
        res[f.__name__] = (repr(e), None)


def client_main():
    res = {}
    ths = [threading.Thread(target=guarded, args=(f, res))
           for f in (after_response, silent, partial, active)]
    for t in ths:
        t.start()
    for t in ths:
        t.join(30)
    print(json.dumps(res))


def fmt(v):
    return "%.2f" % v if isinstance(v, float) else repr(v)


def in_range(v):
    return isinstance(v, float) and LOW <= v <= HIGH


def main(build, src):
    h.require_netns()
    with h.TernNetns(build, src, app="tern-httpd",
                     tern_args=["--port", str(hp.PORT), "--idle-timeout", str(IDLE_S)]) as t:
        r = t.run([sys.executable, os.path.abspath(__file__), "--client"], timeout=60,
                  check=False)
        res = None
        try:
            res = json.loads(r.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            h.log("client: rc %d\nstdout:\n%s\nstderr:\n%s"
                  % (r.returncode, r.stdout[-3000:], r.stderr[-3000:]))
        time.sleep(0.3)
        rc, st = t.stop()
        h.print_stats(st)
        h.check(res is not None and len(res) == 4, "client ran, 4 connections (%s)" % res)
        st_code, dt = res.get("after_response", (None, None))
        h.check(st_code == 200 and in_range(dt), "keep-alive connection idle after a "
                "response: closed by tern after %s s (want %.1f..%.1f)" % (fmt(dt), LOW, HIGH))
        h.check(in_range(res.get("silent")), "connection that never sent a byte: closed after "
                "%s s" % fmt(res.get("silent")))
        h.check(in_range(res.get("partial")), "unfinished request: closed after %s s, no "
                "response" % fmt(res.get("partial")))
        answered, dt = res.get("active", (None, None))
        h.check(answered == 7, "active connection (a request every 0.4 s for 2.4 s): %d/7 "
                "answered, not closed meanwhile" % answered)
        h.check(in_range(dt), "then idle: closed after %s s" % fmt(dt))
        h.check(rc == 0, "tern-httpd exit status 0 (got %s)" % rc)
        h.check(st["tcp_passive_opens"] == 4 and st["tcp_conn_closed"] == 4,
                "tcp_passive_opens %d == tcp_conn_closed %d == 4"
                % (st["tcp_passive_opens"], st["tcp_conn_closed"]))
        for k in ("tcp_conn_aborted", "tcp_conn_reset", "tcp_conn_timeout"):
            h.check(st[k] == 0, "%s == 0 (got %d)" % (k, st[k]))


if __name__ == "__main__":
    if "--client" in sys.argv[1:]:
        client_main()
    else:
        h.run_test(main)
