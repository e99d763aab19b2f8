# SPDX-License-Identifier: BSD-3-Clause
"""
tern-httpd under load, from the test namespace (bounded in time and count):

- wrk -t1 -c100 -d5s http://10.77.0.2/ : no socket error (wrk prints a
  "Socket errors:" line only when there are some) and no non-2xx response
  ("Non-2xx or 3xx responses:" likewise), at least one request per
  connection; its requests/s is printed;
- ab -n 20000 -c 50 -k http://10.77.0.2/ (HTTP/1.0 keep-alive): 20000
  complete, 0 failed, no "Non-2xx responses:" or "Write errors:" line (ab
  prints them only when non-zero), every request on a kept connection; its
  requests/s is printed;
- afterwards no connection is left: after the clients exit and a short wait,
  tern is stopped and its final counters show that none was still open
  (tcp_conn_aborted == 0: the stack aborts whatever is open at shutdown) and
  that every accepted connection ended (tcp_passive_opens == tcp_conn_closed
  + tcp_conn_reset + tcp_conn_timeout; TIME_WAIT counts as closed), with no
  timeout; httpd answered every request it parsed with a 2xx.
"""
import os
import re
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tern_harness as h  # noqa: E402

URL = "http://%s/" % h.TERN_IP


def httpd_stats(t):
    out = {}
    for ln in t.tern.stdout_lines:
        m = re.match(r"^httpd (\w+) (\d+)$", ln.strip())
        if m:
            out[m.group(1)] = int(m.group(2))
    return out


def wrk(t):
    r = t.run(["timeout", "-k", "5", "30", "wrk", "-t1", "-c100", "-d5s", "--timeout", "5s",
               URL], timeout=60, check=False)
    out = r.stdout
    h.log("wrk output:\n" + out.rstrip() + ("\nstderr: " + r.stderr.strip()
                                            if r.stderr.strip() else ""))
    h.check(r.returncode == 0, "wrk exit status 0 (got %d)" % r.returncode)
    m = re.search(r"^\s*(\d+) requests in ([\d.]+)(\w+)", out, re.M)
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", out, re.M)
    h.check(m is not None and rps is not None, "wrk printed its totals")
    reqs = int(m.group(1))
    h.log("wrk: %d requests, %s requests/s" % (reqs, rps.group(1)))
    sock = re.search(r"Socket errors: (.*)$", out, re.M)
    h.check(sock is None, "wrk: no socket error%s" % ("" if sock is None else
                                                     " (%s)" % sock.group(1)))
    non2 = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    h.check(non2 is None, "wrk: no non-2xx response%s" % ("" if non2 is None else
                                                         " (%s)" % non2.group(1)))
    h.check(reqs >= 100, "wrk: %d requests >= one per connection" % reqs)
    return reqs, float(rps.group(1))


def ab(t):
    r = t.run(["timeout", "-k", "5", "60", "ab", "-q", "-n", "20000", "-c", "50", "-k",
               "-s", "10", URL], timeout=90, check=False)
    out = r.stdout

    def num(label):
        m = re.search(r"^%s:\s+([\d.]+)" % re.escape(label), out, re.M)
        return float(m.group(1)) if m else None

    h.log("ab output (summary):\n" + "\n".join(
        ln for ln in out.splitlines() if re.match(
            r"^(Complete|Failed|Non-2xx|Write errors|Keep-Alive|Requests per|Time taken|"
            r"Concurrency|Total transferred|Document Length)", ln)))
    if r.returncode != 0:
        h.log("ab stderr: " + r.stderr.strip()[-2000:])
    h.check(r.returncode == 0, "ab exit status 0 (got %d)" % r.returncode)
    h.check(num("Complete requests") == 20000, "ab: 20000 complete requests (%s)"
            % num("Complete requests"))
    h.check(num("Failed requests") == 0, "ab: 0 failed requests (%s)" % num("Failed requests"))
    h.check(num("Non-2xx responses") is None, "ab: no non-2xx response (%s)"
            % num("Non-2xx responses"))
    h.check(num("Write errors") is None, "ab: no write error (%s)" % num("Write errors"))
    h.check(num("Keep-Alive requests") == 20000, "ab: 20000 keep-alive requests (%s)"
            % num("Keep-Alive requests"))
    rps = num("Requests per second")
    h.log("ab: %s requests/s" % rps)
    return 20000, rps


def main(build, src):
    h.require_netns()
    h.require_tools("wrk", "ab")
    with h.TernNetns(build, src, app="tern-httpd", tern_args=["--port", "80"]) as t:
        wrk_reqs, wrk_rps = wrk(t)
        ab_reqs, ab_rps = ab(t)
        time.sleep(1.0)      # the last closes (FIN/ACK, RST) reach tern
        rc, st = t.stop(timeout=20)
        hs = httpd_stats(t)
        h.print_stats(st)
        h.log("httpd counters: %s" % hs)
        h.log("RESULT wrk -t1 -c100 -d5s: %d requests, %.0f requests/s; "
              "ab -n 20000 -c 50 -k: %.0f requests/s" % (wrk_reqs, wrk_rps, ab_rps or 0))
        h.check(rc == 0, "tern-httpd exit status 0 (got %s)" % rc)
        h.check(st["tcp_conn_aborted"] == 0,
                "no connection still open when tern stopped (tcp_conn_aborted %d == 0)"
                % st["tcp_conn_aborted"])
        ended = st["tcp_conn_closed"] + st["tcp_conn_reset"] + st["tcp_conn_timeout"]
        h.check(st["tcp_passive_opens"] == ended,
                "every accepted connection ended: tcp_passive_opens %d == closed %d + reset "
                "%d + timeout %d" % (st["tcp_passive_opens"], st["tcp_conn_closed"],
                                     st["tcp_conn_reset"], st["tcp_conn_timeout"]))
        h.check(st["tcp_conn_timeout"] == 0, "no connection timed out (%d)"
                % st["tcp_conn_timeout"])
        h.check(st["tcp_passive_opens"] >= 150, "tcp_passive_opens %d >= the 100 + 50 "
                "client connections" % st["tcp_passive_opens"])
        h.check(hs.get("connections") == st["tcp_passive_opens"],
                "httpd connections %s == tcp_passive_opens" % hs.get("connections"))
        h.check(hs.get("requests", 0) >= wrk_reqs + ab_reqs,
                "httpd requests %s >= wrk's %d + ab's %d" % (hs.get("requests"), wrk_reqs,
                                                             ab_reqs))
        h.check(hs.get("responses_4xx") == 0 and hs.get("parse_errors") == 0,
                "httpd: no 4xx, no parse error (%s, %s)" % (hs.get("responses_4xx"),
                                                            hs.get("parse_errors")))
        h.check(st["tcp_conn_table_full"] == 0 and st["tcp_syn_queue_full"] == 0,
                "no SYN refused (table full %d, SYN queue full %d)"
                % (st["tcp_conn_table_full"], st["tcp_syn_queue_full"]))


if __name__ == "__main__":
    h.run_test(main)
