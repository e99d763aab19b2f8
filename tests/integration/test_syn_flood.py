# SPDX-License-Identifier: BSD-3-Clause
"""
SYN flood over net_memif (issue: SYN cookies and resilience to half-open floods).

tern-httpd (server, one core) with a small SYN queue (syn_backlog 64,
syncookies = auto) is flooded by tern-loadgen with SYNs from spoofed
198.18.0.0/15 sources as fast as it can send them, while the same loadgen
worker makes 10,000 legitimate HTTP connections (one request each,
Connection: close). memif is shared memory between the two processes: no
network is touched.

Checks: >= 99% of the legitimate connections succeed; the server answered the
flood with cookies (its SYN queue stayed full of spoofed half-open entries);
every accepted connection was a legitimate one and ended; the server's memory
(VmRSS) stays flat during the flood. Prints the flood rate, success rate and
memory figures.
"""
import json
import os
import re
import shutil
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tern_harness as h  # noqa: E402

LEGIT = 10000


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            m = re.search(r"VmRSS:\s+(\d+)", f.read())
        return int(m.group(1)) if m else 0
    except OSError:
        return 0


def main(build, src):
    h.require_root()
    tmp = tempfile.mkdtemp(prefix="tern-it-%d-" % os.getpid())
    h._cleanups.append(lambda: shutil.rmtree(tmp, ignore_errors=True))
    sock = os.path.join(tmp, "memif.sock")
    srv_conf = os.path.join(tmp, "srv.conf")
    cli_conf = os.path.join(tmp, "cli.conf")
    h.memif_conf(srv_conf, "server", sock, "10.78.0.1",
                 "[stack]\nmbufs = 32767\n[tcp]\nsyn_backlog = 64\nsyncookies = auto\n"
                 "time_wait_ms = 2000\n")
    h.memif_conf(cli_conf, "client", sock, "10.78.0.2", "[stack]\nmbufs = 32767\n")
    sprefix, cprefix = "tern-fs%d" % os.getpid(), "tern-fc%d" % os.getpid()
    srv = h.start_app(build, src, "tern-httpd", 0, sprefix, srv_conf, tmp,
                      ["--port", "80", "--duration", "60"])
    h.check(srv.wait_line(r"ready:", 30) is not None, "tern-httpd ready")
    pid = srv.proc.pid
    time.sleep(0.5)
    rss0 = rss_kib(pid)
    # --linger: when done, tern-loadgen stops its workers and holds its port
    # until the server has closed its own (h.memif_close_pair)
    cli = h.start_app(build, src, "tern-loadgen", 1, cprefix, cli_conf, tmp,
                      ["--target", "10.78.0.1:80", "--mode", "http-close", "--conns", "32",
                       "--requests", str(LEGIT), "--flood", "0", "--duration", "30",
                       "--json", "--quiet", "--linger"])
    rss_peak = rss0
    t0 = time.monotonic()
    while cli.wait_line(r"lingering:", 0.2) is None and cli.proc.poll() is None and \
            time.monotonic() - t0 < 40:
        rss_peak = max(rss_peak, rss_kib(pid))
    js = [l for l in cli.stdout_lines if l.startswith("{")]
    rss1 = rss_kib(pid)
    rc, st, crc = h.memif_close_pair(srv, cli)
    h.check(crc == 0, "tern-loadgen exit status 0 (%s)" % h.status_text(crc))
    h.check(rc == 0, "tern-httpd exit status 0 (%s)" % h.status_text(rc))
    h.check(len(js) == 1, "loadgen printed its JSON summary")
    res = json.loads(js[0])
    # a legitimate connection succeeded when its response came back (200);
    # the run stops at LEGIT responses, so the last few may not have closed
    ok = res["requests"] - res["non2xx"]
    h.log("flood: %d SYNs offered at %.0f/s; legitimate: %d/%d connections done (%.2f%%) in "
          "%.2f s, %d errors, latency p50 %d us p99 %d us" % (
              res["syn_sent"], res["syn_per_s"], ok, LEGIT, 100.0 * ok / LEGIT, res["seconds"],
              res["errors"], res["lat_us"]["p50"], res["lat_us"]["p99"]))
    h.log("server: SYNs received %d, cookies sent %d, cookies accepted %d, bad %d, "
          "queue-full drops %d, passive opens %d, half-open entries dropped %d" % (
              st["tcp_syn_rcvd"], st["tcp_syncookies_sent"], st["tcp_syncookies_ok"],
              st["tcp_syncookies_bad"], st["tcp_syn_queue_full"], st["tcp_passive_opens"],
              st["tcp_syn_recv_dropped"]))
    h.log("loadgen: %d connections closed gracefully after the measurement, %d left open"
          % (res["conns_closed_in_drain"], res["left_open"]))
    h.log("server VmRSS: %d KiB before, %d KiB peak during, %d KiB after the flood"
          % (rss0, rss_peak, rss1))
    h.check(ok >= LEGIT * 99 // 100, ">= 99%% of legitimate connections succeeded (%d)" % ok)
    h.check(res["syn_sent"] > 100000, "the flood was a flood (%d SYNs)" % res["syn_sent"])
    h.check(st["tcp_syncookies_sent"] > 0, "the flood was answered with cookies")
    h.check(st["tcp_syn_queue_full"] == 0, "no SYN dropped for a full queue (cookies instead)")
    # every connection the app accepted was a legitimate one and ended
    ended = st["tcp_conn_closed"] + st["tcp_conn_reset"] + st["tcp_conn_timeout"]
    h.check(st["tcp_passive_opens"] >= ok, "accepted >= legitimate done")
    h.check(st["tcp_syncookies_bad"] == 0, "no bad cookies")
    # the flood's half-open entries (at most the SYN queue) are not connections:
    # they are counted apart, in tcp_syn_recv_dropped
    h.check(st["tcp_conn_aborted"] == 0, "no established connection left open at exit "
            "(%d aborted)" % st["tcp_conn_aborted"])
    h.check(res["left_open"] == 0, "loadgen closed every connection gracefully")
    h.check(ended == st["tcp_passive_opens"], "every accepted connection ended (%d of %d)"
            % (ended, st["tcp_passive_opens"]))
    # memory: all pools are allocated at start; the flood must not grow it
    if rss0:
        h.check(rss_peak <= rss0 + 16384, "VmRSS flat under the flood (+%d KiB)"
                % (rss_peak - rss0))


if __name__ == "__main__":
    h.run_test(main)
