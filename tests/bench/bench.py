#!/usr/bin/python3
"""Tern against Linux, side by side, on this machine, in one run.

  tests/bench/bench.py [--runs 3] [--seconds 5] [--smoke] [--workers N] [--json FILE]
      [--only http,ipv6,bulk,echo,idle,memory,steer,latency,peer] [--baseline BUILD_DIR]
      [--peer fstack=PATH | --peer tern] [--peer-tx-delay US]

Pairs (Linux on loopback; Tern over net_memif between two processes):
  http keep-alive req/s   nginx (1 worker, core 0) + wrk (1 thread, core 1)
                          vs tern-httpd (core 0) + tern-loadgen http (core 1); 64 and 1024 conns
  http close conn/s       the same pairs with "Connection: close"
  http over IPv6          tern-httpd + tern-loadgen keep-alive (64 conns) with both ends on
                          IPv6, interleaved with the same pair on IPv4 (the reference)
  --peer fstack=PATH      not Linux but F-Stack (tools/fstack-build.sh built it into PATH):
                          its example, tern-fixedhttp and tern-httpd on one vhost-user
                          link with one tern-loadgen, each server's CPU per request
                          from its own counters (the "peers" section below); --peer
                          tern: the same without F-Stack
  --baseline BUILD_DIR    another tree's tern-httpd + tern-loadgen (keep-alive and close,
                          64 conns) interleaved with this tree's: before/after ratios,
                          of the rate and of the rate per server core (over the
                          server's busy share)
  bulk Gbit/s             iperf3 (1 stream) vs tern-loadgen bulk (1 conn) from tern-httpd;
                          the same at MTU 9000 on both memif ends (iperf3's loopback
                          has a 64 KiB MTU);
                          the same with the receiver's memif end in zero-copy mode (one
                          copy per frame on the link instead of two), and with the
                          sender's (its frames read where they lie, one copy by the
                          receiver); and tern-loadgen bulk --upload to tern-httpd (a
                          copying sender); and Tern's MTU 1500 figure against
                          dpdk-testpmd txonly into rxonly on the same memif, frames of
                          the same size: what the link carries for a program that does
                          no TCP (not in --smoke)
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
import argparse, atexit, json, os, re, shutil, signal, statistics, subprocess, sys, tempfile
import threading, time
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
# A bulk frame at MTU 1500, and the TCP payload Tern puts in it: IPv4 20,
# TCP 20 and the timestamps option 12 leave 1448 bytes. testpmd_txonly
# sends frames this size.
BULK_FRAME = 14 + 1500
BULK_PAYLOAD = 1500 - 20 - 20 - 12


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


def file_prefix(prefix):
    """EAL's --file-prefix @prefix; the runtime dir that EAL leaves behind
    (/var/run/dpdk/@prefix) is removed at exit."""
    atexit.register(shutil.rmtree, os.path.join("/var/run/dpdk", prefix), True)
    return ["--file-prefix", prefix]


def eal(core, prefix, no_huge_mb=None):
    """
    EAL arguments of the Tern end on @core: hugepages where tools/eal-mem
    finds them, else --no-huge; with @no_huge_mb, --no-huge with that much.
    """
    if no_huge_mb is not None:
        mem = file_prefix(prefix) + ["--no-huge", "-m", str(no_huge_mb)]
    else:
        file_prefix(prefix)     # tools/eal-mem names it in its own arguments
        mem = subprocess.run([os.path.join(SRC, "tools", "eal-mem"), prefix],
                             capture_output=True, text=True).stdout.split()
    # memif needs shared memory both sides can map: no --in-memory
    return ["-l", lcores(core), "--no-pci", "--log-level=*:error"] + mem


# trust_checksums: like Linux on loopback, no TCP checksums between two
# processes sharing memory (both ends set it). The smoke run checks them, so
# that a frame read from the wrong place (a zero-copy offset) shows as errors.
TRUST_CHECKSUMS = True


# the IPv6 rows' addresses: ADDR6 % 1 the server's, % 2 tern-loadgen's
ADDR6 = "fd00:78::%d"


def tern_conf(tmp, name, device, addr, trust_checksums=None, max_time_wait=262144,
              tcp_extra="", ip6=None, port_extra="", mbufs=None):
    """
    One Tern end's config file, tmp/NAME.conf: @device, @addr/24 (and @ip6/64
    where given), the bench's pool and table sizes (the same totals over
    --workers; @mbufs instead of the pool's); @tcp_extra, @port_extra: more
    [tcp] and [port] lines. @trust_checksums: as TRUST_CHECKSUMS where None.
    """
    path = os.path.join(tmp, "%s.conf" % name)
    trust = TRUST_CHECKSUMS if trust_checksums is None else trust_checksums
    with open(path, "w") as f:
        f.write("[port]\ndevice = %s\ntrust_checksums = %d\n%s"
                "%s"
                "[ipv4]\naddress = %s\nnetmask = 255.255.255.0\n"
                "[stack]\nmbufs = %d\n[tcp]\nmax_conns = %d\nmax_time_wait = %d\n"
                "time_wait_ms = 60000\n%s" % (device, trust, port_extra,
                                              "[ipv6]\naddress = %s/64\n" % ip6 if ip6 else "",
                                              addr,
                                              mbufs or max(4095, 65535 // WORKERS),
                                              65536 // WORKERS,
                                              max_time_wait // WORKERS, tcp_extra))
    return path


# The jumbo bulk row: MTU 9000, memif buffers that hold a whole frame (a
# memif port's longest frame is one buffer, docs/design.md), 9.3 KiB mbufs
# (fewer of them) and 4 MiB send buffer and window: the default 256 KiB hold
# 29 segments of 8960 bytes, and the sender waited on ACKs (31-34 Gbit/s
# against 44-49 with 4 MiB here; Linux's loopback autotunes its own to 4-6 MiB)
JUMBO_MTU = 9000
JUMBO_PORT = "mtu = %d\n" % JUMBO_MTU
JUMBO_DEV = ",bsize=9216"
JUMBO_TCP = "sndbuf = 4194304\nrcvbuf = 4194304\n"
JUMBO_MBUFS = 16383


def memif_conf(tmp, role, addr, zero_copy=False, ip6=None, jumbo=False):
    """One memif end's config; @jumbo: at JUMBO_MTU."""
    return tern_conf(tmp, role, "net_memif0,role=%s,id=0,socket=%s%s%s" % (
        role, SOCK, ",zero-copy=yes" if zero_copy else "", JUMBO_DEV if jumbo else ""), addr,
        ip6=ip6, port_extra=JUMBO_PORT if jumbo else "", tcp_extra=JUMBO_TCP if jumbo else "",
        mbufs=JUMBO_MBUFS if jumbo else None)


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


