# SPDX-License-Identifier: BSD-3-Clause
"""
Shared helpers for Tern's integration tests.

The Linux kernel is the peer: tern-echo runs inside a network namespace the
test creates, on a net_tap port whose kernel side therefore appears inside that
namespace. Test traffic never leaves that namespace (10.77.0.0/24 there) or
loopback.

Every namespace, process and temporary file a test creates is removed on every
exit path: the TernNetns context manager cleans up in __exit__, an atexit hook
catches what escapes it, and SIGTERM/SIGINT/SIGHUP (meson's timeout sends
SIGTERM) are turned into SystemExit so both run.

Command line of every test: TEST.py [BUILD_ROOT [SOURCE_ROOT]]; otherwise
TERN_BUILD_DIR / TERN_SOURCE_DIR, otherwise build/ and the repository root.
Exit codes: 0 pass, 1 fail, 77 skip (meson's convention).

This file also has a small entry point used inside a namespace:
  tern_harness.py --send-raw IFACE FILE
sends each hex-encoded frame of FILE (one per line) with an AF_PACKET raw socket
on IFACE and prints one JSON line: [[ok, errno_or_null], ...].
"""

import atexit
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

SKIP = 77
TERN_IP = "10.77.0.2"
PEER_IP = "10.77.0.1"
PREFIXLEN = 24
# The congestion control of tcp_peer.py's sockets (TCP_CONGESTION: as root it
# may name one the host does not allow as a namespace's default): Linux's own
# default, whatever the host chose. With BBR (v1), 100 windows overflowing the
# tap's queue (a fifth of the segments dropped) read as a policer: a flow was
# then paced at its worst delivery rate, 16-40 kbit/s, with a gain of 1 for
# 25 s and more (ss -tin showed it), and tcp_echo timed out through no fault
# of the stack's. TERN_PEER_CC names another ("" keeps the default).
PEER_CC = os.environ.get("TERN_PEER_CC", "cubic")

_seq = itertools.count()
_cleanups = []          # callables run at exit, newest first
_procs = []             # every TernProcess started, for the exit checks and reports
_others = []            # (name, Popen, stderr path) of background commands, for reports
_signals_installed = False


# ---------------------------------------------------------------- basics

def log(msg):
    print(msg, flush=True)


def skip(why):
    log("SKIP: " + why)
    sys.exit(SKIP)


def fail(why):
    log("FAIL: " + why)
    sys.exit(1)


def check(cond, what):
    """Assert with a readable line either way."""
    log(("ok   " if cond else "FAIL ") + what)
    if not cond:
        raise AssertionError(what)


def _on_signal(signum, _frame):
    raise SystemExit(128 + signum)


def _run_cleanups():
    while _cleanups:
        fn = _cleanups.pop()
        try:
            fn()
        except Exception as e:  # cleanup must go on
            log("cleanup error: %r" % (e,))


def install_signal_handlers():
    global _signals_installed
    if _signals_installed:
        return
    _signals_installed = True
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, _on_signal)
    atexit.register(_run_cleanups)


def paths():
    """(build_root, source_root) from argv, env, or defaults."""
    here = os.path.dirname(os.path.abspath(__file__))
    src_default = os.path.abspath(os.path.join(here, "..", ".."))
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    build = args[0] if len(args) > 0 else os.environ.get(
        "TERN_BUILD_DIR", os.path.join(src_default, "build"))
    src = args[1] if len(args) > 1 else os.environ.get("TERN_SOURCE_DIR", src_default)
    return os.path.abspath(build), os.path.abspath(src)


def tern_echo_path(build_root, app="tern-echo"):
    """BUILD_ROOT/app/APP (tern-echo unless another app is named)."""
    p = os.path.join(build_root, "app", app)
    if not os.access(p, os.X_OK):
        fail("%s not built: %s" % (app, p))
    return p


def require_root():
    if os.geteuid() != 0:
        skip("needs root (DPDK tap/pcap ports, hugepages, network namespaces)")


def require_netns():
    require_root()
    if shutil.which("ip") is None:
        skip("'ip' (iproute2) not found")
    name = "tern-probe%d" % os.getpid()
    r = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True,
                       timeout=10)
    if r.returncode != 0:
        skip("'ip netns add' unavailable: %s" % r.stderr.strip())
    subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=10)
    if not os.path.exists("/dev/net/tun"):
        skip("/dev/net/tun missing: net_tap cannot work")


