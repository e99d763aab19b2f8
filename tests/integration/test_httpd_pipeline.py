# SPDX-License-Identifier: BSD-3-Clause
"""
tern-httpd pipelining at the limit of its response queue (16 per connection).
The client (this script, run in the test namespace with --client) keeps its
receive buffer small and does not read while it sends, so tern's responses
back up and the queue stays full:

- 100 pipelined GETs in one write, then shutdown(SHUT_WR) at once: 100
  responses in order (parsing pauses at 16 queued and resumes as they drain,
  the peer's FIN waits behind them), then EOF;
- queue full, more requests later: 16 GETs in one write, the first for 8 MB
  (more than tern's send buffer and the client's window, so it cannot drain),
  then 0.3 s later 4 more GETs in a second write: all 20 answered in order,
  each body complete, then EOF after the last one's Connection: close;
- the same with POST bodies as requests 2..16;
- with a 4 KiB send buffer (a second tern-httpd): 200 pipelined GETs of the
  index page, sent whole from a cache and cut where the buffer is full
  (httpd header_splits > 0): every response right, in order;
- at exit: no connection left open (tcp_conn_aborted == 0), every accepted
  connection ended (tcp_passive_opens == tcp_conn_closed + tcp_conn_reset +
  tcp_conn_timeout), httpd answered every request (responses_2xx == requests).
"""
import json
import os
import re
import socket
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tern_harness as h  # noqa: E402
import test_httpd_proto as hp  # noqa: E402   (Conn, pattern, get)

IP = h.TERN_IP
BIG = 8000000


class SlowConn(hp.Conn):
    """A client whose small receive buffer makes tern's responses back up."""

    def __init__(self, timeout=5.0):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32768)
        self.s.settimeout(timeout)
        self.s.connect((IP, hp.PORT))
        self.buf = b""
        self.port = self.s.getsockname()[1]


def read_all(c, want, R, what):
    """Read responses; want: [(status, body)]. Records one check; returns True if all right."""
    got = []
    try:
        for st_want, body_want in want:
            st, _r, _hd, body = c.response()
            got.append((st, len(body)))
            if st != st_want or body != body_want:
                R.check(False, "%s: response %d of %d is %d with %d body bytes, expected %d "
                        "with %d (%s)" % (what, len(got), len(want), st, len(body), st_want,
                                          len(body_want), summarize(body)))
                return False
    except Exception as e:
        R.check(False, "%s: after %d of %d responses right: %r; next bytes received: %s"
                % (what, len(got), len(want), e, summarize(c.buf)))
        return False
    R.check(True, "%s: all %d responses in order, each body right" % (what, len(want)))
    return True


def summarize(b):
    """Where HTTP status lines sit in b, for a failure report."""
    heads = [(m.start(), b[m.start():m.start() + 12].decode("latin-1"))
             for m in re.finditer(rb"HTTP/1\.1 \d{3}", b)]
    return "%d bytes, status lines at %s" % (len(b), heads[:8])


def case_fin_behind(R):
    c = SlowConn()
    R.info["conns"] += 1
    sizes = [(i * 4999) % 60000 for i in range(100)]
    c.send(b"".join(hp.get("/bytes/%d" % n) for n in sizes))
    c.s.shutdown(socket.SHUT_WR)
    R.info["requests"] += len(sizes)
    if read_all(c, [(200, hp.pattern(n)) for n in sizes], R,
                "100 pipelined GETs then SHUT_WR"):
        R.check(c.eof(), "100 pipelined GETs then SHUT_WR: EOF after the last response")
    c.close()


def client_index_main():
    """
    Against a tern-httpd with a 4 KiB send buffer: 200 pipelined GETs of the
    index page, a small response sent whole (headers and body in one send),
    which the full send buffer cuts in two every 15 or so responses; the
    rest must follow from where it stopped.
    """
    R = Results()
    c = SlowConn()
    c.send(hp.get("/"))
    _st, _r, _hd, page = c.response()
    c.send(hp.get("/") * 200)
    c.s.shutdown(socket.SHUT_WR)
    if read_all(c, [(200, page)] * 200, R, "200 pipelined GETs of the index page, 4 KiB "
                "send buffer"):
        R.check(c.eof(), "index pages: EOF after the last response")
    c.close()
    R.info = {"conns": 1, "requests": 201}
    print(json.dumps({"checks": R.checks, "info": R.info}))