def loadgen_summary(cli):
    """tern-loadgen's JSON summary (--json) from its Proc @cli."""
    m = re.search(r"^\{.*\}$", cli.output(), re.M)
    if not m:
        raise RuntimeError("tern-loadgen printed no summary: %s" % cli.report())
    return json.loads(m.group(0))


def tern_server_busy(sout, res):
    """
    Set res["server_busy_pct"] from a Tern server's output @sout: its time on
    frames over its life (polls_busy_us, printed at exit; it idles before and
    after the run) over the measured run of tern-loadgen's summary @res:
    approximate, the handshakes and the drain count in it too.
    """
    busy = re.search(r"^stat polls_busy_us (\d+)$", sout, re.M)
    if busy and res["seconds"] > 0:
        res["server_busy_pct"] = int(busy.group(1)) / (res["seconds"] * 1e4)


def tern_pair(tmp, server_argv, client_args, seconds, zero_copy=None, ip6=False, build=None,
              jumbo=False):
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
    binaries' build directory (--baseline), else build_dir(). @jumbo: both
    ends at JUMBO_MTU (memif_conf).
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
                                              ADDR6 % 1 if ip6 else None, jumbo)] +
                server_argv[1:])
    cli_argv = ([os.path.join(b, "app", "tern-loadgen")] + ceal +
                ["--", "--config", memif_conf(tmp, crole, "10.78.0.2", zero_copy == "client",
                                              ADDR6 % 2 if ip6 else None, jumbo),
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
    res = loadgen_summary(cli)
    tern_server_busy(srv.output(), res)
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


def free_port():
    """A loopback TCP port free now: two bench runs at once (a runner's and a
    developer's) each get their own nginx and iperf3 ports."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


NGINX_PORT = free_port()
IPERF_PORT = free_port()


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
                "  server { listen 127.0.0.1:%d backlog=4096; root %s;\n"
                "    location / { index index.html; } } }\n" % (tmp, tmp, NGINX_PORT, root))
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
    out = subprocess.run(argv + ["http://127.0.0.1:%d/" % NGINX_PORT], capture_output=True, text=True,
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
    srv = Proc(["taskset", "-c", "0", "iperf3", "-s", "-B", "127.0.0.1", "-p", str(IPERF_PORT),
                "-1"])
    time.sleep(0.5)
    try:
        out = subprocess.run(["taskset", "-c", "1", "iperf3", "-c", "127.0.0.1", "-p", str(IPERF_PORT),
                              "-t", str(seconds), "-J"], capture_output=True, text=True,
                             timeout=seconds + 30).stdout
    finally:
        srv.stop()
    return json.loads(out)["end"]["sum_received"]["bits_per_second"] / 1e9


def testpmd_pair(seconds, frame, server_mode, client_mode, client_start):
    """
    dpdk-testpmd on both memif ends, forwarding in @server_mode and
    @client_mode, @frame-byte frames for the modes that make them; the
    client end, interactive, begins with @client_start (bytes: a line at its
    prompt) and forwards for @seconds. Returns both ends' output.
    """
    if os.path.exists(SOCK):
        os.unlink(SOCK)
    common = ["--", "--no-lsc-interrupt", "--nb-cores=1", "--burst=32", "--txpkts=%d" % frame]
    # testpmd wants a main lcore besides its forwarding one: each takes both
    # cores with its forwarding lcore on its own core (the main one sleeps)
    # stdbuf: testpmd's output line by line, as it comes, through a pipe
    srv = Proc(["stdbuf", "-oL", "dpdk-testpmd"] + eal("0,1", "tpa%d" % os.getpid()) + ["--main-lcore", "1"] +
               ["--vdev=net_memif0,role=server,id=0,socket=%s" % SOCK] + common +
               ["--forward-mode=" + server_mode, "--stats-period", "1", "--auto-start"],
               stdin=subprocess.DEVNULL)
    gen = None
    try:
        time.sleep(1.5)
        gen = Proc(["stdbuf", "-oL", "dpdk-testpmd"] + eal("0,1", "tpb%d" % os.getpid()) + ["--main-lcore", "0"] +
                   ["--vdev=net_memif0,role=client,id=0,socket=%s" % SOCK] + common +
                   ["--forward-mode=" + client_mode, "-i"], stdin=subprocess.PIPE)
        time.sleep(2)
        gen.p.stdin.write(client_start)
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
    return sout, gout


def testpmd_rate(out, key, seconds):
    """The median of testpmd's per-second @key rates (Rx-pps, Tx-pps) in
    @out over the last @seconds - 1 periods that moved anything; None if none."""
    rates = [int(x) for x in re.findall(key + r":\s+(\d+)", out)]
    rates = [r for r in rates if r > 0]
    return statistics.median(rates[-max(1, seconds - 1):]) if rates else None


def testpmd_macswap(seconds, frame=64, in_flight=32):
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
    sout, gout = testpmd_pair(seconds, frame, "macswap", "macswap",
                              b"start tx_first %d\n" % max(1, in_flight // 32))
    # the server end's rate: RX-packets of its port per second in the last
    # periods; it sent back what it received (else this is no echo)
    rate = testpmd_rate(sout, "Rx-pps", seconds)
    if rate is None or not testpmd_rate(sout, "Tx-pps", seconds):
        raise RuntimeError("testpmd gave no echo rate: %s" % (sout[-400:] + gout[-400:]))
    return rate


def testpmd_txonly(seconds, frame):
    """
    One-way frames with no TCP: dpdk-testpmd txonly on the memif server end
    (the end tern-httpd sends from in the bulk rows) into rxonly on the
    client end, frames of @frame bytes. Returns the frames/s the server end
    put on the link (its Tx-pps: a frame the ring cannot take is dropped,
    not counted). Not a strict ceiling: Tern's sender reads its payload from
    lines hotter than testpmd's mbufs' (docs/bench.md has the figures).
    """
    sout, gout = testpmd_pair(seconds, frame, "txonly", "rxonly", b"start\n")
    rate = testpmd_rate(sout, "Tx-pps", seconds)
    if rate is None:
        raise RuntimeError("testpmd gave no transmit rate: %s" % (sout[-400:] + gout[-400:]))
    return rate


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
                "--log-level=*:error"] + file_prefix("bisrv%d" % os.getpid()) + mem +
               ["--", "--config", confs["server"]] + server_argv[1:])
    try:
        # its memif socket exists and its memory is laid out once it is ready
        if srv.wait_line(r"ready:", 60) is None:
            raise RuntimeError("%s not ready: %s" % (srv.name, srv.report()))
        time.sleep(0.5)
        rss0 = rss_kib(srv.p.pid)
        cli = Proc([os.path.join(b, "app", "tern-loadgen"), "-l", "1", "--no-pci",
                    "--log-level=*:error"] + file_prefix("bicli%d" % os.getpid()) +
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
                          "--log-level=*:error"] + file_prefix("bst%d" % os.getpid()) + ["--",
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


# ------------------------------------------------------------------ peers
# --peer fstack=PATH: F-Stack (FreeBSD's TCP on DPDK; tools/fstack-build.sh
# builds it into PATH) beside Tern on one link, with one client. F-Stack
# takes PCI ports or virtio-user only, so the link is vhost-user: the server
# (F-Stack, or Tern, on core 0) is the virtio-user front end, tern-loadgen
# (core 1) the vhost back end (net_vhost, which makes the socket; its PMD
# copies every frame, both ways, on the client's core).

VHOST_SOCK = "/run/tern-bench-vhost-%d.sock" % os.getpid()
PEER_SRV, PEER_CLI = "10.79.0.1", "10.79.0.2"
VIRTIO_QUEUE_SIZE = 1024   # each virtio ring's entries (both servers; virtio-user's default: 256)
PEER_MEM_MB = 1024      # each server's memory (F-Stack's [dpdk] memory)
FIXED_SIZE = 649        # the response of F-Stack's example, headers included
# a thousand connections, some waiting out a retransmission, close within it
PEER_DRAIN = ["--drain-ms", "5000"]
PEER_SETTLE_S = 1.5     # the vhost back end's socket exists before the front end starts
# what counts as saturated, for the table's "limited by": a busy share of the run
SATURATED_PCT = 90.0


def peer_client(tmp, client_args, seconds, client_close):
    """
    tern-loadgen as the vhost-user back end, core 1. @client_close
    (http-close --client-close): it holds the TIME_WAITs, so it gets every
    port and a bounded TIME_WAIT table whose oldest records leave early (at
    tens of thousands of connections a second the 28 k default ports would
    all wait out 2MSL within a second). Its run starts with the first
    connection (--start-on-connect): F-Stack's link is up a while before it
    answers.
    """
    if os.path.exists(VHOST_SOCK):
        os.unlink(VHOST_SOCK)
    conf = tern_conf(tmp, "vhost-client", "net_vhost0,iface=%s,queues=1" % VHOST_SOCK, PEER_CLI,
                     trust_checksums=0, max_time_wait=16384 if client_close else 262144,
                     tcp_extra="port_min = 1024\nport_max = 65535\n" if client_close else "")
    return Proc([os.path.join(build_dir(), "app", "tern-loadgen")] +
                eal(1, "bpcli%d" % os.getpid()) +
                ["--", "--config", conf, "--quiet", "--json", "--wait-link", "30",
                 "--duration", str(seconds), "--linger", "--start-on-connect"] +
                (DRAIN or PEER_DRAIN) + client_args +
                (["--client-close"] if client_close else []))


def peer_tern_server(tmp, server_argv):
    """
    A Tern server app on the virtio-user front end, core 0 (TCP checksums
    on: a real link), in --no-huge memory as F-Stack's (virtio-user hands the
    back end one region per hugepage file, at most 8: hugepages would need
    --single-file-segments and files left to clean).
    """
    conf = tern_conf(tmp, "virtio-server", "net_virtio_user0,path=%s,queues=1,queue_size=%d" % (
        VHOST_SOCK, VIRTIO_QUEUE_SIZE),
                     PEER_SRV, trust_checksums=0)
    return Proc([os.path.join(build_dir(), "app", server_argv[0])] +
                eal(0, "bpsrv%d" % os.getpid(), PEER_MEM_MB) + ["--", "--config", conf] +
                server_argv[1:])


def fstack_conf(tmp, tx_delay_us):
    """
    F-Stack's config (its config.ini format) for the front end on core 0:
    virtio-user on VHOST_SOCK, --no-huge memory (virtio-user shares it with
    the back end through memfd), PEER_SRV; @tx_delay_us: its pkt_tx_delay
    (how long a part-filled transmit burst may wait). FreeBSD's tunables
    large enough for a thousand connections at once and for the TIME_WAITs
    of a close benchmark (somaxconn above the example's backlog).
    """
    path = os.path.join(tmp, "fstack.ini")
    net = PEER_SRV.rsplit(".", 1)[0]
    file_prefix("bpfs%d" % os.getpid())     # named in the file below
    with open(path, "w") as f:
        f.write("[dpdk]\nlcore_mask=1\nno_huge=1\nmemory=%d\nfile_prefix=bpfs%d\n"
                "promiscuous=1\nnuma_on=0\ntx_csum_offoad_skip=0\ntso=0\nvlan_strip=0\n"
                "idle_sleep=0\npkt_tx_delay=%d\nsymmetric_rss=0\nport_list=0\nnb_vdev=1\n"
                "nb_bond=0\n"
                "[vdev0]\npath=%s\nqueues=1\nqueue_size=%d\n"
                "[port0]\naddr=%s\nnetmask=255.255.255.0\nbroadcast=%s.255\ngateway=%s\n"
                "[kni]\nenable=0\n"
                "[freebsd.boot]\nhz=100\nfd_reserve=1024\nkern.ipc.maxsockets=262144\n"
                "net.inet.tcp.syncache.hashsize=4096\nnet.inet.tcp.syncache.bucketlimit=100\n"
                "net.inet.tcp.tcbhashsize=65536\nkern.ncallout=262144\n"
                "[freebsd.sysctl]\nkern.ipc.somaxconn=32768\nnet.inet.tcp.msl=2000\n"
                "net.inet.tcp.fast_finwait2_recycle=1\nnet.inet.tcp.maxtcptw=16384\n"
                "net.inet.tcp.blackhole=1\nnet.inet.udp.blackhole=1\n"
                % (PEER_MEM_MB, os.getpid(), tx_delay_us, VHOST_SOCK, VIRTIO_QUEUE_SIZE, PEER_SRV,
                   net, PEER_CLI))
    return path


class FstackLoad:
    """
    F-Stack's own account of its time, read from the running process: its
    main loop adds each iteration's TSC cycles to one static struct (what
    ff_top shows through F-Stack's IPC): loops, idle, work (all), sys
    (packets: iterations that received or sent something), usr (the app's
    loop callback). Read here straight from /proc/PID/mem at the symbol's
    address (root; the symbol from nm), so nothing attaches to the process.
    """
    SYMBOL = "ff_top_status"
    FIELDS = ("loops", "idle_tsc", "work_tsc", "sys_tsc", "usr_tsc")

    def __init__(self, exe, pid):
        self.exe, self.pid = os.path.realpath(exe), pid
        out = subprocess.run(["nm", self.exe], capture_output=True, text=True).stdout
        m = re.search(r"^([0-9a-f]+) [bBdD] %s$" % self.SYMBOL, out, re.M)
        if not m:
            raise RuntimeError("%s: no %s symbol (stripped?)" % (exe, self.SYMBOL))
        self.offset = int(m.group(1), 16)
        with open(self.exe, "rb") as f:
            f.seek(16)      # e_type: 3 is a position-independent executable
            self.pie = int.from_bytes(f.read(2), "little") == 3

    def _addr(self):
        if not self.pie:
            return self.offset
        with open("/proc/%d/maps" % self.pid) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 6 and parts[5] == self.exe and int(parts[2], 16) == 0:
                    return int(parts[0].split("-")[0], 16) + self.offset
        raise RuntimeError("%s not mapped in pid %d" % (self.exe, self.pid))

    def read(self):
        """The counters now, and the wall clock (s) when read."""
        with open("/proc/%d/mem" % self.pid, "rb") as f:
            f.seek(self._addr())
            raw = f.read(8 * len(self.FIELDS))
        vals = dict(zip(self.FIELDS, (int.from_bytes(raw[i:i + 8], "little")
                                      for i in range(0, len(raw), 8))))
        vals["t"] = time.monotonic()
        return vals

    @staticmethod
    def busy_s(a, b):
        """
        Seconds of work (not idle) from reading @a to @b. (Not the work
        cycles' share of the wall time: the loop counts none between one
        iteration's end and the next one's start, a quarter to two fifths
        of an idle loop's time here.)
        """
        return ((b["work_tsc"] - a["work_tsc"]) - (b["idle_tsc"] - a["idle_tsc"])) / tsc_hz()


def tsc_hz():
    """
    The TSC's rate: the kernel's calibration (dmesg), else /proc/cpuinfo's
    "cpu MHz" where the TSC is constant (what it shows then where no cpufreq
    driver runs, as in a VM).
    """
    out = subprocess.run(["dmesg"], capture_output=True, text=True).stdout
    for rx in (r"tsc: Refined TSC clocksource calibration: ([\d.]+) MHz",
               r"tsc: Detected ([\d.]+) MHz"):
        m = re.findall(rx, out)
        if m:
            return float(m[-1]) * 1e6
    with open("/proc/cpuinfo") as f:
        info = f.read()
    m = re.search(r"^cpu MHz\s*:\s*([\d.]+)", info, re.M)
    if not m or "constant_tsc" not in info:
        raise RuntimeError("the TSC's rate: not in dmesg, no constant TSC in /proc/cpuinfo")
    return float(m.group(1)) * 1e6


def peer_run(tmp, server, client_args, seconds, client_close=False):
    """
    One run on the vhost-user link: tern-loadgen (back end) first, then
    @server, ("fstack", BINARY) or a Tern app's argv; the loadgen summary
    with "server_busy_pct" added: Tern's polls_busy_us, or F-Stack's work
    cycles from the moment its loop runs until tern-loadgen has drained,
    both over the measured seconds.
    """
    cli = srv = load = None
    try:
        cli = peer_client(tmp, client_args, seconds, client_close)
        time.sleep(PEER_SETTLE_S)
        if server[0] == "fstack":
            wd = os.path.join(tmp, "fstack")      # its example writes a log where it runs
            os.makedirs(wd, exist_ok=True)
            srv = Proc(["taskset", "-c", "0", server[1], "--conf", fstack_conf(tmp, FSTACK_TX_DELAY),
                        "--proc-type=primary", "--proc-id=0"], cwd=wd)
            load = FstackLoad(server[1], srv.p.pid)
            first, deadline = None, time.monotonic() + 60
            while time.monotonic() < deadline and srv.p.poll() is None:
                try:
                    first = load.read()
                except (OSError, RuntimeError):
                    first = None        # not mapped yet
                if first is not None and first["loops"] > 0:
                    break
                time.sleep(0.05)
            if first is None or first["loops"] == 0:
                raise RuntimeError("F-Stack's loop never ran: %s" % srv.report())
        else:
            srv = peer_tern_server(tmp, server)
            if srv.wait_line(r"ready:", 60) is None:
                raise RuntimeError("%s not ready: %s" % (server[0], srv.report()))
        # each end's share of a CPU from a second (a quarter) into the run to its end
        time.sleep(min(1.0, seconds / 4))
        cpu0 = [cpu_time(x.p.pid) for x in (srv, cli)]
        if cli.wait_line(r"lingering:", seconds + 60) is None:
            raise RuntimeError("tern-loadgen did not finish: %s; %s" % (cli.report(),
                                                                         srv.report()))
        last = load.read() if load else None
        shares = [cpu_share(a, cpu_time(x.p.pid)) for a, x in zip(cpu0, (srv, cli))]
        srv.stop()
        cli.stop()
    finally:
        for x in (cli, srv):
            if x is not None and x.p.poll() is None:
                x.stop(signal.SIGKILL)
    if cli.p.returncode != 0 or (load is None and srv.p.returncode != 0):
        raise RuntimeError("; ".join(x.report(60) for x in (cli, srv)))
    res = loadgen_summary(cli)
    res["server_cpu_pct"], res["client_cpu_pct"] = shares
    if load is not None:
        if res["seconds"] > 0:
            res["server_busy_pct"] = FstackLoad.busy_s(first, last) / res["seconds"] * 100
        res["fstack_top"] = {k: last[k] - first[k] for k in FstackLoad.FIELDS}
        res["fstack_top"]["wall_s"] = last["t"] - first["t"]
    else:
        tern_server_busy(srv.output(), res)
    what = "F-Stack" if load is not None else server[0]
    log("    %s: %.0f/s, server %.0f%% busy, tern-loadgen %.0f%%; CPU had %.0f%%, %.0f%%" % (
        what, res["conns_per_s"] if "http-close" in client_args else res["requests_per_s"],
        res.get("server_busy_pct", float("nan")), res["busy_pct"], shares[0], shares[1]))
    return res


FSTACK_TX_DELAY = 100   # F-Stack's shipped pkt_tx_delay (us); --peer-tx-delay


def cpu_time(pid):
    """(seconds process @pid has been on a CPU, the monotonic clock now)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # utime, stime: fields 14 and 15 of proc(5), here counted from the state (3)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), time.monotonic()


def cpu_share(a, b):
    """
    The share (%) of the time from cpu_time() @a to @b that the process was
    on a CPU: a busy-polling process that got less was kept off its core by
    other work on the machine (and its busy time, a wall-clock measure,
    counts the time it was kept off in the middle of busy work).
    """
    return 100.0 * (b[0] - a[0]) / (b[1] - a[1]) if b[1] > a[1] else float("nan")


def limiter(res):
    """
    Which end limited a run: the saturated one; else, where an end was kept
    off its core, the machine; else the round trips (neither saturated).
    """
    srv, cli = res.get("server_busy_pct", 0.0), res["busy_pct"]
    if srv >= SATURATED_PCT and srv >= cli:
        return "server"
    if cli >= SATURATED_PCT:
        return "client"
    short = [w for w, k in (("server", "server_cpu_pct"), ("client", "client_cpu_pct"))
             if res.get(k, 100.0) < SATURATED_PCT]
    if short:
        return "the machine (%s off-CPU)" % " and ".join(short)
    return "neither (latency)"


def peer_ns(res, key):
    """
    A run's server time per request (@key requests_per_s) or connection
    (conns_per_s), ns: its busy time, and that less the share of it spent off
    the CPU, were that spread evenly (what the work cost on a shared machine).
    """
    done = res[key] * res["seconds"]
    if not done or "server_busy_pct" not in res:
        return float("nan"), float("nan")
    busy = res["server_busy_pct"] / 100 * res["seconds"] * 1e9 / done
    return busy, busy * min(1.0, res["server_cpu_pct"] / 100)


def peer_rows(tmp, fstack_exe, runs, seconds, check):
    """
    The peer table: for 64 and 1024 connections, keep-alive req/s and
    Connection: close conn/s of F-Stack's example, tern-fixedhttp (the same
    fixed response on Tern's API) and tern-httpd, interleaved (alternate),
    each with its server's load and CPU time per request. @fstack_exe None:
    the Tern servers only (the link and the apps checked without F-Stack).
    @check(res, what) counts a run's errors as failures. Returns the table's
    rows.
    """
    fixed = ["tern-fixedhttp", "--port", "80", "--size", str(FIXED_SIZE)]
    httpd = ["tern-httpd", "--port", "80"]
    target = ["--target", "%s:80" % PEER_SRV]
    servers = ((("F-Stack example", ("fstack", fstack_exe)),) if fstack_exe else ()) + (
        ("tern-fixedhttp", fixed), ("tern-httpd", httpd))
    table = []
    for conns in (64, 1024):
        for mode, unit, key in (("http", "req/s", "requests_per_s"),
                                ("http-close", "conn/s", "conns_per_s")):
            results = [[] for _ in servers]

            def one(i, server):
                # the fixed-response servers never close: the client does
                # (--client-close); tern-httpd closes as HTTP/1.1 says
                name, argv = servers[i]
                close_first = mode == "http-close" and name != "tern-httpd"
                res = check(peer_run(tmp, argv, target + ["--mode", mode, "--conns", str(conns)],
                                     seconds, client_close=close_first),
                            "%s %s %d conns" % (name, mode, conns))
                results[i].append(res)
                return res[key]
            alternate([lambda i=i, srv=srv: one(i, srv) for i, (_, srv) in enumerate(servers)],
                      runs)
            for (name, _), rs in zip(servers, results):
                rates = [r[key] for r in rs]
                mid = rs[rates.index(statistics.median_low(rates))]
                ns = [peer_ns(r, key) for r in rs]
                table.append({
                    "server": name, "mode": "keep-alive" if mode == "http" else "close",
                    "conns": conns, "unit": unit, "rate": mid[key], "runs": rates,
                    "server_load_pct": mid.get("server_busy_pct", float("nan")),
                    "run_loads": [r.get("server_busy_pct", float("nan")) for r in rs],
                    # the CPU time of a request (or connection), each run's, and
                    # their medians: less swayed by a run the machine disturbed
                    "run_ns": [n[0] for n in ns], "run_ns_on_cpu": [n[1] for n in ns],
                    "ns_per": statistics.median(n[0] for n in ns),
                    "ns_per_on_cpu": statistics.median(n[1] for n in ns),
                    "client_busy_pct": mid["busy_pct"], "limited_by": limiter(mid),
                    "server_cpu_pct": mid["server_cpu_pct"],
                    "client_cpu_pct": mid["client_cpu_pct"],
                    "retransmits": mid["retransmits"], "left_open": mid["left_open"],
                    "errors": mid["errors"]})
                r = table[-1]
                log("  peer %-16s %-10s %4d conns: %10.0f %s, server %.0f%%, %.0f ns each "
                    "(%.0f on CPU), client %.0f%%, limited by %s" % (
                        name, r["mode"], conns, r["rate"], unit, r["server_load_pct"],
                        r["ns_per"], r["ns_per_on_cpu"], r["client_busy_pct"], r["limited_by"]))
    return table


def print_peer_table(table, fstack_exe):
    """The peer table in Markdown, each run's rate beside the median."""
    if fstack_exe:
        commit = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(fstack_exe))),
                              "COMMIT")
        print("\nF-Stack: %s%s" % (fstack_exe, " at " + open(commit).read().strip()
                                   if os.path.exists(commit) else ""))
    print("\nlink: vhost-user, tern-loadgen the back end (core 1), the server the front end "
          "(core 0)")
    print("\n| server | mode | conns | rate (median) | runs | server load (runs) "
          "| server ns each, busy / on CPU (runs) | client busy | CPU had, server/client "
          "| limited by |\n|---|---|---|---|---|---|---|---|---|---|")
    for r in table:
        print("| %s | %s | %d | %.0f %s | %s | %.0f%% (%s) | %.0f / %.0f (%s) | %.0f%% "
              "| %.0f%%/%.0f%% | %s |" % (
                  r["server"], r["mode"], r["conns"], r["rate"], r["unit"],
                  ", ".join("%.0f" % x for x in r["runs"]), r["server_load_pct"],
                  ", ".join("%.0f" % x for x in r["run_loads"]), r["ns_per"],
                  r["ns_per_on_cpu"], ", ".join("%.0f" % x for x in r["run_ns_on_cpu"]),
                  r["client_busy_pct"], r["server_cpu_pct"], r["client_cpu_pct"],
                  r["limited_by"]))