def require_tools(*tools):
    for t in tools:
        if shutil.which(t) is None:
            skip("'%s' not found" % t)


def eal_args(source_root, prefix, lcores="0"):
    """EAL args for one process: memory from tools/eal-mem, lcores (one worker
    each; one by default), no PCI. Its runtime dir (/var/run/dpdk/PREFIX,
    which EAL leaves behind) is removed at exit."""
    _cleanups.append(lambda: shutil.rmtree("/var/run/dpdk/" + prefix, ignore_errors=True))
    tool = os.path.join(source_root, "tools", "eal-mem")
    r = subprocess.run([tool, prefix], capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        fail("tools/eal-mem failed: %s" % r.stderr.strip())
    if r.stderr.strip():
        log(r.stderr.strip())
    return ["-l", lcores, "--no-pci", "--log-level=*:warning"] + r.stdout.split()


def unique_name(kind="t"):
    """Short unique name (interface names stop at 15 chars)."""
    return "tern-%s%d-%d" % (kind, os.getpid(), next(_seq))


def write_config(path, device, extra=""):
    with open(path, "w") as f:
        f.write("; generated by tests/integration/tern_harness.py\n"
                "[port]\ndevice = %s\n\n"
                "[ipv4]\naddress = %s\nnetmask = 255.255.255.0\ngateway = %s\n%s"
                % (device, TERN_IP, PEER_IP, extra))


class Stats(dict):
    """Counters by name; a name tern-echo did not print fails the test clearly."""

    def __missing__(self, key):
        raise AssertionError("counter '%s' not printed by tern-echo" % key)


def parse_stats(lines):
    stats = Stats()
    for ln in lines:
        m = re.match(r"^stat (\w+) (\d+)$", ln.strip())
        if m:
            stats[m.group(1)] = int(m.group(2))
    return stats


def parse_workers(lines):
    """The apps' per-worker lines at exit ('worker N name value ...') -> list of dicts."""
    workers = {}
    for ln in lines:
        f = ln.split()
        if len(f) >= 4 and f[0] == "worker" and f[1].isdigit() and len(f) % 2 == 0:
            workers[int(f[1])] = {f[i]: int(f[i + 1]) for i in range(2, len(f), 2)}
    return [workers[i] for i in sorted(workers)]


def check_loadgen_clean(lines, what):
    """
    tern-loadgen's JSON summary in @lines, checked clean: no error, no
    connection that failed to open or was reset, none left open after the
    drain, no non-2xx, some work done, every worker opened connections.
    Returns the summary.
    """
    js = [ln for ln in lines if ln.startswith("{")]
    check(len(js) == 1, "%s: tern-loadgen printed its JSON summary" % what)
    s = json.loads(js[0])
    log("%s: %s" % (what, {k: s[k] for k in ("requests", "requests_per_s", "conns_opened",
                                             "conns_done", "gbit_per_s", "errors",
                                             "conns_failed", "conns_reset", "left_open",
                                             "non2xx")}))
    check(s["errors"] == 0 and s["conns_failed"] == 0 and s["conns_reset"] == 0,
          "%s: no error (%d), none failed to open (%d) or reset (%d)"
          % (what, s["errors"], s["conns_failed"], s["conns_reset"]))
    check(s["left_open"] == 0 and s["non2xx"] == 0, "%s: none left open (%d), no non-2xx (%d)"
          % (what, s["left_open"], s["non2xx"]))
    check(s["requests"] > 0 or s["conns_done"] > 0, "%s: work done" % what)
    for i, w in enumerate(s["workers"]):
        check(w["conns_opened"] > 0, "%s: worker %d opened connections (%d)"
              % (what, i, w["conns_opened"]))
    return s


def parse_ready(line):
    """'tern-echo: ready: IP on DEV mac MAC mtu N, ...' -> dict."""
    m = re.search(r"ready: (\S+) on (\S+) mac ([0-9A-Fa-f:]{17}) mtu (\d+)", line)
    if not m:
        return None
    return {"ip": m.group(1), "dev": m.group(2), "mac": m.group(3).lower(),
            "mtu": int(m.group(4))}


def accounting_problems(st):
    """
    Every received frame ends in exactly one "in" or "drop" counter
    (lib/include/tern_stats.h). Checks the three levels that can be summed:
    frames, IPv4 packets, ICMP messages. Returns a list of mismatches.
    """
    probs = []
    eth = (st["eth_drop_short"] + st["eth_drop_not_ours"] + st["eth_drop_ethertype"]
           + st["arp_rx"] + st["arp_drop_malformed"] + st["ip_rx"] + st["ip6_rx"])
    if st["rx_frames"] != eth:
        probs.append("rx_frames %d != eth drops + arp_rx + arp_drop_malformed + ip_rx + ip6_rx = %d"
                     % (st["rx_frames"], eth))
    ip = (st["ip_drop_short"] + st["ip_drop_version"] + st["ip_drop_hdrlen"]
          + st["ip_drop_totlen"] + st["ip_drop_cksum"] + st["ip_drop_not_ours"] + st["ip_drop_bad_src"]
          + st["ip_drop_fragment"] + st["ip_drop_proto"] + st["icmp_rx"] + st["tcp_rx"])
    if st["ip_rx"] != ip:
        probs.append("ip_rx %d != ip drops + ip_drop_proto + icmp_rx + tcp_rx = %d"
                     % (st["ip_rx"], ip))
    icmp = (st["icmp_drop_short"] + st["icmp_drop_cksum"] + st["icmp_drop_type"]
            + st["icmp_echo_reply"] + st["icmp_rx_error"])
    if st["icmp_rx"] != icmp:
        probs.append("icmp_rx %d != icmp drops + icmp_echo_reply + icmp_rx_error = %d"
                     % (st["icmp_rx"], icmp))
    ip6 = (st["ip6_drop_short"] + st["ip6_drop_version"] + st["ip6_drop_len"]
           + st["ip6_drop_not_ours"] + st["ip6_drop_bad_src"] + st["ip6_drop_ext"]
           + st["ip6_drop_fragment"] + st["ip6_drop_proto"] + st["icmp6_rx"] + st["tcp6_rx"])
    if st["ip6_rx"] != ip6:
        probs.append("ip6_rx %d != ip6 drops + icmp6_rx + tcp6_rx = %d" % (st["ip6_rx"], ip6))
    icmp6 = (st["icmp6_drop_short"] + st["icmp6_drop_cksum"] + st["icmp6_drop_type"]
             + st["icmp6_echo_reply"] + st["icmp6_rx_error"] + st["nd_drop_invalid"]
             + st["nd_rx_ns"] + st["nd_rx_na"] + st["nd_rx_router"] + st["mld_rx_query"]
             + st["mld_drop_query"])
    if st["icmp6_rx"] != icmp6:
        probs.append("icmp6_rx %d != its drops, replies, errors and ND = %d"
                     % (st["icmp6_rx"], icmp6))
    # an ICMP or ICMPv6 error about one of our segments ends in one of TCP's outcomes
    err = (st["icmp_drop_quote"] + st["icmp6_drop_quote"] + st["icmp_drop_steer"]
           + st["tcp_icmp_no_conn"] + st["tcp_icmp_out_of_window"]
           + st["tcp_icmp_bad_mtu"] + st["tcp_icmp_soft_error"] + st["tcp_pmtu_lowered"])
    if st["icmp_rx_error"] + st["icmp6_rx_error"] != err:
        probs.append("icmp_rx_error %d + icmp6_rx_error %d != icmp(6)_drop_quote + "
                     "icmp_drop_steer + TCP's ICMP outcomes = %d"
                     % (st["icmp_rx_error"], st["icmp6_rx_error"], err))
    return probs


def print_stats(st, only_nonzero=True):
    for k, v in st.items():
        if v or not only_nonzero:
            log("  stat %s %d" % (k, v))


# ---------------------------------------------------------------- exit checks

def status_text(rc):
    if rc is None:
        return "still running"
    if rc < 0:
        try:
            name = signal.Signals(-rc).name
        except ValueError:
            name = "signal"
        return "killed by signal %s (%d)" % (name, -rc)
    return "exit status %d" % rc


def kernel_lines(pid):
    """The kernel log's lines about @pid (a segfault names the library)."""
    try:
        r = subprocess.run(["dmesg"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [ln.strip() for ln in r.stdout.splitlines() if "[%d]" % pid in ln][-5:]


def report_processes(why):
    """Log every process the test started in the background: status, signal,
    last lines of stderr (and stdout, for Tern's)."""
    if not _procs and not _others:
        return
    log("---- %s: the %d Tern process(es) this test started:" % (why, len(_procs)))
    for p in _procs:
        log(p.describe())
    for name, p, err in _others:
        try:
            with open(err) as f:
                tail = f.read().splitlines()[-20:]
        except OSError:
            tail = []
        log("%s (pid %d, background): %s\n  stderr, last %d lines:\n%s" % (
            name, p.pid, status_text(p.poll()), len(tail),
            "\n".join("    " + ln for ln in tail)))
    log("----")


def check_exits():
    """
    Every Tern process must have ended with a status it was expected to
    (0 unless the test set .expect). One still running is stopped (SIGTERM)
    first. Returns the list of problems.
    """
    probs = []
    for p in _procs:
        if p.proc.poll() is None:
            p.stop()
        rc = p.proc.poll()
        if rc not in p.expect:
            probs.append("%s (pid %d): %s, expected %s" % (
                p.name, p.proc.pid, p.status_text(),
                " or ".join(status_text(e) for e in sorted(p.expect))))
    return probs


# ---------------------------------------------------------------- tern process

def _die_with_parent():
    """In the child before exec: SIGKILL it if the test process dies, even by
    SIGKILL (PR_SET_DEATHSIG survives exec into ip netns exec and tern-echo)."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def sweep_stale():
    """Delete what a killed earlier run of these tests left behind (a SIGKILL
    leaves no chance to clean up): namespaces, DPDK runtime dirs and temp dirs,
    only those named by this module's patterns, with the pid of a dead process."""
    lines = []
    if shutil.which("ip"):
        r = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True,
                           timeout=10)
        lines = r.stdout.splitlines()
    for line in lines:
        m = re.match(r"^(tern-t(\d+)-\d+)\b", line.strip())
        if not m or int(m.group(2)) == os.getpid():
            continue
        if os.path.exists("/proc/%s" % m.group(2)):
            continue
        log("removing stale namespace %s (its test process is gone)" % m.group(1))
        subprocess.run(["ip", "netns", "del", m.group(1)], capture_output=True, timeout=20)
    # and the DPDK runtime dirs and temp dirs of such runs
    for base, rx in (("/var/run/dpdk", r"^tern-i[tp](\d+)-"),
                     (tempfile.gettempdir(), r"^tern-it-(\d+)-")):
        try:
            names = os.listdir(base)
        except OSError:
            continue
        for n in names:
            m = re.match(rx, n)
            if m and int(m.group(1)) != os.getpid() and \
                    not os.path.exists("/proc/%s" % m.group(1)):
                shutil.rmtree(os.path.join(base, n), ignore_errors=True)


class TernProcess:
    """
    A Tern app as a child in its own process group, stdout read by a thread.
    Every one is checked when the test ends (run_test): it must have exited
    with a status in self.expect ({0} unless the test says otherwise), and a
    failed test prints the status, signal and last lines of each.
    """

    def __init__(self, argv, stderr_path):
        self.name = os.path.basename(next((a for a in argv if a.startswith("/")), argv[0]))
        self.argv = list(argv)
        self.expect = {0}      # exit statuses that pass; a test that kills it adds its own
        self.killed = False    # the harness had to SIGKILL it
        self.stdout_lines = []
        self._cond = threading.Condition()
        self._eof = False
        self.stderr_path = stderr_path
        # readable too: read back with pread, which moves no offset the child
        # shares, and works after the test's temporary folder is gone
        self._stderr = open(stderr_path, "w+")
        self._stderr_saved = None   # what it held when the harness closed it
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self._stderr,
                                     stdin=subprocess.DEVNULL, text=True,
                                     start_new_session=True, preexec_fn=_die_with_parent)
        self.pgid = self.proc.pid   # start_new_session: the child leads its group
        _cleanups.append(self.kill)
        _procs.append(self)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stdout:
            with self._cond:
                self.stdout_lines.append(line.rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def wait_line(self, pattern, timeout):
        """First stdout line matching regex pattern, or None on timeout/EOF."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for ln in self.stdout_lines:
                    if rx.search(ln):
                        return ln
                left = deadline - time.monotonic()
                if self._eof or left <= 0:
                    return None
                self._cond.wait(min(left, 0.2))

    def stderr_text(self):
        if self._stderr_saved is not None:
            return self._stderr_saved
        try:
            fd = self._stderr.fileno()
            return os.pread(fd, os.fstat(fd).st_size, 0).decode(errors="replace")
        except (OSError, ValueError):
            return ""

    def dump(self, why):
        """Log what the app printed (for a failure report)."""
        log("%s %s; stdout (last 8 lines):\n  %s\nstderr:\n%s"
            % (self.name, why, "\n  ".join(self.stdout_lines[-8:]), self.stderr_text()))

    @property
    def returncode(self):
        return self.proc.poll()

    def status_text(self):
        """'exit status N', 'killed by signal SIGSEGV (11)' or 'still running'."""
        return status_text(self.proc.poll()) + (" (SIGKILLed by the harness)"
                                               if self.killed else "")

    def describe(self, lines=20):
        """Status, signal and the last lines of stderr and stdout, for a report."""
        out = ["%s (pid %d): %s" % (self.name, self.proc.pid, self.status_text()),
               "  argv: " + " ".join(self.argv)]
        err = self.stderr_text().splitlines()
        out.append("  stderr, last %d of %d lines:" % (min(lines, len(err)), len(err)))
        out += ["    " + ln for ln in err[-lines:]]
        out.append("  stdout, last %d of %d lines:" % (min(lines, len(self.stdout_lines)),
                                                      len(self.stdout_lines)))
        out += ["    " + ln for ln in self.stdout_lines[-lines:]]
        rc = self.proc.poll()
        if rc is not None and rc < 0:
            out += ["  kernel: " + ln for ln in kernel_lines(self.proc.pid)]
        return "\n".join(out)

    def wait(self, timeout):
        """Exit status, or None if still running after timeout."""
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        self._reader.join(timeout=5)
        return rc

    def stop(self, timeout=15):
        """SIGTERM, wait; returns (rc, stats). rc None means it had to be killed."""
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        rc = self.wait(timeout)
        if rc is None:
            log("%s ignored SIGTERM for %ds: killing it" % (self.name, timeout))
            self.kill()
        return rc, parse_stats(self.stdout_lines)

    def kill(self):
        if self.proc.poll() is None:
            self.killed = True
            try:
                os.killpg(self.pgid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        else:
            # the leader is gone; anything it left in its group goes too
            try:
                os.killpg(self.pgid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if self._stderr_saved is None:
            self._stderr_saved = self.stderr_text()
        try:
            self._stderr.close()
        except OSError:
            pass


def start_tern(binary, source_root, prefix, config, extra_args=(), netns=None,
               stderr_path=None, lcores="0"):
    argv = [binary] + eal_args(source_root, prefix, lcores) + ["--", "--config", config]
    argv += list(extra_args)
    if netns:
        argv = ["ip", "netns", "exec", netns] + argv
    log("start: " + " ".join(argv))
    proc = TernProcess(argv, stderr_path)
    return proc


# ---------------------------------------------------------------- memif pairs

def start_app(build_root, source_root, app, core, prefix, config, tmp, args=()):
    """
    A Tern app on lcore @core (modulo the CPUs there are), no namespace: the
    two ends of a net_memif pair (shared memory, no network), each with its
    own --file-prefix @prefix. stderr goes to TMP/APP.PREFIX.stderr.
    """
    eal = eal_args(source_root, prefix)
    eal[eal.index("-l") + 1] = str(core % max(1, os.cpu_count() or 1))
    argv = [tern_echo_path(build_root, app)] + eal + ["--", "--config", config] + list(args)
    log("start: " + " ".join(argv))
    p = TernProcess(argv, os.path.join(tmp, "%s.%s.stderr" % (app, prefix)))
    return p


# IPv6 on the tap (tests test_ipv6*.py): tern fd00:77::2/64, the kernel side
# fd00:77::1/64. net_tap gives the kernel side of the tap tern's MAC, and so
# tern's link-local address (tern's Duplicate Address Detection then finds
# the kernel defending it): the kernel side starts with IPv6 off, as the
# namespace leaves it, and gets another MAC before IPv6 goes on
TERN_IP6 = "fd00:77::2"
PEER_IP6 = "fd00:77::1"
IPV6_CONFIG = "\n[ipv6]\naddress = %s/64\n" % TERN_IP6
IPV6_KERNEL_MAC = "02:77:00:00:00:01"


def link_local_of(mac):
    """RFC 4291 App. A: fe80:: and the modified EUI-64 of mac, as the kernel prints it."""
    import ipaddress
    b = [int(x, 16) for x in mac.split(":")]
    b[0] ^= 0x02
    eui = bytes(b[:3] + [0xff, 0xfe] + b[3:])
    return str(ipaddress.IPv6Address(b"\xfe\x80" + bytes(6) + eui))


def ipv6_kernel_side(t):
    """
    The kernel side of TernNetns @t on IPv6: another MAC, IPv6 on for the
    tap only with addresses usable at once (no DAD wait), PEER_IP6/64.
    Returns the kernel side's link-local addresses.
    """
    t.ip("link", "set", t.iface, "down")
    t.ip("link", "set", t.iface, "address", IPV6_KERNEL_MAC)
    for k in ("all", t.iface):
        t.run(["sysctl", "-q", "-w", "net.ipv6.conf.%s.accept_dad=0" % k], check=False)
        t.run(["sysctl", "-q", "-w", "net.ipv6.conf.%s.disable_ipv6=0" % k], check=False)
    t.ip("link", "set", t.iface, "up")
    t.ip("-6", "addr", "add", PEER_IP6 + "/64", "dev", t.iface, "nodad")
    return [x.split()[1].split("/")[0] for x in
            t.ip("-6", "addr", "show", "dev", t.iface).splitlines() if "scope link" in x]


def ipv6_wait_tern(t, tries=10):
    """
    Ping tern's global address until it answers (its addresses are
    tentative for a second after its first poll). Returns (answered, tries).
    """
    n = 0
    while n < tries:
        n += 1
        r = t.run(["ping", "-6", "-n", "-c", "1", "-W", "1", TERN_IP6], timeout=10, check=False)
        if r.returncode == 0:
            return 1, n
    return 0, n


def memif_conf(path, role, socket, addr, extra=""):
    """A config for one end of a net_memif pair on unix socket @socket."""
    with open(path, "w") as f:
        f.write("; generated by tests/integration/tern_harness.py\n"
                "[port]\ndevice = net_memif0,role=%s,id=0,socket=%s\n"
                "[ipv4]\naddress = %s\nnetmask = 255.255.255.0\n%s" % (role, socket, addr, extra))
    return path


def telemetry(prefix, cmd="/tern/stats", timeout=5):
    """
    One query to the telemetry socket of the DPDK process run with
    --file-prefix @prefix (dpdk-telemetry.py's protocol): the reply's value
    for @cmd, e.g. Tern's counters by name; None if it cannot be asked.
    """
    import socket
    path = "/var/run/dpdk/%s/dpdk_telemetry.v2" % prefix
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
            s.settimeout(timeout)
            s.connect(path)
            s.recv(16384)                  # the greeting
            s.send(cmd.encode())
            return json.loads(s.recv(1 << 20).decode()).get(cmd)
    except (OSError, ValueError):
        return None


def memif_close_pair(server, client, timeout=60):
    """
    Tear down a net_memif pair so that neither end polls when its peer goes
    (DPDK 22.11's PMD unmaps the shared memory from its interrupt thread
    then; docs/bench.md): @client is tern-loadgen run with --linger, which
    after its summary stops its workers and keeps its port open. Once it
    says so, @server is stopped (SIGTERM: its workers stop, then its port
    closes, while the client's are stopped), then the client (SIGTERM: it
    closes its port, the server is gone). Returns (server rc, server stats,
    client rc); a client that never lingers (it crashed, or hung) is
    stopped after @timeout s all the same, and its status tells.
    """
    if client.wait_line(r"lingering:", timeout) is None and client.proc.poll() is None:
        log("%s did not linger within %d s" % (client.name, timeout))
    src, st = server.stop()
    crc, _ = client.stop()
    log("memif pair closed: %s %s, %s %s" % (server.name, status_text(src), client.name,
                                            status_text(crc)))
    return src, st, crc


# ---------------------------------------------------------------- netns + tap

class TernNetns:
    """
    A fresh namespace with tern-echo inside on a net_tap port, the kernel side
    (IFACE, 10.77.0.1/24) set up. Use as a context manager:

        with TernNetns(build, src) as t:
            t.run(["ping", ...])
            rc, stats = t.stop()
    """

    def __init__(self, build_root, source_root, ready_timeout=30, pre_start=None,
                 tern_args=(), config_extra="", app="tern-echo", lcores="0"):
        install_signal_handlers()
        self.binary = tern_echo_path(build_root, app)   # app: another binary of app/
        self.source_root = source_root
        self.ready_timeout = ready_timeout
        self.pre_start = pre_start    # callable(self) run in the ns before tern starts
        self.tern_args = list(tern_args)    # tern-echo arguments after --config FILE
        self.config_extra = config_extra    # appended to the generated config file
        self.lcores = lcores          # EAL -l: one worker (and tap queue) per lcore
        n = next(_seq)
        self.ns = "tern-t%d-%d" % (os.getpid(), n)
        self.iface = "tt%d_%d" % (os.getpid() % 1000000, n)   # <= 15 chars
        self.prefix = "tern-it%d-%d" % (os.getpid(), n)
        self.tmp = tempfile.mkdtemp(prefix="tern-it-%d-" % os.getpid())
        _cleanups.append(lambda: shutil.rmtree(self.tmp, ignore_errors=True))
        self.tern = None
        self.ready = None
        self.rc = None
        self.stats = None
        self._bg = []

    # -- lifecycle
    def __enter__(self):
        try:
            self._up()
        except BaseException:
            self.cleanup()
            raise
        return self

    def __exit__(self, *exc):
        self.cleanup()
        return False

    def _up(self):
        sweep_stale()
        r = subprocess.run(["ip", "netns", "add", self.ns], capture_output=True,
                           text=True, timeout=10)
        if r.returncode != 0:
            fail("ip netns add %s: %s" % (self.ns, r.stderr.strip()))
        _cleanups.append(self._del_ns)
        self.ip("link", "set", "lo", "up")
        # no IPv6 chatter (RS, MLD) on the tap: keeps the counters readable
        self.run(["sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1"], check=False)
        self.run(["sysctl", "-q", "-w", "net.ipv6.conf.default.disable_ipv6=1"], check=False)
        if self.pre_start:
            self.pre_start(self)
        conf = os.path.join(self.tmp, "tern.conf")
        write_config(conf, "net_tap0,iface=%s" % self.iface, self.config_extra)
        self.tern = start_tern(self.binary, self.source_root, self.prefix, conf,
                               extra_args=self.tern_args, netns=self.ns,
                               stderr_path=os.path.join(self.tmp, "tern.stderr"),
                               lcores=self.lcores)
        line = self.tern.wait_line(r"ready:", self.ready_timeout)
        if line is None:
            rc = self.tern.wait(1)
            fail("tern-echo not ready within %ds (rc %s)\nstdout:\n%s\nstderr:\n%s"
                 % (self.ready_timeout, rc, "\n".join(self.tern.stdout_lines),
                    self.tern.stderr_text()))
        log(line)
        self.ready = parse_ready(line)
        if self.ready is None:
            fail("cannot parse the ready line: %r" % line)
        deadline = time.monotonic() + 10
        while not self._iface_exists():
            if time.monotonic() > deadline:
                fail("tap interface %s did not appear in %s" % (self.iface, self.ns))
            time.sleep(0.05)
        self.ip("addr", "add", "%s/%d" % (PEER_IP, PREFIXLEN), "dev", self.iface)
        self.ip("link", "set", self.iface, "up")

    def _iface_exists(self):
        r = subprocess.run(["ip", "-n", self.ns, "link", "show", self.iface],
                           capture_output=True, timeout=10)
        return r.returncode == 0

    def _del_ns(self):
        subprocess.run(["ip", "netns", "del", self.ns], capture_output=True, timeout=20)

    def cleanup(self):
        for p in self._bg:
            _kill_bg(p)
        self._bg = []
        if self.tern is not None:
            # a test that did not stop it: SIGTERM (its status is checked at
            # the end, run_test), SIGKILL only if it ignores that
            if self.tern.proc.poll() is None:
                self.tern.stop()
            self.tern.kill()
        self._del_ns()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def stop(self, timeout=15):
        """SIGTERM tern; returns (rc, stats) and keeps them in self.rc/self.stats."""
        self.rc, self.stats = self.tern.stop(timeout)
        if self.rc != 0:
            self.tern.dump("exit status %s" % self.rc)
        return self.rc, self.stats

    # -- commands in the namespace
    def ip(self, *args):
        r = subprocess.run(["ip", "-n", self.ns] + list(args), capture_output=True,
                           text=True, timeout=10)
        if r.returncode != 0:
            fail("ip -n %s %s: %s" % (self.ns, " ".join(args), r.stderr.strip()))
        return r.stdout

    def run(self, cmd, timeout=30, check=True):
        """Run cmd in the namespace; returns CompletedProcess (text)."""
        argv = ["ip", "netns", "exec", self.ns] + list(cmd)
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             stdin=subprocess.DEVNULL, text=True, start_new_session=True)
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_bg(p)
            fail("timed out after %ds: %s" % (timeout, " ".join(cmd)))
        r = subprocess.CompletedProcess(argv, p.returncode, out, err)
        if check and r.returncode != 0:
            log("command failed (rc %d): %s\nstdout:\n%s\nstderr:\n%s"
                % (r.returncode, " ".join(cmd), r.stdout, r.stderr))
        return r

    def background(self, cmd, stdout_path, stderr_path):
        """Start cmd in the namespace in its own process group; killed at cleanup."""
        out = open(stdout_path, "w")
        err = open(stderr_path, "w")
        p = subprocess.Popen(["ip", "netns", "exec", self.ns] + list(cmd), stdout=out,
                             stderr=err, stdin=subprocess.DEVNULL, start_new_session=True,
                             preexec_fn=_die_with_parent)
        out.close()
        err.close()
        self._bg.append(p)
        _cleanups.append(lambda: _kill_bg(p))
        _others.append((cmd[0], p, stderr_path))
        return p

    def stop_background(self, p, timeout=5):
        """SIGTERM (then SIGKILL) a background command; returns its status."""
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        try:
            return p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_bg(p)
            return None

    def python(self, code, args=(), timeout=30):
        """Run Python code in the namespace; returns CompletedProcess."""
        return self.run([sys.executable, "-c", code] + list(args), timeout=timeout,
                        check=False)

    def send_raw(self, frames, timeout=30):
        """Send raw Ethernet frames (bytes) on the tap's kernel side.
        Returns [(ok, errno or None)] per frame."""
        path = os.path.join(self.tmp, "frames-%d.hex" % next(_seq))
        with open(path, "w") as f:
            for fr in frames:
                f.write(bytes(fr).hex() + "\n")
        r = self.run([sys.executable, os.path.abspath(__file__), "--send-raw",
                      self.iface, path], timeout=timeout, check=False)
        if r.returncode != 0:
            fail("raw send failed: %s %s" % (r.stdout, r.stderr))
        return [tuple(x) for x in json.loads(r.stdout.strip().splitlines()[-1])]


def _kill_bg(p):
    if p.poll() is None:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass


def _send_raw_main(iface, path):
    import socket
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    res = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                s.send(bytes.fromhex(line))
                res.append([True, None])
            except OSError as e:
                res.append([False, e.errno])
            time.sleep(0.002)
    s.close()
    print(json.dumps(res))


def run_test(main):
    """Run main(build_root, source_root) with the standard exit codes."""
    install_signal_handlers()
    build, src = paths()
    # namespaces, processes and files go whatever way the test ends: a
    # failed check, any other exception, or success
    try:
        try:
            main(build, src)
            probs = check_exits()
            if probs:
                raise AssertionError("a Tern process ended badly: " + "; ".join(probs))
        except AssertionError as e:
            log("FAILED: %s" % e)
            report_processes("FAILED")
            # again as the last line: meson shows only a failed log's tail
            log("FAILED (the reason, again): %s" % e)
            sys.exit(1)
        except SystemExit as e:
            if e.code not in (0, None, SKIP):
                report_processes("exit %s" % e.code)
            raise
        except BaseException:
            report_processes("exception")
            raise
    finally:
        _run_cleanups()
    log("PASS")
    sys.exit(0)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--send-raw":
        _send_raw_main(sys.argv[2], sys.argv[3])
    else:
        print(__doc__)
        sys.exit(2)
