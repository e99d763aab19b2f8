#!/usr/bin/python3
"""Tern against Linux, side by side, on this machine, in one run.

  tests/bench/bench.py [--runs 3] [--seconds 5] [--smoke] [--workers N] [--json FILE]
      [--only http,ipv6,bulk,echo,idle,memory,steer,latency] [--baseline BUILD_DIR]

Pairs (Linux on loopback; Tern over net_memif between two processes):
  http keep-alive req/s   nginx (1 worker, core 0) + wrk (1 thread, core 1)
                          vs tern-httpd (core 0) + tern-loadgen http (core 1); 64 and 1024 conns
  http close conn/s       the same pairs with "Connection: close"
  http over IPv6          tern-httpd + tern-loadgen keep-alive (64 conns) with both ends on
                          IPv6, interleaved with the same pair on IPv4 (the reference)
  --baseline BUILD_DIR    another tree's tern-httpd + tern-loadgen (keep-alive and close,
                          64 conns) interleaved with this tree's: before/after ratios
  bulk Gbit/s             iperf3 (1 stream) vs tern-loadgen bulk (1 conn) from tern-httpd;
                          the same with the receiver's memif end in zero-copy mode (one
                          copy per frame on the link instead of two), and with the
                          sender's (its frames read where they lie, one copy by the
                          receiver); and tern-loadgen bulk --upload to tern-httpd (a
                          copying sender)
  echo packets/s          frames/s into the server: tern-echo fed by tern-loadgen echo
                          (64 B messages, 256 connections, one in flight each, so one
                          small segment, a 130-byte frame, per message) vs dpdk-testpmd
                          macswap on both ends bouncing frames of the same size (every
                          frame received is sent back, as in an echo), as many in flight
                          (256), on the same memif
  echo msg/s, socket API  tern-sockecho (the socket-style API, an epoll-style loop with
                          copying read/write) against tern-echo (the callback API) under
                          the same tern-loadgen echo load, runs interleaved; the ratio's
                          target is 0.70 or more
  latency p50/p99         at a moderate, steady rate: 8 connections, each pausing 1 ms
                          between a response and its next request (wrk's delay() in a
                          script, tern-loadgen --delay-ms 1): wrk vs tern-loadgen
  steered frame ns        bench_steer: the CPU time of a frame on its owner's queue, and
                          the extra time of one that arrives on another worker's queue and
                          is passed to its owner (two workers on two lcores)
--workers N runs both Tern ends of every pair with N workers (N lcores each, the
memif link with N queue pairs, the per-worker sizes divided by N; the idle and
memory rows stay at one worker) and fails if a client worker opened no connection.
Where the machine has fewer than 2N cores the two ends share them: a correctness
run, not a measurement (this 2-core VM).
Each figure is the median of --runs runs. A benchmark, not a test: it never
fails on a number. --smoke runs each pair once for a second and fails only on
errors (wrong responses, failed runs): that is what the test suite runs.
"""
import argparse, json, os, re, signal, statistics, subprocess, sys, tempfile, threading, time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
INDEX = (b"<!DOCTYPE html>\n<html><head><title>Tern</title></head>"
         b"<body><h1>Tern</h1><p>Served by tern-httpd.</p></body></html>\n")
SOCK = "/run/tern-bench-%d.sock" % os.getpid()
# An echo benchmark frame: Ethernet 14 + IPv4 20 + TCP 20 + timestamps option
# 12 (10, padded) + a 64-byte message. The testpmd ceiling uses frames this size.
ECHO_MSG = 64
ECHO_FRAME = 14 + 20 + 20 + 12 + ECHO_MSG
ECHO_CONNS = 256            # one message in flight on each: 256 frames in flight


def log(*a):
    print(*a, file=sys.stderr, flush=True)


LIVE = []                   # every Proc started, for on_terminate


