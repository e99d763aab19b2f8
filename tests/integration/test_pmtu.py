# SPDX-License-Identifier: BSD-3-Clause
"""
Path MTU discovery through a real router (RFC 1191): no black hole.

tern-httpd (10.77.0.2, net_tap, MTU 1500, gateway 10.77.0.1) serves a client
in a second namespace (10.79.0.2) through the Linux kernel of the test
namespace, which routes between the tap and a veth whose MTU on the router's
side is 1200. The client's link is 1500, so its SYN offers MSS 1460 and Tern
sends full 1500-byte datagrams with DF set; the router drops each and
answers ICMP "fragmentation needed, next-hop MTU 1200".

Checks: curl in the client namespace downloads 300 KB with the right length
and sha256; Tern lowered the connection's MSS (tcp_pmtu_lowered >= 1, the
ICMP errors counted as received and none as forged or dropped); every frame
is accounted for; tern-httpd exits 0. Without path MTU discovery the
download stalls until curl's time limit. Only addresses inside the
namespaces this test creates are used.
"""
import hashlib
import os
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tern_harness as h  # noqa: E402

BYTES = 300000
ROUTER_IP, CLIENT_IP, LINK_MTU = "10.79.0.1", "10.79.0.2", 1200


def pattern_sha256(n):
    # tern-httpd's /bytes/N body: 'a' + i % 26 (app/httpd)
    block = bytes(ord("a") + i % 26 for i in range(26)) * 4096
    d = hashlib.sha256()
    while n > 0:
        d.update(block[:n])
        n -= len(block[:n])
    return d.hexdigest()


def add_client_ns(t, client_ns, veth_r, veth_c):
    """The client's namespace behind a veth whose router end has a small MTU."""
    def ip(*args):
        r = subprocess.run(["ip"] + list(args), capture_output=True, text=True, timeout=10)
        h.check(r.returncode == 0, "ip %s%s" % (" ".join(args),
                                                "" if r.returncode == 0 else ": " + r.stderr))
    r = subprocess.run(["ip", "netns", "add", client_ns], capture_output=True, text=True,
                       timeout=10)
    if r.returncode != 0:
        h.fail("ip netns add %s: %s" % (client_ns, r.stderr.strip()))
    h._cleanups.append(lambda: subprocess.run(["ip", "netns", "del", client_ns],
                                              capture_output=True, timeout=20))
    ip("-n", t.ns, "link", "add", veth_r, "type", "veth", "peer", "name", veth_c,
       "netns", client_ns)
    ip("-n", t.ns, "addr", "add", "%s/24" % ROUTER_IP, "dev", veth_r)
    ip("-n", t.ns, "link", "set", veth_r, "mtu", str(LINK_MTU), "up")
    ip("-n", client_ns, "link", "set", "lo", "up")
    ip("-n", client_ns, "addr", "add", "%s/24" % CLIENT_IP, "dev", veth_c)
    ip("-n", client_ns, "link", "set", veth_c, "up")
    ip("-n", client_ns, "route", "add", "default", "via", ROUTER_IP)
    t.run(["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"])
    # the router answers every too-big datagram (no ICMP rate limit here)
    t.run(["sysctl", "-q", "-w", "net.ipv4.icmp_ratelimit=0"])


def main(build, src):
    h.require_root()
    tag = "%d" % (os.getpid() % 100000)
    client_ns = "tern-pc%s" % tag
    with h.TernNetns(build, src, app="tern-httpd", tern_args=["--port", "80"]) as t:
        add_client_ns(t, client_ns, "tpr%s" % tag, "tpc%s" % tag)
        r = subprocess.run(["ip", "netns", "exec", client_ns, "curl", "-sS", "--max-time",
                            "20", "-o", "-", "-w", "\n%{http_code} %{size_download}",
                            "http://%s/bytes/%d" % (h.TERN_IP, BYTES)],
                           capture_output=True, timeout=40)
        body, _, tail = r.stdout.rpartition(b"\n")
        h.log("curl rc %d, %s, %s" % (r.returncode, tail.decode(errors="replace"),
                                      r.stderr.decode(errors="replace").strip()))
        h.check(r.returncode == 0 and tail.split()[0] == b"200",
                "curl through the 1200-byte hop completed (no black hole)")
        h.check(len(body) == BYTES and hashlib.sha256(body).hexdigest() ==
                pattern_sha256(BYTES), "the %d bytes arrived intact" % BYTES)
        rc, st = t.stop()
    h.check(rc == 0, "tern-httpd exit status 0 (%s)" % h.status_text(rc))
    h.log("tern: icmp_rx_error %d, tcp_pmtu_lowered %d, tcp_icmp_bad_mtu %d, "
          "out of window %d, no conn %d, retransmitted %d" % (
              st["icmp_rx_error"], st["tcp_pmtu_lowered"], st["tcp_icmp_bad_mtu"],
              st["tcp_icmp_out_of_window"], st["tcp_icmp_no_conn"], st["tcp_rexmt_segs"]))
    h.check(st["tcp_pmtu_lowered"] >= 1, "the router's fragmentation-needed lowered the MSS")
    h.check(st["icmp_drop_quote"] == 0, "every ICMP error quoted one of our segments")
    probs = h.accounting_problems(st)
    h.check(not probs, "every frame accounted for %s" % probs)


if __name__ == "__main__":
    h.run_test(main)
