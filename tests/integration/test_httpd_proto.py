# SPDX-License-Identifier: BSD-3-Clause
"""
tern-httpd at the protocol level: raw sockets and http.client from the test
namespace (this script runs itself there with --client) against one
tern-httpd with the default limits (--max-body 1 MiB).

- pipelining: 10 requests (/bytes/1 .. /bytes/10) in one write are answered in
  order, each body of its own length; the connection then serves one more;
  40 mixed requests in one write (GET/HEAD/404, up to 200 KB, more than the 16
  queued responses, so parsing pauses and resumes) answered in order, then the
  last one's Connection: close closes it;
- HEAD sends no body: a GET pipelined behind it starts right after the headers;
- the index page as GET, HEAD, HTTP/1.0 keep-alive, GET and Connection: close,
  pipelined: each response has its own headers (they are sent whole from a cache);
- a request split byte by byte (TCP_NODELAY, one byte per send, 3 ms apart),
  GET and a POST with its body: answered correctly;
- request then shutdown(SHUT_WR): the whole 1 MB response, then EOF;
- limits: header bytes > 16 KiB -> 431 (one long header; many headers), just
  under -> 200; target of 8193 bytes -> 414, of 8192 -> 404 on a connection
  that stays usable; body of 1 MiB + 1 -> 413 (Content-Length and chunked),
  1 MiB exactly -> "received 1048576 bytes"; every error response has
  Connection: close, its reason as body, and EOF follows;
- malformed request line -> 400, nothing more (a valid request in the same
  write gets no answer), EOF; a bad line after two good pipelined requests ->
  200, 200, 400, EOF; a header line without colon -> 400;
- http.client on one connection: GET, HEAD, 404, 405 (PUT /, DELETE /bytes/5,
  POST /) with "Allow: GET, HEAD", a chunked POST /echo; the socket is the
  same throughout (keep-alive);
- clients that go away mid-request: FIN after part of the headers, FIN after
  part of a body, RST after part of the headers, RST in the middle of a 10 MiB
  response. Observable from outside: for each FIN case the client's socket
  reaches TIME_WAIT (tern answered with its FIN; a server that kept the
  connection would leave it in FIN_WAIT_2), and at the end no socket of the
  namespace towards 10.77.0.2:80 is in any state but TIME_WAIT;
- at exit (tern-httpd's own counters): no connection was still open
  (tcp_conn_aborted == 0: the stack aborts what is left at shutdown), every
  accepted connection ended: tcp_passive_opens == tcp_conn_closed +
  tcp_conn_reset, with exactly the 2 resets the test caused, no timeouts;
  tcp_rx_data_segs covers the byte-by-byte requests; httpd's counters agree
  with what was sent (connections, 4xx, parse errors).
"""
import json
import os
import re
import socket
import struct
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tern_harness as h  # noqa: E402

IP = h.TERN_IP
PORT = 80
MAX_BODY = 1 << 20