def on_terminate(signum, frame):
    """
    The harness ran out of patience (meson's timeout sends SIGTERM): say
    where, with what each process still running printed last, and take them
    all down, so that no busy-polling end outlives the run and slows the
    tests after it.
    """
    log("bench: %s during:\n%s" % (signal.Signals(signum).name,
                                   "".join(traceback.format_stack(frame)[-6:])))
    for x in LIVE:
        if x.p.poll() is None:
            log(x.report(12))
            try:
                os.killpg(x.p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    os._exit(1)


class Proc:
    """
    A background process that is always killed (process group); its stdout
    and stderr, together, read line by line as they come (wait_line).
    """
    def __init__(self, argv, **kw):
        self.name = os.path.basename(next(x for x in argv if x not in ("stdbuf", "-oL")))
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  start_new_session=True, **kw)
        LIVE.append(self)
        self.lines = []
        self.cond = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.p.stdout:
            with self.cond:
                self.lines.append(raw.decode(errors="replace").rstrip("\n"))
                self.cond.notify_all()
        with self.cond:
            self.lines.append(None)     # EOF
            self.cond.notify_all()

    def wait_line(self, pattern, timeout, start=0):
        """The first line matching @pattern (from line @start on), or None at
        EOF or after @timeout s."""
        rx, deadline = re.compile(pattern), time.monotonic() + timeout
        with self.cond:
            while True:
                for ln in self.lines[start:]:
                    if ln is not None and rx.search(ln):
                        return ln
                left = deadline - time.monotonic()
                if (self.lines and self.lines[-1] is None) or left <= 0:
                    return None
                self.cond.wait(min(left, 0.2))

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Signal the process group, wait; returns everything it printed."""
        if self.p.poll() is None:
            try:
                os.killpg(self.p.pid, sig)
            except ProcessLookupError:
                pass
        try:
            self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.p.pid, signal.SIGKILL)
            self.p.wait()
        self.reader.join(timeout=10)
        return self.output()

    def output(self):
        with self.cond:
            return "\n".join(ln for ln in self.lines if ln is not None)

    def status(self):
        """'exit status N' or 'killed by signal SIGSEGV (11)' (or 'running')."""
        rc = self.p.poll()
        if rc is None:
            return "running"
        if rc < 0:
            return "killed by signal %s (%d)" % (signal.Signals(-rc).name, -rc)
        return "exit status %d" % rc

    def report(self, lines=20):
        """Its status and last lines, for a failure message."""
        return "%s (pid %d) %s; last lines:\n    %s" % (
            self.name, self.p.pid, self.status(),
            "\n    ".join(self.output().splitlines()[-lines:]))


def close_pair(srv, cli, timeout):
    """
    End a net_memif pair with neither end polling when its peer goes (DPDK
    22.11's PMD unmaps the shared memory from its interrupt thread then;
    docs/bench.md): tern-loadgen @cli runs with --linger, so after its
    summary it stops its workers and holds its port; then @srv stops (its
    workers, then its port, while tern-loadgen's are stopped), then @cli
    (the server is gone). Raises if either ended otherwise than with 0.
    """
    if cli.wait_line(r"lingering:", timeout) is None:
        log("    %s did not linger (%s)" % (cli.name, cli.status()))
    srv.stop()
    cli.stop()
    bad = [x for x in (srv, cli) if x.p.returncode != 0]
    if bad:
        raise RuntimeError("; ".join(x.report() for x in bad))


WORKERS = 1                 # --workers: per Tern end
DRAIN = []                  # tern-loadgen's --drain-ms, when not its default


def lcores(core):
    """The lcores of the Tern end that runs on @core (0: server, 1: client)."""
    if WORKERS == 1:
        return str(core)
    first = core * WORKERS if os.cpu_count() >= 2 * WORKERS else 0
    return "%d-%d" % (first, first + WORKERS - 1)


def eal(core, prefix):
    mem = subprocess.run([os.path.join(SRC, "tools", "eal-mem"), prefix], capture_output=True,
                         text=True).stdout.split()
    # memif needs shared memory both sides can map: no --in-memory
    return ["-l", lcores(core), "--no-pci", "--log-level=*:error"] + mem


# trust_checksums: like Linux on loopback, no TCP checksums between two
# processes sharing memory (both ends set it). The smoke run checks them, so
# that a frame read from the wrong place (a zero-copy offset) shows as errors.
TRUST_CHECKSUMS = True


# the IPv6 rows' addresses: ADDR6 % 1 the server's, % 2 tern-loadgen's
ADDR6 = "fd00:78::%d"


def memif_conf(tmp, role, addr, zero_copy=False, ip6=None):
    path = os.path.join(tmp, "%s.conf" % role)
    with open(path, "w") as f:
        f.write("[port]\ndevice = net_memif0,role=%s,id=0,socket=%s%s\ntrust_checksums = %d\n"
                "%s"
                "[ipv4]\naddress = %s\nnetmask = 255.255.255.0\n"
                "[stack]\nmbufs = %d\n[tcp]\nmax_conns = %d\nmax_time_wait = %d\n"
                "time_wait_ms = 60000\n" % (role, SOCK, ",zero-copy=yes" if zero_copy else "",
                                            TRUST_CHECKSUMS,
                                            "[ipv6]\naddress = %s/64\n" % ip6 if ip6 else "",
                                            addr,
                                            # the same totals over --workers
                                            max(4095, 65535 // WORKERS), 65536 // WORKERS,
                                            262144 // WORKERS))
    return path


ZERO_COPY_MB = 1024


def eal_zero_copy(core, prefix):
    """
    EAL arguments for a memif end in zero-copy mode: it shares its memory
    with the peer, one file per memory segment list (--single-file-segments),
    which rules out --huge-unlink; zero_copy_cleanup() removes the files.
    ZERO_COPY_MB up front (with 256 MiB, tern-httpd's pools failed to
    allocate in this mode). Zero-copy needs hugepages (DPDK 22.11 refuses it
    with --no-huge): None where there are none, or too few free for that.
    """
    args = eal(core, prefix)
    if "--no-huge" in args or free_hugepages_mb() < ZERO_COPY_MB + 256:
        return None
    args = [a for a in args if a != "--huge-unlink"] + ["--single-file-segments"]
    if "-m" not in args:
        raise RuntimeError("tools/eal-mem gave no -m: %s" % " ".join(args))
    i = args.index("-m")
    return args[:i + 1] + [str(ZERO_COPY_MB)] + args[i + 2:]


def free_hugepages_mb():
    try:
        with open("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages") as f:
            return int(f.read()) * 2
    except OSError:
        return 0


def zero_copy_cleanup(prefix):
    # what a process run without --huge-unlink leaves in hugetlbfs, killed or not
    with open("/proc/mounts") as f:
        mounts = [l.split()[1] for l in f if l.split()[2] == "hugetlbfs"]
    for d in mounts:
        for name in os.listdir(d):
            if name.startswith(prefix):
                os.unlink(os.path.join(d, name))


def build_dir():
    return os.environ.get("TERN_BUILD_DIR", os.path.join(SRC, "build"))


def tern_pair(tmp, server_argv, client_args, seconds, zero_copy=None, ip6=False, build=None):
    """
    Run a Tern server (core 0) and tern-loadgen (core 1) over memif; return
    the JSON summary. @zero_copy: which end's memif runs in zero-copy mode
    (only a memif client can), None for neither. "client": tern-loadgen's;
    the server's PMD copies frames straight into tern-loadgen's mbufs and
    out of them, tern-loadgen's copies none. "server": the server app's,
    which then takes the memif client role: its frames go out as they lie
    in its memory (headers and send buffers, by reference) and
    tern-loadgen's PMD copies each once. The memif server starts first;
    tern-loadgen waits for the link (--wait-link) either way. @ip6: both
    ends get an [ipv6] address (ADDR6) for a --target over IPv6. @build: the
    binaries' build directory (--baseline), else build_dir().
    """
    b = build or build_dir()
    if os.path.exists(SOCK):
        os.unlink(SOCK)
    sprefix, cprefix = "bsrv%d" % os.getpid(), "bcli%d" % os.getpid()
    seal = eal_zero_copy(0, sprefix) if zero_copy == "server" else eal(0, sprefix)
    ceal = eal_zero_copy(1, cprefix) if zero_copy == "client" else eal(1, cprefix)
    if seal is None or ceal is None:
        raise RuntimeError("memif zero-copy needs hugepages; none available")
    srole, crole = ("client", "server") if zero_copy == "server" else ("server", "client")
    srv_argv = ([os.path.join(b, "app", server_argv[0])] + seal +
                ["--", "--config", memif_conf(tmp, srole, "10.78.0.1", zero_copy == "server",
                                              ADDR6 % 1 if ip6 else None)] +
                server_argv[1:])
    cli_argv = ([os.path.join(b, "app", "tern-loadgen")] + ceal +
                ["--", "--config", memif_conf(tmp, crole, "10.78.0.2", zero_copy == "client",
                                              ADDR6 % 2 if ip6 else None),
                 "--quiet", "--json", "--wait-link", "10", "--duration", str(seconds),
                 "--linger"] + DRAIN + client_args)
    srv = cli = None
    try:
        # the memif server first: the client connects once, at its start
        for which in (("srv", "cli") if srole == "server" else ("cli", "srv")):
            if which == "srv":
                srv = Proc(srv_argv)
            else:
                cli = Proc(cli_argv)
            if srv is None or cli is None:
                time.sleep(1.5)
        close_pair(srv, cli, seconds + 30)
    finally:
        for x in (cli, srv):
            if x is not None and x.p.poll() is None:
                x.stop(signal.SIGKILL)
        if zero_copy is not None:
            zero_copy_cleanup(sprefix if zero_copy == "server" else cprefix)
    cout, sout = cli.output(), srv.output()
    m = re.search(r"^\{.*\}$", cout, re.M)
    if not m:
        raise RuntimeError("tern-loadgen printed no summary: %s" % cli.report())
    res = json.loads(m.group(0))
    # the server's load: its time on frames over its life (polls_busy_us,
    # printed at exit; it idles before and after the run) over the measured
    # run: approximate, the handshakes and the drain count in it too
    busy = re.search(r"^stat polls_busy_us (\d+)$", sout, re.M)
    if busy and res["seconds"] > 0:
        res["server_busy_pct"] = int(busy.group(1)) / (res["seconds"] * 1e4)
    log("    %s: server %.0f%% busy, tern-loadgen %.0f%%" % (
        server_argv[0], res.get("server_busy_pct", float("nan")), res["busy_pct"]))
    return res


def wait_link_check(tmp):
    """
    tern-loadgen's --wait-link when no peer comes: as the memif server with
    nobody connecting, --wait-link 1 must end the run with exit status 1 and
    say so, within seconds, not send into a link that is down. Returns what
    was wrong, or None.
    """
    if os.path.exists(SOCK):
        os.unlink(SOCK)
    # timed from its ready line (the port is up, the wait begins) to its
    # exit: what comes before, EAL's start, is no part of the wait and takes
    # as long as a busy machine makes it
    p = subprocess.Popen([os.path.join(build_dir(), "app", "tern-loadgen")] +
                         eal(1, "bwl%d" % os.getpid()) +
                         ["--", "--config", memif_conf(tmp, "server", "10.78.0.2"), "--quiet",
                          "--wait-link", "1", "--target", "10.78.0.1:80", "--mode", "bulk",
                          "--bytes", "1000"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    ready = None
    for line in p.stdout:
        if "ready:" in line:
            ready = time.time()
            break
    try:
        _, err = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
    took = time.time() - ready if ready is not None else float("inf")
    if p.returncode != 1 or "link still down" not in err or took > 5:
        return "tern-loadgen --wait-link 1 with no peer: exit %s %.1f s after ready: %s" % (
            p.returncode, took, err[-300:])
    return None


def nginx_start(tmp):
    root = os.path.join(tmp, "www")
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "index.html"), "wb") as f:
        f.write(INDEX)
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write("worker_processes 1; worker_cpu_affinity 01; daemon off; pid %s/nginx.pid;\n"
                "error_log %s/error.log;\n"
                "events { worker_connections 8192; }\n"
                "http { access_log off; keepalive_requests 100000000; keepalive_timeout 60;\n"
                "  server { listen 127.0.0.1:18080 backlog=4096; root %s;\n"
                "    location / { index index.html; } } }\n" % (tmp, tmp, root))
    p = Proc(["taskset", "-c", "0", "nginx", "-c", conf, "-p", tmp])
    time.sleep(0.5)
    return p


def wrk(conns, seconds, close=False, threads=1, script=None):
    argv = ["taskset", "-c", "1", "wrk", "-t%d" % threads, "-c%d" % conns, "-d%ds" % seconds,
            "--latency"]
    if close:
        argv += ["-H", "Connection: close"]
    if script:
        argv += ["-s", script]
    out = subprocess.run(argv + ["http://127.0.0.1:18080/"], capture_output=True, text=True,
                         timeout=seconds + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errs = re.search(r"Socket errors: (.*)", out)
    lat = {}
    for k in ("50%", "90%", "99%"):
        mm = re.search(r"\s%s\s+([\d.]+)(us|ms|s)" % re.escape(k), out)
        if mm:
            v = float(mm.group(1)) * {"us": 1, "ms": 1e3, "s": 1e6}[mm.group(2)]
            lat[k] = v
    return rps, errs.group(1) if errs else "", lat


def iperf3(seconds):
    srv = Proc(["taskset", "-c", "0", "iperf3", "-s", "-B", "127.0.0.1", "-p", "15201", "-1"])
    time.sleep(0.5)
    try:
        out = subprocess.run(["taskset", "-c", "1", "iperf3", "-c", "127.0.0.1", "-p", "15201",
                              "-t", str(seconds), "-J"], capture_output=True, text=True,
                             timeout=seconds + 30).stdout
    finally:
        srv.stop()
    return json.loads(out)["end"]["sum_received"]["bits_per_second"] / 1e9


def testpmd_macswap(tmp, seconds, frame=64, in_flight=32):
    """
    I/O ceiling of an echo: dpdk-testpmd macswap on both memif ends, frames
    of @frame bytes bouncing between the two, so every frame received is sent
    back, as in the Tern echo pair. The client end starts the bounce with
    @in_flight frames (whole bursts of 32: "start tx_first N" at its prompt),
    as many as the Tern echo keeps in flight: with fewer, the rate measures
    the link's latency, not its throughput (on this VM 3.7 M/s with 32 in
    flight against 8.1 M/s with 256). Returns the server end's received
    packets/s. (A txonly generator is no ceiling for an echo: it never reads
    its receive ring, which fills, after which macswap's sends all fail and
    it only receives and frees.)
    """
    if os.path.exists(SOCK):
        os.unlink(SOCK)
    common = ["--", "--no-lsc-interrupt", "--nb-cores=1", "--burst=32",
              "--txpkts=%d" % frame, "--forward-mode=macswap"]
    # testpmd wants a main lcore besides its forwarding one: each takes both
    # cores with its forwarding lcore on its own core (the main one sleeps)
    # stdbuf: testpmd's output line by line, as it comes, through a pipe
    srv = Proc(["stdbuf", "-oL", "dpdk-testpmd"] + eal("0,1", "tpa%d" % os.getpid()) + ["--main-lcore", "1"] +
               ["--vdev=net_memif0,role=server,id=0,socket=%s" % SOCK] + common +
               ["--stats-period", "1", "--auto-start"], stdin=subprocess.DEVNULL)
    gen = None
    try:
        time.sleep(1.5)
        gen = Proc(["stdbuf", "-oL", "dpdk-testpmd"] + eal("0,1", "tpb%d" % os.getpid()) + ["--main-lcore", "0"] +
                   ["--vdev=net_memif0,role=client,id=0,socket=%s" % SOCK] + common + ["-i"],
                   stdin=subprocess.PIPE)
        time.sleep(2)
        gen.p.stdin.write(b"start tx_first %d\n" % max(1, in_flight // 32))
        gen.p.stdin.flush()
        time.sleep(seconds + 1.5)
        # neither end may forward when its peer's port closes (its PMD
        # unmaps the shared memory then, docs/bench.md): the client end
        # stops forwarding ("stop" prints "Done." when its lcore has
        # stopped), then the server end, on SIGINT, stops forwarding before
        # it closes its port, and only then does the client end quit
        n = len(gen.lines)
        gen.p.stdin.write(b"stop\n")
        gen.p.stdin.flush()
        if gen.wait_line(r"^Done\.", 30, start=n) is None or gen.p.poll() is not None:
            raise RuntimeError("testpmd (client end) did not stop forwarding: %s"
                               % gen.report())
        sout = srv.stop(signal.SIGINT, timeout=30)
        gen.p.stdin.write(b"quit\n")
        gen.p.stdin.flush()
        try:
            gen.p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        gout = gen.stop(signal.SIGINT)
    finally:
        for x in (gen, srv):
            if x is not None and x.p.poll() is None:
                x.stop(signal.SIGKILL)
    for x in (srv, gen):
        if x.p.returncode != 0:
            raise RuntimeError("testpmd ended badly: %s" % x.report())
    # the server end's rate: RX-packets of its port per second in the last
    # periods; it sent back what it received (else this is no echo)
    rates = [int(x) for x in re.findall(r"Rx-pps:\s+(\d+)", sout)]
    txr = [int(x) for x in re.findall(r"Tx-pps:\s+(\d+)", sout)]
    rates = [r for r in rates if r > 0]
    if not rates or not txr or max(txr) == 0:
        raise RuntimeError("testpmd gave no echo rate: %s" % (sout[-400:] + gout[-400:]))
    return statistics.median(rates[-max(1, seconds - 1):])


PORTS_PER_ADDR = 65535 - 1024 + 1


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def reserve_hugepages(pages):
    """
    At least @pages free 2 MiB hugepages, reserving more as root where
    fewer are free (tools/eal-mem has mounted hugetlbfs by now). @return
    whether there are.
    """
    d = "/sys/kernel/mm/hugepages/hugepages-2048kB/"
    try:
        free = int(open(d + "free_hugepages").read())
        if free < pages:
            nr = int(open(d + "nr_hugepages").read())
            with open(d + "nr_hugepages", "w") as f:
                f.write(str(nr + pages - free))
            free = int(open(d + "free_hugepages").read())
    except OSError:
        return False
    return free >= pages and any(l.split()[2] == "hugetlbfs" for l in open("/proc/mounts"))


def idle_run(tmp, server_argv, idle, seconds, client_args, mem_mb, huge=False):
    """
    Tern with many idle connections: the server sized for idle + 100k
    connections, tern-loadgen first opening --idle IDLE silent connections
    from extra addresses, then running client_args for seconds while it holds
    them. @huge: both on hugepages (@mem_mb each), as a server with a million
    connections runs; else both --no-huge, so that VmRSS shows the memory.
    Returns the loadgen JSON, the server's VmRSS (KiB) once ready, and with
    the idle connections up (meaningful without @huge only).
    """
    b = build_dir()
    if os.path.exists(SOCK):
        os.unlink(SOCK)
    cap = idle + 100000
    naddr = 2 + (idle + PORTS_PER_ADDR - 1) // PORTS_PER_ADDR
    confs = {}
    for role, addr, extra in (("server", "10.78.0.1", ""),
                              ("client", "10.78.1.1", "address_count = %d\n" % naddr)):
        confs[role] = os.path.join(tmp, "idle-%s.conf" % role)
        with open(confs[role], "w") as f:
            f.write("[port]\ndevice = net_memif0,role=%s,id=0,socket=%s\ntrust_checksums = 1\n"
                    "[ipv4]\naddress = %s\n%snetmask = 255.255.0.0\n"
                    "[stack]\nmbufs = 65535\n[tcp]\nmax_conns = %d\nmax_time_wait = 262144\n"
                    "port_min = 1024\nport_max = 65535\n" % (role, SOCK, addr, extra, cap))
    mem = ["--huge-unlink" if huge else "--no-huge", "-m", str(mem_mb)]
    srv = cli = None
    srv = Proc([os.path.join(b, "app", server_argv[0]), "-l", "0", "--no-pci",
                "--log-level=*:error", "--file-prefix", "bisrv%d" % os.getpid()] + mem +
               ["--", "--config", confs["server"]] + server_argv[1:])
    try:
        # its memif socket exists and its memory is laid out once it is ready
        if srv.wait_line(r"ready:", 60) is None:
            raise RuntimeError("%s not ready: %s" % (srv.name, srv.report()))
        time.sleep(0.5)
        rss0 = rss_kib(srv.p.pid)
        cli = Proc([os.path.join(b, "app", "tern-loadgen"), "-l", "1", "--no-pci",
                    "--log-level=*:error", "--file-prefix", "bicli%d" % os.getpid()] +
                   mem + ["--", "--config", confs["client"], "--json",
                          "--duration", str(seconds), "--drain-ms", "20000",
                          "--idle", str(idle), "--linger"] + client_args)
        rss1 = rss0
        if cli.wait_line("idle connections open" if idle else "req/s", 120) is not None:
            rss1 = rss_kib(srv.p.pid)
        else:
            log("    idle_run: no '%s' line from tern-loadgen in 120 s: %s; %s" % (
                "idle connections open" if idle else "req/s", cli.report(8), srv.report(8)))
        close_pair(srv, cli, seconds + 120)
    finally:
        for x in (cli, srv):
            if x is not None and x.p.poll() is None:
                x.stop(signal.SIGKILL)
    m = re.search(r"^\{.*\}$", cli.output(), re.M)
    if not m:
        raise RuntimeError("tern-loadgen --idle printed no summary: %s" % cli.report())
    res = json.loads(m.group(0))
    if res["idle_held"] != idle:
        raise RuntimeError("held %d idle connections, not %d" % (res["idle_held"], idle))
    return res, rss0, rss1


def steer_cost(rounds):
    """bench_steer's JSON: two workers of one stack on lcores 0 and 1."""
    exe = os.path.join(build_dir(), "tests", "bench", "bench_steer")
    out = subprocess.run([exe, "-l", "0-1", "--no-huge", "-m", "512", "--no-pci",
                          "--log-level=*:error", "--file-prefix", "bst%d" % os.getpid(), "--",
                          "-r", str(max(3, rounds)), "-f", str(1 << 18)],
                         capture_output=True, text=True, timeout=300)
    m = re.search(r"^\{.*\}$", out.stdout, re.M)
    if out.returncode != 0 or not m:
        raise RuntimeError("bench_steer: rc %d %s" % (out.returncode, out.stderr[-500:]))
    res = json.loads(m.group(0))
    log("    bench_steer: %s" % res)
    if res["steer_drop_full"]:
        raise RuntimeError("bench_steer lost %d frames" % res["steer_drop_full"])
    return res


