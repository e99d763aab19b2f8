# SPDX-License-Identifier: BSD-3-Clause
"""
Every core, with the Linux kernel as the peer: Tern runs two workers (-l 0-1)
on a net_tap port of two queues. The kernel spreads what it sends over the
tap's queues by its own hash, not Tern's, so frames arrive on the wrong
worker's queue and are steered to their owner (lib/net/net_flow.h); an
active open picks a local port whose replies the opening worker owns.

Part 1, Linux clients against tern-httpd (2 workers): 40 curl requests (a
connection each), wrk -t2 -c32 -d3s (keep-alive), ab -n 3000 -c 16 (a
connection per request). Every request answered 2xx, no socket error; both
workers accepted connections; no steered frame lost; Tern reset no connection
(every RST it sent answered a segment for an ended one: counted and printed).

Part 2, tern-loadgen (2 workers) against Linux servers in the namespace
(nginx for HTTP, tcp_peer.py's echo server), each mode that opens
connections: http (keep-alive), http-close, bulk and echo, 2 s each.
Zero errors, zero connections failed to open or reset, none left open, no
non-2xx; both workers opened connections; Tern reset no server connection
(the kernel's EstabResets did not move) and the kernel sent no RST (OutRsts).

Each run prints the share of TCP frames that arrived on a queue other than
their owner's (steer_tx / tcp_rx).
"""
import os
import re
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tern_harness as h  # noqa: E402

LCORES = os.environ.get("TERN_TEST_LCORES", "0-1")
URL = "http://%s/" % h.TERN_IP
HERE = os.path.dirname(os.path.abspath(__file__))


def check_workers(lines, what, opens_key):
    """Both workers carried connections; nothing steered was lost. Returns the workers."""
    ws = h.parse_workers(lines)
    h.log("%s per worker: %s" % (what, ws))
    h.check(len(ws) == 2, "%s: two workers reported (%d)" % (what, len(ws)))
    for i, w in enumerate(ws):
        h.check(w[opens_key] > 0, "%s: worker %d %s %d > 0" % (what, i, opens_key,
                                                              w[opens_key]))
        h.check(w["steer_drop_full"] == 0, "%s: worker %d lost no steered frame" % (what, i))
    return ws


def steered_share(st, what):
    share = st["steer_tx"] / max(1, st["tcp_rx"])
    h.log("RESULT %s: %d of %d TCP frames (%.1f%%) arrived on another worker's queue and "
          "were steered to their owner" % (what, st["steer_tx"], st["tcp_rx"], 100 * share))
    h.check(st["steer_rx"] + st["steer_drop_stopped"] == st["steer_tx"], "%s: every steered "
            "frame reached its owner or was passed after it stopped (steer_rx %d + "
            "steer_drop_stopped %d == steer_tx %d)" % (what, st["steer_rx"],
                                                       st["steer_drop_stopped"], st["steer_tx"]))


def no_resets(st, what, conns):
    """
    Tern reset no live connection: each worker handles only the flows it owns,
    so no segment of a live connection can miss its table, and every RST Tern
    sent answered a segment for a connection that had already ended
    (tcp_drop_no_conn). Those come with one worker too: a FIN resent by a tail
    loss probe when the peer's ACK is slow on this loaded 2-core machine draws
    a second ACK, which finds the connection closed by the first. Printed, per
    connection.
    """
    h.print_stats(st)
    h.check(st["tcp_rst_sent"] == st["tcp_drop_no_conn"], "%s: every RST Tern sent answered "
            "a segment for no connection (%d == %d)" % (what, st["tcp_rst_sent"],
                                                       st["tcp_drop_no_conn"]))
    h.log("RESULT %s: %d segments for ended connections answered with RST, %d of them "
          "per 1000 connections; %d stale steered ACKs dropped"
          % (what, st["tcp_drop_no_conn"], 1000 * st["tcp_drop_no_conn"] // max(1, conns),
             st["tcp_drop_stale_steered"]))


# ------------------------------------------------------------ Linux clients

