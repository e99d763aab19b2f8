# SPDX-License-Identifier: BSD-3-Clause
"""
TCP over IPv6 with the Linux kernel as the peer over net_tap: tern-httpd
with two workers (-l 0-1, a tap of two queues: the kernel spreads frames by
its own hash, Tern steers each to its owner) and [ipv6] address
fd00:77::2/64; the kernel side fd00:77::1/64 in the test namespace.

- curl -6, a connection per request: 20 to the global address, 10 to the
  link-local one (fe80::...%tap), every response 200 with the page;
- curl -4 to 10.77.0.2: the same listener takes both families;
- wrk -t2 -c32 -d3s on http://[fd00:77::2]/ (keep-alive): no socket error,
  no non-2xx, requests on every connection;
- tern-httpd exits 0; both workers accepted connections; segments counted
  over IPv6 (tcp6_rx); no steered frame lost; Tern reset no live
  connection; no neighbor given up; the kernel's neighbor table holds
  tern's MAC; every received frame counted once.

Then tern-loadgen (two workers) against nginx on [fd00:77::1]:80 in the
namespace, keep-alive and Connection: close, 2 s each: no error, none
failed to open or reset, none left open, no non-2xx, both workers opened
connections (each its own ports, tern_connect6), the kernel reset no
connection and sent no RST.
"""
import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tern_harness as h  # noqa: E402
import test_multicore as mc  # noqa: E402

URL6 = "http://[%s]/" % h.TERN_IP6


def curl_codes(t, url, n, extra=()):
    """@n requests to @url, a connection each: their status codes and the last body."""
    codes, body = [], b""
    for _ in range(n):
        r = t.run(["curl", "-s", "-g", "-m", "5", "-o", "-", "-w", "\n%{http_code}"] +
                  list(extra) + [url], timeout=30, check=False)
        out = r.stdout.rsplit("\n", 1)
        codes.append(out[-1] if r.returncode == 0 else "rc%d" % r.returncode)
        body = out[0] if len(out) == 2 else ""
    return codes, body


