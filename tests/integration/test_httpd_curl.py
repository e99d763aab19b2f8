# SPDX-License-Identifier: BSD-3-Clause
"""
tern-httpd against curl, run by the kernel in the test namespace.

One tern-httpd (--root DIR with a few files of our own) on 10.77.0.2:80:
- GET /: 200, Server: tern-httpd, a Date that is an IMF-fixdate close to now,
  Content-Type text/html, Content-Length equal to the body received;
- GET /bytes/10485760: 10 MiB whose sha256 is the one of the pattern
  'a' + i % 26, Content-Length 10485760;
- HEAD /bytes/10485760 and HEAD /: Content-Length present, no body byte;
- 404 for an unknown path and for /bytes/N above 64 MiB (with their bodies);
- POST /echo with a chunked body (-H 'Transfer-Encoding: chunked'
  --data-binary @file): "received N bytes\n" for the file's N bytes;
- HTTP/1.0 (curl -0): answered, with Connection: close, and the connection is
  not reused (two URLs, two connects); with Connection: keep-alive it is
  announced and reused (two URLs, one connect);
- --http1.1 keep-alive: 100 URLs (/bytes/1 .. /bytes/100) in one curl run over
  ONE connection (sum of %{num_connects} == 1), each body of its own length and
  content;
- files from --root (html, css, txt, png, a binary without extension, an empty
  file, a 2 MiB binary): same bytes, the Content-Type of the extension; a
  subdirectory is not served (404);
- at exit: tcp_passive_opens equals the connects curl reported in total, every
  accepted connection ended normally (tcp_conn_closed == tcp_passive_opens, no
  reset/abort/timeout), httpd counters agree (connections, requests, 2xx/4xx).
"""
import email.utils
import hashlib
import os
import random
import re
import shutil
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tern_harness as h  # noqa: E402

BASE = "http://%s" % h.TERN_IP
CURL = ["curl", "-sS", "--noproxy", "*", "--max-time", "30", "--connect-timeout", "5"]