def wrk_clean(t, url):
    """wrk -t2 -c32 -d3s on @url in the namespace: no socket error, no non-2xx,
    requests on every connection. Returns the requests."""
    r = t.run(["timeout", "-k", "5", "30", "wrk", "-t2", "-c32", "-d3s", "--timeout", "5s",
               url], timeout=60, check=False)
    h.log("wrk:\n" + r.stdout.rstrip())
    h.check(r.returncode == 0, "wrk exit status 0 (%d)" % r.returncode)
    h.check("Socket errors" not in r.stdout, "wrk: no socket error")
    h.check("Non-2xx" not in r.stdout, "wrk: no non-2xx response")
    m = re.search(r"^\s*(\d+) requests in", r.stdout, re.M)
    h.check(m is not None and int(m.group(1)) >= 32, "wrk: requests on every connection")
    return int(m.group(1))


def part_linux_clients(build, src):
    with h.TernNetns(build, src, app="tern-httpd", tern_args=["--port", "80"],
                     lcores=LCORES) as t:
        r = t.run(["sh", "-c", "for i in $(seq 40); do curl -s -o /dev/null -m 5 "
                   "-w '%%{http_code}\\n' %s; done" % URL], timeout=120, check=False)
        codes = r.stdout.split()
        h.check(codes == ["200"] * 40, "curl: 40 requests, each 200 (%s)"
                % " ".join(sorted(set(codes))))
        wrk_clean(t, URL)
        r = t.run(["timeout", "-k", "5", "60", "ab", "-q", "-n", "3000", "-c", "16", "-s", "10",
                   URL], timeout=90, check=False)
        done = re.search(r"^Complete requests:\s+(\d+)", r.stdout, re.M)
        failed = re.search(r"^Failed requests:\s+(\d+)", r.stdout, re.M)
        h.check(r.returncode == 0 and done is not None and int(done.group(1)) == 3000,
                "ab: 3000 requests complete (rc %d)" % r.returncode)
        h.check(failed is not None and int(failed.group(1)) == 0, "ab: none failed")
        h.check("Non-2xx" not in r.stdout, "ab: no non-2xx response")
        time.sleep(1.0)            # the last closes reach tern
        rc, st = t.stop(timeout=20)
        h.check(rc == 0, "tern-httpd exit status 0 (%s)" % rc)
        what = "tern-httpd x2 workers, Linux clients"
        no_resets(st, what, st["tcp_passive_opens"])
        h.check(st["tcp_conn_aborted"] == 0, "no connection left open (%d)"
                % st["tcp_conn_aborted"])
        check_workers(t.tern.stdout_lines, what, "tcp_passive_opens")
        steered_share(st, what)


# ------------------------------------------------------------ Linux servers

NGINX_CONF = """daemon off;
master_process off;
worker_processes 1;
pid %(tmp)s/nginx.pid;
error_log %(tmp)s/nginx.err warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path %(tmp)s;
    proxy_temp_path %(tmp)s;
    fastcgi_temp_path %(tmp)s;
    uwsgi_temp_path %(tmp)s;
    scgi_temp_path %(tmp)s;
    keepalive_requests 1000000;
    server {
        listen 80 reuseport;
        root %(tmp)s/www;
        location / { }
    }
}
"""

BULK_BYTES = 65536


def start_servers(t):
    """nginx (HTTP) and tcp_peer.py (echo) in the namespace, before tern starts."""
    www = os.path.join(t.tmp, "www")
    os.makedirs(os.path.join(www, "bytes"), exist_ok=True)
    with open(os.path.join(www, "index.html"), "w") as f:
        f.write("<html><body>tern multicore</body></html>\n")
    with open(os.path.join(www, "bytes", str(BULK_BYTES)), "wb") as f:
        f.write(bytes(ord("a") + i % 26 for i in range(BULK_BYTES)))
    conf = os.path.join(t.tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF % {"tmp": t.tmp})
    t.nginx = t.background(["nginx", "-c", conf, "-e", os.path.join(t.tmp, "nginx.err")],
                           os.path.join(t.tmp, "nginx.out"), os.path.join(t.tmp, "nginx.stderr"))
    t.echo = t.background(["/usr/bin/python3", os.path.join(HERE, "tcp_peer.py"), "server",
                           "--bind", h.PEER_IP, "--port", "7", "--conns", "100000",
                           "--timeout", "60"],
                          os.path.join(t.tmp, "echo.out"), os.path.join(t.tmp, "echo.err"))


