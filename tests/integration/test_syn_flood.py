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


def find_pid(prefix):
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/cmdline" % d, "rb") as f:
                    if ("file-prefix\0" + prefix).encode() in f.read():
                        return int(d)
            except OSError:
                pass
    return None


def start(build, src, app, core, prefix, conf, tmp, args):
    """A Tern app on its own core (server 0, load 1), no namespace needed."""
    eal = h.eal_args(src, prefix)
    if "-l" in eal:
        eal[eal.index("-l") + 1] = str(core % max(1, os.cpu_count()))
    argv = [h.tern_echo_path(build, app)] + eal + ["--", "--config", conf] + args
    h.log("start: " + " ".join(argv))
    return h.TernProcess(argv, os.path.join(tmp, app + ".stderr"))


def main(build, src):
    h.require_root()
    tmp = tempfile.mkdtemp(prefix="tern-flood-")
    sock = os.path.join(tmp, "memif.sock")
    srv_conf = os.path.join(tmp, "srv.conf")
    cli_conf = os.path.join(tmp, "cli.conf")
    with open(srv_conf, "w") as f:
        f.write("[port]\ndevice = net_memif0,role=server,id=0,socket=%s\n"
                "[ipv4]\naddress = 10.78.0.1\nnetmask = 255.255.255.0\n"
                "[stack]\nmbufs = 32767\n[tcp]\nsyn_backlog = 64\nsyncookies = auto\n"
                "time_wait_ms = 2000\n" % sock)
    with open(cli_conf, "w") as f:
        f.write("[port]\ndevice = net_memif0,role=client,id=0,socket=%s\n"
                "[ipv4]\naddress = 10.78.0.2\nnetmask = 255.255.255.0\n"
                "[stack]\nmbufs = 32767\n" % sock)
    sprefix, cprefix = "tern-fs%d" % os.getpid(), "tern-fc%d" % os.getpid()
    srv = start(build, src, "tern-httpd", 0, sprefix, srv_conf, tmp,
                ["--port", "80", "--duration", "60"])
    try:
        h.check(srv.wait_line(r"ready:", 30) is not None, "tern-httpd ready")
        pid = find_pid(sprefix)
        time.sleep(0.5)
        rss0 = rss_kib(pid) if pid else 0
        cli = start(build, src, "tern-loadgen", 1, cprefix, cli_conf, tmp,
                    ["--target", "10.78.0.1:80", "--mode", "http-close", "--conns", "32",
                     "--requests", str(LEGIT), "--flood", "0", "--duration", "30",
                     "--json", "--quiet"])
        rss_peak = rss0
        t0 = time.monotonic()
        while cli.wait(0.2) is None and time.monotonic() - t0 < 40:
            if pid:
                rss_peak = max(rss_peak, rss_kib(pid))
        rc = cli.wait(5)
        h.check(rc == 0, "tern-loadgen exit status 0 (got %s)" % rc)
        js = [l for l in cli.stdout_lines if l.startswith("{")]
        h.check(len(js) == 1, "loadgen printed its JSON summary")
        res = json.loads(js[0])
        rss1 = rss_kib(pid) if pid else 0
        rc, st = srv.stop()
        h.check(rc == 0, "tern-httpd exit status 0")
    finally:
        srv.kill()
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