def alternate(fns, runs):
    """
    Run each of @fns once per round, @runs rounds, and return the median of
    each: a pair's two sides take turns, so a drift of this machine's speed
    (a VM: measured 2x apart within minutes) weighs on both alike.
    """
    vals = [[] for _ in fns]
    for _ in range(runs):
        for fn, v in zip(fns, vals):
            v.append(fn())
    for v in vals:
        log("    runs: %s" % ", ".join("%.1f" % x for x in v))
    return [statistics.median(v) for v in vals]


def main():
    signal.signal(signal.SIGTERM, on_terminate)
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--baseline", metavar="BUILD_DIR",
                    help="another tree's build directory: its tern-httpd and tern-loadgen "
                    "run interleaved with this tree's in the http rows (before/after)")
    ap.add_argument("--json")
    ap.add_argument("--only", help="comma-separated row groups to run: http, ipv6, bulk, echo, "
                    "idle, memory, steer, latency (default all)")
    a = ap.parse_args()
    global WORKERS
    WORKERS = max(1, a.workers)
    if WORKERS > 1 and os.cpu_count() < 2 * WORKERS:
        log("  --workers %d on %d cores: the two Tern ends share cores, a correctness run"
            % (WORKERS, os.cpu_count()))
    if os.geteuid() != 0:
        print("SKIP: needs root (hugepages, memif socket)")
        return 77
    if a.smoke:
        a.runs, a.seconds = 1, 1
        # on a busy machine 1024 connections closing take more than the
        # default second; the drain ends as soon as they are all closed
        global DRAIN
        DRAIN = ["--drain-ms", "10000"]
        global TRUST_CHECKSUMS
        TRUST_CHECKSUMS = False
    rows, failures = [], []
    tmp = tempfile.mkdtemp(prefix="tern-bench-")

    def row(name, linux, tern, unit, note=""):
        ratio = tern / linux if linux else float("nan")
        rows.append((name, linux, tern, unit, ratio, note))
        log("  %-34s linux %12.1f  tern %12.1f %-7s ratio %.2f %s" % (name, linux, tern, unit,
                                                                     ratio, note))

    def tern_check(res, what):
        if res["errors"] or res["non2xx"]:
            failures.append("%s: %d errors, %d non-2xx" % (what, res["errors"], res["non2xx"]))
        return res

    def tern(what, server_argv, client_args, **kw):
        # one Tern pair run of a.seconds, its errors counted as failures, and
        # so is a connection its drain had to abort (the server saw no clean close)
        res = tern_check(tern_pair(tmp, server_argv, client_args, a.seconds, **kw), what)
        if res["left_open"]:
            failures.append("%s: %d connections left open after the drain" % (
                what, res["left_open"]))
        idle = [i for i, w in enumerate(res.get("workers", [])) if w["conns_opened"] == 0]
        if WORKERS > 1 and idle and res["conns_opened"] >= WORKERS:
            failures.append("%s: client workers %s opened no connection" % (what, idle))
        return res

    httpd = ["tern-httpd", "--port", "80"]
    to_httpd = ["--target", "10.78.0.1:80"]

    def want(group):
        return not a.only or group in a.only.split(",")

    try:
        if a.smoke:
            err = wait_link_check(tmp)
            if err:
                failures.append(err)
        close64 = to_httpd + ["--mode", "http-close", "--conns", "64"]
        if want("http"):
            for conns in (64, 1024):
                ng = nginx_start(tmp)
                try:
                    lin, t, linc, tc = alternate([
                        lambda: wrk(conns, a.seconds)[0],
                        lambda: tern("http", httpd, to_httpd + ["--mode", "http", "--conns",
                                     str(conns)])["requests_per_s"],
                        lambda: wrk(conns, a.seconds, close=True)[0],
                        lambda: tern("http-close", httpd, to_httpd + ["--mode", "http-close",
                                     "--conns", str(conns)])["conns_per_s"]], a.runs)
                finally:
                    ng.stop()
                row("http keep-alive req/s, %d conns" % conns, lin, t, "req/s")
                row("http close conn/s, %d conns" % conns, linc, tc, "conn/s")
        if want("ipv6"):
            # the same pair with both ends on IPv6 ([ipv6] on both, the target
            # [fd00:78::1]:80), interleaved with IPv4: the reference column is
            # Tern over IPv4 in this row
            keep64 = ["--mode", "http", "--conns", "64"]
            t4, t6 = alternate([
                lambda: tern("http", httpd, to_httpd + keep64)["requests_per_s"],
                lambda: tern("http over IPv6", httpd, ["--target", "[%s]:80" % (ADDR6 % 1)] +
                             keep64, ip6=True)["requests_per_s"]], a.runs)
            row("http keep-alive req/s, 64 conns, IPv6", t4, t6, "req/s",
                "reference column: Tern over IPv4, interleaved; both ends with [ipv6]")
        if a.baseline:
            # before/after: the --baseline tree's binaries interleaved with this
            # tree's, same pairs, same link (the reference column is the baseline)
            for mode, key in (("http", "requests_per_s"), ("http-close", "conns_per_s")):
                args = to_httpd + ["--mode", mode, "--conns", "64"]
                tb, tt = alternate([
                    lambda: tern(mode + " baseline", httpd, args, build=a.baseline)[key],
                    lambda: tern(mode, httpd, args)[key]], a.runs)
                row("%s 64 conns, this tree vs --baseline" % mode, tb, tt,
                    "req/s" if mode == "http" else "conn/s",
                    "reference column: %s" % a.baseline)
        if want("bulk"):
            # a download under way when the run ends must finish within the
            # drain: the smoke run (on a machine that may be busy) and ends
            # sharing cores (--workers on a small machine) move 1 MiB ones
            shared = WORKERS > 1 and os.cpu_count() < 2 * WORKERS
            bulk = to_httpd + ["--mode", "bulk", "--conns", "1", "--bytes",
                               str((1 << 20) if shared or a.smoke else (64 << 20))]
            zero_copy = eal_zero_copy(1, "bzc%d" % os.getpid()) is not None
            if not zero_copy:
                log("  bulk zero-copy row not measured: memif zero-copy needs hugepages, none here")
            lb, tb, tu, tz, ts = alternate([
                lambda: iperf3(a.seconds),
                lambda: tern("bulk", httpd, bulk)["gbit_per_s"],
                # the other way: tern-loadgen uploads with tern_send (a copy per
                # byte, as iperf3's write), tern-httpd takes the body
                lambda: tern("bulk upload", httpd + ["--max-body", str(1 << 30)],
                             bulk + ["--upload"])["gbit_per_s"],
                # tern-loadgen's memif end in zero-copy mode: one copy per frame
                # on the link (server PMD into the client's mbufs), not two
                lambda: tern("bulk zero-copy", httpd, bulk,
                             zero_copy="client")["gbit_per_s"] if zero_copy else 0.0,
                # tern-httpd's memif end in zero-copy mode: its frames go out
                # from where they lie, tern-loadgen's PMD copies each once
                lambda: tern("bulk zero-copy sender", httpd, bulk,
                             zero_copy="server")["gbit_per_s"] if zero_copy else 0.0], a.runs)
            row("bulk 1 connection Gbit/s", lb, tb, "Gbit/s",
                "tern-httpd sends /bytes from memory by reference (tern_send_static)")
            if zero_copy:
                row("bulk 1 connection Gbit/s, memif zero-copy receiver", lb, tz, "Gbit/s",
                    "as above, tern-loadgen's memif end zero-copy=yes")
                row("bulk 1 connection Gbit/s, memif zero-copy sender", lb, ts, "Gbit/s",
                    "as above, tern-httpd's memif end zero-copy=yes (memif client)")
            row("bulk 1 connection Gbit/s, upload (copying sender)", lb, tu, "Gbit/s",
                "tern-loadgen POSTs with tern_send to tern-httpd")

        if want("echo"):
            def ceiling():
                try:
                    # testpmd prints a rate once a second: give it at least three
                    return testpmd_macswap(tmp, max(a.seconds, 3), ECHO_FRAME, ECHO_CONNS)
                except RuntimeError as e:
                    # the ceiling is a reference, not Tern: the smoke run notes it only
                    if not a.smoke:
                        raise
                    log("  testpmd ceiling not measured: %s" % str(e)[:200])
                    return 0.0
            echo_runs = []
            echo_client = ["--target", "10.78.0.1:7", "--mode", "echo", "--conns", str(ECHO_CONNS),
                           "--size", str(ECHO_MSG), "--depth", "1"]

            def echo():
                res = tern("echo", ["tern-echo", "--port", "7"], echo_client)
                echo_runs.append(res)
                return res["frames_tx_per_s"]

            def sockecho():
                # the same load against the epoll-style server on the socket-style
                # API (copying read/write), interleaved with tern-echo's runs
                return tern("sockecho", ["tern-sockecho", "--port", "7"],
                            echo_client)["requests_per_s"]

            def echo_msgs():
                # tern-echo's messages/s from the run alternate() just took
                return echo_runs[-1]["requests_per_s"]
            mp, te, tcb, tsk = alternate([ceiling, echo, echo_msgs, sockecho], a.runs)
            # whether both ends are saturated: each one's share of the run on frames
            srv_load = [r["server_busy_pct"] for r in echo_runs if "server_busy_pct" in r]
            load = "server %s, client %.0f%% busy" % (
                "%.0f%%" % statistics.median(srv_load) if srv_load else "n/a",
                statistics.median(r["busy_pct"] for r in echo_runs))
            row("echo packets/s (vs testpmd macswap)", mp, te, "pkt/s",
                "frames of %d bytes into the server per second, both; Tern: %s" % (ECHO_FRAME, load))
            row("echo msg/s, socket API (vs callback API)", tcb, tsk, "msg/s",
                "reference column: tern-echo (callbacks, zero-copy); tern: tern-sockecho "
                "(tern_sock.h, epoll-style loop, read/write copies); target ratio >= 0.70")
        if want("idle"):
            # many idle connections held while connections/s is measured, on
            # hugepages as such a server runs (with 4 KiB pages every lookup in a
            # table of a million entries walks the page tables: 0.76-0.99 of the
            # rate without them, against 0.92-1.03 on hugepages, same minutes)
            idle_n = 20000 if a.smoke else 1000000
            huge_mb = 1024 if a.smoke else 3072
            huge = reserve_hugepages(huge_mb + 64)
            if not huge:
                log("  idle rows: not enough hugepages, --no-huge (page walks weigh on the ratio)")
            nv, hv = alternate([
                lambda: tern_check(idle_run(tmp, httpd, 0, a.seconds, close64, huge_mb, huge)[0],
                                   "http-close, none idle")["conns_per_s"],
                lambda: tern_check(idle_run(tmp, httpd, idle_n, a.seconds, close64, huge_mb,
                                            huge)[0], "http-close, idle held")["conns_per_s"]],
                a.runs)
            row("http close conn/s, 64 conns: %d idle held vs none" % idle_n, nv, hv, "conn/s",
                "both Tern; target ratio >= 0.9")
        if want("memory"):
            # memory per idle connection: VmRSS (--no-huge) with them all
            # established, less VmRSS of the same server sized for 100 k
            # connections and holding none, per connection (the control blocks'
            # pool and the table sized for a million count); tern-echo is the
            # stack, tern-httpd adds its own per-connection state
            mem_mb = 1024 if a.smoke else 6144
            echo_args = close64[:2] + ["--mode", "echo", "--conns", "1"]
            for app, args, what in ((["tern-echo", "--port", "80"], echo_args, "stack (tern-echo)"),
                                    (httpd, close64, "tern-httpd (stack + app)")):
                small = idle_run(tmp, app, 0, 1, args, mem_mb)
                held = idle_run(tmp, app, idle_n, 1, args, mem_mb)
                log("  VmRSS KiB: %s %d, with %d idle %d" % (app[0], small[1], idle_n, held[2]))
                row("memory per idle conn, %s, bytes" % what, 1024,
                    (held[2] - small[1]) * 1024 / idle_n, "B", "first column: the 1 KiB target")
        if want("steer"):
            st = steer_cost(a.runs if not a.smoke else 1)
            row("steered frame ns: on its owner's queue, extra when steered", st["direct_ns"],
                st["extra_ns_per_steered_frame"], "ns", "bench_steer, medians; not Linux")
        if want("latency"):
            # latency at a moderate, steady rate (about 8 connections / 1 ms),
            # not flat out: each connection pauses 1 ms after every response
            delay = os.path.join(tmp, "delay.lua")
            with open(delay, "w") as f:
                f.write("function delay()\n  return 1\nend\n")
            ng = nginx_start(tmp)
            try:
                wr, _, wl = wrk(8, a.seconds, script=delay)
            finally:
                ng.stop()
            tr = tern("http latency", httpd, to_httpd + ["--mode", "http", "--conns", "8",
                                                         "--delay-ms", "1"])
            tl = tr["lat_us"]
            row("latency run req/s, 8 conns, 1 ms pause after each response", wr,
                tr["requests_per_s"], "req/s", "the rate the two latency rows were taken at")
            row("latency p50 us at that rate (lower wins)", wl.get("50%", 0), tl["p50"], "us")
            row("latency p99 us at that rate (lower wins)", wl.get("99%", 0), tl["p99"], "us")
    except Exception as e:   # a benchmark run that breaks is a failure of the smoke test
        failures.append("run failed: %r" % (e,))
    print("\n| pair | Linux | Tern | unit | Tern/Linux |\n|---|---|---|---|---|")
    for name, lin, tern, unit, ratio, note in rows:
        print("| %s | %.1f | %.1f | %s | %.2f |" % (name, lin, tern, unit, ratio))
    print("\nmachine: %s, %d cores; %s; median of %d runs of %d s; %d worker(s) per Tern end%s"
          % (os.uname().machine, os.cpu_count(), time.strftime("%Y-%m-%d"), a.runs, a.seconds,
             WORKERS, " (ends sharing cores: correctness only)"
             if WORKERS > 1 and os.cpu_count() < 2 * WORKERS else ""))
    if a.json:
        with open(a.json, "w") as f:
            json.dump([dict(zip(("pair", "linux", "tern", "unit", "ratio", "note"), r))
                       for r in rows], f, indent=1)
    if failures:
        print("FAILURES:\n  " + "\n  ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