def pattern(n):
    alpha = bytes(range(ord("a"), ord("z") + 1))
    return (alpha * (n // 26 + 1))[:n]


def get(path, extra=""):
    return ("GET %s HTTP/1.1\r\nHost: %s\r\n%s\r\n" % (path, IP, extra)).encode()


# ------------------------------------------------------------------ client side
# (runs in the test namespace)

class Conn:
    """A client socket with a response reader."""

    def __init__(self, nodelay=False, timeout=5.0):
        self.s = socket.create_connection((IP, PORT), timeout=timeout)
        if nodelay:
            self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.port = self.s.getsockname()[1]

    def send(self, data):
        self.s.sendall(data)

    def _fill(self):
        d = self.s.recv(1 << 20)
        if not d:
            raise EOFError("connection closed by tern-httpd")
        self.buf += d

    def response(self, head=False):
        """(status, reason, {header: value}, body); body read by Content-Length."""
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        hdr, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = hdr.decode("latin-1").split("\r\n")
        m = re.match(r"^HTTP/1\.1 (\d{3}) (.*)$", lines[0])
        if not m:
            raise ValueError("bad status line %r" % lines[0])
        hd = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            if k.lower() in hd:
                raise ValueError("header %s twice" % k)
            hd[k.lower()] = v.strip()
        n = 0 if head else int(hd["content-length"])
        while len(self.buf) < n:
            self._fill()
        body, self.buf = self.buf[:n], self.buf[n:]
        return int(m.group(1)), m.group(2), hd, body

    def eof(self, timeout=3.0):
        """True when tern closes (FIN) with nothing more sent, within timeout."""
        self.s.settimeout(timeout)
        try:
            while True:
                d = self.s.recv(65536)
                if not d:
                    return self.buf == b""
                self.buf += d
        except socket.timeout:
            return False
        except ConnectionResetError:
            return False

    def close(self):
        self.s.close()


TCP_STATES = {1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1",
              5: "FIN_WAIT2", 6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT", 9: "LAST_ACK",
              11: "CLOSING"}


def sockets_to_tern():
    """{local port: state name} of this namespace's TCP sockets towards IP:PORT."""
    want = "%08X:%04X" % (struct.unpack("<I", socket.inet_aton(IP))[0], PORT)
    out = {}
    with open("/proc/net/tcp") as f:
        next(f)
        for ln in f:
            p = ln.split()
            if p[2] == want:
                out[int(p[1].split(":")[1], 16)] = TCP_STATES.get(int(p[3], 16), p[3])
    return out


def wait_state(port, want, timeout=3.0):
    """Poll until the socket of local port reaches state want; returns the last state."""
    deadline = time.monotonic() + timeout
    st = None
    while time.monotonic() < deadline:
        st = sockets_to_tern().get(port, "gone")
        if st == want:
            return st
        time.sleep(0.05)
    return st


class Results:
    def __init__(self):
        self.checks = []
        self.info = {"split_bytes": 0, "conns": 0, "resp_4xx": 0, "refused": 0,
                     "resets": 0}

    def check(self, cond, what):
        self.checks.append([bool(cond), what])
        return cond

    def conn(self, **kw):
        self.info["conns"] += 1
        return Conn(**kw)


def case_pipeline(R):
    c = R.conn()
    c.send(b"".join(get("/bytes/%d" % i) for i in range(1, 11)))
    got = []
    for i in range(1, 11):
        st, _r, hd, body = c.response()
        got.append((st, hd.get("content-length"), body == pattern(i)))
    R.check(got == [(200, str(i), True) for i in range(1, 11)],
            "10 pipelined requests in one write: answered in order, each body of its own "
            "length and content (%s)" % [(g[0], g[1]) for g in got])
    c.send(get("/bytes/11"))
    st, _r, _hd, body = c.response()
    R.check(st == 200 and body == pattern(11), "after the pipeline the connection serves "
            "another request (%d)" % st)
    c.close()

    # 40 mixed requests: more than the 16 queued responses, bodies past the send buffer
    reqs = []
    for i in range(40):
        if i % 7 == 3:
            reqs.append(("HEAD", "/bytes/%d" % (i * 1000), 200, i * 1000))
        elif i % 11 == 5:
            reqs.append(("GET", "/missing/%d" % i, 404, len(b"not found\n")))
        else:
            n = (i * 7919) % 200000
            reqs.append(("GET", "/bytes/%d" % n, 200, n))
    data = b""
    for k, (m, p, _s, _n) in enumerate(reqs):
        data += ("%s %s HTTP/1.1\r\nHost: %s\r\n%s\r\n"
                 % (m, p, IP, "Connection: close\r\n" if k == len(reqs) - 1 else "")).encode()
    c = R.conn()
    c.send(data)
    bad = []
    for k, (m, p, s, n) in enumerate(reqs):
        st, _r, hd, body = c.response(head=(m == "HEAD"))
        ok = st == s and hd.get("content-length") == str(n)
        if s == 200 and m == "GET":
            ok = ok and body == pattern(n)
        if k == len(reqs) - 1:
            ok = ok and hd.get("connection") == "close"
        if not ok:
            bad.append((k, m, p, st, hd.get("content-length")))
        if s == 404:
            R.info["resp_4xx"] += 1
    R.check(not bad, "40 mixed pipelined requests (GET/HEAD/404, up to 200 KB) answered in "
            "order%s" % ("" if not bad else ": wrong %s" % bad[:5]))
    R.check(c.eof(), "Connection: close on the last one: EOF after its response")
    c.close()


def case_head(R):
    c = R.conn()
    c.send(("HEAD /bytes/1000 HTTP/1.1\r\nHost: %s\r\n\r\n" % IP).encode() + get("/bytes/3"))
    st, _r, hd, _b = c.response(head=True)
    R.check(st == 200 and hd.get("content-length") == "1000",
            "HEAD /bytes/1000: 200, Content-Length 1000 (%d, %s)" % (st, hd.get("content-length")))
    st, _r, hd, body = c.response()
    R.check(st == 200 and body == b"abc" and c.buf == b"", "HEAD sent no body: the GET "
            "behind it starts right after the headers, reads 'abc' (%d %r)" % (st, body[:20]))
    c.close()


def case_index_variants(R):
    """
    The index page in each shape a client can ask for, pipelined on one
    connection: tern-httpd sends small static responses whole from a
    per-worker cache, so each must come back with its own headers.
    """
    c = R.conn()
    host = "Host: %s\r\n" % IP
    c.send(("GET / HTTP/1.1\r\n%s\r\nHEAD / HTTP/1.1\r\n%s\r\n"
            "GET /index.html HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
            "GET / HTTP/1.1\r\n%s\r\n"
            "GET / HTTP/1.1\r\n%sConnection: close\r\n\r\n" % (host, host, host, host)).encode())
    got = []
    for head in (False, True, False, False, False):
        st, _r, hd, body = c.response(head=head)
        got.append((st, hd.get("connection"), int(hd.get("content-length", -1)), body))
    page = got[0][3]
    want = [(200, None, len(page), page), (200, None, len(page), b""),
            (200, "keep-alive", len(page), page), (200, None, len(page), page),
            (200, "close", len(page), page)]
    R.check(page.startswith(b"<!DOCTYPE html>") and got == want,
            "GET, HEAD, 1.0 keep-alive, GET, close of the index page: each its own "
            "headers and body (%r)" % [(g[0], g[1], g[2], len(g[3])) for g in got])
    R.check(c.eof(), "the close one ends the connection")
    c.close()


def case_split(R):
    req = ("GET /bytes/33?split=1 HTTP/1.1\r\nHost: %s\r\nUser-Agent: one-byte-at-a-time\r\n"
           "Accept: */*\r\n\r\n" % IP).encode()
    post = ("POST /echo HTTP/1.1\r\nHost: %s\r\nContent-Length: 10\r\n\r\n0123456789"
            % IP).encode()
    c = R.conn(nodelay=True)
    for req_bytes, want in ((req, (200, pattern(33))), (post, (200, b"received 10 bytes\n"))):
        for i in range(len(req_bytes)):
            c.send(req_bytes[i:i + 1])
            time.sleep(0.003)
        R.info["split_bytes"] += len(req_bytes)
        st, _r, _hd, body = c.response()
        R.check((st, body) == want, "request sent one byte per segment (%d bytes, %s): "
                "answered %d %r" % (len(req_bytes), req_bytes.split(b" ")[0].decode(), st,
                                    body[:40]))
    c.close()


def case_half_close(R):
    c = R.conn()
    c.send(get("/bytes/1000000"))
    c.s.shutdown(socket.SHUT_WR)
    st, _r, _hd, body = c.response()
    R.check(st == 200 and body == pattern(1000000),
            "request then SHUT_WR: the whole 1 MB response (%d, %d bytes)" % (st, len(body)))
    R.check(c.eof(), "then EOF (tern closes after its last response)")
    c.close()


def error_case(R, what, data, status, reason, before=()):
    """Send data; expect the responses before, then status with Connection: close, then EOF."""
    c = R.conn()
    try:
        c.send(data)
    except (BrokenPipeError, ConnectionResetError) as e:
        R.check(False, "%s: send failed: %r" % (what, e))
    try:
        for want in before:
            st, _r, _hd, body = c.response()
            R.check(st == want, "%s: first a %d (%d)" % (what, want, st))
        st, rs, hd, body = c.response()
        R.check(st == status and rs == reason, "%s: %d %s (got %d %s)"
                % (what, status, reason, st, rs))
        R.check(hd.get("connection") == "close" and body == (reason + "\n").encode(),
                "%s: Connection: close, body %r" % (what, body))
        R.check(c.eof(), "%s: then the connection closes (EOF, nothing more)" % what)
    except (EOFError, socket.timeout, ConnectionResetError, ValueError) as e:
        R.check(False, "%s: %r" % (what, e))
    R.info["resp_4xx"] += 1 + sum(1 for b in before if b >= 400)
    R.info["refused"] += 1      # httpd counts every refused request as a parse error
    c.close()


def case_limits(R):
    big = ("GET / HTTP/1.1\r\nHost: %s\r\nX-Big: %s\r\n\r\n" % (IP, "b" * 17000)).encode()
    error_case(R, "one 17000-byte header", big, 431, "Request Header Fields Too Large")
    many = ("GET / HTTP/1.1\r\nHost: %s\r\n" % IP + "".join(
        "X-H-%03d: %s\r\n" % (i, "v" * 60) for i in range(300)) + "\r\n").encode()
    error_case(R, "300 headers (20 KB)", many, 431, "Request Header Fields Too Large")
    c = R.conn()
    c.send(get("/bytes/2", "X-Big: %s\r\n" % ("b" * 16000)))
    st, _r, _hd, body = c.response()
    R.check(st == 200 and body == b"ab", "a 16000-byte header (under 16 KiB): 200 (%d)" % st)

    # target of exactly 8192 bytes: 404, the connection goes on; 8193: 414
    c.send(get("/" + "t" * 8191))
    st, _r, hd, _b = c.response()
    R.info["resp_4xx"] += 1
    R.check(st == 404 and "connection" not in hd, "8192-byte target: 404, connection kept (%d)"
            % st)
    c.send(get("/bytes/4"))
    st, _r, _hd, body = c.response()
    R.check(st == 200 and body == b"abcd", "then another request on it: 200")
    c.close()
    error_case(R, "8193-byte target", get("/" + "t" * 8192), 414, "URI Too Long")
    error_case(R, "9000-byte target", get("/bytes/1?" + "q" * 8990), 414, "URI Too Long")

    # bodies: 1 MiB passes, 1 MiB + 1 does not
    body = b"x" * MAX_BODY
    c = R.conn()
    c.send(("POST /echo HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\n"
            % (IP, len(body))).encode() + body)
    st, _r, _hd, got = c.response()
    R.check(st == 200 and got == b"received %d bytes\n" % MAX_BODY,
            "POST /echo of 1 MiB (the limit): %d %r" % (st, got))
    c.close()
    body = b"y" * (MAX_BODY + 1)
    error_case(R, "POST of 1 MiB + 1 (Content-Length)",
               ("POST /echo HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\n"
                % (IP, len(body))).encode() + body, 413, "Content Too Large")
    error_case(R, "POST of 1 MiB + 1 (chunked)",
               ("POST /echo HTTP/1.1\r\nHost: %s\r\nTransfer-Encoding: chunked\r\n\r\n"
                "%x\r\n" % (IP, len(body))).encode() + body + b"\r\n0\r\n\r\n",
               413, "Content Too Large")


def case_malformed(R):
    error_case(R, "malformed request line", b"HELLO WORLD\r\n\r\n" + get("/"), 400,
               "Bad Request")
    error_case(R, "bad line after two pipelined requests",
               get("/") + get("/bytes/3") + b"\x01\x02 garbage\r\n\r\n" + get("/"), 400,
               "Bad Request", before=(200, 200))
    error_case(R, "header line without a colon",
               ("GET / HTTP/1.1\r\nHost: %s\r\nNoColonHere\r\n\r\n" % IP).encode(), 400,
               "Bad Request")


def case_http_client(R):
    import http.client
    conn = http.client.HTTPConnection(IP, PORT, timeout=5)
    R.info["conns"] += 1
    conn.connect()
    sock = conn.sock
    port = sock.getsockname()[1]

    conn.request("GET", "/")
    r = conn.getresponse()
    body = r.read()
    R.check(r.status == 200 and r.getheader("Server") == "tern-httpd" and
            int(r.getheader("Content-Length")) == len(body) and
            body.startswith(b"<!DOCTYPE html>"), "http.client GET /: 200, index page")
    conn.request("HEAD", "/bytes/123")
    r = conn.getresponse()
    R.check(r.status == 200 and r.getheader("Content-Length") == "123" and r.read() == b"",
            "http.client HEAD /bytes/123: Content-Length 123, no body")
    conn.request("GET", "/nope")
    r = conn.getresponse()
    R.check(r.status == 404 and r.read() == b"not found\n", "http.client GET /nope: 404")
    R.info["resp_4xx"] += 1
    for method, path, body in (("PUT", "/", b"data"), ("DELETE", "/bytes/5", None),
                               ("POST", "/", b"x=1"), ("OPTIONS", "/", None)):
        conn.request(method, path, body=body)
        r = conn.getresponse()
        got = r.read()
        R.check(r.status == 405 and r.reason == "Method Not Allowed" and
                r.getheader("Allow") == "GET, HEAD" and got == b"method not allowed\n",
                "http.client %s %s: 405, Allow: %s, body %r"
                % (method, path, r.getheader("Allow"), got))
        R.info["resp_4xx"] += 1
    chunks = [b"a" * 1000, b"b" * 3, b"c" * 70000]
    conn.request("POST", "/echo", body=iter(chunks), encode_chunked=True,
                 headers={"Transfer-Encoding": "chunked"})
    r = conn.getresponse()
    got = r.read()
    R.check(r.status == 200 and got == b"received 71003 bytes\n",
            "http.client chunked POST /echo: %r" % got)
    R.check(conn.sock is sock and sock.getsockname()[1] == port,
            "http.client: all %d requests on one connection" % 9)
    conn.close()


def case_gone(R):
    """Clients that go away mid-request."""
    # FIN after part of the headers
    c = R.conn()
    c.send(("GET /bytes/10 HTTP/1.1\r\nHost: %s\r\nX-Partial: " % IP).encode())
    time.sleep(0.1)
    c.close()
    st = wait_state(c.port, "TIME_WAIT")
    R.check(st == "TIME_WAIT", "FIN mid-headers: tern closes too, client socket in TIME_WAIT "
            "(state %s)" % st)
    # FIN after part of a body
    c = R.conn()
    c.send(("POST /echo HTTP/1.1\r\nHost: %s\r\nContent-Length: 1000\r\n\r\n" % IP).encode()
           + b"z" * 400)
    time.sleep(0.1)
    c.close()
    st = wait_state(c.port, "TIME_WAIT")
    R.check(st == "TIME_WAIT", "FIN mid-body: tern closes too, client socket in TIME_WAIT "
            "(state %s)" % st)
    # RST after part of the headers
    c = R.conn()
    c.send(b"GET / HTTP/1.1\r\nHo")
    time.sleep(0.1)
    c.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
    R.info["resets"] += 1
    # RST in the middle of a 10 MiB response (close with unread data)
    c = R.conn()
    c.send(get("/bytes/10485760"))
    got = 0
    while got < 100000:
        d = c.s.recv(65536)
        if not d:
            break
        got += len(d)
    R.check(got >= 100000, "10 MiB response started (%d bytes read)" % got)
    c.close()
    R.info["resets"] += 1
    time.sleep(0.3)
    # a new connection is served as usual
    c = R.conn()
    c.send(get("/bytes/5", "Connection: close\r\n"))
    st, _r, _hd, body = c.response()
    R.check(st == 200 and body == b"abcde" and c.eof(), "a new connection afterwards: 200")
    c.close()


def client_main():
    R = Results()
    for case in (case_pipeline, case_head, case_index_variants, case_split, case_half_close, case_limits,
                 case_malformed, case_http_client, case_gone):
        try:
            case(R)
        except Exception as e:  # one broken case must not hide the others
            R.check(False, "%s raised %r" % (case.__name__, e))
    # nothing towards tern may stay but TIME_WAIT (ours, where we closed first)
    deadline = time.monotonic() + 3
    while True:
        left = {p: s for p, s in sockets_to_tern().items() if s != "TIME_WAIT"}
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    R.check(not left, "no socket towards %s:%d left in a state but TIME_WAIT (%s)"
            % (IP, PORT, left))
    print(json.dumps({"checks": R.checks, "info": R.info}))


# ------------------------------------------------------------------ test side

def httpd_stats(t):
    out = {}
    for ln in t.tern.stdout_lines:
        m = re.match(r"^httpd (\w+) (\d+)$", ln.strip())
        if m:
            out[m.group(1)] = int(m.group(2))
    return out


def main(build, src):
    h.require_netns()
    with h.TernNetns(build, src, app="tern-httpd", tern_args=["--port", str(PORT)]) as t:
        r = t.run([sys.executable, os.path.abspath(__file__), "--client"], timeout=90,
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
        hs = httpd_stats(t)
        h.print_stats(st)
        h.log("httpd counters: %s" % hs)
        h.check(res is not None, "client ran (rc %d)" % r.returncode)
        failed = 0
        for ok, what in res["checks"]:
            h.log(("ok   " if ok else "FAIL ") + what)
            failed += not ok
        info = res["info"]
        h.log("client info: %s" % info)
        h.check(rc == 0, "tern-httpd exit status 0 (got %s)" % rc)
        h.check(st["tcp_conn_aborted"] == 0,
                "no connection still open when tern stopped (tcp_conn_aborted %d == 0)"
                % st["tcp_conn_aborted"])
        ended = st["tcp_conn_closed"] + st["tcp_conn_reset"] + st["tcp_conn_timeout"]
        h.check(st["tcp_passive_opens"] == ended,
                "every accepted connection ended: tcp_passive_opens %d == closed %d + reset "
                "%d + timeout %d" % (st["tcp_passive_opens"], st["tcp_conn_closed"],
                                     st["tcp_conn_reset"], st["tcp_conn_timeout"]))
        h.check(st["tcp_passive_opens"] == info["conns"], "tcp_passive_opens %d == %d "
                "connections the client made" % (st["tcp_passive_opens"], info["conns"]))
        h.check(st["tcp_conn_reset"] == info["resets"] and st["tcp_conn_timeout"] == 0,
                "tcp_conn_reset %d == the %d the client caused, no timeout"
                % (st["tcp_conn_reset"], info["resets"]))
        h.check(st["tcp_rx_data_segs"] >= info["split_bytes"],
                "tcp_rx_data_segs %d >= the %d bytes sent one per segment"
                % (st["tcp_rx_data_segs"], info["split_bytes"]))
        h.check(hs.get("connections") == info["conns"], "httpd connections %s == %d"
                % (hs.get("connections"), info["conns"]))
        h.check(hs.get("parse_errors") == info["refused"], "httpd parse_errors %s == the %d "
                "requests refused (400, 413, 414, 431)" % (hs.get("parse_errors"),
                                                           info["refused"]))
        h.check(hs.get("responses_4xx") == info["resp_4xx"], "httpd responses_4xx %s == %d"
                % (hs.get("responses_4xx"), info["resp_4xx"]))
        probs = h.accounting_problems(st)
        h.check(not probs, "every received frame counted once" +
                ("" if not probs else ": " + "; ".join(probs)))
        h.check(failed == 0, "all %d client checks passed (%d failed)"
                % (len(res["checks"]), failed))


if __name__ == "__main__":
    if "--client" in sys.argv[1:]:
        client_main()
    else:
        h.run_test(main)