def pattern(n):
    """Body of /bytes/N: byte i is 'a' + i % 26."""
    alpha = bytes(range(ord("a"), ord("z") + 1))
    return (alpha * (n // 26 + 1))[:n]


def parse_headers(text):
    """curl -D output (possibly several responses) -> list of (status, {name: value})."""
    out = []
    for block in re.split(r"\r?\n\r?\n", text):
        lines = [ln for ln in block.splitlines() if ln.strip()]
        if not lines or not lines[0].startswith("HTTP/"):
            continue
        hdrs = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        out.append((lines[0], hdrs))
    return out


class Curl:
    """Runs curl in the namespace, sums the connects it reports."""

    def __init__(self, t, tmp):
        self.t = t
        self.tmp = tmp
        self.connects = 0
        self.n = 0

    def __call__(self, args, wfmt="%{http_code}", timeout=60):
        """Run curl ARGS -w '%{num_connects} WFMT\\n'; returns (rc, [wout lines], stderr)."""
        self.n += 1
        argv = CURL + ["-w", "%{num_connects} " + wfmt + "\\n"] + list(args)
        r = self.t.run(argv, timeout=timeout, check=False)
        if r.returncode != 0:
            h.log("curl failed (rc %d): %s\nstderr: %s" % (r.returncode, " ".join(argv),
                                                          r.stderr.strip()[-1000:]))
        rows = []
        for ln in r.stdout.splitlines():
            parts = ln.split(" ", 1)
            if parts and parts[0].isdigit():
                self.connects += int(parts[0])
                rows.append(parts[1] if len(parts) > 1 else "")
        return r.returncode, rows, r.stderr

    def path(self, name):
        return os.path.join(self.tmp, name)


def check_date(value):
    ok = re.match(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|"
                  r"Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$", value or "") is not None
    h.check(ok, "Date is an IMF-fixdate: %r" % value)
    skew = abs(email.utils.parsedate_to_datetime(value).timestamp() - time.time())
    h.check(skew < 120, "Date within 2 minutes of now (off by %.0fs)" % skew)


def make_root(d):
    rnd = random.Random(4242)
    files = {
        "page.html": (b"<!DOCTYPE html><html><body><p>root page</p></body></html>\n",
                      "text/html; charset=utf-8"),
        "style.css": (b"body { color: #123456; }\n", "text/css"),
        "notes.txt": (b"plain text\nsecond line\n", "text/plain; charset=utf-8"),
        "logo.png": (b"\x89PNG\r\n\x1a\n" + bytes(rnd.getrandbits(8) for _ in range(3000)),
                     "image/png"),
        "blob": (bytes(rnd.getrandbits(8) for _ in range(70001)), "application/octet-stream"),
        "big.bin": (rnd.randbytes(2 * 1024 * 1024 + 17), "application/octet-stream"),
        "empty.txt": (b"", "text/plain; charset=utf-8"),
        "data.JSON": (b'{"k": [1, 2, 3]}\n', "application/json"),
    }
    for name, (data, _ct) in files.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    os.mkdir(os.path.join(d, "subdir"))
    with open(os.path.join(d, "subdir", "inner.txt"), "wb") as f:
        f.write(b"not served\n")
    return files


def main(build, src):
    h.require_netns()
    h.require_tools("curl")
    root = tempfile.mkdtemp(prefix="tern-it-%d-root-" % os.getpid())
    h._cleanups.append(lambda: shutil.rmtree(root, ignore_errors=True))
    files = make_root(root)
    with h.TernNetns(build, src, app="tern-httpd",
                     tern_args=["--port", "80", "--root", root]) as t:
        h.check(t.tern.wait_line(r"serving http://10\.77\.0\.2:80/ \(%d files from --root\)"
                                 % len(files), 5) is not None,
                "tern-httpd serves the %d files of --root" % len(files))
        c = Curl(t, t.tmp)
        want_2xx = want_4xx = 0

        # ---- GET /
        rc, rows, _ = c(["-D", c.path("h1"), "-o", c.path("b1"), BASE + "/"],
                        "%{http_code} %{size_download}")
        want_2xx += 1
        h.check(rc == 0 and rows == ["200 %d" % os.path.getsize(c.path("b1"))],
                "GET /: 200 (%s)" % rows)
        (status, hd), = parse_headers(open(c.path("h1")).read())
        body = open(c.path("b1"), "rb").read()
        h.check(status == "HTTP/1.1 200 OK", "GET /: status line %r" % status)
        h.check(hd.get("server") == "tern-httpd", "GET /: Server: %r" % hd.get("server"))
        h.check(hd.get("content-length") == str(len(body)) and len(body) > 0,
                "GET /: Content-Length %s == %d bytes received" % (hd.get("content-length"),
                                                                    len(body)))
        h.check(hd.get("content-type") == "text/html; charset=utf-8",
                "GET /: Content-Type %r" % hd.get("content-type"))
        check_date(hd.get("date"))
        h.check(body.startswith(b"<!DOCTYPE html>") and b"tern-httpd" in body,
                "GET /: the index page")
        h.check("connection" not in hd, "GET / (HTTP/1.1): no Connection header")

        # ---- GET /bytes/10485760, sha256
        n = 10485760
        t0 = time.monotonic()
        rc, rows, _ = c(["-D", c.path("h2"), "-o", c.path("b2"), BASE + "/bytes/%d" % n],
                        "%{http_code} %{size_download}")
        dt = time.monotonic() - t0
        want_2xx += 1
        h.check(rc == 0 and rows == ["200 %d" % n], "GET /bytes/%d: 200, %d bytes (%s)"
                % (n, n, rows))
        with open(c.path("b2"), "rb") as f:
            got = hashlib.sha256(f.read()).hexdigest()
        exp = hashlib.sha256(pattern(n)).hexdigest()
        h.check(got == exp, "GET /bytes/%d: sha256 %s == pattern's %s" % (n, got, exp))
        (_s, hd), = parse_headers(open(c.path("h2")).read())
        h.check(hd.get("content-length") == str(n) and
                hd.get("content-type") == "application/octet-stream",
                "GET /bytes/%d: Content-Length %s, Content-Type %s"
                % (n, hd.get("content-length"), hd.get("content-type")))
        h.log("10 MiB in %.2fs (%.0f Mbit/s, curl process included)" % (dt, n * 8 / dt / 1e6))
        os.unlink(c.path("b2"))

        # ---- HEAD
        for url, length in (("/bytes/%d" % n, n), ("/", len(body))):
            rc, rows, _ = c(["-I", "-D", c.path("h3"), "-o", c.path("b3"), BASE + url],
                            "%{http_code} %{size_download}")
            want_2xx += 1
            (status, hd), = parse_headers(open(c.path("h3")).read())
            h.check(rc == 0 and status == "HTTP/1.1 200 OK", "HEAD %s: 200 (%s)" % (url, status))
            h.check(hd.get("content-length") == str(length),
                    "HEAD %s: Content-Length %s == %d" % (url, hd.get("content-length"), length))
            # -o gets what follows the headers: nothing
            h.check(open(c.path("b3"), "rb").read().split(b"\r\n\r\n", 1)[-1] == b""
                    and rows[0].split()[1] == "0", "HEAD %s: no body (%s)" % (url, rows))

        # ---- 404
        for url, text in (("/no/such/page", b"not found\n"), ("/bytes/67108865", None),
                          ("/subdir/inner.txt", b"not found\n"), ("/subdir", b"not found\n")):
            rc, rows, _ = c(["-o", c.path("b4"), BASE + url])
            want_4xx += 1
            got = open(c.path("b4"), "rb").read()
            h.check(rc == 0 and rows == ["404"], "GET %s: 404 (%s)" % (url, rows))
            if text is not None:
                h.check(got == text, "GET %s: body %r" % (url, got))
        rc, rows, _ = c(["-o", c.path("b4"), BASE + "/bytes/67108864", "-I"])
        want_2xx += 1
        h.check(rows == ["200"], "HEAD /bytes/67108864 (64 MiB, the limit): 200 (%s)" % rows)

        # ---- POST /echo, chunked
        payload = random.Random(7).randbytes(300001)
        with open(c.path("post.bin"), "wb") as f:
            f.write(payload)
        rc, rows, err = c(["-v", "-H", "Transfer-Encoding: chunked", "--data-binary",
                           "@" + c.path("post.bin"), "-o", c.path("b5"), BASE + "/echo"])
        want_2xx += 1
        got = open(c.path("b5"), "rb").read()
        h.check("> Transfer-Encoding: chunked" in err, "curl sent the body chunked")
        h.check(rc == 0 and rows == ["200"], "POST /echo (chunked): 200 (%s)" % rows)
        h.check(got == b"received %d bytes\n" % len(payload),
                "POST /echo (chunked): %r" % got)
        rc, rows, _ = c(["--data-binary", "hello", "-o", c.path("b5"), BASE + "/echo"])
        want_2xx += 1
        got = open(c.path("b5"), "rb").read()
        h.check(rows == ["200"] and got == b"received 5 bytes\n",
                "POST /echo (Content-Length 5): %s %r" % (rows, got))

        # ---- HTTP/1.0
        rc, rows, _ = c(["-0", "-D", c.path("h6"), "-o", c.path("b6"), "-o", c.path("b6b"),
                         BASE + "/", BASE + "/bytes/100"], "%{http_code} %{http_version}")
        want_2xx += 2
        resps = parse_headers(open(c.path("h6")).read())
        h.check(rc == 0 and rows == ["200 1.1", "200 1.1"], "curl -0: two 200s (%s)" % rows)
        h.check(len(resps) == 2 and all(hd.get("connection", "").lower() == "close"
                                        for _s, hd in resps),
                "HTTP/1.0 without keep-alive: Connection: close on both")
        h.check(open(c.path("b6"), "rb").read() == body and
                open(c.path("b6b"), "rb").read() == pattern(100), "HTTP/1.0: bodies right")
        before = c.connects
        rc, rows, _ = c(["-0", "-H", "Connection: keep-alive", "-D", c.path("h7"),
                         "-o", c.path("b7"), "-o", c.path("b7b"), BASE + "/bytes/7",
                         BASE + "/bytes/8"])
        want_2xx += 2
        resps = parse_headers(open(c.path("h7")).read())
        h.check(rows == ["200", "200"] and len(resps) == 2 and
                all(hd.get("connection", "").lower() == "keep-alive" for _s, hd in resps),
                "HTTP/1.0 with keep-alive: Connection: keep-alive on both (%s)" % rows)
        h.check(c.connects - before == 1, "HTTP/1.0 keep-alive: one connection for two "
                "requests (%d)" % (c.connects - before))
        h.check(open(c.path("b7"), "rb").read() == pattern(7) and
                open(c.path("b7b"), "rb").read() == pattern(8), "HTTP/1.0 keep-alive: bodies")

        # ---- keep-alive: 100 requests, one connection
        ka = os.path.join(t.tmp, "ka")
        os.mkdir(ka)
        before = c.connects
        rc, rows, _ = c(["--http1.1", "-o", os.path.join(ka, "#1"),
                         BASE + "/bytes/[1-100]"], "%{http_code} %{size_download}",
                        timeout=90)
        want_2xx += 100
        conns = c.connects - before
        h.check(rc == 0 and len(rows) == 100 and all(r.startswith("200 ") for r in rows),
                "keep-alive: 100 responses, all 200")
        h.check(conns == 1, "keep-alive: sum of num_connects over 100 requests == 1 (%d)"
                % conns)
        bad = [i for i in range(1, 101)
               if open(os.path.join(ka, str(i)), "rb").read() != pattern(i)]
        h.check(not bad, "keep-alive: each /bytes/N body right%s" % (
            "" if not bad else " (wrong: %s)" % bad[:10]))

        # ---- files from --root
        for name, (data, ctype) in sorted(files.items()):
            rc, rows, _ = c(["-o", c.path("f"), BASE + "/" + name],
                            "%{http_code} %{content_type}")
            want_2xx += 1
            got = open(c.path("f"), "rb").read()
            h.check(rc == 0 and rows == ["200 " + ctype],
                    "GET /%s: 200, Content-Type %s (%s)" % (name, ctype, rows))
            h.check(got == data, "GET /%s: %d bytes, same as the file (%d)"
                    % (name, len(data), len(got)))
        rc, rows, _ = c(["-I", "-o", c.path("f"), BASE + "/big.bin"],
                        "%{http_code} %header{content-length}")
        want_2xx += 1
        h.check(rows == ["200 %d" % len(files["big.bin"][0])],
                "HEAD /big.bin: Content-Length of the file (%s)" % rows)

        time.sleep(0.5)   # the last FIN/ACKs
        rc, st = t.stop()
        hs = httpd_stats(t)
        h.print_stats(st)
        h.log("httpd counters: %s" % hs)
        h.check(rc == 0, "tern-httpd exit status 0 (got %s)" % rc)
        h.check(st["tcp_passive_opens"] == c.connects,
                "tcp_passive_opens %d == connects reported by curl %d"
                % (st["tcp_passive_opens"], c.connects))
        h.check(st["tcp_conn_closed"] == st["tcp_passive_opens"],
                "every connection closed normally: tcp_conn_closed %d == tcp_passive_opens"
                % st["tcp_conn_closed"])
        for k in ("tcp_conn_reset", "tcp_conn_aborted", "tcp_conn_timeout", "tcp_rst_sent",
                  "tcp_rst_rcvd"):
            h.check(st[k] == 0, "%s == 0 (got %d)" % (k, st[k]))
        h.check(hs.get("connections") == c.connects, "httpd connections %s == %d"
                % (hs.get("connections"), c.connects))
        h.check(hs.get("responses_2xx") == want_2xx and hs.get("responses_4xx") == want_4xx,
                "httpd responses_2xx %s == %d, responses_4xx %s == %d"
                % (hs.get("responses_2xx"), want_2xx, hs.get("responses_4xx"), want_4xx))
        h.check(hs.get("requests") == want_2xx + want_4xx and hs.get("parse_errors") == 0,
                "httpd requests %s == %d, no parse error" % (hs.get("requests"),
                                                             want_2xx + want_4xx))
        h.check(hs.get("request_body_bytes") == len(payload) + 5,
                "httpd request_body_bytes %s == %d" % (hs.get("request_body_bytes"),
                                                       len(payload) + 5))
        probs = h.accounting_problems(st)
        h.check(not probs, "every received frame counted once" +
                ("" if not probs else ": " + "; ".join(probs)))


def httpd_stats(t):
    out = {}
    for ln in t.tern.stdout_lines:
        m = re.match(r"^httpd (\w+) (\d+)$", ln.strip())
        if m:
            out[m.group(1)] = int(m.group(2))
    return out


if __name__ == "__main__":
    h.run_test(main)