def alternate(fns, runs):
    """
    Run each of @fns once per round, @runs rounds, and return the median of
    each (the log also gives the first two's ratio round by round): a pair's
    two sides take turns, so a drift of this machine's speed
    (a VM: measured 2x apart within minutes) weighs on both alike. Every other
    round runs them in reverse order, so neither side always goes first (a
    bulk pair of two identical data paths read 1.45x with a fixed order).
    """
    vals = [[] for _ in fns]
    for r in range(runs):
        order = list(range(len(fns)))
        if r % 2:
            order.reverse()
        for i in order:
            vals[i].append(fns[i]())
    for v in vals:
        log("    runs: %s" % ", ".join("%.1f" % x for x in v))
    if len(fns) >= 2:
        log_round_ratios(vals[0], vals[1], "2nd/1st")
    return [statistics.median(v) for v in vals]


def log_round_ratios(first, second, what):
    """
    Log @second over @first round by round: where the machine flips between
    two speeds for minutes at a time, each round's pair ran in one of them,
    and the medians of the two sides may not.
    """
    paired = [b / x for x, b in zip(first, second) if x]
    if paired:
        log("    rounds, %s: %s (median %.2f)" % (
            what, ", ".join("%.2f" % x for x in paired), statistics.median(paired)))


def main():
    global FSTACK_TX_DELAY
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
                    "idle, memory, steer, latency (default all), peer (with --peer), "
                    "baseline (with --baseline: its http and bulk before/after rows)")
    ap.add_argument("--peer", metavar="fstack=PATH",
                    help="also run the peer table against F-Stack built by "
                    "tools/fstack-build.sh into PATH (or PATH: its example's binary); "
                    "alone unless --only names more. --peer tern: the same table "
                    "without F-Stack (its link and apps checked)")
    ap.add_argument("--peer-tx-delay", type=int, default=FSTACK_TX_DELAY, metavar="US",
                    help="F-Stack's pkt_tx_delay (default %(default)s, as it ships)")
    a = ap.parse_args()
    fstack_exe = None
    if a.peer and a.peer != "tern":
        kind, _, path = a.peer.partition("=")
        if kind != "fstack" or not path:
            ap.error("--peer: fstack=PATH is the one peer known (or tern: none)")
        fstack_exe = os.path.join(path, "bin", "fstack-helloworld") if os.path.isdir(path) else path
        if not os.access(fstack_exe, os.X_OK):
            ap.error("--peer: no F-Stack example at %s (tools/fstack-build.sh makes it)"
                     % fstack_exe)
        FSTACK_TX_DELAY = a.peer_tx_delay
    if a.peer and not a.only:
        a.only = "peer"
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
    rows, failures, peer_table = [], [], []
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
            # per server core: the rate over the server's busy share (its
            # polls_busy_us), since at these rates neither end may be saturated
            def per_core(res, key):
                busy = res.get("server_busy_pct") or 0
                return res[key] / (busy / 100) if busy > 0 else float("nan")

            for mode, key in (("http", "requests_per_s"), ("http-close", "conns_per_s")):
                if not (want("http") or want("baseline")):
                    break
                args = to_httpd + ["--mode", mode, "--conns", "64"]
                seen = {"before": [], "after": []}

                def side(which, build, mode=mode, key=key, args=args, seen=seen):
                    res = tern(mode + (" baseline" if build else ""), httpd, args, build=build)
                    seen[which].append(per_core(res, key))
                    return res[key]

                tb, tt = alternate([lambda: side("before", a.baseline),
                                    lambda: side("after", None)], a.runs)
                unit = "req/s" if mode == "http" else "conn/s"
                row("%s 64 conns, this tree vs --baseline" % mode, tb, tt, unit,
                    "reference column: %s" % a.baseline)
                log("    per server core: %s / %s" % (
                    ", ".join("%.0f" % x for x in seen["before"]),
                    ", ".join("%.0f" % x for x in seen["after"])))
                log_round_ratios(seen["before"], seen["after"], "per server core, after/before")
                row("%s 64 conns per server core, this tree vs --baseline" % mode,
                    statistics.median(seen["before"]), statistics.median(seen["after"]),
                    unit, "the rate over the server's busy share (polls_busy_us)")
            if want("bulk") or want("baseline"):
                # one 64 MiB download at a time, plain (copying) memif ends:
                # what receive coalescing and the rest change for bulk data
                bulk_b = to_httpd + ["--mode", "bulk", "--conns", "1", "--bytes",
                                     str((1 << 20) if a.smoke else (64 << 20))]
                bb, ba = alternate([
                    lambda: tern("bulk baseline", httpd, bulk_b, build=a.baseline)["gbit_per_s"],
                    lambda: tern("bulk", httpd, bulk_b)["gbit_per_s"]], a.runs)
                row("bulk 1 connection Gbit/s, this tree vs --baseline", bb, ba, "Gbit/s",
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

            def bulk_testpmd():
                # a reference, not Tern, and a slow one (testpmd reports once a
                # second): the smoke run checks Tern, and the echo ceiling
                # already runs testpmd_pair there
                if a.smoke:
                    return 0.0
                return testpmd_txonly(max(a.seconds, 3), BULK_FRAME) * BULK_PAYLOAD * 8 / 1e9

            lb, tb, tj, tu, tz, ts, tjs, cb = alternate([
                lambda: iperf3(a.seconds),
                lambda: tern("bulk", httpd, bulk)["gbit_per_s"],
                lambda: tern("bulk jumbo", httpd, bulk, jumbo=True)["gbit_per_s"],
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
                             zero_copy="server")["gbit_per_s"] if zero_copy else 0.0,
                lambda: tern("bulk jumbo zero-copy sender", httpd, bulk, zero_copy="server",
                             jumbo=True)["gbit_per_s"] if zero_copy else 0.0,
                bulk_testpmd], a.runs)
            row("bulk 1 connection Gbit/s", lb, tb, "Gbit/s",
                "tern-httpd sends /bytes from memory by reference (tern_send_static)")
            if not a.smoke:
                row("bulk 1 connection Gbit/s vs testpmd txonly on the same memif", cb, tb,
                    "Gbit/s", "reference: testpmd txonly into rxonly, no TCP, %d-byte frames, "
                    "as %d payload bytes each (Tern's MSS at MTU 1500 with timestamps)"
                    % (BULK_FRAME, BULK_PAYLOAD))
            row("bulk 1 connection Gbit/s, MTU %d" % JUMBO_MTU, lb, tj, "Gbit/s",
                "as above, both memif ends at MTU %d (Linux loopback's is 65536)" % JUMBO_MTU)
            if zero_copy:
                row("bulk 1 connection Gbit/s, memif zero-copy receiver", lb, tz, "Gbit/s",
                    "as above, tern-loadgen's memif end zero-copy=yes")
                row("bulk 1 connection Gbit/s, memif zero-copy sender", lb, ts, "Gbit/s",
                    "as above, tern-httpd's memif end zero-copy=yes (memif client)")
                row("bulk 1 connection Gbit/s, MTU %d, memif zero-copy sender" % JUMBO_MTU,
                    lb, tjs, "Gbit/s", "both: the sender's copy gone, at MTU %d" % JUMBO_MTU)
            row("bulk 1 connection Gbit/s, upload (copying sender)", lb, tu, "Gbit/s",
                "tern-loadgen POSTs with tern_send to tern-httpd")

        if want("echo"):
            def ceiling():
                try:
                    # testpmd prints a rate once a second: give it at least three
                    return testpmd_macswap(max(a.seconds, 3), ECHO_FRAME, ECHO_CONNS)
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

            mp, te, tsk = alternate([ceiling, echo, sockecho], a.runs)
            # tern-echo's messages/s, from the same runs (a function of its own
            # in alternate() would read the round before's in reversed rounds)
            tcb = statistics.median(r["requests_per_s"] for r in echo_runs)
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
        # the idle connections held by the idle and memory rows
        idle_n = 20000 if a.smoke else 1000000
        if want("idle"):
            # many idle connections held while connections/s is measured, on
            # hugepages as such a server runs (with 4 KiB pages every lookup in a
            # table of a million entries walks the page tables: 0.76-0.99 of the
            # rate without them, against 0.92-1.03 on hugepages, same minutes)
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
        if a.peer and want("peer"):
            peer_table = peer_rows(tmp, fstack_exe, a.runs, a.seconds,
                                   lambda res, what: tern_check(res, what))
    except Exception as e:   # a benchmark run that breaks is a failure of the smoke test
        failures.append("run failed: %r" % (e,))
    print("\n| pair | Linux | Tern | unit | Tern/Linux |\n|---|---|---|---|---|")
    for name, lin, tern, unit, ratio, note in rows:
        print("| %s | %.1f | %.1f | %s | %.2f |" % (name, lin, tern, unit, ratio))
    if peer_table:
        print_peer_table(peer_table, fstack_exe)
        failures += ["%s %s %d conns: nothing done" % (r["server"], r["mode"], r["conns"])
                     for r in peer_table if not r["rate"] > 0]
    print("\nmachine: %s, %d cores; %s; median of %d runs of %d s; %d worker(s) per Tern end%s"
          % (os.uname().machine, os.cpu_count(), time.strftime("%Y-%m-%d"), a.runs, a.seconds,
             WORKERS, " (ends sharing cores: correctness only)"
             if WORKERS > 1 and os.cpu_count() < 2 * WORKERS else ""))
    if a.json:
        with open(a.json, "w") as f:
            json.dump([dict(zip(("pair", "linux", "tern", "unit", "ratio", "note"), r))
                       for r in rows] + [dict(r, pair="peer") for r in peer_table], f, indent=1)
    if failures:
        print("FAILURES:\n  " + "\n  ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