def nginx_on_ipv6(t):
    """
    pre_start: nginx on [::]:80 (both families) in the namespace. IPv6 goes
    on for what exists (lo) and stays off for new interfaces, so the tap
    comes up without it (h.ipv6_kernel_side gives it another MAC first).
    """
    t.run(["sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=0"], check=False)
    www = os.path.join(t.tmp, "www")
    os.makedirs(www, exist_ok=True)
    with open(os.path.join(www, "index.html"), "w") as f:
        f.write("<html><body>tern over IPv6</body></html>\n")
    conf = os.path.join(t.tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write(mc.NGINX_CONF.replace("listen 80 reuseport;", "listen [::]:80 ipv6only=off;")
                % {"tmp": t.tmp})
    t.nginx = t.background(["nginx", "-c", conf, "-e", os.path.join(t.tmp, "nginx.err")],
                           os.path.join(t.tmp, "nginx.out"), os.path.join(t.tmp, "nginx.stderr"))


def part_loadgen(build, src, mode, conns):
    args = ["--target", "[%s]:80" % h.PEER_IP6, "--mode", mode, "--conns", str(conns),
            "--duration", "2", "--drain-ms", "2000", "--wait-link", "10", "--json"]
    with h.TernNetns(build, src, app="tern-loadgen", tern_args=args, lcores="0-1",
                     config_extra=h.IPV6_CONFIG, pre_start=nginx_on_ipv6) as t:
        # tern-loadgen waits for its address (DAD) before its first connection
        h.ipv6_kernel_side(t)
        tcp0 = mc.linux_tcp(t)
        rc = t.tern.wait(60)
        what = "tern-loadgen x2 workers, %s over IPv6 against nginx" % mode
        h.check(rc == 0, "%s: exit status 0 (%s)" % (what, rc))
        h.check_loadgen_clean(t.tern.stdout_lines, what)
        st = h.parse_stats(t.tern.stdout_lines)
        mc.no_resets(st, what, st["tcp_active_opens"])
        h.check(st["tcp_conn_reset"] == 0 and st["tcp6_rx"] > 0 and st["tcp_rx"] == 0,
                "%s: all of it over IPv6 (tcp6_rx %d, tcp_rx %d), no reset (%d)"
                % (what, st["tcp6_rx"], st["tcp_rx"], st["tcp_conn_reset"]))
        mc.check_workers(t.tern.stdout_lines, what, "tcp_active_opens")
        tcp1 = mc.linux_tcp(t)
        h.check(tcp1["EstabResets"] == tcp0["EstabResets"] and tcp1["OutRsts"] == tcp0["OutRsts"],
                "%s: the kernel reset nothing (EstabResets +%d, OutRsts +%d)"
                % (what, tcp1["EstabResets"] - tcp0["EstabResets"],
                   tcp1["OutRsts"] - tcp0["OutRsts"]))
        t.stop_background(t.nginx)


def main(build, src):
    h.require_netns()
    h.require_tools("curl", "wrk", "ping", "nginx")
    with h.TernNetns(build, src, app="tern-httpd", tern_args=["--port", "80"],
                     config_extra=h.IPV6_CONFIG, lcores="0-1") as t:
        mac = t.ready["mac"]
        ll = h.link_local_of(mac)
        h.ipv6_kernel_side(t)
        warm, _ = h.ipv6_wait_tern(t)
        h.check(warm == 1, "%s answers once Duplicate Address Detection is over" % h.TERN_IP6)
        for url, n in ((URL6, 20), ("http://[%s%%25%s]/" % (ll, t.iface), 10)):
            codes, body = curl_codes(t, url, n)
            h.check(codes == ["200"] * n, "curl -6 %s: %d requests, each 200 (%s)"
                    % (url, n, " ".join(sorted(set(codes)))))
            h.check("Served by tern-httpd" in body, "curl -6 %s: the page" % url)
        codes, _ = curl_codes(t, "http://%s/" % h.TERN_IP, 5, ["-4"])
        h.check(codes == ["200"] * 5, "curl -4: the same listener over IPv4 (%s)"
                % " ".join(sorted(set(codes))))
        h.log("RESULT wrk -t2 -c32 -d3s over IPv6: %d requests" % mc.wrk_clean(t, URL6))
        neigh = t.ip("-6", "neigh", "show", "dev", t.iface)
        line = [x for x in neigh.splitlines() if x.startswith(h.TERN_IP6 + " ")]
        h.check(bool(line) and ("lladdr " + mac) in line[0],
                "the kernel's neighbor table has %s at tern's MAC %s" % (h.TERN_IP6, mac))
        time.sleep(1.0)            # the last closes reach tern
        rc, st = t.stop(timeout=20)
        h.check(rc == 0, "tern-httpd exit status 0 (%s)" % rc)
        what = "tern-httpd x2 workers over IPv6"
        mc.no_resets(st, what, st["tcp_passive_opens"])
        h.check(st["tcp_conn_aborted"] == 0, "no connection left open (%d)"
                % st["tcp_conn_aborted"])
        mc.check_workers(t.tern.stdout_lines, what, "tcp_passive_opens")
        h.check(st["tcp6_rx"] > st["tcp_rx"] > 0, "segments over IPv6 (%d) and IPv4 (%d)"
                % (st["tcp6_rx"], st["tcp_rx"]))
        h.check(st["steer_rx"] + st["steer_drop_stopped"] == st["steer_tx"],
                "every steered frame reached its owner, or was passed after it stopped")
        h.check(st["nd_drop_pending"] == 0 and st["ip6_drop_no_route"] == 0,
                "no packet waited for a neighbor in vain (%d), none without a route (%d)"
                % (st["nd_drop_pending"], st["ip6_drop_no_route"]))
        probs = h.accounting_problems(st)
        h.check(not probs, "every received frame counted once" +
                ("" if not probs else ": " + "; ".join(probs)))
    for mode, conns in (("http", 32), ("http-close", 16)):
        part_loadgen(build, src, mode, conns)


if __name__ == "__main__":
    h.run_test(main)
