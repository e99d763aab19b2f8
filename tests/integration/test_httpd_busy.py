# SPDX-License-Identifier: BSD-3-Clause
"""
tern-httpd --max-busy 1: request state is held only while a connection has a
request or response going, and is shared by all the connections of a worker.

From the test namespace, in order:
- connection A opens and stays silent, connection B opens and stays silent:
  quiet connections hold no request state, so both are accepted;
- A sends part of a request (the request line only): A is busy;
- C sends a whole request: no state is free, so C gets "503 Service
  Unavailable" with Connection: close, then EOF;
- A sends the rest of its request: 200 with the right body; A is quiet again;
- B sends a whole request: 200 (the state A gave back), and one more on the
  same connection: 200;
- A sends one more request: 200.
At exit: tern-httpd counted busy_refused 1 and responses_2xx 4; every accepted
connection closed normally, none aborted or reset.
"""
import json
import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tern_harness as h  # noqa: E402
import test_httpd_proto as hp  # noqa: E402   (Conn, pattern, get, httpd_stats)


def client_main():
    res = {}
    a, b = hp.Conn(), hp.Conn()
    time.sleep(0.1)
    a.send(b"GET /bytes/7 HTTP/1.1\r\n")
    time.sleep(0.1)
    c = hp.Conn()
    c.send(hp.get("/bytes/5"))
    try:
        st, reason, hd, _body = c.response()
        res["c"] = [st, reason, hd.get("connection"), c.eof()]
    except Exception as e:   # recorded, the test side reports it
        res["c"] = [repr(e)]
    c.close()
    a.send(b"Host: " + hp.IP.encode() + b"\r\n\r\n")
    st, _r, _hd, body = a.response()
    res["a"] = [st, body == hp.pattern(7)]
    got = []
    for n in (3, 4):
        b.send(hp.get("/bytes/%d" % n))
        st, _r, _hd, body = b.response()
        got.append(st == 200 and body == hp.pattern(n))
    res["b"] = got
    a.send(hp.get("/bytes/2"))
    st, _r, _hd, body = a.response()
    res["a2"] = [st, body == hp.pattern(2)]
    a.close()
    b.close()
    print(json.dumps(res))


def main(build, src):
    h.require_netns()
    with h.TernNetns(build, src, app="tern-httpd",
                     tern_args=["--port", str(hp.PORT), "--max-busy", "1"]) as t:
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
        hs = hp.httpd_stats(t)
        h.check(res is not None, "client ran (%s)" % res)
        res = res or {}
        h.check(res.get("c") == [503, "Service Unavailable", "close", True],
                "a request while the only request state is taken: 503, Connection: close, "
                "EOF (%s)" % res.get("c"))
        h.check(res.get("a") == [200, True], "the busy connection's request completes: 200, "
                "right body (%s)" % res.get("a"))
        h.check(res.get("b") == [True, True], "a connection that was quiet meanwhile: two "
                "requests answered (%s)" % res.get("b"))
        h.check(res.get("a2") == [200, True], "the first connection again: 200 (%s)"
                % res.get("a2"))
        h.check(rc == 0, "tern-httpd exit status 0 (got %s)" % rc)
        h.check(hs.get("busy_refused") == 1 and hs.get("responses_2xx") == 4,
                "httpd busy_refused %s == 1, responses_2xx %s == 4"
                % (hs.get("busy_refused"), hs.get("responses_2xx")))
        h.check(st["tcp_passive_opens"] == 3 and st["tcp_conn_closed"] == 3,
                "tcp_passive_opens %d == tcp_conn_closed %d == 3"
                % (st["tcp_passive_opens"], st["tcp_conn_closed"]))
        for k in ("tcp_conn_aborted", "tcp_conn_reset", "tcp_conn_timeout"):
            h.check(st[k] == 0, "%s == 0 (got %d)" % (k, st[k]))


if __name__ == "__main__":
    if "--client" in sys.argv[1:]:
        client_main()
    else:
        h.run_test(main)
