# SPDX-License-Identifier: BSD-3-Clause
"""
Helpers shared by the TCP integration tests (test_tcp_*.py), on top of
tern_harness: config snippets, running tcp_peer.py (the Linux side) in the
test namespace, reading the namespace's kernel TCP counters.
"""
import json
import os
import subprocess
import sys
import time

import tern_harness as h

PEER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tcp_peer.py")


def config(stack=None, tcp=None):
    """Config text appended to the harness's: {"mbufs": 65535} -> [stack] mbufs = 65535."""
    out = ""
    for name, keys in (("stack", stack), ("tcp", tcp)):
        if keys:
            out += "\n[%s]\n" % name + "".join("%s = %s\n" % kv for kv in keys.items())
    return out


def peer_argv(mode, *args):
    return [sys.executable, PEER, mode] + [str(x) for x in args] + ["--cc", h.PEER_CC]


def run_peer(t, mode, *args, timeout=60):
    """Run tcp_peer.py MODE in the namespace with --timeout; returns (rc, json, stderr).
    The process gets 30 s more than its own bound before the harness kills it."""
    argv = peer_argv(mode, *args) + ["--timeout", str(timeout)]
    t0 = time.monotonic()
    r = t.run(argv, timeout=int(timeout) + 30, check=False)
    dt = time.monotonic() - t0
    res = None
    for ln in reversed(r.stdout.strip().splitlines()):
        try:
            res = json.loads(ln)
            break
        except ValueError:
            continue
    if res is None:
        h.log("tcp_peer %s: rc %d, no result\nstdout:\n%s\nstderr:\n%s"
              % (mode, r.returncode, r.stdout[-2000:], r.stderr[-2000:]))
        raise AssertionError("tcp_peer %s gave no result" % mode)
    if r.stderr.strip():
        h.log("tcp_peer stderr: " + r.stderr.strip()[-1000:])
    res["wall"] = round(dt, 3)
    return r.returncode, res


class LinuxServer:
    """tcp_peer.py server in the namespace, started from a TernNetns pre_start
    hook (before tern: it binds 10.77.0.1 with IP_FREEBIND). Killed at cleanup."""

    def __init__(self, port, conns, timeout, hold=0):
        self.port, self.conns, self.timeout, self.hold = port, conns, timeout, hold
        self.proc = None

    def start(self, t):
        self.out = os.path.join(t.tmp, "server%d.out" % self.port)
        self.err = self.out + ".err"
        self.proc = t.background(peer_argv("server", "--bind", h.PEER_IP, "--port", self.port,
                                           "--conns", self.conns, "--hold", self.hold,
                                           "--timeout", self.timeout), self.out, self.err)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with open(self.out) as f:
                if "listening" in f.read():
                    return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        with open(self.err) as f:
            h.fail("Linux server did not start: %s" % f.read()[-1000:])

    def result(self, t, timeout=15):
        """Stop it if still running; returns (rc, [{"peer", "echoed", "error"}])."""
        if self.proc.poll() is None:
            rc = t.stop_background(self.proc, timeout=timeout)
        else:
            rc = self.proc.returncode
        with open(self.out) as f:
            lines = [ln for ln in f.read().splitlines() if ln.startswith("{")]
        done = json.loads(lines[-1])["done"] if lines else []
        h.log("Linux server (rc %s): %d connection(s): %s" % (rc, len(done), done[:3]))
        return rc, done


def run_tern_client(t, limit_s):
    """Wait for tern-echo in client mode to finish; returns (rc, stats, ok line)."""
    t0 = time.monotonic()
    rc = t.tern.wait(limit_s)
    dt = time.monotonic() - t0
    finished = rc is not None
    if not finished:
        h.log("tern-echo client still running after %ds: SIGTERM for its counters" % limit_s)
    rc, st = stop(t)    # already exited: just collects the status and counters
    line = t.tern.wait_line(r"connections ok", 1)
    h.log(line or "(no 'connections ok' line)")
    h.check(finished, "tern-echo client finished by itself within %ds (%.2fs)"
            % (limit_s, dt))
    return rc, st, line


def resolve_now(t):
    """Right after the harness configured the kernel side: one ping to tern, so
    that the kernel's ARP request for 10.77.0.2 lets tern learn 10.77.0.1 at
    once (RFC 826 merge) instead of at its ARP retry a second later. tern in
    client mode connects right after its ready line, before the kernel side had
    its address: its first ARP request went unanswered and its SYNs wait."""
    r = t.run(["ping", "-n", "-c", "1", "-W", "2", h.TERN_IP], timeout=10, check=False)
    h.log("ping to resolve ARP at once: rc %d" % r.returncode)


def kernel_tcp_counters(t):
    """Tcp: line of /proc/net/snmp in the test namespace (RetransSegs, OutRsts...)."""
    _rc, res = run_peer(t, "snmp", timeout=10)
    res.pop("wall", None)
    return res


def softnet_drops():
    """Per-CPU backlog drops of /proc/net/softnet_stat, summed (machine-wide)."""
    with open("/proc/net/softnet_stat") as f:
        return sum(int(line.split()[1], 16) for line in f)


def link_drops(t, softnet_base):
    """
    Frames the kernel dropped on the way to or from tern since the tap was
    created: its rx/tx dropped counters in the namespace, plus the backlog
    drops since @softnet_base (machine-wide: a conservative excuse). net_tap is
    not a lossless link: when tern falls behind, the tap queue overflows.
    """
    r = subprocess.run(["ip", "-n", t.ns, "-s", "-j", "link", "show", "dev", t.iface],
                       capture_output=True, text=True, timeout=10)
    drops = softnet_drops() - softnet_base
    if r.returncode == 0:
        st = json.loads(r.stdout)[0].get("stats64", {})
        drops += st.get("rx", {}).get("dropped", 0) + st.get("tx", {}).get("dropped", 0)
    return drops


def log_client_result(res):
    fails = res.get("failures") or []
    h.log("client: %d/%d ok, sent %d, received %d (%d after our FIN), %.2fs "
          "(process %.2fs), end states %s, Linux retransmissions %d"
          % (res["ok"], res["conns"], res["bytes_sent"], res["bytes_rcvd"],
             res["rcvd_after_shut"], res["elapsed"], res["wall"], res["end_states"],
             res["linux_retrans"]))
    for f in fails:
        h.log("  failed: %s" % (f,))


def stop(t, timeout=20):
    """SIGTERM tern, print its non-zero counters; returns (rc, stats). Tests check
    rc == 0 last, so that a crash at exit does not hide the other results."""
    rc, st = t.stop(timeout)
    h.print_stats(st)
    return rc, st


def check_exit(rc, what="after SIGTERM"):
    h.check(rc == 0, "tern-echo exit status 0 %s (got %s)" % (what, rc))


def show(st, *names):
    h.log("counters: " + ", ".join("%s %d" % (n, st[n]) for n in names))