def linux_tcp(t):
    """The namespace's Tcp counters (/proc/net/snmp): OutRsts, EstabResets ..."""
    r = t.python("rows = [ln.split() for ln in open('/proc/net/snmp') if ln.startswith('Tcp:')]\n"
                 "print(' '.join('%s=%s' % kv for kv in zip(rows[0][1:], rows[1][1:])))")
    return {k: int(v) for k, v in (kv.split("=") for kv in r.stdout.split())}


LOADGEN_RUNS = [
    # mode, target, extra arguments
    ("http", "%s:80" % h.PEER_IP, ["--conns", "32"]),
    ("http-close", "%s:80" % h.PEER_IP, ["--conns", "16"]),
    ("bulk", "%s:80" % h.PEER_IP, ["--conns", "4", "--bytes", str(BULK_BYTES)]),
    ("echo", "%s:7" % h.PEER_IP, ["--conns", "32"]),
]


def part_loadgen(build, src, mode, target, extra):
    args = ["--target", target, "--mode", mode, "--duration", "2", "--drain-ms", "2000",
            "--wait-link", "10", "--json"] + extra
    with h.TernNetns(build, src, app="tern-loadgen", tern_args=args, lcores=LCORES,
                     pre_start=start_servers, ready_timeout=30) as t:
        tcp0 = None
        deadline = time.monotonic() + 5
        while tcp0 is None and time.monotonic() < deadline:
            try:
                tcp0 = linux_tcp(t)
            except Exception:   # noqa: BLE001 (the namespace is still coming up)
                time.sleep(0.1)
        rc = t.tern.wait(60)
        h.check(rc == 0, "tern-loadgen %s exit status 0 (%s)" % (mode, rc))
        if rc != 0:
            t.tern.dump("exit status %s" % rc)
        what = "tern-loadgen x2 workers, %s against Linux" % mode
        h.check_loadgen_clean(t.tern.stdout_lines, what)
        st = h.parse_stats(t.tern.stdout_lines)
        no_resets(st, what, st["tcp_active_opens"])
        h.check(st["tcp_conn_reset"] == 0, "%s: no connection reset (%d)"
                % (what, st["tcp_conn_reset"]))
        check_workers(t.tern.stdout_lines, what, "tcp_active_opens")
        steered_share(st, what)
        h.check(tcp0 is not None, "%s: the kernel's Tcp counters read" % what)
        tcp1 = linux_tcp(t)
        # EstabResets: a server connection reset while established (by a RST
        # from Tern, or by the kernel itself); OutRsts: the kernel's own
        h.check(tcp1["EstabResets"] == tcp0["EstabResets"], "%s: no server connection was "
                "reset (EstabResets +%d)" % (what, tcp1["EstabResets"] - tcp0["EstabResets"]))
        h.check(tcp1["OutRsts"] == tcp0["OutRsts"], "%s: the kernel sent no RST (OutRsts +%d)"
                % (what, tcp1["OutRsts"] - tcp0["OutRsts"]))
        t.stop_background(t.nginx)
        t.stop_background(t.echo)


def main(build, src):
    h.require_netns()
    h.require_tools("wrk", "ab", "curl", "nginx")
    if os.cpu_count() < 2:
        h.skip("needs 2 CPUs for 2 workers")
    part_linux_clients(build, src)
    for mode, target, extra in LOADGEN_RUNS:
        part_loadgen(build, src, mode, target, extra)


if __name__ == "__main__":
    h.run_test(main)