def case_queue_full(R, post):
    what = "16 pipelined %s, queue full, 4 more later" % ("GET+POSTs" if post else "GETs")
    c = SlowConn()
    R.info["conns"] += 1
    first, want = [hp.get("/bytes/%d" % BIG)], [(200, hp.pattern(BIG))]
    for i in range(1, 16):
        if post:
            body = b"p" * i
            first.append(("POST /echo HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\n"
                          % (IP, i)).encode() + body)
            want.append((200, b"received %d bytes\n" % i))
        else:
            first.append(hp.get("/bytes/%d" % (100 + i)))
            want.append((200, hp.pattern(100 + i)))
    c.send(b"".join(first))
    time.sleep(0.3)          # tern has queued 16 responses; the first cannot drain
    later = [hp.get("/bytes/%d" % i, "Connection: close\r\n" if i == 4 else "")
             for i in range(1, 5)]
    c.send(b"".join(later))
    want += [(200, hp.pattern(i)) for i in range(1, 5)]
    R.info["requests"] += 20
    if read_all(c, want, R, what):
        R.check(c.eof(), "%s: EOF after the last one's Connection: close" % what)
    c.close()


class Results(hp.Results):
    def __init__(self):
        super().__init__()
        self.info = {"conns": 0, "requests": 0}


def client_main():
    R = Results()
    for case in (case_fin_behind, lambda R: case_queue_full(R, False),
                 lambda R: case_queue_full(R, True)):
        try:
            case(R)
        except Exception as e:
            R.check(False, "a case raised %r" % (e,))
    print(json.dumps({"checks": R.checks, "info": R.info}))


def main(build, src):
    h.require_netns()
    run_server(build, src, "--client", "")
    splits = run_server(build, src, "--client-index", "[tcp]\nsndbuf = 4096\n")
    h.check(splits > 0, "the 4 KiB send buffer cut whole responses (header_splits %d)" % splits)


def run_server(build, src, client_flag, config_extra):
    """One tern-httpd with @config_extra, this script's @client_flag client against it,
    the checks at its exit; returns httpd's header_splits."""
    with h.TernNetns(build, src, app="tern-httpd", tern_args=["--port", str(hp.PORT)],
                     config_extra=config_extra) as t:
        r = t.run([sys.executable, os.path.abspath(__file__), client_flag], timeout=90,
                  check=False)
        res = None
        for ln in reversed(r.stdout.strip().splitlines()):
            if ln.startswith("{"):
                res = json.loads(ln)
                break
        if res is None:
            h.log("client: rc %d\nstdout:\n%s\nstderr:\n%s"
                  % (r.returncode, r.stdout[-3000:], r.stderr[-3000:]))
        time.sleep(0.5)
        rc, st = t.stop()
        hs = hp.httpd_stats(t)
        h.print_stats(st)
        h.log("httpd counters: %s" % hs)
        h.check(res is not None, "client ran (rc %d)" % r.returncode)
        failed = 0
        for ok, what in res["checks"]:
            h.log(("ok   " if ok else "FAIL ") + what)
            failed += not ok
        info = res["info"]
        h.check(rc == 0, "tern-httpd exit status 0 (got %s)" % rc)
        h.check(st["tcp_passive_opens"] == info["conns"], "tcp_passive_opens %d == %d"
                % (st["tcp_passive_opens"], info["conns"]))
        h.check(st["tcp_conn_aborted"] == 0,
                "no connection still open when tern stopped (tcp_conn_aborted %d == 0)"
                % st["tcp_conn_aborted"])
        ended = st["tcp_conn_closed"] + st["tcp_conn_reset"] + st["tcp_conn_timeout"]
        h.check(st["tcp_passive_opens"] == ended,
                "every accepted connection ended: tcp_passive_opens %d == closed %d + reset "
                "%d + timeout %d" % (st["tcp_passive_opens"], st["tcp_conn_closed"],
                                     st["tcp_conn_reset"], st["tcp_conn_timeout"]))
        h.check(hs.get("requests") == info["requests"] and
                hs.get("responses_2xx") == info["requests"],
                "httpd requests %s and responses_2xx %s == %d"
                % (hs.get("requests"), hs.get("responses_2xx"), info["requests"]))
        h.check(failed == 0, "all %d client checks passed (%d failed)"
                % (len(res["checks"]), failed))
        return hs.get("header_splits", 0)


if __name__ == "__main__":
    if "--client" in sys.argv[1:]:
        client_main()
    elif "--client-index" in sys.argv[1:]:
        client_index_main()
    else:
        h.run_test(main)
